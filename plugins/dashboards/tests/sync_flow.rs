//! Dashboard ConfigMaps against the in-memory cluster.
use promstack_dashboards::{configmaps, load_valid, sync_dashboards};
use promstack_shared::kube::cluster::{MemoryCluster, ObjRef, Verb};
use promstack_shared::kube::sync::Mode;
use promstack_shared::terminal::ui::Ui;
use serde_json::json;
use std::path::Path;

const DASHBOARDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards");

fn cluster() -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c
}

fn cm(name: &str) -> ObjRef {
    ObjRef::new("v1", "ConfigMap", Some("monitoring"), name)
}

async fn sync_dir(
    c: &MemoryCluster,
    dir: &Path,
    prune: bool,
) -> anyhow::Result<promstack_shared::kube::sync::SyncReport> {
    let prepared = load_valid(Some(dir), &Ui::silent())?;
    sync_dashboards(
        c,
        &prepared,
        "monitoring",
        Mode::whole_set(prune, false),
        &Ui::silent(),
    )
    .await
}

fn copy_to(dir: &Path) {
    for f in promstack_dashboards::read(Some(Path::new(DASHBOARDS))).unwrap() {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.text).unwrap();
    }
}

#[tokio::test]
async fn create_unchanged_update_prune() {
    let c = cluster();
    let tmp = tempfile::tempdir().unwrap();
    copy_to(tmp.path());
    let r = sync_dir(&c, tmp.path(), false).await.unwrap();
    assert_eq!(r.created, 3);
    let agent = c.peek(&cm("dashboard-cilium-cilium-agent")).unwrap();
    assert_eq!(agent["metadata"]["labels"]["grafana_dashboard"], "1");
    assert_eq!(agent["metadata"]["annotations"]["grafana_folder"], "Cilium");
    assert!(agent["data"]["cilium-agent.json"]
        .as_str()
        .unwrap()
        .starts_with('{'));

    // nothing changed: zero writes, three list calls (the sidecar's ConfigMaps and Secrets
    // everywhere, for uids taken; ours here)
    c.reset_counts();
    let r = sync_dir(&c, tmp.path(), true).await.unwrap();
    assert_eq!((r.unchanged, r.created, r.updated, r.pruned), (3, 0, 0, 0));
    assert_eq!(c.writes(), 0);
    assert_eq!(c.count(Verb::List), 3);

    // one dashboard changed, one removed, a foreign dashboard ConfigMap left alone
    let p = tmp.path().join("Cilium/hubble.json");
    std::fs::write(
        &p,
        std::fs::read_to_string(&p)
            .unwrap()
            .replace("\"refresh\": \"30s\"", "\"refresh\": \"1m\""),
    )
    .unwrap();
    std::fs::remove_file(tmp.path().join("Cilium/cilium-operator.json")).unwrap();
    c.insert(json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"team-dashboard","namespace":"monitoring","labels":{"grafana_dashboard":"1"}},"data":{"t.json":"{}"}}));
    c.reset_counts();
    let r = sync_dir(&c, tmp.path(), true).await.unwrap();
    assert_eq!((r.updated, r.pruned, r.unchanged), (1, 1, 1));
    assert!(c.peek(&cm("dashboard-cilium-cilium-operator")).is_none());
    assert!(c.peek(&cm("team-dashboard")).is_some());
    assert_eq!(c.writes(), 2);
}

#[tokio::test]
async fn big_dashboards_sync_and_too_big_ones_are_refused() {
    let c = cluster();
    let tmp = tempfile::tempdir().unwrap();
    // past the 262144 bytes client-side apply chokes on: server-side apply takes it
    let big =
        json!({"title": "Big", "uid": "big", "panels": [], "description": "x".repeat(300_000)});
    std::fs::write(tmp.path().join("big.json"), big.to_string()).unwrap();
    sync_dir(&c, tmp.path(), false).await.unwrap();
    let live = c.peek(&cm("dashboard-big")).unwrap();
    assert!(live["data"]["big.json"].as_str().unwrap().len() > 262_144);

    let huge =
        json!({"title": "Huge", "uid": "huge", "panels": [], "description": "x".repeat(1_100_000)});
    std::fs::write(tmp.path().join("huge.json"), huge.to_string()).unwrap();
    c.reset_counts();
    let err = sync_dir(&c, tmp.path(), false).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 2);
    assert!(
        err.to_string().contains("huge.json") && err.to_string().contains("1 MiB"),
        "{err}"
    );
    assert_eq!(c.requests(), 0, "refused before any request");
}

#[tokio::test]
async fn what_promstack_set_before_and_no_longer_sets_is_diffed_and_removed() {
    let c = cluster();
    let tmp = tempfile::tempdir().unwrap();
    copy_to(tmp.path());
    sync_dir(&c, tmp.path(), false).await.unwrap();
    // an earlier promstack put the dashboard into another folder and a label it no longer sets
    let name = "dashboard-cilium-cilium-agent";
    let live = c.peek(&cm(name)).unwrap();
    let mut older = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name,"namespace":"monitoring",
        "labels": live["metadata"]["labels"].clone(), "annotations": live["metadata"]["annotations"].clone()},
        "data": live["data"].clone()});
    older["metadata"]["labels"]["promstack.io/legacy"] = json!("yes");
    older["metadata"]["annotations"]["grafana_folder"] = json!("Old folder");
    c.apply_as(&older, "promstack").unwrap();

    let objects = configmaps(
        &load_valid(Some(tmp.path()), &Ui::silent()).unwrap(),
        "monitoring",
    )
    .unwrap();
    let diffs = promstack_shared::kube::sync::diff(
        &c,
        promstack_dashboards::DASHBOARDS,
        &objects,
        "monitoring",
        true,
    )
    .await
    .unwrap();
    assert_eq!(diffs.len(), 1);
    assert!(
        diffs[0].diff.contains("-    promstack.io/legacy: yes")
            && diffs[0].diff.contains("-    grafana_folder: Old folder")
            && diffs[0].diff.contains("+    grafana_folder: Cilium"),
        "{}",
        diffs[0].diff
    );
    let r = sync_dir(&c, tmp.path(), false).await.unwrap();
    assert_eq!((r.updated, r.unchanged), (1, 2));
    let now = c.peek(&cm(name)).unwrap();
    assert!(now["metadata"]["labels"]
        .get("promstack.io/legacy")
        .is_none());
    assert_eq!(now["metadata"]["annotations"]["grafana_folder"], "Cilium");
    c.reset_counts();
    let r = sync_dir(&c, tmp.path(), false).await.unwrap();
    assert_eq!(r.unchanged, 3);
    assert_eq!(
        c.requests(),
        4,
        "the namespace and three lists, nothing more: {:?}",
        c.log()
    );
}

