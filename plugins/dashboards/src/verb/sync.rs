//! `dashboards sync`: server-side apply the dashboard ConfigMaps, validated first (nothing is
//! written if any file is bad); `--prune` deletes ours whose source is gone (sources that are a
//! whole set: see [`promstack_shared::kube::sync::scope`]); then wait until Grafana serves them
//! ([`crate::confirm`]: exit 3 when one did not arrive).
use super::Deps;
use crate::confirm::{self, Confirmation};
use crate::grafana::GrafanaTarget;
use crate::{foreign, load, DASHBOARDS};
use promstack_shared::grafana::dashboard::Prepared;
use promstack_shared::input::sources::Inputs;
use promstack_shared::kube::cluster::Cluster;
use promstack_shared::kube::sync::{self, Mode, SyncReport};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{Report, Sourced};
use promstack_shared::ExitCode;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

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
    /// The Grafana that serves the dashboards.
    pub grafana: GrafanaTarget,
    /// How long to wait for Grafana to serve them (zero: not at all).
    pub grafana_wait: Duration,
}

/// What the sync did, and what Grafana serves of it.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardsSync {
    #[serde(flatten)]
    pub sync: SyncReport,
    pub grafana: Confirmation,
}

impl Report for DashboardsSync {
    fn text(&self) -> String {
        self.sync.text() + &confirm::text(&self.grafana)
    }
    /// A dashboard Grafana did not serve is a failed check (the objects were written).
    fn exit_code(&self) -> ExitCode {
        match &self.grafana {
            Confirmation::Checked(a) if !a.missing.is_empty() => ExitCode::CheckFailed,
            _ => self.sync.exit_code(),
        }
    }
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

pub async fn run(opts: &SyncOptions, deps: &Deps<'_>) -> anyhow::Result<Sourced<DashboardsSync>> {
    let (loaded, mode) = valid(opts, deps.ui)?;
    let cluster = deps.cluster().await?;
    let (ns, prepared) = (&opts.namespace, &loaded.prepared);
    let before = match (mode.dry_run, opts.grafana_wait.is_zero()) {
        (true, _) => Err(skipped("a dry run writes nothing to wait for")),
        (_, true) => Err(skipped("--grafana-wait 0: not waiting for Grafana")),
        _ => confirm::before(&opts.grafana, cluster, ns, prepared, deps.ui).await,
    };
    let sync = sync_dashboards(cluster, prepared, ns, mode, deps.ui).await?;
    let grafana = match &before {
        Ok(b) => confirm::after(b, prepared, ns, &sync, opts.grafana_wait, deps.ui).await,
        Err(skip) => skip.clone(),
    };
    Ok(Sourced {
        sources: loaded.sources,
        report: DashboardsSync { sync, grafana },
    })
}

fn skipped(reason: &str) -> Confirmation {
    Confirmation::Skipped {
        reason: reason.into(),
    }
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
    promstack_shared::kube::sync::require_writable(cluster, DASHBOARDS, ns).await?;
    foreign::refuse_taken_uids(cluster, ns, prepared, ui).await?;
    sync::sync(cluster, DASHBOARDS, &objects, ns, mode, ui).await
}
