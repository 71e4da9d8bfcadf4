//! Whole set or selection (see the parent module): what a sync may delete or move.
use super::{name_of, Kind, PlanItem};
use crate::input::sources::Summary;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::sources::{input::from_stream, RuleSet};
    use crate::kube::cluster::MemoryCluster;
    use serde_json::json;

    fn uids(o: &Value) -> Vec<String> {
        o["data"]["uid"]
            .as_str()
            .map(String::from)
            .into_iter()
            .collect()
    }

    const KIND: Kind = Kind {
        api_version: "v1",
        kind: "ConfigMap",
        component: "test",
        identity: Some(uids),
        crd: None,
    };

    fn cm(name: &str, uid: &str) -> Value {
        let mut labels = crate::kube::owned::labels("test");
        labels.insert("x".into(), "y".into());
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "m", "labels": labels,
                "annotations": {"promstack.io/source": format!("Folder/{name}.json")}},
            "data": {"uid": uid}})
    }

    #[test]
    fn prune_on_a_selection_is_refused_unless_it_is_said_to_be_the_whole_set() {
        let stream = from_stream::<RuleSet>("groups: []\n".into()).summary;
        let err = scope(&stream, true, false, "PrometheusRule").unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        let msg = err.to_string();
        assert!(
            msg.contains("<stdin> is a selection")
                && msg.contains("nothing was changed")
                && msg.contains("--whole-set"),
            "{msg}"
        );
        assert!(scope(&stream, true, true, "PrometheusRule").unwrap());
        assert!(!scope(&stream, false, false, "PrometheusRule").unwrap());
        let folder = crate::input::sources::input::read::<RuleSet>(&Default::default())
            .unwrap()
            .summary;
        assert!(scope(&folder, true, false, "PrometheusRule").unwrap());
    }

    #[tokio::test]
    async fn a_selection_leaves_the_others_and_moves_nothing() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "m"}}));
        for o in [cm("a", "ua"), cm("b", "ub"), cm("old", "um")] {
            c.insert(o);
        }
        let ui = crate::terminal::ui::Ui::silent();
        let selection = Mode::default();
        // a changed, b and old are not the selection's: left, not stale
        let r = super::super::sync(&c, KIND, &[cm("a", "ua2")], "m", selection, &ui)
            .await
            .unwrap();
        assert_eq!((r.updated, r.outside, r.stale.len()), (1, 2, 0));
        assert!(c
            .peek(&crate::kube::cluster::ObjRef::new(
                "v1",
                "ConfigMap",
                Some("m"),
                "b"
            ))
            .is_some());
        let diffs = super::super::diff(&c, KIND, &[cm("a", "ua2")], "m", false)
            .await
            .unwrap();
        assert!(
            diffs.is_empty(),
            "a is synced; nothing else is the selection's: {diffs:?}"
        );
        // the uid of `old` under a new name: a move, refused for a selection before any write
        let writes = c.writes();
        let err = super::super::sync(&c, KIND, &[cm("new", "um")], "m", selection, &ui)
            .await
            .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("ConfigMap old (from Folder/old.json) → new"),
            "{msg}"
        );
        assert_eq!(c.writes(), writes, "nothing written");
        assert!(super::super::diff(&c, KIND, &[cm("new", "um")], "m", false)
            .await
            .is_err());
        // the same as a whole set: b and old are stale (not pruned), old moves to new
        let whole = Mode::whole_set(false, false);
        let r = super::super::sync(
            &c,
            KIND,
            &[cm("a", "ua2"), cm("new", "um")],
            "m",
            whole,
            &ui,
        )
        .await
        .unwrap();
        assert_eq!(
            (r.created, r.moved, r.stale.as_slice()),
            (1, 1, ["b".to_string()].as_slice())
        );
    }
}
