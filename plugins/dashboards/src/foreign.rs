//! Grafana keys a dashboard by its uid, and the sidecar provisions every ConfigMap labelled
//! `grafana_dashboard: "1"` in every namespace (the stack's values: `searchNamespace: ALL`). A
//! source whose uid a ConfigMap that is not one of this sync's already carries (the chart's own
//! dashboards, another tool's, promstack's in another namespace) would be in Grafana twice, and
//! which of the two it shows is arbitrary (it logs the clash, nothing else says so): `sync` and
//! `diff` refuse it before any write, naming that ConfigMap. The usual way in: a copy of one of
//! the chart's dashboards, edited, that kept its uid. The sidecar reads Secrets with that label as
//! well (the grafana chart's `sidecar.dashboards.resource: both`), so those are checked too.
use promstack_shared::grafana::dashboard::{self, Prepared, SIDECAR_LABEL};
use promstack_shared::kube::cluster::{Cluster, ListQuery};
use promstack_shared::kube::owned;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::Error;
use serde_json::Value;

/// The sidecar's selector in the stack's values (`label: grafana_dashboard`, `labelValue: "1"`).
pub fn sidecar_selector() -> String {
    format!("{SIDECAR_LABEL}=1")
}

/// One of this sync's own objects: ours, for dashboards, in the namespace synced. (Those take
/// part in the sync: updated, moved or pruned by it.)
fn synced_here(object: &Value, ns: &str) -> bool {
    owned::is_ours_for(object, dashboard::COMPONENT) && object["metadata"]["namespace"] == ns
}

fn describe(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or("ConfigMap");
    let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let whose = if owned::is_ours(object) {
        format!("promstack's, from a sync into namespace {ns}")
    } else if let Some(release) = object
        .pointer("/metadata/annotations/meta.helm.sh~1release-name")
        .and_then(Value::as_str)
    {
        format!("helm release {ns}/{release}'s")
    } else {
        "not promstack's".into()
    };
    format!("{kind} {ns}/{name} ({whose})")
}

/// The dashboard uids a sidecar object carries: a ConfigMap's data as it is, a Secret's decoded
/// (the API server keeps Secret data in base64; a value that is not text holds no dashboard).
fn uids_in(object: &Value) -> Vec<String> {
    let texts = dashboard::objects::data_texts(object);
    dashboard::uids_in_texts(texts.iter().filter_map(|(_, t)| t.as_deref().ok()))
}

/// The sidecar's objects of one kind in every namespace, or in `ns` alone where the credentials
/// may only list that one (with a warning). `None` when they may list none of that kind: only
/// for Secrets, which not everyone who syncs dashboards may read (a warning says they were not
/// checked); ConfigMaps that cannot be listed are an error.
async fn sidecar_objects(
    cluster: &dyn Cluster,
    kind: &str,
    ns: &str,
    ui: &Ui,
) -> anyhow::Result<Option<Vec<Value>>> {
    let everywhere = ListQuery::new("v1", kind).labels(&sidecar_selector());
    let e = match cluster.list(&everywhere).await {
        Ok(l) => return Ok(Some(l)),
        Err(e) => e,
    };
    if !e.is_forbidden() {
        return Err(anyhow::anyhow!(
            "listing the Grafana dashboard {kind}s ({}): {e}",
            sidecar_selector()
        ));
    }
    match cluster.list(&everywhere.in_namespace(ns)).await {
        Ok(l) => {
            ui.warn(&format!(
                "cannot list {kind}s in every namespace ({e}): only namespace {ns} was checked for dashboards with the same uid"
            ));
            Ok(Some(l))
        }
        Err(e) if e.is_forbidden() && kind == "Secret" => {
            ui.warn(&format!(
                "cannot list Secrets ({e}): dashboards that Grafana's sidecar reads from Secrets were not checked for the same uid"
            ));
            Ok(None)
        }
        Err(e) => Err(anyhow::anyhow!(
            "listing the dashboard {kind}s in {ns}: {e}"
        )),
    }
}

/// Refuse (exit 3, nothing written) when a source's uid is already in a sidecar ConfigMap or
/// Secret that is not one of this sync's (see the module docs). They are listed in every
/// namespace; where the credentials may only list this one, the others are not checked, with a
/// warning (and Secrets that may not be listed at all are not checked, with a warning).
pub async fn refuse_taken_uids(
    cluster: &dyn Cluster,
    ns: &str,
    sources: &[Prepared],
    ui: &Ui,
) -> anyhow::Result<()> {
    let (configmaps, secrets) = tokio::join!(
        sidecar_objects(cluster, "ConfigMap", ns, ui),
        sidecar_objects(cluster, "Secret", ns, ui)
    );
    let live: Vec<(Value, Vec<String>)> = configmaps?
        .into_iter()
        .flatten()
        .chain(secrets?.into_iter().flatten())
        .filter(|o| !synced_here(o, ns))
        .map(|o| {
            let uids = uids_in(&o);
            (o, uids)
        })
        .collect();
    let taken: Vec<String> = sources
        .iter()
        .flat_map(|p| {
            live.iter()
                .filter(|(_, uids)| uids.iter().any(|u| u == p.uid()))
                .map(move |(object, _)| {
                    format!(
                        "{}: uid `{}` is already Grafana's dashboard from {}",
                        p.uid_at(),
                        p.uid(),
                        describe(object)
                    )
                })
        })
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    Err(Error::check(format!(
        "{} dashboard(s) would be in Grafana twice, and Grafana shows one of the two at random; nothing was changed:\n  {}\nGive each its own uid (the \"uid\" field of the JSON: a copy of another dashboard keeps the original's), or remove the other object.",
        taken.len(),
        taken.join("\n  ")
    ))
    .into())
}
