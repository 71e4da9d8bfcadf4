//! Which ConfigMaps are this sync's own, on the in-memory cluster, among ConfigMaps as their real
//! owners leave them: the chart's dashboards as helm installs them (its labels and release
//! annotations), another tool's (Pulumi sets `app.kubernetes.io/managed-by: pulumi`), a copy of
//! one of ours that another tool manages (promstack's component label kept, another manager),
//! one an older promstack wrote without the component label, promstack's of another component,
//! and promstack's dashboards synced into another namespace. `sync` leaves what has no source
//! (stale, said); `sync --prune` deletes exactly that and nothing else, also where the API server
//! ignores the label selector; a name the sources would create that another owner's ConfigMap
//! holds is refused before any write (exit 3), naming it and its owner.
use async_trait::async_trait;
use promstack_dashboards::{load_valid, sync_dashboards, DASHBOARDS};
use promstack_shared::grafana::dashboard;
use promstack_shared::kube::cluster::{
    ApplyOptions, Cluster, ClusterError, ClusterInfo, ListQuery, MemoryCluster, ObjRef, Verb,
};
use promstack_shared::kube::owned;
use promstack_shared::kube::sync::{Mode, SyncReport};
use promstack_shared::terminal::ui::Ui;
use serde_json::{json, Value};
use std::path::Path;

const DASHBOARDS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards");

fn cluster() -> MemoryCluster {
    let c = MemoryCluster::new();
    for ns in ["monitoring", "team-a"] {
        c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    }
    c
}

fn cm(ns: &str, name: &str) -> ObjRef {
    ObjRef::new("v1", "ConfigMap", Some(ns), name)
}

fn dashboard(uid: &str) -> String {
    format!("{{\"title\": \"{uid}\", \"uid\": \"{uid}\", \"panels\": []}}")
}

/// A sidecar ConfigMap in `ns` with these labels and annotations, holding the dashboard `uid`.
fn sidecar(ns: &str, name: &str, labels: Value, annotations: Value, uid: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "annotations": annotations},
        "data": {format!("{uid}.json"): dashboard(uid)}})
}

/// The ConfigMaps of other owners beside ours in monitoring, and promstack's own in team-a.
fn others() -> Vec<Value> {
    let helm = json!({"app": "kube-prometheus-stack-grafana", "app.kubernetes.io/managed-by": "Helm",
        "app.kubernetes.io/instance": "kube-prometheus-stack", "release": "kube-prometheus-stack",
        "heritage": "Helm", "grafana_dashboard": "1"});
    let release = json!({"meta.helm.sh/release-name": "kube-prometheus-stack",
        "meta.helm.sh/release-namespace": "monitoring"});
    let ours = json!({"app.kubernetes.io/managed-by": "promstack", "promstack.io/component": "dashboards", "grafana_dashboard": "1"});
    vec![
        sidecar(
            "monitoring",
            "kube-prometheus-stack-nodes",
            helm,
            release,
            "helm-nodes",
        ),
        sidecar(
            "monitoring",
            "team-slo",
            json!({"app.kubernetes.io/managed-by": "pulumi", "grafana_dashboard": "1"}),
            json!({"pulumi.com/autonamed": "false"}),
            "team-slo",
        ),
        sidecar(
            "monitoring",
            "dashboard-copied",
            json!({"app.kubernetes.io/managed-by": "terraform", "promstack.io/component": "dashboards", "grafana_dashboard": "1"}),
            json!({"promstack.io/source": "copied.json"}),
            "copied",
        ),
        sidecar(
            "monitoring",
            "dashboard-older",
            json!({"app.kubernetes.io/managed-by": "promstack", "grafana_dashboard": "1"}),
            json!({"promstack.io/source": "older.json"}),
            "older",
        ),
        sidecar(
            "monitoring",
            "dashboard-from-alert-test",
            json!({"app.kubernetes.io/managed-by": "promstack", "promstack.io/component": "alert-test"}),
            json!({}),
            "alert-test-board",
        ),
        sidecar(
            "team-a",
            "dashboard-team",
            ours,
            json!({"promstack.io/source": "team.json"}),
            "team-board",
        ),
    ]
}

/// A cluster whose list ignores the label selector (an API server or proxy that does): only the
/// check of each object's labels keeps a sync from taking another owner's ConfigMap for its own.
struct SelectorIgnored<'a>(&'a MemoryCluster);

