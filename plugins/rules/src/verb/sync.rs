//! `rules sync`: server-side apply the rules, validated first (nothing is written if any file is
//! bad), after checking that a Prometheus will load them; `--prune` deletes ours whose source is
//! gone (sources that are a whole set: see [`promstack_shared::kube::sync::scope`]).
use super::Deps;
use crate::load::{self, Loaded};
use crate::sync;
use promstack_shared::input::sources::Inputs;
use promstack_shared::kube::cluster::Cluster;
use promstack_shared::kube::sync::{scope, Mode};
use promstack_shared::prometheus::promql::Target;
use promstack_shared::prometheus::target::{of_objects, TargetArgs};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::Sourced;

#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// The sources (none: the embedded rules).
    pub sources: Inputs,
    pub namespace: String,
    pub prune: bool,
    /// The files or stream given are the whole set (as a folder is).
    pub whole_set: bool,
    pub dry_run: bool,
    /// Extra labels on every PrometheusRule.
    pub labels: Vec<(String, String)>,
    /// Check that a Prometheus selects the rules.
    pub selector_check: bool,
    /// Which Prometheus the PromQL is checked for (else the live ones that select the rules).
    pub target: TargetArgs,
}

/// The objects sync would apply: sources valid for any Prometheus, with the extra labels (no
/// cluster needed; what the Prometheus that loads them enables is checked by [`run`]). `--prune`
/// on a selection is refused here, before anything else.
pub fn objects(opts: &SyncOptions, ui: &Ui) -> anyhow::Result<Loaded> {
    let mut loaded = load::sources_valid(&opts.sources, &opts.namespace, &Target::any(), ui)?;
    mode(&loaded, opts)?;
    for obj in &mut loaded.objects {
        obj.metadata
            .labels
            .get_or_insert_with(Default::default)
            .extend(opts.labels.iter().cloned());
    }
    Ok(loaded)
}

/// How the sync of `loaded` runs: a whole set, or a selection (`--prune` refused).
fn mode(loaded: &Loaded, opts: &SyncOptions) -> anyhow::Result<Mode> {
    Ok(Mode {
        whole_set: scope(
            &loaded.sources,
            opts.prune,
            opts.whole_set,
            "PrometheusRule",
        )?,
        prune: opts.prune,
        dry_run: opts.dry_run,
    })
}

pub async fn run(opts: &SyncOptions, deps: &Deps<'_>) -> anyhow::Result<Sourced<sync::SyncReport>> {
    let loaded = objects(opts, deps.ui)?;
    let cluster = deps.cluster().await?;
    let report = sync_with_check(cluster, &loaded, opts, deps.ui).await?;
    Ok(Sourced {
        sources: loaded.sources,
        report,
    })
}

/// Selection check (unless disabled), the PromQL for the Prometheus that will load the rules
/// (`--enable-feature`, else the live objects that select them; a construct behind a flag they
/// lack is refused, exit 2, nothing written), then sync. `loaded` are the objects of
/// [`objects`]; of `opts` the namespace, `prune`, `whole_set`, `dry_run`, `selector_check` and
/// `target` count.
pub async fn sync_with_check(
    cluster: &dyn Cluster,
    loaded: &Loaded,
    opts: &SyncOptions,
    ui: &Ui,
) -> anyhow::Result<sync::SyncReport> {
    let mode = mode(loaded, opts)?;
    let (ns, check, target) = (&opts.namespace, opts.selector_check, &opts.target);
    promstack_shared::kube::sync::require_writable(cluster, sync::RULES, ns).await?;
    let labels = loaded
        .objects
        .first()
        .and_then(|o| o.metadata.labels.clone())
        .unwrap_or_default();
    let selecting = match (check, loaded.objects.is_empty()) {
        (true, false) => {
            let selecting = sync::selection_check(cluster, ns, &labels).await?;
            let ids: Vec<String> = selecting.iter().map(id_of).collect();
            ui.ok(&format!(
                "rules will be loaded by Prometheus {}",
                ids.join(", ")
            ));
            selecting
        }
        _ if target.explicit().is_some() => vec![],
        _ => sync::selecting(cluster, ns, &labels).await?.0,
    };
    let target = target
        .explicit()
        .or_else(|| of_objects(&selecting.iter().collect::<Vec<_>>()))
        .unwrap_or_default();
    load::refuse(crate::validate::target_problems(loaded, &target))?;
    sync::sync(cluster, &loaded.objects, ns, mode, ui).await
}

fn id_of(p: &serde_json::Value) -> String {
    format!(
        "{}/{}",
        p["metadata"]["namespace"].as_str().unwrap_or_default(),
        p["metadata"]["name"].as_str().unwrap_or_default()
    )
}
