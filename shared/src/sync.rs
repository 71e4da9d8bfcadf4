//! One sync of desired objects against the cluster, for every plugin: list ours (one call), plan
//! create / update / unchanged / prune, apply what changed (server-side, bounded concurrency),
//! prune only our own objects, and field-level diffs. A plugin only says which objects it wants.
use crate::cluster::{
    with_retry, ApplyOptions, Cluster, ClusterError, ListQuery, ObjRef, WRITE_ATTEMPTS,
};
use crate::owned::{self, Change};
use crate::ui::Ui;
use crate::Error;
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// How many applies run at once.
pub const CONCURRENCY: usize = 4;

/// The kind of objects a plugin syncs, and the component label that marks them as its own.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub component: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub name: String,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub namespace: String,
    pub dry_run: bool,
    pub prune: bool,
    pub items: Vec<PlanItem>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub pruned: usize,
    /// Ours in the cluster with no source any more, left because --prune was not given.
    pub stale: Vec<String>,
    /// The kind synced, for the text.
    #[serde(skip)]
    pub kind: &'static str,
}

impl crate::output::Report for SyncReport {
    fn text(&self) -> String {
        report_text(self, self.kind)
    }
}

/// What `diff` found: the objects that differ, and whether that is a failed check
/// (`--exit-code`). Serialised as the list of differences.
#[derive(Debug, Clone)]
pub struct DiffReport {
    pub diffs: Vec<ObjectDiff>,
    pub fail_on_drift: bool,
}

impl Serialize for DiffReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.diffs.serialize(s)
    }
}

impl crate::output::Report for DiffReport {
    fn text(&self) -> String {
        if self.diffs.is_empty() {
            "no differences\n".into()
        } else {
            self.diffs
                .iter()
                .map(|d| format!("{} {}\n{}", d.change, d.name, d.diff))
                .collect()
        }
    }
    fn exit_code(&self) -> crate::ExitCode {
        if self.fail_on_drift && !self.diffs.is_empty() {
            crate::ExitCode::CheckFailed
        } else {
            crate::ExitCode::Ok
        }
    }
}