#[tokio::test]
async fn a_namespace_being_deleted_is_refused_before_any_write() {
    use promstack_shared::kube::cluster::{Cluster, Pace};
    let c = cluster();
    let tmp = tempfile::tempdir().unwrap();
    copy_to(tmp.path());
    // an uninstall --delete-namespace just before: Terminating while its contents go
    c.set_deletion_pace(Pace::Manual);
    c.delete(&ObjRef::new("v1", "Namespace", None, "monitoring"))
        .await
        .unwrap();
    c.reset_counts();
    let e = sync_dir(&c, tmp.path(), true).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    assert!(
        e.to_string().starts_with("namespace monitoring is being deleted (Terminating): the API server refuses anything new in it and deletes what is there. Nothing was written. Wait until it is gone (kubectl wait --for=delete namespace/monitoring --timeout=5m)"),
        "{e}"
    );
    assert_eq!(c.writes(), 0);
    assert_eq!(c.count(Verb::List), 0, "refused before the uid check reads");
}

/// The folder's dashboards as a stream (the ConfigMaps `sync --dry-run -o yaml` prints, which
/// `install export`'s kustomization generates, with another object in it) sync as the folder
/// does: the same ConfigMaps, so after the folder's sync nothing is written. A file given alone
/// is named without its folder: its dashboard would move out of it, which a selection refuses
/// (exit 2, nothing written), as it refuses `--prune`; `--whole-set` says it is meant.
#[tokio::test]
async fn a_stream_and_files_sync_as_the_folder_does() {
    use promstack_shared::input::sources::Inputs;
    use promstack_shared::prometheus::promql::Target;
    let c = cluster();
    let tmp = tempfile::tempdir().unwrap();
    copy_to(tmp.path());
    assert_eq!(sync_dir(&c, tmp.path(), false).await.unwrap().created, 3);
    let ui = Ui::silent();
    let folder = configmaps(&load_valid(Some(tmp.path()), &ui).unwrap(), "monitoring").unwrap();
    let stream = format!(
        "apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\n{}",
        promstack_shared::terminal::output::yaml_stream(&folder).unwrap()
    );
    let read = promstack_shared::input::sources::input::from_stream::<
        promstack_shared::input::sources::DashboardSet,
    >(stream);
    let picked = promstack_shared::grafana::dashboard::pick_all(read.files);
    assert_eq!((picked.dashboards.len(), picked.skipped), (3, 1));
    let prepared =
        promstack_dashboards::load::valid_files(&picked.dashboards, &ui, &Target::default())
            .unwrap();
    assert_eq!(
        configmaps(&prepared, "monitoring").unwrap(),
        folder,
        "the same ConfigMaps"
    );
    c.reset_counts();
    let selection = Mode::default();
    let r = sync_dashboards(&c, &prepared, "monitoring", selection, &ui)
        .await
        .unwrap();
    assert_eq!((r.unchanged, r.outside, c.writes()), (3, 0, 0));

    // one file of a sub-folder given alone: its dashboard would move out of Cilium
    let hubble = Inputs::paths([tmp.path().join("Cilium/hubble.json")]);
    let alone =
        promstack_dashboards::load::sources_valid(&hubble, &ui, &Target::default()).unwrap();
    assert!(!alone.sources.whole_set);
    let err = sync_dashboards(&c, &alone.prepared, "monitoring", selection, &ui)
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains(
            "ConfigMap dashboard-cilium-hubble (from Cilium/hubble.json) → dashboard-hubble"
        ),
        "{err:#}"
    );
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 2);
    assert_eq!(c.writes(), 0, "nothing written");
    // a file given alone at the top: itself, the two others left as they are
    std::fs::write(
        tmp.path().join("top.json"),
        r#"{"title": "Top", "uid": "top", "panels": []}"#,
    )
    .unwrap();
    let top = promstack_dashboards::load::sources_valid(
        &Inputs::paths([tmp.path().join("top.json")]),
        &ui,
        &Target::default(),
    )
    .unwrap();
    let r = sync_dashboards(&c, &top.prepared, "monitoring", selection, &ui)
        .await
        .unwrap();
    assert_eq!((r.created, r.outside, r.stale.len()), (1, 3, 0));
    // said to be the whole set: the move is made
    let whole = Mode {
        whole_set: true,
        ..selection
    };
    let r = sync_dashboards(&c, &alone.prepared, "monitoring", whole, &ui)
        .await
        .unwrap();
    assert_eq!((r.created, r.moved), (1, 1));
    assert!(c.peek(&cm("dashboard-cilium-hubble")).is_none());
}
