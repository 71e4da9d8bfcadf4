//! sync / prune / diff / selection check against the in-memory cluster.
use promstack_rules::{load_valid, sync, sync_with_check};
use promstack_shared::kube::cluster::{Fault, MemoryCluster, ObjRef, Verb};
use promstack_shared::kube::owned::Change;
use promstack_shared::terminal::ui::Ui;
use serde_json::json;
use std::path::Path;

mod sync_common;
use sync_common::*;

#[tokio::test]
async fn create_then_nothing_then_update_then_prune_only_ours() {
    let c = cluster(json!({}));
    let (_tmp, dir) = copy_rules();
    let r = sync_dir(&c, &dir, false, false).await.unwrap();
    assert_eq!((r.created, r.updated, r.unchanged), (3, 0, 0));
    let node = c.peek(&rule_ref("promstack-node")).unwrap();
    assert_eq!(
        node["metadata"]["labels"]["promstack.io/component"],
        "rules"
    );
    assert_eq!(
        node["metadata"]["annotations"]["promstack.io/source"],
        "node.yaml"
    );
    assert_eq!(
        node["spec"]["groups"][0]["rules"][0]["annotations"]["summary"],
        "Node {{ $labels.instance }} is down"
    );
    assert!(
        c.peek(&rule_ref("cilium")).is_some(),
        "the plain rule file became a PrometheusRule named after it"
    );

    // a second sync with no change: zero writes
    c.reset_counts();
    let r = sync_dir(&c, &dir, true, false).await.unwrap();
    assert_eq!((r.created, r.updated, r.unchanged, r.pruned), (0, 0, 3, 0));
    assert_eq!(c.writes(), 0, "{:?}", c.log());
    assert_eq!(
        c.count(Verb::List),
        2,
        "one list for the Prometheus objects, one for our rules"
    );

    // change one rule: exactly one write
    let text = std::fs::read_to_string(dir.join("node.yaml"))
        .unwrap()
        .replace("for: 3m", "for: 4m");
    std::fs::write(dir.join("node.yaml"), text).unwrap();
    c.reset_counts();
    let r = sync_dir(&c, &dir, false, false).await.unwrap();
    assert_eq!((r.updated, r.unchanged), (1, 2));
    assert_eq!(c.count(Verb::Apply), 1);
    assert_eq!(
        c.peek(&rule_ref("promstack-node")).unwrap()["spec"]["groups"][0]["rules"][0]["for"],
        "4m"
    );

    // a removed source: stale without --prune, deleted with it; foreign rules never touched
    c.insert(json!({"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule","metadata":{"name":"team-rules","namespace":"monitoring","labels":{"promstack.io/component":"rules"}},"spec":{"groups":[]}}));
    std::fs::remove_file(dir.join("cilium.yaml")).unwrap();
    c.reset_counts();
    let r = sync_dir(&c, &dir, false, false).await.unwrap();
    assert_eq!(r.stale, ["cilium"]);
    assert_eq!(c.writes(), 0);
    assert!(c.peek(&rule_ref("cilium")).is_some());
    // what a dry run says of it, without and with --prune
    let dry = sync_dir(&c, &dir, false, true).await.unwrap();
    assert_eq!(
        promstack_shared::kube::sync::report_text(&dry, "PrometheusRule"),
        "Dry run: nothing was changed. Planned:\n  stale (--prune deletes) PrometheusRule monitoring/cilium\n0 created, 0 updated, 2 unchanged, 0 pruned; 1 stale of ours left (pass --prune to delete): cilium\n"
    );
    let dry = sync_dir(&c, &dir, true, true).await.unwrap();
    assert_eq!(
        promstack_shared::kube::sync::report_text(&dry, "PrometheusRule"),
        "Dry run: nothing was changed. Planned:\n  delete     PrometheusRule monitoring/cilium\n0 created, 0 updated, 2 unchanged, 1 pruned\n"
    );
    assert_eq!(dry.pruned, 1);
    assert_eq!(c.writes(), 0, "dry run");
    let r = sync_dir(&c, &dir, true, false).await.unwrap();
    assert_eq!(r.pruned, 1);
    assert!(c.peek(&rule_ref("cilium")).is_none());
    assert!(
        c.peek(&rule_ref("team-rules")).is_some(),
        "a rule without our managed-by label is not ours"
    );
}

