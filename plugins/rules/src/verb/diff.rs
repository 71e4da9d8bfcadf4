//! `rules diff`: field-level differences between the sources and the cluster, as server-side
//! apply would decide them; with `--exit-code`, exit 3 when anything differs.
use super::Deps;
use crate::{load, sync};
use promstack_shared::kube::sync::{self as shared_sync, DiffReport};
use promstack_shared::prometheus::promql::Target;
use promstack_shared::prometheus::target::of_objects;
use promstack_shared::terminal::verb::Sourced;

pub use promstack_shared::terminal::verb::DiffOptions;

/// The sources are validated before the cluster is asked (their PromQL for any Prometheus), then
/// for the Prometheus that will load them (`--enable-feature`, else the live objects that select
/// them), as `sync` validates them.
pub async fn run(opts: &DiffOptions, deps: &Deps<'_>) -> anyhow::Result<Sourced<DiffReport>> {
    let loaded = load::sources_valid(&opts.sources, &opts.namespace, &Target::any(), deps.ui)?;
    let report = run_loaded(opts, deps, &loaded).await?;
    Ok(Sourced {
        sources: loaded.sources,
        report,
    })
}

/// [`run`] on sources already loaded (and checked for any Prometheus).
pub async fn run_loaded(
    opts: &DiffOptions,
    deps: &Deps<'_>,
    loaded: &load::Loaded,
) -> anyhow::Result<DiffReport> {
    let cluster = deps.cluster().await?;
    let target = match opts.target.explicit() {
        Some(t) => t,
        None => {
            let labels = loaded
                .objects
                .first()
                .and_then(|o| o.metadata.labels.clone())
                .unwrap_or_default();
            let (selecting, _) = sync::selecting(cluster, &opts.namespace, &labels).await?;
            of_objects(&selecting.iter().collect::<Vec<_>>()).unwrap_or_default()
        }
    };
    load::refuse(crate::validate::target_problems(loaded, &target))?;
    let whole_set = shared_sync::scope(&loaded.sources, false, opts.whole_set, "PrometheusRule")?;
    let diffs = sync::diff(cluster, &loaded.objects, &opts.namespace, whole_set).await?;
    Ok(DiffReport {
        diffs,
        fail_on_drift: opts.exit_code,
    })
}
