//! One sync of desired objects against the cluster, for every plugin: list ours (one call), plan
//! create / update / unchanged / prune, apply what changed (server-side, bounded concurrency),
//! prune only our own objects, and field-level diffs. A plugin only says which objects it wants.
//!
//! A kind whose consumer keys objects by something other than their name (Grafana keys a
//! dashboard by its uid) gives an [`Kind::identity`]: then one of ours whose source is gone, but
//! whose identity a wanted object under another name now carries, was **moved** (a dashboard
//! file moved to another folder gets another ConfigMap name). The sync applies the new object
//! and then deletes the old one, with or without `--prune`, so the consumer never keeps both;
//! `diff` shows the two as one move.
//!
//! A sync's sources are a whole set (a folder, the embedded defaults: ours that they do not make
//! have no source any more) or a selection (files given alone, a stream): then ours that it does
//! not make are left as they are, neither stale nor pruned, and a move is refused (a file given
//! alone is named without its folder, and would move the dashboard out of it). [`scope`] says
//! which, and refuses `--prune` on a selection unless the user says it is the whole set.
use crate::kube::cluster::{
    with_retry, ApplyOptions, Cluster, ClusterError, ListQuery, ObjRef, Writes, WRITE_ATTEMPTS,
};
use crate::kube::owned::{self, Change};
use crate::terminal::ui::Ui;
use crate::Error;
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

mod diff;
mod scope;
mod takeover;
pub use diff::{diff, live_view, ObjectDiff};
pub use scope::{scope, Mode};

/// How many applies run at once.
pub const CONCURRENCY: usize = 4;

/// The kind of objects a plugin syncs, and the component label that marks them as its own.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub component: &'static str,
    /// What the consumer identifies an object by besides its name (a dashboard's uid), if
    /// anything: see the module docs on moves.
    pub identity: Option<fn(&Value) -> Vec<String>>,
    /// The CustomResourceDefinition that serves the kind (none for a built-in kind): a sync
    /// refuses to start while it is being deleted (see [`require_writable`]).
    pub crd: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub name: String,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Ours under other names with this object's identity: the sync deletes them once this one
    /// is applied (a move; see the module docs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub moved_from: Vec<String>,
    /// For a [`Change::Delete`]: the wanted object that now carries this one's identity; the
    /// sync deletes this one as part of that move, `--prune` or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<String>,
}

impl PlanItem {
    /// Ours with no source left, and not part of a move: deleted only with `--prune`.
    pub fn is_stale(&self) -> bool {
        self.change == Change::Delete && self.moved_to.is_none()
    }
    /// Ours deleted as the old half of a move.
    pub fn is_moved_away(&self) -> bool {
        self.change == Change::Delete && self.moved_to.is_some()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub namespace: String,
    pub dry_run: bool,
    pub prune: bool,
    /// The sources were the whole set (else a selection: see the module docs).
    pub whole_set: bool,
    pub items: Vec<PlanItem>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub pruned: usize,
    /// Ours under an old name deleted because a wanted object now carries their identity (moves).
    pub moved: usize,
    /// Ours in the cluster with no source any more, left because --prune was not given.
    pub stale: Vec<String>,
    /// Ours in the namespace that a selection does not make, left as they are.
    pub outside: usize,
    /// The kind synced, for the text.
    #[serde(skip)]
    pub kind: &'static str,
}

impl crate::terminal::output::Report for SyncReport {
    fn text(&self) -> String {
        report_text(self, self.kind)
    }
}

/// What `diff` found: the objects that differ, and whether that is a failed check
/// (`--exit-code`).
#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub diffs: Vec<ObjectDiff>,
    #[serde(skip)]
    pub fail_on_drift: bool,
}