#[tokio::test(start_paused = true)]
async fn api_errors_stop_the_sync_and_nothing_is_pruned() {
    let c = cluster(json!({}));
    c.insert(json!({"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule","metadata":{"name":"stale","namespace":"monitoring",
        "labels":{"app.kubernetes.io/managed-by":"promstack","promstack.io/component":"rules"}},"spec":{"groups":[]}}));
    c.inject(Fault::status(500).on(Verb::Apply).name("promstack-node"));
    let err = sync_dir(&c, Path::new(RULES), true, false)
        .await
        .unwrap_err();
    let msg = promstack_shared::error::render(&err);
    assert!(
        msg.contains("PrometheusRule monitoring/promstack-node")
            && msg.contains("HTTP 500")
            && msg.contains("nothing was pruned"),
        "{msg}"
    );
    assert!(
        c.peek(&rule_ref("stale")).is_some(),
        "no prune after a failed apply"
    );
    assert_eq!(c.count(Verb::Delete), 0);

    // a 409 conflict is reported the same way
    let c = cluster(json!({}));
    c.inject(Fault::status(409).on(Verb::Apply).name("cilium"));
    let msg = promstack_shared::error::render(
        &sync_dir(&c, Path::new(RULES), false, false)
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("cilium") && msg.contains("409"), "{msg}");
}

#[tokio::test]
async fn rules_no_prometheus_selects_fail_the_check_with_what_to_do() {
    // the classic trap: the chart's default ruleSelector wants release=<name>
    let c = cluster(json!({"matchLabels": {"release": "kube-prometheus"}}));
    let err = sync_dir(&c, Path::new(RULES), false, false)
        .await
        .unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 3);
    assert!(
        err.to_string().contains("--label") && err.to_string().contains("release"),
        "{err}"
    );
    assert_eq!(c.writes(), 0);
    // ... which the label fixes
    let mut loaded = load_valid(Some(Path::new(RULES)), "monitoring").unwrap();
    for o in &mut loaded.objects {
        o.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("release".into(), "kube-prometheus".into());
    }
    sync_with_check(&c, &loaded, &plain_sync(), &Ui::silent())
        .await
        .unwrap();
    assert_eq!(
        c.peek(&rule_ref("promstack-node")).unwrap()["metadata"]["labels"]["release"],
        "kube-prometheus"
    );

    // a Prometheus that only reads its own namespace
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(json!({"apiVersion":"monitoring.coreos.com/v1","kind":"Prometheus","metadata":{"name":"p","namespace":"other"},"spec":{"ruleSelector":{}}}));
    let err = sync_dir(&c, Path::new(RULES), false, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ruleNamespaceSelector"), "{err}");
    // no Prometheus at all
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    assert_eq!(
        promstack_shared::exit_code_of(
            &sync_dir(&c, Path::new(RULES), false, false)
                .await
                .unwrap_err()
        )
        .code(),
        3
    );
    // a namespace that does not exist
    let c = MemoryCluster::new();
    assert_eq!(
        promstack_shared::exit_code_of(
            &sync_dir(&c, Path::new(RULES), false, false)
                .await
                .unwrap_err()
        )
        .code(),
        2
    );
}

