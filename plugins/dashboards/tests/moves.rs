//! A dashboard moved to another folder is one dashboard in Grafana, and a uid another sidecar
//! ConfigMap already holds is refused before any write (the in-memory cluster).
use promstack_dashboards::{load_valid, sync_dashboards, DASHBOARDS};
use promstack_shared::kube::cluster::{Fault, MemoryCluster, ObjRef, Verb};
use promstack_shared::kube::sync::Mode;
use promstack_shared::kube::sync::SyncReport;
use promstack_shared::terminal::ui::Ui;
use serde_json::json;
use std::path::Path;

fn cluster() -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c
}

fn cm(name: &str) -> ObjRef {
    ObjRef::new("v1", "ConfigMap", Some("monitoring"), name)
}

const NEG: &str = "{\n  \"title\": \"Neg\",\n  \"uid\": \"negm\",\n  \"panels\": []\n}\n";

fn write(dir: &Path, path: &str, text: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

async fn sync(c: &MemoryCluster, dir: &Path, dry_run: bool) -> anyhow::Result<SyncReport> {
    sync_saying(c, dir, dry_run, &Ui::silent()).await
}

async fn sync_saying(
    c: &MemoryCluster,
    dir: &Path,
    dry_run: bool,
    ui: &Ui,
) -> anyhow::Result<SyncReport> {
    let prepared = load_valid(Some(dir), &Ui::silent())?;
    sync_dashboards(
        c,
        &prepared,
        "monitoring",
        Mode::whole_set(false, dry_run),
        ui,
    )
    .await
}

async fn diff(c: &MemoryCluster, dir: &Path) -> Vec<promstack_shared::kube::sync::ObjectDiff> {
    let prepared = load_valid(Some(dir), &Ui::silent()).unwrap();
    let objects = promstack_dashboards::configmaps(&prepared, "monitoring").unwrap();
    promstack_shared::kube::sync::diff(c, DASHBOARDS, &objects, "monitoring", true)
        .await
        .unwrap()
}

fn dashboard_configmaps(c: &MemoryCluster) -> Vec<String> {
    c.objects()
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_dashboard_moved_to_another_folder_is_one_configmap_after_one_sync() {
    let c = cluster();
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "Folder A/neg.json", NEG);
    assert_eq!(sync(&c, tmp.path(), false).await.unwrap().created, 1);
    let before = c.peek(&cm("dashboard-folder-a-neg")).unwrap();
    assert_eq!(
        before["metadata"]["annotations"]["grafana_folder"],
        "Folder A"
    );

    // the file moves to the top folder: the same uid from another path
    std::fs::remove_dir_all(tmp.path().join("Folder A")).unwrap();
    write(tmp.path(), "neg.json", NEG);

    // diff shows one move, from the old ConfigMap to the new one
    let diffs = diff(&c, tmp.path()).await;
    assert_eq!(diffs.len(), 1, "{diffs:#?}");
    assert_eq!(
        diffs[0].title(),
        "move dashboard-folder-a-neg → dashboard-neg"
    );
    assert!(
        diffs[0].diff.contains("--- live/dashboard-folder-a-neg")
            && diffs[0].diff.contains("+++ sources/dashboard-neg")
            && diffs[0].diff.contains("-    grafana_folder: Folder A")
            && diffs[0].diff.contains("-  name: dashboard-folder-a-neg")
            && diffs[0].diff.contains("+  name: dashboard-neg"),
        "{}",
        diffs[0].diff
    );

    // the dry run plans it as one move, and writes nothing
    c.reset_counts();
    let plan = sync(&c, tmp.path(), true).await.unwrap();
    assert_eq!(c.writes(), 0);
    let text = promstack_shared::terminal::output::Report::text(&plan);
    assert!(
        text.contains("create     ConfigMap monitoring/dashboard-neg (moved from dashboard-folder-a-neg: deleted after)")
            && !text.contains("stale"),
        "{text}"
    );

    // one sync: the new ConfigMap, without the folder annotation, and the old one gone (no --prune)
    let (ui, said) = Ui::capture();
    let r = sync_saying(&c, tmp.path(), false, &ui).await.unwrap();
    assert_eq!(
        said.lock().unwrap().last().map(String::as_str),
        Some("✓ ConfigMap monitoring/dashboard-folder-a-neg deleted: moved to dashboard-neg")
    );
    assert_eq!((r.created, r.moved, r.pruned), (1, 1, 0));
    assert!(r.stale.is_empty(), "{:?}", r.stale);
    let text = promstack_shared::terminal::output::Report::text(&r);
    assert!(text.contains("1 moved (the old name deleted)"), "{text}");
    assert_eq!(dashboard_configmaps(&c), ["dashboard-neg"]);
    let now = c.peek(&cm("dashboard-neg")).unwrap();
    assert!(now["metadata"]["annotations"]
        .get("grafana_folder")
        .is_none());
    // applied first, deleted after: Grafana never lacks the dashboard
    let writes: Vec<(Verb, String)> = c.log().into_iter().filter(|(v, _)| v.is_write()).collect();
    assert_eq!(
        writes,
        [
            (Verb::Apply, "ConfigMap monitoring/dashboard-neg".into()),
            (
                Verb::Delete,
                "ConfigMap monitoring/dashboard-folder-a-neg".into()
            )
        ]
    );

    // and a re-run writes nothing
    c.reset_counts();
    assert_eq!(sync(&c, tmp.path(), false).await.unwrap().unchanged, 1);
    assert_eq!(c.writes(), 0);
}

#[tokio::test]
async fn the_duplicate_an_earlier_sync_left_is_removed_as_part_of_the_move() {
    // what promstack before moves did: the new ConfigMap made, the old one left as "stale"
    let c = cluster();
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "Folder A/neg.json", NEG);
    sync(&c, tmp.path(), false).await.unwrap();
    let old = c.peek(&cm("dashboard-folder-a-neg")).unwrap();
    std::fs::remove_dir_all(tmp.path().join("Folder A")).unwrap();
    write(tmp.path(), "neg.json", NEG);
    sync(&c, tmp.path(), false).await.unwrap();
    c.apply_as(&old, "promstack").unwrap();
    assert_eq!(dashboard_configmaps(&c).len(), 2);

    let diffs = diff(&c, tmp.path()).await;
    assert_eq!(diffs.len(), 1, "{diffs:#?}");
    assert_eq!(
        diffs[0].title(),
        "delete dashboard-folder-a-neg (moved to dashboard-neg)"
    );
    let r = sync(&c, tmp.path(), false).await.unwrap();
    assert_eq!((r.unchanged, r.moved), (1, 1));
    assert_eq!(dashboard_configmaps(&c), ["dashboard-neg"]);
}

