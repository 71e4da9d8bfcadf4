//! sync and list from files, folders and streams against the in-memory cluster.
mod sync_common;
use promstack_rules::{load_valid, sync, sync_with_check, SyncOptions};
use promstack_shared::terminal::ui::Ui;
use serde_json::{json, Value};
use sync_common::*;

/// The folder's rules given as files, and as a stream (what `sync --dry-run -o yaml` prints, with
/// another object in it): the same objects (names, ownership labels, source annotation), so after
/// the folder's sync neither writes anything. A selection leaves the rules it does not make as
/// they are, and `--prune` on it is refused (exit 2, nothing written) unless `--whole-set`.
#[tokio::test]
async fn files_and_a_stream_sync_as_the_folder_does() {
    use promstack_shared::input::sources::{input::from_stream, Inputs, RuleSet};
    use promstack_shared::prometheus::promql::Target;
    let c = cluster(json!({}));
    let (_tmp, dir) = copy_rules();
    assert_eq!(sync_dir(&c, &dir, false, false).await.unwrap().created, 3);
    let ui = Ui::silent();
    let files = Inputs::paths(["node.yaml", "cilium.yaml", "workloads.yaml"].map(|f| dir.join(f)));
    let from_files =
        promstack_rules::load::sources_valid(&files, "monitoring", &Target::any(), &ui).unwrap();
    let folder = load_valid(Some(&dir), "monitoring").unwrap();
    let objects: Vec<Value> = folder.objects.iter().map(sync::to_json).collect();
    let stream = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\n{}",
        promstack_shared::terminal::output::yaml_stream(&objects).unwrap()
    );
    let (from_stream, errors) =
        promstack_rules::load::load_read(from_stream::<RuleSet>(stream.clone()), "monitoring");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(from_stream.sources.skipped, 1);
    let sorted = |l: &promstack_rules::load::Loaded| {
        let mut o = l.objects.clone();
        o.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        o
    };
    for loaded in [&from_files, &from_stream] {
        assert!(sorted(loaded) == sorted(&folder), "the same objects");
        c.reset_counts();
        let r = sync_with_check(&c, loaded, &plain_sync(), &ui)
            .await
            .unwrap();
        assert_eq!((r.unchanged, r.outside, c.writes()), (3, 0, 0));
    }

    // a selection: one file, changed; the two others are left, not stale
    let text = std::fs::read_to_string(dir.join("node.yaml"))
        .unwrap()
        .replace("for: 3m", "for: 4m");
    std::fs::write(dir.join("node.yaml"), text).unwrap();
    let node = Inputs::paths([dir.join("node.yaml")]);
    let one =
        promstack_rules::load::sources_valid(&node, "monitoring", &Target::any(), &ui).unwrap();
    let r = sync_with_check(&c, &one, &plain_sync(), &ui).await.unwrap();
    assert_eq!((r.updated, r.outside, r.stale.len()), (1, 2, 0), "{r:?}");

    // --prune on it: refused before any request; said to be the whole set, it prunes the others
    c.reset_counts();
    let prune = SyncOptions {
        prune: true,
        ..plain_sync()
    };
    let err = sync_with_check(&c, &one, &prune, &ui).await.unwrap_err();
    assert!(format!("{err:#}").contains("--whole-set"), "{err:#}");
    assert_eq!(
        promstack_shared::error::exit_code_of(&err),
        promstack_shared::ExitCode::Usage
    );
    assert_eq!(c.log().len(), 0, "nothing asked: {:?}", c.log());
    let whole = SyncOptions {
        whole_set: true,
        ..prune
    };
    let r = sync_with_check(&c, &one, &whole, &ui).await.unwrap();
    assert_eq!((r.unchanged, r.pruned), (1, 2));
    assert!(c.peek(&rule_ref("cilium")).is_none());
}

