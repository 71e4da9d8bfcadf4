//! `uninstall --delete-crds`: the CRDs promstack applied, what each one holds (deleting a CRD
//! deletes every object of its kind in the cluster, so other owners' objects are named before
//! anything is removed, and `--yes` alone refuses when there are any). The wait until they are
//! gone is [`super::gone`].
use super::{Plan, UninstallOptions};
use crate::chart::crds::contents::{self, Held, Other};
use crate::chart::crds::CRD_API;
use crate::chart::values::RELEASE;
use anyhow::Context as _;
use promstack_shared::kube::cluster::{Cluster, ListQuery, ObjRef};
use promstack_shared::kube::owned;
use promstack_shared::Error;
use serde_json::Value;

/// The CRDs promstack applied (with --delete-crds), as they are.
pub(super) async fn ours(
    opts: &UninstallOptions,
    cluster: &dyn Cluster,
) -> anyhow::Result<Vec<Value>> {
    if !opts.delete_crds {
        return Ok(vec![]);
    }
    let q = ListQuery::new(CRD_API, "CustomResourceDefinition")
        .labels(&owned::selector(crate::COMPONENT));
    cluster.list(&q).await.context("listing CRDs")
}

/// What each of the CRDs holds, in every namespace, ours and other owners'.
pub(super) async fn held(
    opts: &UninstallOptions,
    cluster: &dyn Cluster,
    crds: &[Value],
) -> anyhow::Result<Vec<Held>> {
    contents::count(cluster, crds, RELEASE, &opts.namespace)
        .await
        .context("counting the objects the CRDs hold; nothing was removed")
}

/// How a CRD is listed among what is removed: with its objects when other owners have some.
pub(super) fn shown(r: &ObjRef, held: Option<&Held>) -> String {
    match held.filter(|h| !h.others.is_empty()) {
        Some(h) => format!(
            "{r}, and with it {}: {} of other owners, {} of this stack",
            contents::counted(h.total(), &h.kind),
            h.others.len(),
            h.ours
        ),
        None => r.to_string(),
    }
}

/// Other owners' objects the CRD deletion takes, across the CRDs.
pub fn others(held: &[Held]) -> Vec<&Other> {
    held.iter().flat_map(|h| &h.others).collect()
}

/// The title and lines that name other owners' objects (none when there are none).
pub fn others_listed(held: &[Held], dry_run: bool) -> Option<(String, Vec<String>)> {
    let others = others(held);
    if others.is_empty() {
        return None;
    }
    let verb = if dry_run { "would be" } else { "are" };
    Some((
        format!(
            "Not this stack's, and {verb} deleted with the CRDs (deleting a CRD deletes every object of its kind in the cluster): {}",
            objects(others.len())
        ),
        contents::describe(&others),
    ))
}

/// `1 object`, `303 objects`.
pub(super) fn objects(n: usize) -> String {
    match n {
        1 => "1 object".into(),
        n => format!("{n} objects"),
    }
}

/// `--yes` alone does not delete other owners' objects: exit 3 naming them, before anything is
/// removed; `--force` says to delete them too. At a terminal the confirmation names them instead.
pub(super) fn refuse_others(opts: &UninstallOptions, plan: &Plan) -> Result<(), Error> {
    let Some((_, lines)) = others_listed(&plan.held, false).filter(|_| opts.yes && !opts.force)
    else {
        return Ok(());
    };
    Err(Error::check(format!(
        "--delete-crds would delete {} of other owners with the CRDs (deleting a CRD deletes every object of its kind in the cluster):\n  {}\nNothing was removed. Pass --force to delete them too, move them to CRDs of their own first, or uninstall without --delete-crds (the CRDs stay).",
        objects(others(&plan.held).len()),
        lines.join("\n  ")
    )))
}