#[tokio::test]
async fn a_uid_another_sidecar_configmap_holds_is_refused_before_any_write() {
    let c = cluster();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"other"}}));
    // the chart's own dashboard, as helm installs it
    c.insert(json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"kube-prometheus-nodes","namespace":"monitoring",
        "labels":{"grafana_dashboard":"1","app.kubernetes.io/managed-by":"Helm"},
        "annotations":{"meta.helm.sh/release-name":"kube-prometheus","meta.helm.sh/release-namespace":"monitoring"}},
        "data":{"nodes.json":"{\"uid\":\"fa49a4706d07a042595b664c87fb33ea\",\"title\":\"Node Exporter / Nodes\"}"}}));
    // another tool's, in another namespace
    c.insert(json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"team-neg","namespace":"other",
        "labels":{"grafana_dashboard":"1"}},"data":{"neg.json":"{\"uid\":\"negm\"}"}}));
    // a ConfigMap the sidecar does not read is no clash
    c.insert(json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"unlabelled","namespace":"monitoring"},
        "data":{"x.json":"{\"uid\":\"mine\"}"}}));
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "neg.json", NEG);
    // a copy of the chart's dashboard, edited, that kept its uid
    write(
        tmp.path(),
        "Nodes/my-nodes.json",
        "{\n  \"title\": \"My nodes\",\n  \"panels\": [],\n  \"uid\": \"fa49a4706d07a042595b664c87fb33ea\"\n}\n",
    );
    write(
        tmp.path(),
        "mine.json",
        "{\"uid\": \"mine\", \"title\": \"M\", \"panels\": []}",
    );
    c.reset_counts();
    let err = sync(&c, tmp.path(), false).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 3);
    assert_eq!(c.writes(), 0, "refused before any write");
    let msg = err.to_string();
    assert!(
        msg.contains("Nodes/my-nodes.json:4: uid `fa49a4706d07a042595b664c87fb33ea` is already Grafana's dashboard from ConfigMap monitoring/kube-prometheus-nodes (helm release monitoring/kube-prometheus's)")
            && msg.contains("neg.json:3: uid `negm` is already Grafana's dashboard from ConfigMap other/team-neg (not promstack's)")
            && !msg.contains("unlabelled")
            && msg.contains("nothing was changed"),
        "{msg}"
    );
    // diff refuses too
    let prepared = load_valid(Some(tmp.path()), &Ui::silent()).unwrap();
    let err = promstack_dashboards::foreign::refuse_taken_uids(
        &c,
        "monitoring",
        &prepared,
        &Ui::silent(),
    )
    .await
    .unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 3);

    // promstack's own ConfigMap from a sync into another namespace clashes as well
    std::fs::remove_dir_all(tmp.path().join("Nodes")).unwrap();
    c.remove(&ObjRef::new("v1", "ConfigMap", Some("other"), "team-neg"));
    let prepared = load_valid(Some(tmp.path()), &Ui::silent()).unwrap();
    sync_dashboards(
        &c,
        &prepared,
        "other",
        Mode::whole_set(false, false),
        &Ui::silent(),
    )
    .await
    .unwrap();
    let err = sync(&c, tmp.path(), false).await.unwrap_err();
    assert!(
        err.to_string().contains(
            "from ConfigMap other/dashboard-neg (promstack's, from a sync into namespace other)"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn where_only_the_namespace_may_be_listed_it_is_checked_with_a_warning() {
    let c = cluster();
    c.inject(Fault::status(403).on(Verb::List).cluster_wide());
    c.insert(json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"team-neg","namespace":"monitoring",
        "labels":{"grafana_dashboard":"1"}},"data":{"neg.json":"{\"uid\":\"negm\"}"}}));
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "neg.json", NEG);
    let prepared = load_valid(Some(tmp.path()), &Ui::silent()).unwrap();
    let (ui, said) = Ui::capture();
    let err = sync_dashboards(
        &c,
        &prepared,
        "monitoring",
        Mode::whole_set(false, false),
        &ui,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("monitoring/team-neg"), "{err}");
    let said = said.lock().unwrap().join("\n");
    assert!(
        said.contains("cannot list ConfigMaps in every namespace")
            && said.contains("only namespace monitoring was checked"),
        "{said}"
    );
}

