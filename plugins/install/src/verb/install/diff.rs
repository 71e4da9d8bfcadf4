//! The release diff of an install (`--dry-run`, `install diff`): the new render against the live
//! objects, the deployed release's manifest for what it set before (see [`crate::release_diff`]),
//! and the chart's CRDs in short.
use super::preflight::Facts;
use super::{Deps, HelmClock, InstallOptions};
use crate::chart::values::RELEASE;
use crate::release_diff::{self, ReleaseDiff};
use anyhow::Context as _;

pub(super) async fn of_release(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    facts: &Facts,
    clock: &HelmClock,
) -> anyhow::Result<ReleaseDiff> {
    let bar = deps
        .ui
        .spinner("comparing every object of the release with the cluster (server-side dry run)");
    let ns = opts.namespace.as_str();
    let previous = match &facts.existing {
        Some(_) => clock
            .time(deps.helm.manifest(RELEASE, ns))
            .await
            .context("reading the deployed release's objects (helm get manifest)")?,
        None => None,
    };
    let mut diff = release_diff::compute(
        deps.cluster,
        ns,
        &facts.rendered.docs,
        previous.as_deref(),
        facts.ns_live.is_some(),
        &facts.rendered.going,
    )
    .await;
    bar.finish_and_clear();
    if let Ok(d) = &mut diff {
        d.crds = release_diff::crds::diff(&facts.rendered.crds, &facts.rendered.crds_live);
    }
    diff
}