#[tokio::test]
async fn diff_shows_the_changed_field() {
    let c = cluster(json!({}));
    let (_tmp, dir) = copy_rules();
    sync_dir(&c, &dir, false, false).await.unwrap();
    let loaded = load_valid(Some(&dir), "monitoring").unwrap();
    assert!(sync::diff(&c, &loaded.objects, "monitoring", true)
        .await
        .unwrap()
        .is_empty());
    let text = std::fs::read_to_string(dir.join("node.yaml"))
        .unwrap()
        .replace("severity: critical", "severity: warning");
    std::fs::write(dir.join("node.yaml"), text).unwrap();
    let loaded = load_valid(Some(&dir), "monitoring").unwrap();
    let diffs = sync::diff(&c, &loaded.objects, "monitoring", true)
        .await
        .unwrap();
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0].change, Change::Update);
    let changed: Vec<String> = diffs[0]
        .diff
        .lines()
        .filter(|l| {
            (l.starts_with('-') || l.starts_with('+'))
                && !l.starts_with("---")
                && !l.starts_with("+++")
        })
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        changed,
        ["- severity: critical", "+ severity: warning"],
        "{}",
        diffs[0].diff
    );
    let listed = sync::list(&c, Some("monitoring")).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|i| i.ours && i.source.is_some()));

    // a source removed: the rule it made is a deletion, every line of it removed
    std::fs::remove_file(dir.join("cilium.yaml")).unwrap();
    let loaded = load_valid(Some(&dir), "monitoring").unwrap();
    let diffs = sync::diff(&c, &loaded.objects, "monitoring", true)
        .await
        .unwrap();
    let gone = diffs.iter().find(|d| d.name == "cilium").unwrap();
    assert_eq!(gone.change, Change::Delete);
    let body: Vec<&str> = gone
        .diff
        .lines()
        .filter(|l| !l.starts_with("---") && !l.starts_with("+++") && !l.starts_with("@@"))
        .collect();
    assert!(
        body.len() > 5 && body.iter().all(|l| l.starts_with('-')),
        "{}",
        gone.diff
    );
}

/// The rules of a folder with extra labels on every PrometheusRule, as `sync --label` gives them.
fn loaded_with_labels(dir: &Path, labels: &[(&str, &str)]) -> promstack_rules::load::Loaded {
    let mut loaded = load_valid(Some(dir), "monitoring").unwrap();
    for obj in &mut loaded.objects {
        obj.metadata
            .labels
            .get_or_insert_with(Default::default)
            .extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    }
    loaded
}

#[tokio::test]
async fn a_label_promstack_stops_setting_shows_in_diff_and_sync_removes_it() {
    let c = cluster(json!({}));
    let (_tmp, dir) = copy_rules();
    let ui = Ui::silent();
    let with_team = loaded_with_labels(&dir, &[("team", "sre")]);
    sync_with_check(&c, &with_team, &plain_sync(), &ui)
        .await
        .unwrap();
    assert_eq!(
        c.peek(&rule_ref("promstack-node")).unwrap()["metadata"]["labels"]["team"],
        "sre"
    );
    // someone else's label on the same object is theirs: it must stay
    c.update_as(
        &json!({"apiVersion":"monitoring.coreos.com/v1","kind":"PrometheusRule",
            "metadata":{"name":"promstack-node","namespace":"monitoring","labels":{"owner":"oncall"}}}),
        "kubectl-label",
    )
    .unwrap();

    // the sources without --label: diff shows the removal, sync removes it, once
    let plain = loaded_with_labels(&dir, &[]);
    let diffs = sync::diff(&c, &plain.objects, "monitoring", true)
        .await
        .unwrap();
    assert_eq!(diffs.len(), 3, "every rule carried team=sre");
    let node = diffs.iter().find(|d| d.name == "promstack-node").unwrap();
    assert_eq!(node.change, Change::Update);
    assert!(node.diff.contains("-    team: sre"), "{}", node.diff);
    assert!(!node.diff.contains("owner"), "{}", node.diff);
    c.reset_counts();
    let r = sync_with_check(&c, &plain, &plain_sync(), &ui)
        .await
        .unwrap();
    assert_eq!((r.updated, r.unchanged), (3, 0));
    let live = c.peek(&rule_ref("promstack-node")).unwrap();
    assert!(live["metadata"]["labels"].get("team").is_none(), "{live}");
    assert_eq!(live["metadata"]["labels"]["owner"], "oncall");

    // and now nothing: no diff, no write, only the reads
    assert!(sync::diff(&c, &plain.objects, "monitoring", true)
        .await
        .unwrap()
        .is_empty());
    c.reset_counts();
    let r = sync_with_check(&c, &plain, &plain_sync(), &ui)
        .await
        .unwrap();
    assert_eq!(r.unchanged, 3);
    assert_eq!(c.writes(), 0);
    assert!(
        c.log()
            .iter()
            .all(|(v, _)| matches!(v, Verb::Get | Verb::List)),
        "{:?}",
        c.log()
    );
}

