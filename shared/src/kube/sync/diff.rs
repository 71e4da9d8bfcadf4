//! Field-level diffs of a sync: each wanted object against the live one as server-side apply
//! would change it, and a move (see the parent module) as one diff.
use super::{live_ours, name_of, plan, Kind};
use crate::kube::cluster::Cluster;
use crate::kube::owned::Change;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The live object reduced to the fields the wanted object sets (arrays whole).
fn project(live: &Value, want: &Value) -> Value {
    match (live, want) {
        (Value::Object(l), Value::Object(w)) => Value::Object(
            w.keys()
                .filter_map(|k| l.get(k).map(|lv| (k.clone(), project(lv, &w[k]))))
                .collect(),
        ),
        (l, _) => l.clone(),
    }
}

/// What a diff compares with the wanted object: the live fields it sets, and the fields promstack
/// set before and no longer sets (an apply removes those, so the diff shows them as removed).
pub fn live_view(live: &Value, want: &Value) -> Value {
    let mut view = project(live, want);
    for path in crate::kube::fields::dropped(live, want, crate::FIELD_MANAGER) {
        let Some(value) = crate::kube::fields::get(live, &path) else {
            continue;
        };
        let Some((last, parents)) = path.split_last() else {
            continue;
        };
        let mut node = &mut view;
        for k in parents {
            if !node.get(k).is_some_and(Value::is_object) {
                node[k.as_str()] = Value::Object(Default::default());
            }
            node = &mut node[k.as_str()];
        }
        node[last.as_str()] = value.clone();
    }
    view
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectDiff {
    pub name: String,
    pub change: Change,
    /// For a wanted object that takes over the identity of one of ours under another name: that
    /// name (the diff is from it: a move).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<String>,
    /// For one of ours deleted because another wanted object now carries its identity: that one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
    /// Unified diff of the object's YAML (live → wanted).
    pub diff: String,
}

impl ObjectDiff {
    /// `update x`, `move old → new`, `delete old (moved to new)`.
    pub fn title(&self) -> String {
        match (&self.moved_from, &self.moved_to) {
            (Some(from), _) => format!("move {from} → {}", self.name),
            (_, Some(to)) => format!("{} {} (moved to {to})", self.change, self.name),
            _ => format!("{} {}", self.change, self.name),
        }
    }
}

/// Field-level differences between the wanted objects and what is live. A move (see the module
/// docs) is one diff, from the old object to the new one. Of a selection (not `whole_set`), only
/// what it makes; a move is refused, as `sync` refuses it.
pub async fn diff(
    cluster: &dyn Cluster,
    kind: Kind,
    desired: &[Value],
    ns: &str,
    whole_set: bool,
) -> anyhow::Result<Vec<ObjectDiff>> {
    let live = live_ours(cluster, kind, ns)
        .await
        .map_err(|e| anyhow::anyhow!("listing {}s in {ns}: {e}", kind.kind))?;
    let (live, _) = super::scope::in_scope(kind, desired, live, whole_set);
    let items = plan(kind, desired, &live);
    super::scope::refuse_moves(kind, &items, whole_set)?;
    super::takeover::refuse(cluster, kind, ns, &items).await?;
    // a created object that takes over an old one's identity is shown as a move from it, and the
    // old one's delete is that move
    let moves: BTreeMap<&str, &str> = items
        .iter()
        .filter(|i| i.change == Change::Create)
        .filter_map(|i| i.moved_from.first().map(|f| (f.as_str(), i.name.as_str())))
        .collect();
    let mut out = Vec::new();
    for item in &items {
        if item.change == Change::Unchanged || moves.contains_key(item.name.as_str()) {
            continue;
        }
        let moved_from = (item.change == Change::Create)
            .then(|| item.moved_from.first().cloned())
            .flatten();
        let (old, new) = match item.change {
            Change::Delete => (
                serde_yaml::to_string(&live[&item.name]).unwrap_or_default(),
                String::new(),
            ),
            _ => {
                let want = desired
                    .iter()
                    .find(|d| name_of(d) == item.name)
                    .cloned()
                    .unwrap_or_default();
                let old = live
                    .get(moved_from.as_ref().unwrap_or(&item.name))
                    .map(|l| serde_yaml::to_string(&live_view(l, &want)).unwrap_or_default())
                    .unwrap_or_default();
                (old, serde_yaml::to_string(&want).unwrap_or_default())
            }
        };
        let diff = similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("live/{}", moved_from.as_ref().unwrap_or(&item.name)),
                &format!("sources/{}", item.name),
            )
            .to_string();
        out.push(ObjectDiff {
            name: item.name.clone(),
            change: item.change,
            moved_from,
            moved_to: item.moved_to.clone(),
            diff,
        });
    }
    Ok(out)
}
