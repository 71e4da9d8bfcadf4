//! `dashboards list`: the dashboard ConfigMaps in the cluster (label grafana_dashboard), ours or
//! not; given sources, as `kubectl get -f`: the ConfigMaps they make, each as it is in the
//! cluster or absent.
use super::Deps;
use crate::load;
use promstack_shared::grafana::dashboard;
use promstack_shared::input::sources::Summary;
use promstack_shared::kube::cluster::{Cluster, ListQuery};
use promstack_shared::kube::{owned, sync};
use promstack_shared::terminal::verb::Report;
use serde::Serialize;
use serde_json::Value;

pub use promstack_shared::terminal::verb::ListOptions;

#[derive(Debug, Clone, Serialize)]
pub struct ListReport {
    /// The sources, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Summary>,
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub namespace: String,
    pub name: String,
    pub ours: bool,
    /// Made by the sources listed, and not in the cluster.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub keys: Vec<String>,
}

/// Dashboard ConfigMaps (those with the sidecar label) in the namespace or everywhere.
pub async fn list(cluster: &dyn Cluster, ns: Option<&str>) -> anyhow::Result<Vec<ListItem>> {
    let mut q = ListQuery::new("v1", "ConfigMap").labels(dashboard::SIDECAR_LABEL);
    if let Some(ns) = ns {
        q = q.in_namespace(ns);
    }
    let mut items: Vec<ListItem> = cluster
        .list(&q)
        .await
        .map_err(|e| anyhow::anyhow!("listing ConfigMaps: {e}"))?
        .iter()
        .map(|o| item(o, false))
        .collect();
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(items)
}

/// A ConfigMap as a row: one in the cluster, or one the sources make that is `absent` from it.
fn item(o: &Value, absent: bool) -> ListItem {
    let annotation = |k: &str| o["metadata"]["annotations"][k].as_str().map(String::from);
    ListItem {
        namespace: o["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .into(),
        name: sync::name_of(o),
        ours: !absent && owned::is_ours_for(o, dashboard::COMPONENT),
        absent,
        folder: annotation(dashboard::FOLDER_ANNOTATION),
        source: annotation(promstack_shared::prometheus::rule::SOURCE_ANNOTATION),
        keys: o["data"]
            .as_object()
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default(),
    }
}

pub async fn run(opts: &ListOptions, deps: &Deps<'_>) -> anyhow::Result<ListReport> {
    let live = || async { list(deps.cluster().await?, opts.namespace.as_deref()).await };
    let Some(inputs) = &opts.sources else {
        return Ok(ListReport {
            sources: None,
            items: live().await?,
        });
    };
    let target = promstack_shared::prometheus::promql::Target::any();
    let loaded = load::sources_valid(inputs, deps.ui, &target)?;
    let live = live().await?;
    let mut items = Vec::new();
    for cm in load::configmaps(&loaded.prepared, &opts.sources_namespace)? {
        let name = sync::name_of(&cm);
        let found: Vec<&ListItem> = live.iter().filter(|i| i.name == name).collect();
        if found.is_empty() {
            items.push(item(&cm, true));
        }
        items.extend(found.into_iter().cloned());
    }
    Ok(ListReport {
        sources: Some(loaded.sources),
        items,
    })
}

impl Report for ListReport {
    fn text(&self) -> String {
        let mut s = format!(
            "{:<20} {:<50} {:<5} {:<14} SOURCE\n",
            "NAMESPACE", "NAME", "OURS", "FOLDER"
        );
        for i in &self.items {
            s.push_str(&format!(
                "{:<20} {:<50} {:<5} {:<14} {}{}\n",
                i.namespace,
                i.name,
                match (i.absent, i.ours) {
                    (true, _) => "-",
                    (false, true) => "yes",
                    (false, false) => "no",
                },
                i.folder.as_deref().unwrap_or("-"),
                i.source.as_deref().unwrap_or("-"),
                if i.absent {
                    " (not in the cluster)"
                } else {
                    ""
                }
            ));
        }
        s
    }
}
