//! `dashboards sync`: server-side apply the dashboard ConfigMaps, validated first (nothing is
//! written if any file is bad); `--prune` deletes ours whose source is gone.
use super::Deps;
use crate::{foreign, load, DASHBOARDS};
use promstack_shared::cluster::Cluster;
use promstack_shared::dashboard::Prepared;
use promstack_shared::sync::{self, SyncReport};
use promstack_shared::ui::Ui;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub dir: Option<PathBuf>,
    pub namespace: String,
    pub prune: bool,
    pub dry_run: bool,
    /// Which Prometheus the panel queries are checked for.
    pub target: promstack_shared::prometheus::target::TargetArgs,
}

/// The ConfigMaps sync would apply (no cluster needed).
pub fn objects(opts: &SyncOptions, ui: &Ui) -> anyhow::Result<Vec<Value>> {
    let prepared = load::valid_for(opts.dir.as_deref(), ui, &opts.target.offline())?;
    Ok(load::configmaps(&prepared, &opts.namespace)?)
}

pub async fn run(opts: &SyncOptions, deps: &Deps<'_>) -> anyhow::Result<SyncReport> {
    let prepared = load::valid_for(opts.dir.as_deref(), deps.ui, &opts.target.offline())?;
    let cluster = deps.cluster().await?;
    sync_dashboards(
        cluster,
        &prepared,
        &opts.namespace,
        opts.prune,
        opts.dry_run,
        deps.ui,
    )
    .await
}

/// Sync valid dashboards: the namespace must exist and no uid may be another sidecar ConfigMap's
/// (see [`crate::foreign`]); both are checked before any write.
pub async fn sync_dashboards(
    cluster: &dyn Cluster,
    prepared: &[Prepared],
    ns: &str,
    prune: bool,
    dry_run: bool,
    ui: &Ui,
) -> anyhow::Result<sync::SyncReport> {
    let objects = load::configmaps(prepared, ns)?;
    promstack_shared::sync::require_writable(cluster, DASHBOARDS, ns).await?;
    foreign::refuse_taken_uids(cluster, ns, prepared, ui).await?;
    sync::sync(cluster, DASHBOARDS, &objects, ns, prune, dry_run, ui).await
}