#[async_trait]
impl Cluster for SelectorIgnored<'_> {
    fn info(&self) -> ClusterInfo {
        self.0.info()
    }
    async fn server_version(&self) -> Result<String, ClusterError> {
        self.0.server_version().await
    }
    async fn get(&self, r: &ObjRef) -> Result<Option<Value>, ClusterError> {
        self.0.get(r).await
    }
    async fn list(&self, q: &ListQuery) -> Result<Vec<Value>, ClusterError> {
        // promstack's selector is ignored (the sidecar's, for the uid check, is honoured)
        let ours = owned::selector(dashboard::COMPONENT);
        let q = match q.label_selector.as_deref() == Some(ours.as_str()) {
            true => ListQuery {
                label_selector: None,
                ..q.clone()
            },
            false => q.clone(),
        };
        self.0.list(&q).await
    }
    async fn apply(&self, obj: &Value, o: ApplyOptions) -> Result<Value, ClusterError> {
        self.0.apply(obj, o).await
    }
    async fn delete(&self, r: &ObjRef) -> Result<bool, ClusterError> {
        self.0.delete(r).await
    }
    async fn dry_run_create(&self, obj: &Value) -> Result<Value, ClusterError> {
        self.0.dry_run_create(obj).await
    }
    async fn dry_run_apply(&self, obj: &Value, manager: &str) -> Result<Value, ClusterError> {
        self.0.dry_run_apply(obj, manager).await
    }
}

async fn sync(c: &dyn Cluster, dir: &Path, ns: &str, mode: Mode) -> anyhow::Result<SyncReport> {
    let prepared = load_valid(Some(dir), &Ui::silent())?;
    sync_dashboards(c, &prepared, ns, mode, &Ui::silent()).await
}

/// promstack's dashboards synced into monitoring, then one of them removed from the folder, with
/// every other owner's ConfigMap beside them.
async fn synced_then_one_removed(c: &MemoryCluster) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in promstack_dashboards::read(Some(Path::new(DASHBOARDS_DIR))).unwrap() {
        let p = tmp.path().join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.text).unwrap();
    }
    let r = sync(c, tmp.path(), "monitoring", Mode::whole_set(false, false))
        .await
        .unwrap();
    assert_eq!(r.created, 3);
    for o in others() {
        c.insert(o);
    }
    std::fs::remove_file(tmp.path().join("Cilium/cilium-operator.json")).unwrap();
    c.reset_counts();
    tmp
}

/// `sync` says the stale one and deletes nothing; `--prune --dry-run` says it and deletes
/// nothing; `--prune` deletes it alone: every other owner's ConfigMap is as it was.
async fn prune_flow(c: &dyn Cluster, mem: &MemoryCluster) {
    let dir = synced_then_one_removed(mem).await;
    let stale = "dashboard-cilium-cilium-operator";
    let before: Vec<Value> = others()
        .iter()
        .map(|o| mem.peek(&ObjRef::of(o).unwrap()).unwrap())
        .collect();
    let r = sync(c, dir.path(), "monitoring", Mode::whole_set(false, false))
        .await
        .unwrap();
    assert_eq!(
        (r.pruned, r.stale.clone(), r.unchanged),
        (0, vec![stale.to_string()], 2)
    );
    assert_eq!(
        mem.count(Verb::Delete),
        0,
        "sync without --prune deletes nothing"
    );
    assert!(mem.peek(&cm("monitoring", stale)).is_some());
    let r = sync(c, dir.path(), "monitoring", Mode::whole_set(true, true))
        .await
        .unwrap();
    assert_eq!(
        (r.pruned, r.stale.len()),
        (1, 0),
        "--dry-run says what --prune deletes"
    );
    assert_eq!(mem.writes(), 0, "--dry-run writes nothing");
    let r = sync(c, dir.path(), "monitoring", Mode::whole_set(true, false))
        .await
        .unwrap();
    assert_eq!((r.pruned, r.unchanged, r.created, r.updated), (1, 2, 0, 0));
    assert_eq!(
        mem.log().iter().filter(|(v, _)| *v == Verb::Delete).count(),
        1,
        "{:?}",
        mem.log()
    );
    assert!(mem.peek(&cm("monitoring", stale)).is_none());
    for (o, was) in others().iter().zip(before) {
        let now = mem.peek(&ObjRef::of(o).unwrap());
        assert_eq!(
            now.as_ref(),
            Some(&was),
            "{} changed",
            o["metadata"]["name"]
        );
    }
}