impl crate::terminal::output::Report for DiffReport {
    fn text(&self) -> String {
        if self.diffs.is_empty() {
            "no differences\n".into()
        } else {
            self.diffs
                .iter()
                .map(|d| format!("{}\n{}", d.title(), d.diff))
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

/// Before a sync's first write: the namespace exists, and neither it nor the kind's CRD is being
/// deleted (see [`crate::kube::cluster::require_writable`]): the API server would refuse every new
/// object then, half-way through the sync, and delete what is there when it is gone.
pub async fn require_writable(cluster: &dyn Cluster, kind: Kind, ns: &str) -> anyhow::Result<()> {
    let writes = Writes {
        namespace: ns,
        kind: kind.kind,
        crd: kind.crd,
        then: "sync",
    };
    crate::kube::cluster::require_writable(cluster, writes).await
}

/// What a sync would do: each wanted object created, updated or unchanged; each of ours with no
/// wanted object of its name deleted, as stale (`--prune`) or as the old half of a move (see the
/// module docs).
pub fn plan(kind: Kind, desired: &[Value], live: &BTreeMap<String, Value>) -> Vec<PlanItem> {
    let mut items: Vec<PlanItem> = desired
        .iter()
        .map(|want| {
            let name = name_of(want);
            PlanItem {
                change: owned::plan(live.get(&name), want),
                source: source_of(want),
                name,
                moved_from: Vec::new(),
                moved_to: None,
            }
        })
        .collect();
    let carrier: BTreeMap<String, String> = match kind.identity {
        Some(identity) => desired
            .iter()
            .flat_map(|d| identity(d).into_iter().map(move |id| (id, name_of(d))))
            .collect(),
        None => BTreeMap::new(),
    };
    for (name, obj) in live {
        if desired.iter().any(|d| &name_of(d) == name) {
            continue;
        }
        let moved_to = kind
            .identity
            .and_then(|identity| identity(obj).into_iter().find_map(|id| carrier.get(&id)))
            .cloned();
        if let Some(to) = &moved_to {
            if let Some(target) = items.iter_mut().find(|i| &i.name == to) {
                target.moved_from.push(name.clone());
            }
        }
        items.push(PlanItem {
            name: name.clone(),
            change: Change::Delete,
            source: source_of(obj),
            moved_from: Vec::new(),
            moved_to,
        });
    }
    items
}

/// Apply what changed (bounded concurrency), then prune with `--prune`, from the one list made
/// first. An error stops before any prune. A selection (see the module docs) deals only with
/// what it makes, and refuses a move (exit 2, nothing written).
pub async fn sync(
    cluster: &dyn Cluster,
    kind: Kind,
    desired: &[Value],
    ns: &str,
    mode: Mode,
    ui: &Ui,
) -> anyhow::Result<SyncReport> {
    let Mode {
        whole_set,
        prune,
        dry_run,
    } = mode;
    let what = kind.kind;
    let live = live_ours(cluster, kind, ns)
        .await
        .map_err(|e| anyhow::anyhow!("listing {what}s in {ns}: {e}"))?;
    let (live, outside) = scope::in_scope(kind, desired, live, whole_set);
    let items = plan(kind, desired, &live);
    scope::refuse_moves(kind, &items, whole_set)?;
    takeover::refuse(cluster, kind, ns, &items).await?;
    let count = |c: Change| items.iter().filter(|i| i.change == c).count();
    let names = |f: fn(&PlanItem) -> bool| -> Vec<String> {
        items
            .iter()
            .filter(|i| f(i))
            .map(|i| i.name.clone())
            .collect()
    };
    let (stale, moved) = (names(PlanItem::is_stale), names(PlanItem::is_moved_away));
    let mut report = SyncReport {
        namespace: ns.into(),
        dry_run,
        prune,
        whole_set,
        outside,
        created: count(Change::Create),
        updated: count(Change::Update),
        unchanged: count(Change::Unchanged),
        pruned: 0,
        moved: 0,
        stale: if prune { vec![] } else { stale.clone() },
        items,
        kind: what,
    };
    if dry_run {
        if prune {
            report.pruned = stale.len();
        }
        report.moved = moved.len();
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
    apply_all(cluster, what, ns, &writes, ui).await?;
    for i in report
        .items
        .iter()
        .filter(|i| matches!(i.change, Change::Create | Change::Update))
    {
        ui.ok(&format!("{what} {ns}/{} {}d", i.name, i.change));
    }
    // the old half of each move: only now that the new half is applied, so the consumer never
    // lacks the object (it may see both for a moment, never neither)
    for name in &moved {
        delete_ours(cluster, kind, ns, name).await?;
        let to = report.items.iter().find(|i| &i.name == name);
        let to = to.and_then(|i| i.moved_to.as_deref()).unwrap_or_default();
        ui.ok(&format!("{what} {ns}/{name} deleted: moved to {to}"));
        report.moved += 1;
    }
    if prune {
        // from the one list made above: only ours (both labels), only what has no source
        for name in &stale {
            delete_ours(cluster, kind, ns, name).await?;
            ui.ok(&format!("{what} {ns}/{name} pruned"));
            report.pruned += 1;
        }
    }
    Ok(report)
}

/// Apply the objects that changed, [`CONCURRENCY`] at once; any failure is an error naming every
/// object that failed (and nothing is deleted after it).
async fn apply_all(
    cluster: &dyn Cluster,
    what: &str,
    ns: &str,
    writes: &[&Value],
    ui: &Ui,
) -> anyhow::Result<()> {
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
    Ok(())
}

/// Delete one of ours found by the sync's list (transient errors retried).
async fn delete_ours(
    cluster: &dyn Cluster,
    kind: Kind,
    ns: &str,
    name: &str,
) -> anyhow::Result<()> {
    let r = ObjRef::new(kind.api_version, kind.kind, Some(ns), name);
    with_retry(WRITE_ATTEMPTS, || cluster.delete(&r))
        .await
        .map_err(|e| anyhow::anyhow!("deleting {r}: {e}"))?;
    Ok(())
}

/// The text summary of a sync for people.
pub fn report_text(r: &SyncReport, what: &str) -> String {
    let mut s = String::new();
    if r.dry_run {
        s.push_str("Dry run: nothing was changed. Planned:\n");
        for i in r.items.iter().filter(|i| i.change != Change::Unchanged) {
            let how = if i.is_moved_away() {
                continue; // said with the object it moved to
            } else if i.is_stale() && !r.prune {
                "stale (--prune deletes)".to_string()
            } else {
                i.change.to_string()
            };
            let moved = match i.moved_from.as_slice() {
                [] => String::new(),
                from => format!(" (moved from {}: deleted after)", from.join(", ")),
            };
            s.push_str(&format!(
                "  {how:<10} {what} {}/{}{moved}\n",
                r.namespace, i.name
            ));
        }
    }
    s.push_str(&format!(
        "{} created, {} updated, {} unchanged, {} pruned{}{}{}\n",
        r.created,
        r.updated,
        r.unchanged,
        r.pruned,
        if r.moved == 0 {
            String::new()
        } else {
            format!(", {} moved (the old name deleted)", r.moved)
        },
        if r.stale.is_empty() {
            String::new()
        } else {
            format!(
                "; {} stale of ours left (pass --prune to delete): {}",
                r.stale.len(),
                r.stale.join(", ")
            )
        },
        match r.outside {
            0 => String::new(),
            n => format!("; {n} of ours not in these sources left as they are"),
        }
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::output::Report;

    /// What `diff` prints, and `diff --exit-code`: drift is a failed check; no drift, or no
    /// --exit-code, is not.
    #[test]
    fn a_diff_prints_each_object_and_fails_the_check_only_on_drift_with_exit_code() {
        let drift = ObjectDiff {
            name: "promstack-rules-a".into(),
            change: crate::kube::owned::Change::Update,
            moved_from: None,
            moved_to: None,
            diff: "-a\n+b\n".into(),
        };
        let code = |diffs: Vec<ObjectDiff>, fail_on_drift| {
            DiffReport {
                diffs,
                fail_on_drift,
            }
            .exit_code()
        };
        let text = |diffs: Vec<ObjectDiff>| {
            DiffReport {
                diffs,
                fail_on_drift: true,
            }
            .text()
        };
        assert_eq!(text(vec![]), "no differences\n");
        assert_eq!(
            text(vec![drift.clone()]),
            "update promstack-rules-a\n-a\n+b\n"
        );
        assert_eq!(
            code(vec![drift.clone()], true),
            crate::ExitCode::CheckFailed
        );
        assert_eq!(code(vec![], true), crate::ExitCode::Ok);
        assert_eq!(code(vec![drift], false), crate::ExitCode::Ok);
        assert_eq!(code(vec![], false), crate::ExitCode::Ok);
    }
}