/// `{"uid":"negm","title":"Team neg"}` and bytes that are not text, as the API server keeps a
/// Secret's data (base64).
const SECRET_DASHBOARD_B64: &str = "eyJ1aWQiOiJuZWdtIiwidGl0bGUiOiJUZWFtIG5lZyJ9";
const NOT_TEXT_B64: &str = "//79";

#[tokio::test]
async fn a_uid_in_a_sidecar_secret_is_refused_too() {
    // the grafana chart's sidecar reads Secrets with the label as well (`resource: both`)
    let c = cluster();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"other"}}));
    c.insert(
        json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"team-neg","namespace":"other",
        "labels":{"grafana_dashboard":"1"}},"type":"Opaque",
        "data":{"neg.json":SECRET_DASHBOARD_B64,"blob":NOT_TEXT_B64}}),
    );
    // the same dashboard in a Secret the sidecar does not read is no clash
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"backup","namespace":"monitoring"},
        "type":"Opaque","data":{"neg.json":SECRET_DASHBOARD_B64}}));
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "neg.json", NEG);
    c.reset_counts();
    let err = sync(&c, tmp.path(), false).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 3);
    assert_eq!(c.writes(), 0, "refused before any write");
    let msg = err.to_string();
    assert!(
        msg.contains("neg.json:3: uid `negm` is already Grafana's dashboard from Secret other/team-neg (not promstack's)")
            && !msg.contains("backup")
            && !msg.contains(SECRET_DASHBOARD_B64)
            && !msg.contains("Team neg")
            && msg.contains("or remove the other object"),
        "{msg}"
    );
}

#[tokio::test]
async fn where_secrets_may_not_be_listed_the_configmaps_are_still_checked_with_a_warning() {
    let c = cluster();
    c.inject(Fault::status(403).on(Verb::List).kind("Secret"));
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "neg.json", NEG);
    let prepared = load_valid(Some(tmp.path()), &Ui::silent()).unwrap();
    let (ui, said) = Ui::capture();
    let r = sync_dashboards(
        &c,
        &prepared,
        "monitoring",
        Mode::whole_set(false, false),
        &ui,
    )
    .await
    .unwrap();
    assert_eq!(r.created, 1);
    let said = said.lock().unwrap().join("\n");
    assert!(
        said.contains("cannot list Secrets (API error (HTTP 403)")
            && said.contains(
                "dashboards that Grafana's sidecar reads from Secrets were not checked for the same uid"
            ),
        "{said}"
    );
    // a ConfigMap that holds the uid is still refused
    c.insert(json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"team-neg","namespace":"monitoring",
        "labels":{"grafana_dashboard":"1"}},"data":{"neg.json":"{\"uid\":\"negm\"}"}}));
    let err = sync(&c, tmp.path(), false).await.unwrap_err();
    assert!(
        err.to_string().contains("ConfigMap monitoring/team-neg"),
        "{err}"
    );
}