pub fn name_of(v: &Value) -> String {
    v["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn source_of(v: &Value) -> Option<String> {
    v.pointer("/metadata/annotations/promstack.io~1source")
        .and_then(Value::as_str)
        .map(String::from)
}

/// Our objects of this kind in the namespace (one list call).
pub async fn live_ours(
    cluster: &dyn Cluster,
    kind: Kind,
    ns: &str,
) -> Result<BTreeMap<String, Value>, ClusterError> {
    let q = ListQuery::new(kind.api_version, kind.kind)
        .in_namespace(ns)
        .labels(&owned::selector(kind.component));
    Ok(cluster
        .list(&q)
        .await?
        .into_iter()
        .filter(|o| owned::is_ours_for(o, kind.component))
        .map(|o| (name_of(&o), o))
        .collect())
}

/// A sync writes into an existing namespace: say how to get one when it is missing (exit 2).
pub async fn require_namespace(cluster: &dyn Cluster, ns: &str) -> anyhow::Result<()> {
    let found = cluster
        .get(&ObjRef::new("v1", "Namespace", None, ns))
        .await
        .map_err(|e| anyhow::anyhow!("reading namespace {ns}: {e}"))?;
    if found.is_none() {
        return Err(Error::input(format!("namespace {ns} does not exist: install the stack first (kubectl promstack install) or pick one with -n")).into());
    }
    Ok(())
}

/// What a sync would do.
pub fn plan(desired: &[Value], live: &BTreeMap<String, Value>) -> Vec<PlanItem> {
    let mut items: Vec<PlanItem> = desired
        .iter()
        .map(|want| {
            let name = name_of(want);
            PlanItem {
                change: owned::plan(live.get(&name), want),
                source: source_of(want),
                name,
            }
        })
        .collect();
    for name in live.keys() {
        if !desired.iter().any(|d| &name_of(d) == name) {
            items.push(PlanItem {
                name: name.clone(),
                change: Change::Delete,
                source: None,
            });
        }
    }
    items
}

/// Apply what changed (bounded concurrency), then prune with `prune`, from the one list made
/// first. An error stops before any prune.
pub async fn sync(
    cluster: &dyn Cluster,
    kind: Kind,
    desired: &[Value],
    ns: &str,
    prune: bool,
    dry_run: bool,
    ui: &Ui,
) -> anyhow::Result<SyncReport> {
    let what = kind.kind;
    let live = live_ours(cluster, kind, ns)
        .await
        .map_err(|e| anyhow::anyhow!("listing {what}s in {ns}: {e}"))?;
    let items = plan(desired, &live);
    let count = |c: Change| items.iter().filter(|i| i.change == c).count();
    let stale: Vec<String> = items
        .iter()
        .filter(|i| i.change == Change::Delete)
        .map(|i| i.name.clone())
        .collect();
    let mut report = SyncReport {
        namespace: ns.into(),
        dry_run,
        prune,
        created: count(Change::Create),
        updated: count(Change::Update),
        unchanged: count(Change::Unchanged),
        pruned: 0,
        stale: if prune { vec![] } else { stale.clone() },
        items,
        kind: what,
    };
    if dry_run {
        if prune {
            report.pruned = stale.len();
        }
        return Ok(report);
    }
    let writes: Vec<&Value> = desired
        .iter()
        .filter(|w| {
            report.items.iter().any(|i| {
                i.name == name_of(w) && matches!(i.change, Change::Create | Change::Update)
            })
        })
        .collect();
    let bar = ui.spinner(&format!("applying {} {what}s", writes.len()));
    let results: Vec<(String, Result<Value, ClusterError>)> = futures::stream::iter(writes.iter())
        .map(|w| async move {
            (
                name_of(w),
                with_retry(WRITE_ATTEMPTS, || {
                    cluster.apply(w, ApplyOptions { force: true })
                })
                .await,
            )
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    bar.finish_and_clear();
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(n, r)| r.as_ref().err().map(|e| format!("{what} {ns}/{n}: {e}")))
        .collect();
    if !failed.is_empty() {
        return Err(Error::runtime(format!(
            "{} of {} applies failed; nothing was pruned:\n  {}",
            failed.len(),
            writes.len(),
            failed.join("\n  ")
        ))
        .into());
    }
    for i in report
        .items
        .iter()
        .filter(|i| matches!(i.change, Change::Create | Change::Update))
    {
        ui.ok(&format!("{what} {ns}/{} {}d", i.name, i.change));
    }
    if prune {
        // from the one list made above: only ours (both labels), only what has no source
        for name in &stale {
            let r = ObjRef::new(kind.api_version, what, Some(ns), name);
            with_retry(WRITE_ATTEMPTS, || cluster.delete(&r))
                .await
                .map_err(|e| anyhow::anyhow!("pruning {r}: {e}"))?;
            ui.ok(&format!("{r} pruned"));
            report.pruned += 1;
        }
    }
    Ok(report)
}

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
    for path in crate::fields::dropped(live, want, crate::FIELD_MANAGER) {
        let Some(value) = crate::fields::get(live, &path) else {
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
    /// Unified diff of the object's YAML (live → wanted).
    pub diff: String,
}

/// Field-level differences between the wanted objects and what is live.
pub async fn diff(
    cluster: &dyn Cluster,
    kind: Kind,
    desired: &[Value],
    ns: &str,
) -> anyhow::Result<Vec<ObjectDiff>> {
    let live = live_ours(cluster, kind, ns)
        .await
        .map_err(|e| anyhow::anyhow!("listing {}s in {ns}: {e}", kind.kind))?;
    let mut out = Vec::new();
    for item in plan(desired, &live) {
        let (old, new) = match item.change {
            Change::Unchanged => continue,
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
                    .get(&item.name)
                    .map(|l| serde_yaml::to_string(&live_view(l, &want)).unwrap_or_default())
                    .unwrap_or_default();
                (old, serde_yaml::to_string(&want).unwrap_or_default())
            }
        };
        let diff = similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("live/{}", item.name),
                &format!("sources/{}", item.name),
            )
            .to_string();
        out.push(ObjectDiff {
            name: item.name,
            change: item.change,
            diff,
        });
    }
    Ok(out)
}

/// The text summary of a sync for people.
pub fn report_text(r: &SyncReport, what: &str) -> String {
    let mut s = String::new();
    if r.dry_run {
        s.push_str("Dry run: nothing was changed. Planned:\n");
        for i in r.items.iter().filter(|i| i.change != Change::Unchanged) {
            let how = if i.change == Change::Delete && !r.prune {
                "stale (--prune deletes)".to_string()
            } else {
                i.change.to_string()
            };
            s.push_str(&format!("  {how:<10} {what} {}/{}\n", r.namespace, i.name));
        }
    }
    s.push_str(&format!(
        "{} created, {} updated, {} unchanged, {} pruned{}\n",
        r.created,
        r.updated,
        r.unchanged,
        r.pruned,
        if r.stale.is_empty() {
            String::new()
        } else {
            format!(
                "; {} stale of ours left (pass --prune to delete): {}",
                r.stale.len(),
                r.stale.join(", ")
            )
        }
    ));
    s
}
