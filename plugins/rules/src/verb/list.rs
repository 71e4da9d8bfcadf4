//! `rules list`: the PrometheusRules in the cluster, ours or not, with their source.
use super::Deps;
use crate::sync::{self, ListItem};
use promstack_shared::verb::Report;
use serde::Serialize;

pub use promstack_shared::verb::ListOptions;

/// Serialised as the list of items.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ListReport {
    pub items: Vec<ListItem>,
}

pub async fn run(opts: &ListOptions, deps: &Deps<'_>) -> anyhow::Result<ListReport> {
    let items = sync::list(deps.cluster().await?, opts.namespace.as_deref()).await?;
    Ok(ListReport { items })
}

impl Report for ListReport {
    fn text(&self) -> String {
        let mut s = format!(
            "{:<20} {:<40} {:<5} {:>6} {:>6}  SOURCE\n",
            "NAMESPACE", "NAME", "OURS", "GROUPS", "RULES"
        );
        for i in &self.items {
            s.push_str(&format!(
                "{:<20} {:<40} {:<5} {:>6} {:>6}  {}\n",
                i.namespace,
                i.name,
                if i.ours { "yes" } else { "no" },
                i.groups,
                i.rules,
                i.source.as_deref().unwrap_or("-")
            ));
        }
        s
    }
}
