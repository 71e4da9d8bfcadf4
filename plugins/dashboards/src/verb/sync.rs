//! `dashboards sync`: server-side apply the dashboard ConfigMaps, validated first (nothing is
//! written if any file is bad); `--prune` deletes ours whose source is gone (sources that are a
//! whole set: see [`promstack_shared::sync::scope`]).
use super::Deps;
use crate::{foreign, load, DASHBOARDS};
use promstack_shared::cluster::Cluster;
use promstack_shared::dashboard::Prepared;
use promstack_shared::sources::Inputs;
use promstack_shared::sync::{self, Mode, SyncReport};
use promstack_shared::ui::Ui;
use promstack_shared::verb::Sourced;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// The sources (none: the embedded dashboards).
    pub sources: Inputs,
    pub namespace: String,
    pub prune: bool,
    /// The files or stream given are the whole set (as a folder is).
    pub whole_set: bool,
    pub dry_run: bool,
    /// Which Prometheus the panel queries are checked for.
    pub target: promstack_shared::prometheus::target::TargetArgs,
}

/// The valid sources, and how the sync runs: a dashboard of a Secret, and `--prune` on a
/// selection, are refused here, before anything else.
fn valid(opts: &SyncOptions, ui: &Ui) -> anyhow::Result<(load::Loaded, Mode)> {
    let loaded = load::sources_valid(&opts.sources, ui, &opts.target.offline())?;
    load::refuse_secrets(&loaded)?;
    let mode = Mode {
        whole_set: sync::scope(&loaded.sources, opts.prune, opts.whole_set, "ConfigMap")?,
        prune: opts.prune,
        dry_run: opts.dry_run,
    };
    Ok((loaded, mode))
}

/// The ConfigMaps sync would apply (no cluster needed).
pub fn objects(opts: &SyncOptions, ui: &Ui) -> anyhow::Result<Vec<Value>> {
    let (loaded, _) = valid(opts, ui)?;
    Ok(load::configmaps(&loaded.prepared, &opts.namespace)?)
}

pub async fn run(opts: &SyncOptions, deps: &Deps<'_>) -> anyhow::Result<Sourced<SyncReport>> {
    let (loaded, mode) = valid(opts, deps.ui)?;
    let cluster = deps.cluster().await?;
    let report = sync_dashboards(cluster, &loaded.prepared, &opts.namespace, mode, deps.ui).await?;
    Ok(Sourced {
        sources: loaded.sources,
        report,
    })
}

/// Sync valid dashboards: the namespace must exist and no uid may be another sidecar ConfigMap's
/// (see [`crate::foreign`]); both are checked before any write.
pub async fn sync_dashboards(
    cluster: &dyn Cluster,
    prepared: &[Prepared],
    ns: &str,
    mode: Mode,
    ui: &Ui,
) -> anyhow::Result<sync::SyncReport> {
    let objects = load::configmaps(prepared, ns)?;
    promstack_shared::sync::require_writable(cluster, DASHBOARDS, ns).await?;
    foreign::refuse_taken_uids(cluster, ns, prepared, ui).await?;
    sync::sync(cluster, DASHBOARDS, &objects, ns, mode, ui).await
}
