//! `dashboards diff`: field-level differences between the sources and the cluster, as server-side
//! apply would decide them (a dashboard moved to another folder is one move); with `--exit-code`,
//! exit 3 when anything differs. A uid another sidecar ConfigMap holds is refused, as by `sync`.
use super::Deps;
use crate::{foreign, load, DASHBOARDS};
use promstack_shared::sync::{self, DiffReport};

pub use promstack_shared::verb::DiffOptions;

/// The sources are validated before the cluster is asked.
pub async fn run(opts: &DiffOptions, deps: &Deps<'_>) -> anyhow::Result<DiffReport> {
    let prepared = load::valid_for(opts.dir.as_deref(), deps.ui, &opts.target.offline())?;
    let objects = load::configmaps(&prepared, &opts.namespace)?;
    let cluster = deps.cluster().await?;
    foreign::refuse_taken_uids(cluster, &opts.namespace, &prepared, deps.ui).await?;
    let diffs = sync::diff(cluster, DASHBOARDS, &objects, &opts.namespace).await?;
    Ok(DiffReport {
        diffs,
        fail_on_drift: opts.exit_code,
    })
}