/// `list` with sources is `kubectl get -f`: the objects they make, each live or absent.
#[tokio::test]
async fn list_with_sources_shows_what_they_make() {
    use promstack_rules::verb::list::{run, ListOptions};
    use promstack_shared::input::sources::Inputs;
    let c = cluster(json!({}));
    let (_tmp, dir) = copy_rules();
    let node = Inputs::paths([dir.join("node.yaml")]);
    let loaded = promstack_rules::load::sources_valid(
        &node,
        "monitoring",
        &Default::default(),
        &Ui::silent(),
    )
    .unwrap();
    sync_with_check(&c, &loaded, &plain_sync(), &Ui::silent())
        .await
        .unwrap();
    let ui = Ui::silent();
    let deps = promstack_shared::terminal::verb::Deps::new(&c, &ui);
    let list = |sources: Option<Inputs>| ListOptions {
        namespace: Some("monitoring".into()),
        sources,
        sources_namespace: "monitoring".into(),
    };
    let all = run(&list(Some(Inputs::paths([dir.clone()]))), &deps)
        .await
        .unwrap();
    let rows: Vec<(&str, bool)> = all
        .items
        .iter()
        .map(|i| (i.name.as_str(), i.absent))
        .collect();
    assert_eq!(
        rows,
        [
            ("cilium", true),
            ("promstack-node", false),
            ("promstack-workloads", true)
        ]
    );
    assert!(all.sources.is_some());
    let live = run(&list(None), &deps).await.unwrap();
    assert_eq!(live.items.len(), 1);
    assert!(live.sources.is_none());
}

/// The chart's render piped in (`helm template <chart> | rules sync -f -`) into the namespace the
/// chart is installed in: its PrometheusRules have the names of the chart's own, which helm
/// owns. A sync or diff that would create under a name another owner's object holds is refused
/// (exit 3) naming it and its owner, before any write; the same source into a namespace where the
/// name is free creates it.
#[tokio::test]
async fn a_name_another_owner_holds_is_refused_before_any_write() {
    use promstack_shared::kube::cluster::Cluster;
    let c = cluster(json!({}));
    let (_tmp, dir) = copy_rules();
    let loaded = load_valid(Some(&dir), "monitoring").unwrap();
    let mut helms = sync::to_json(&loaded.objects[0]);
    let name = helms["metadata"]["name"].as_str().unwrap().to_string();
    helms["metadata"]["namespace"] = json!("monitoring");
    helms["metadata"]["labels"] =
        json!({"app.kubernetes.io/managed-by": "Helm", "release": "kube-prometheus"});
    helms["metadata"]["annotations"] = json!({"meta.helm.sh/release-name": "kube-prometheus", "meta.helm.sh/release-namespace": "monitoring"});
    c.insert(helms.clone());
    c.reset_counts();
    let ui = Ui::silent();
    for dry_run in [false, true] {
        let opts = SyncOptions {
            dry_run,
            ..plain_sync()
        };
        let e = sync_with_check(&c, &loaded, &opts, &ui).await.unwrap_err();
        assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
        assert_eq!(
            e.to_string(),
            format!("1 of the PrometheusRules these sources make would take over an object that promstack did not make for rules; nothing was written:\n  PrometheusRule monitoring/{name} (helm release monitoring/kube-prometheus)\nRename the source (its metadata.name, or the file it comes from), sync into another namespace, or remove the other object first.")
        );
    }
    let e = promstack_rules::sync::diff(&c, &loaded.objects, "monitoring", true)
        .await
        .unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    assert_eq!(c.writes(), 0);
    let live = c.get(&rule_ref(&name)).await.unwrap().unwrap();
    assert_eq!(
        live["metadata"]["labels"], helms["metadata"]["labels"],
        "helm's object untouched"
    );

    // promstack's own of another component under that name is not this sync's either
    helms["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "promstack", "promstack.io/component": "alert-test"});
    helms["metadata"]["annotations"] = json!({});
    c.insert(helms);
    let e = sync_with_check(&c, &loaded, &plain_sync(), &ui)
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains(&format!(
            "PrometheusRule monitoring/{name} (promstack's alert-test)"
        )),
        "{e}"
    );
}
