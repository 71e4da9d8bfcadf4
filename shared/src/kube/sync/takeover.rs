//! A sync creates objects under the names its sources give. An object of that name that is not
//! this sync's own (a helm release's, another tool's, promstack's of another component) is not
//! ours to change: a forced server-side apply would take its fields over without a word, and the
//! next `helm upgrade` or that tool would take them back (or fail on the conflict). The usual way
//! in: `helm template <chart> | rules sync -f -` into the namespace the chart is installed in,
//! whose PrometheusRules have those very names. `sync` and `diff` refuse it before any write
//! (exit 3), naming each object and its owner. Only names the plan creates are read: one GET
//! each, none when nothing is new.
use super::{Kind, PlanItem, CONCURRENCY};
use crate::kube::cluster::{Cluster, ObjRef};
use crate::kube::owned::{self, Change};
use crate::Error;
use futures::StreamExt;

/// Refuse when a name the plan creates is held by another owner's object (see the module docs).
pub async fn refuse(
    cluster: &dyn Cluster,
    kind: Kind,
    ns: &str,
    items: &[PlanItem],
) -> anyhow::Result<()> {
    let created = items.iter().filter(|i| i.change == Change::Create);
    let found: Vec<(String, Result<Option<serde_json::Value>, _>)> = futures::stream::iter(created)
        .map(|i| async move {
            let r = ObjRef::new(kind.api_version, kind.kind, Some(ns), &i.name);
            (i.name.clone(), cluster.get(&r).await)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut taken = Vec::new();
    for (name, live) in found {
        let live = live.map_err(|e| anyhow::anyhow!("reading {} {ns}/{name}: {e}", kind.kind))?;
        if let Some(obj) = live {
            taken.push(format!(
                "{} {ns}/{name} ({})",
                kind.kind,
                owned::whose(&obj)
            ));
        }
    }
    if taken.is_empty() {
        return Ok(());
    }
    taken.sort();
    Err(Error::check(format!(
        "{} of the {}s these sources make would take over {} that promstack did not make for {}; nothing was written:\n  {}\nRename the source (its metadata.name, or the file it comes from), sync into another namespace, or remove the other object first.",
        taken.len(),
        kind.kind,
        if taken.len() == 1 { "an object" } else { "objects" },
        kind.component,
        taken.join("\n  ")
    ))
    .into())
}
