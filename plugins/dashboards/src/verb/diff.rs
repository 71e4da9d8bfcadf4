//! `dashboards diff`: field-level differences between the sources and the cluster, as server-side
//! apply would decide them (a dashboard moved to another folder is one move); with `--exit-code`,
//! exit 3 when anything differs. A uid another sidecar ConfigMap holds is refused, as by `sync`.
use super::Deps;
use crate::{foreign, load, DASHBOARDS};
use promstack_shared::kube::sync::{self, DiffReport};
use promstack_shared::terminal::verb::Sourced;

pub use promstack_shared::terminal::verb::DiffOptions;

/// The sources are validated before the cluster is asked (a dashboard of a Secret is refused, as
/// by `sync`); of a selection (files, a stream), only the ConfigMaps it makes.
pub async fn run(opts: &DiffOptions, deps: &Deps<'_>) -> anyhow::Result<Sourced<DiffReport>> {
    let loaded = load::sources_valid(&opts.sources, deps.ui, &opts.target.offline())?;
    load::refuse_secrets(&loaded)?;
    let whole_set = sync::scope(&loaded.sources, false, opts.whole_set, "ConfigMap")?;
    let objects = load::configmaps(&loaded.prepared, &opts.namespace)?;
    let cluster = deps.cluster().await?;
    foreign::refuse_taken_uids(cluster, &opts.namespace, &loaded.prepared, deps.ui).await?;
    let diffs = sync::diff(cluster, DASHBOARDS, &objects, &opts.namespace, whole_set).await?;
    Ok(Sourced {
        sources: loaded.sources,
        report: DiffReport {
            diffs,
            fail_on_drift: opts.exit_code,
        },
    })
}