#[tokio::test]
async fn a_field_dropped_from_a_source_outside_a_list_is_removed() {
    let c = cluster(json!({}));
    let (_tmp, dir) = copy_rules();
    let ui = Ui::silent();
    let mut loaded = loaded_with_labels(&dir, &[]);
    loaded.objects[0]
        .metadata
        .annotations
        .get_or_insert_with(Default::default)
        .insert("runbook-owner".into(), "sre".into());
    sync_with_check(&c, &loaded, &plain_sync(), &ui)
        .await
        .unwrap();
    let name = loaded.objects[0].metadata.name.clone().unwrap();
    let plain = loaded_with_labels(&dir, &[]);
    let r = sync_with_check(&c, &plain, &plain_sync(), &ui)
        .await
        .unwrap();
    assert_eq!((r.updated, r.unchanged), (1, 2));
    assert!(c.peek(&rule_ref(&name)).unwrap()["metadata"]["annotations"]
        .get("runbook-owner")
        .is_none());
}

/// The PrometheusRule CRD, as the chart's CRDs are applied (Established).
async fn with_rule_crd(c: &MemoryCluster) -> ObjRef {
    use promstack_shared::kube::cluster::{ApplyOptions, Cluster};
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "prometheusrules.monitoring.coreos.com"},
        "spec": {"group": "monitoring.coreos.com", "scope": "Namespaced",
            "names": {"kind": "PrometheusRule", "plural": "prometheusrules"},
            "versions": [{"name": "v1", "served": true, "storage": true}]}});
    c.apply(&crd, ApplyOptions::default()).await.unwrap();
    ObjRef::of(&crd).unwrap()
}

#[tokio::test]
async fn a_rule_crd_or_namespace_being_deleted_is_refused_before_any_write() {
    use promstack_shared::kube::cluster::{Cluster, Pace};
    let (_tmp, dir) = copy_rules();
    // an uninstall --delete-crds that has not finished: the CRD is Terminating
    let c = cluster(json!({}));
    let crd = with_rule_crd(&c).await;
    c.set_deletion_pace(Pace::Manual);
    c.delete(&crd).await.unwrap();
    c.reset_counts();
    let e = sync_dir(&c, &dir, true, false).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    assert!(
        e.to_string().starts_with("CRD prometheusrules.monitoring.coreos.com is being deleted (Terminating): the API server refuses every new PrometheusRule until it is gone, and deletes every PrometheusRule in the cluster before that (promstack's too). Nothing was written. Wait until it is gone (kubectl wait --for=delete crd/prometheusrules.monitoring.coreos.com --timeout=5m)"),
        "{e}"
    );
    assert!(
        e.to_string().ends_with("(the API server says: CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon)"),
        "{e}"
    );
    assert_eq!(c.writes(), 0);
    assert_eq!(
        c.count(Verb::List),
        0,
        "refused before anything else is read"
    );
    // a dry run says the same: the sync it plans could not happen
    assert!(sync_dir(&c, &dir, false, true).await.is_err());

    // the namespace being deleted
    let c = cluster(json!({}));
    with_rule_crd(&c).await;
    c.set_deletion_pace(Pace::Manual);
    c.delete(&ObjRef::new("v1", "Namespace", None, "monitoring"))
        .await
        .unwrap();
    c.reset_counts();
    let e = sync_dir(&c, &dir, false, false).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    assert!(
        e.to_string()
            .starts_with("namespace monitoring is being deleted (Terminating)"),
        "{e}"
    );
    assert_eq!(c.writes(), 0);

    // once the CRD is there and not being deleted, the same sync writes
    let c = cluster(json!({}));
    with_rule_crd(&c).await;
    let r = sync_dir(&c, &dir, false, false).await.unwrap();
    assert_eq!(r.created, 3);
}
