//! Whole set or selection (see the parent module): what a sync may delete or move.
use super::{name_of, Kind, PlanItem};
use crate::sources::Summary;
use crate::Error;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a sync runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mode {
    /// The wanted objects are the whole set: ours that they do not make are stale, and one
    /// under another name whose identity a wanted one carries moves. Else a selection.
    pub whole_set: bool,
    /// Delete the stale (only with `whole_set`).
    pub prune: bool,
    /// Plan only.
    pub dry_run: bool,
}

impl Mode {
    /// The sync of a whole set (a folder's).
    pub fn whole_set(prune: bool, dry_run: bool) -> Self {
        Mode {
            whole_set: true,
            prune,
            dry_run,
        }
    }
}

/// Are these sources the whole set: folders or the embedded defaults, or what the user says is
/// (`--whole-set`)? `--prune` on a selection is refused (exit 2, before the cluster is asked):
/// it would delete every one of ours that the selection does not make. `what` is the kind.
pub fn scope(read: &Summary, prune: bool, whole_set_flag: bool, what: &str) -> Result<bool, Error> {
    let whole_set = read.whole_set || whole_set_flag;
    if prune && !whole_set {
        return Err(Error::input(format!(
            "--prune deletes every {what} of ours in the namespace that the sources do not make, and {} {} a selection (files given alone, or a stream), not a folder: nothing was changed. Sync the folder they come from, or add --whole-set if these sources are all the {what}s of the namespace",
            read.inputs.join(", "),
            if read.inputs.len() == 1 { "is" } else { "are" },
        )));
    }
    Ok(whole_set)
}

/// The live objects of ours a sync of `desired` deals with, and how many it leaves out: all of
/// them for a whole set; for a selection, those it makes (by name) and those whose identity one
/// it makes carries (a move, which [`refuse_moves`] refuses).
pub(super) fn in_scope(
    kind: Kind,
    desired: &[Value],
    live: BTreeMap<String, Value>,
    whole_set: bool,
) -> (BTreeMap<String, Value>, usize) {
    if whole_set {
        return (live, 0);
    }
    let names: Vec<String> = desired.iter().map(name_of).collect();
    let ids: Vec<String> = match kind.identity {
        Some(identity) => desired.iter().flat_map(identity).collect(),
        None => Vec::new(),
    };
    let total = live.len();
    let kept: BTreeMap<String, Value> = live
        .into_iter()
        .filter(|(name, obj)| {
            names.contains(name)
                || kind
                    .identity
                    .is_some_and(|identity| identity(obj).iter().any(|id| ids.contains(id)))
        })
        .collect();
    let outside = total - kept.len();
    (kept, outside)
}

/// A selection moves nothing: a file given alone is named by its file name, without the folder
/// that named it before, so a "move" is most likely that (exit 2, nothing written).
pub(super) fn refuse_moves(kind: Kind, items: &[PlanItem], whole_set: bool) -> Result<(), Error> {
    let moves: Vec<String> = items
        .iter()
        .filter(|i| i.is_moved_away())
        .map(|i| {
            format!(
                "{} {}{} → {}",
                kind.kind,
                i.name,
                i.source
                    .as_ref()
                    .map(|s| format!(" (from {s})"))
                    .unwrap_or_default(),
                i.moved_to.as_deref().unwrap_or_default()
            )
        })
        .collect();
    if whole_set || moves.is_empty() {
        return Ok(());
    }
    Err(Error::input(format!(
        "{} of ours would move to another name, which files given alone or a stream do not decide; nothing was changed:\n  {}\nA file given alone is named by its file name, without its folder: sync the folder it is in, or add --whole-set to move them",
        moves.len(),
        moves.join("\n  ")
    )))
}
