//! `dashboards list`: the dashboard ConfigMaps in the cluster (label grafana_dashboard), ours or not.
use super::Deps;
use promstack_shared::cluster::{Cluster, ListQuery};
use promstack_shared::verb::Report;
use promstack_shared::{dashboard, owned, sync};
use serde::Serialize;
use serde_json::Value;

pub use promstack_shared::verb::ListOptions;

/// Serialised as the list of items.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ListReport {
    pub items: Vec<ListItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub namespace: String,
    pub name: String,
    pub ours: bool,
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
        .map(|o| ListItem {
            namespace: o["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .into(),
            name: sync::name_of(o),
            ours: owned::is_ours_for(o, dashboard::COMPONENT),
            folder: o
                .pointer("/metadata/annotations/grafana_folder")
                .and_then(Value::as_str)
                .map(String::from),
            source: o
                .pointer("/metadata/annotations/promstack.io~1source")
                .and_then(Value::as_str)
                .map(String::from),
            keys: o["data"]
                .as_object()
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(items)
}

pub async fn run(opts: &ListOptions, deps: &Deps<'_>) -> anyhow::Result<ListReport> {
    let items = list(deps.cluster().await?, opts.namespace.as_deref()).await?;
    Ok(ListReport { items })
}

impl Report for ListReport {
    fn text(&self) -> String {
        let mut s = format!(
            "{:<20} {:<50} {:<5} {:<14} SOURCE\n",
            "NAMESPACE", "NAME", "OURS", "FOLDER"
        );
        for i in &self.items {
            s.push_str(&format!(
                "{:<20} {:<50} {:<5} {:<14} {}\n",
                i.namespace,
                i.name,
                if i.ours { "yes" } else { "no" },
                i.folder.as_deref().unwrap_or("-"),
                i.source.as_deref().unwrap_or("-")
            ));
        }
        s
    }
}