#[tokio::test]
async fn prune_deletes_only_ours_of_dashboards_in_the_namespace_and_only_with_the_flag() {
    let c = cluster();
    prune_flow(&c, &c).await;
}

#[tokio::test]
async fn where_the_label_selector_is_ignored_prune_still_deletes_only_ours() {
    let c = cluster();
    prune_flow(&SelectorIgnored(&c), &c).await;
}

/// A copy of one of ours that another tool now manages keeps our component label: its uid is
/// another owner's, so a source with that uid is refused (it would be in Grafana twice).
#[tokio::test]
async fn a_copy_of_ours_another_tool_manages_is_not_ours() {
    let c = cluster();
    let _dir = synced_then_one_removed(&c).await;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("copied.json"), dashboard("copied")).unwrap();
    let e = sync(&c, tmp.path(), "monitoring", Mode::whole_set(false, false))
        .await
        .unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    assert!(
        e.to_string().contains("uid `copied` is already Grafana's dashboard from ConfigMap monitoring/dashboard-copied (not promstack's)"),
        "{e}"
    );
    assert_eq!(c.writes(), 0);
}

/// Sources whose ConfigMap names a helm release's, another tool's and another promstack
/// component's ConfigMaps hold in monitoring: `sync` (and `--dry-run`, and `diff`) refuse before
/// any write, naming each and its owner; into team-a, where the names are free, they are created.
#[tokio::test]
async fn a_name_another_owner_holds_is_refused_before_any_write() {
    let c = cluster();
    let held = [
        (
            "dashboard-slo",
            json!({"app.kubernetes.io/managed-by": "Helm", "grafana_dashboard": "1"}),
            json!({"meta.helm.sh/release-name": "kube-prometheus-stack", "meta.helm.sh/release-namespace": "monitoring"}),
        ),
        (
            "dashboard-latency",
            json!({"app.kubernetes.io/managed-by": "pulumi"}),
            json!({}),
        ),
        (
            "dashboard-probe",
            json!({"app.kubernetes.io/managed-by": "promstack", "promstack.io/component": "alert-test"}),
            json!({}),
        ),
    ];
    for (name, labels, annotations) in &held {
        c.insert(sidecar(
            "monitoring",
            name,
            labels.clone(),
            annotations.clone(),
            &format!("theirs-{name}"),
        ));
    }
    let tmp = tempfile::tempdir().unwrap();
    for name in ["slo", "latency", "probe", "free"] {
        std::fs::write(tmp.path().join(format!("{name}.json")), dashboard(name)).unwrap();
    }
    c.reset_counts();
    let want = "3 of the ConfigMaps these sources make would take over objects that promstack did not make for dashboards; nothing was written:\n  ConfigMap monitoring/dashboard-latency (managed by pulumi)\n  ConfigMap monitoring/dashboard-probe (promstack's alert-test)\n  ConfigMap monitoring/dashboard-slo (helm release monitoring/kube-prometheus-stack)\nRename the source (its metadata.name, or the file it comes from), sync into another namespace, or remove the other object first.";
    for dry_run in [false, true] {
        let e = sync(
            &c,
            tmp.path(),
            "monitoring",
            Mode::whole_set(false, dry_run),
        )
        .await
        .unwrap_err();
        assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
        assert_eq!(e.to_string(), want);
    }
    let prepared = load_valid(Some(tmp.path()), &Ui::silent()).unwrap();
    let objects = promstack_dashboards::configmaps(&prepared, "monitoring").unwrap();
    let e = promstack_shared::kube::sync::diff(&c, DASHBOARDS, &objects, "monitoring", true)
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), want);
    assert_eq!(c.writes(), 0);
    for (name, labels, _) in &held {
        let live = c.peek(&cm("monitoring", name)).unwrap();
        assert_eq!(&live["metadata"]["labels"], labels, "{name} untouched");
        assert!(live["data"].get(format!("theirs-{name}.json")).is_some());
    }
    let r = sync(&c, tmp.path(), "team-a", Mode::whole_set(false, false))
        .await
        .unwrap();
    assert_eq!(r.created, 4);
}
