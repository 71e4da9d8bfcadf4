//! `rules list`: the PrometheusRules in the cluster, ours or not, with their source; given
//! sources, as `kubectl get -f`: the objects they make, each as it is in the cluster or absent.
use super::Deps;
use crate::load;
use crate::sync::{self, ListItem};
use promstack_shared::input::sources::Summary;
use promstack_shared::prometheus::promql::Target;
use promstack_shared::terminal::verb::Report;
use serde::Serialize;

pub use promstack_shared::terminal::verb::ListOptions;

#[derive(Debug, Clone, Serialize)]
pub struct ListReport {
    /// The sources, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Summary>,
    pub items: Vec<ListItem>,
}

pub async fn run(opts: &ListOptions, deps: &Deps<'_>) -> anyhow::Result<ListReport> {
    let Some(inputs) = &opts.sources else {
        let items = sync::list(deps.cluster().await?, opts.namespace.as_deref()).await?;
        return Ok(ListReport {
            sources: None,
            items,
        });
    };
    let loaded = load::sources_valid(inputs, &opts.sources_namespace, &Target::any(), deps.ui)?;
    let live = sync::list(deps.cluster().await?, opts.namespace.as_deref()).await?;
    let mut items = Vec::new();
    for obj in &loaded.objects {
        let name = obj.metadata.name.clone().unwrap_or_default();
        let found: Vec<&ListItem> = live.iter().filter(|i| i.name == name).collect();
        if found.is_empty() {
            items.push(ListItem {
                namespace: opts.sources_namespace.clone(),
                name,
                ours: false,
                absent: true,
                source: Some(load::source_of(obj)),
                groups: obj.spec.groups.len(),
                rules: obj.spec.groups.iter().map(|g| g.rules.len()).sum(),
            });
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
            "{:<20} {:<40} {:<5} {:>6} {:>6}  SOURCE\n",
            "NAMESPACE", "NAME", "OURS", "GROUPS", "RULES"
        );
        for i in &self.items {
            s.push_str(&format!(
                "{:<20} {:<40} {:<5} {:>6} {:>6}  {}{}\n",
                i.namespace,
                i.name,
                match (i.absent, i.ours) {
                    (true, _) => "-",
                    (false, true) => "yes",
                    (false, false) => "no",
                },
                i.groups,
                i.rules,
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
