//! Grafana keys a dashboard by its uid, and the sidecar provisions every ConfigMap labelled
//! `grafana_dashboard: "1"` in every namespace (the stack's values: `searchNamespace: ALL`). A
//! source whose uid a ConfigMap that is not one of this sync's already carries (the chart's own
//! dashboards, another tool's, promstack's in another namespace) would be in Grafana twice, and
//! which of the two it shows is arbitrary (it logs the clash, nothing else says so): `sync` and
//! `diff` refuse it before any write, naming that ConfigMap. The usual way in: a copy of one of
//! the chart's dashboards, edited, that kept its uid.
use promstack_shared::cluster::{Cluster, ListQuery};
use promstack_shared::dashboard::{self, Prepared, SIDECAR_LABEL};
use promstack_shared::owned;
use promstack_shared::ui::Ui;
use promstack_shared::Error;
use serde_json::Value;

/// The sidecar's selector in the stack's values (`label: grafana_dashboard`, `labelValue: "1"`).
pub fn sidecar_selector() -> String {
    format!("{SIDECAR_LABEL}=1")
}

/// One of this sync's own objects: ours, for dashboards, in the namespace synced. (Those take
/// part in the sync: updated, moved or pruned by it.)
fn synced_here(cm: &Value, ns: &str) -> bool {
    owned::is_ours_for(cm, dashboard::COMPONENT) && cm["metadata"]["namespace"] == ns
}

fn describe(cm: &Value) -> String {
    let ns = cm["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = cm["metadata"]["name"].as_str().unwrap_or_default();
    let whose = if owned::is_ours(cm) {
        format!("promstack's, from a sync into namespace {ns}")
    } else if let Some(release) = cm
        .pointer("/metadata/annotations/meta.helm.sh~1release-name")
        .and_then(Value::as_str)
    {
        format!("helm release {ns}/{release}'s")
    } else {
        "not promstack's".into()
    };
    format!("ConfigMap {ns}/{name} ({whose})")
}

/// Refuse (exit 3, nothing written) when a source's uid is already in a sidecar ConfigMap that
/// is not one of this sync's (see the module docs). The ConfigMaps are listed in every namespace;
/// where the credentials may only list this one, the others are not checked, with a warning.
pub async fn refuse_taken_uids(
    cluster: &dyn Cluster,
    ns: &str,
    sources: &[Prepared],
    ui: &Ui,
) -> anyhow::Result<()> {
    let everywhere = ListQuery::new("v1", "ConfigMap").labels(&sidecar_selector());
    let live = match cluster.list(&everywhere).await {
        Ok(l) => l,
        Err(e) if e.is_forbidden() => {
            ui.warn(&format!(
                "cannot list ConfigMaps in every namespace ({e}): only namespace {ns} was checked for dashboards with the same uid"
            ));
            cluster
                .list(&everywhere.in_namespace(ns))
                .await
                .map_err(|e| anyhow::anyhow!("listing the dashboard ConfigMaps in {ns}: {e}"))?
        }
        Err(e) => {
            return Err(anyhow::anyhow!(
                "listing the Grafana dashboard ConfigMaps ({}): {e}",
                sidecar_selector()
            ))
        }
    };
    let taken: Vec<String> = sources
        .iter()
        .flat_map(|p| {
            live.iter()
                .filter(|cm| !synced_here(cm, ns))
                .filter(|cm| dashboard::uids_of(cm).iter().any(|u| u == p.uid()))
                .map(move |cm| {
                    format!(
                        "{}: uid `{}` is already Grafana's dashboard from {}",
                        p.uid_at(),
                        p.uid(),
                        describe(cm)
                    )
                })
        })
        .collect();
    if taken.is_empty() {
        return Ok(());
    }
    Err(Error::check(format!(
        "{} dashboard(s) would be in Grafana twice, and Grafana shows one of the two at random; nothing was changed:\n  {}\nGive each its own uid (the \"uid\" field of the JSON: a copy of another dashboard keeps the original's), or remove the other ConfigMap.",
        taken.len(),
        taken.join("\n  ")
    ))
    .into())
}
