//! `rules sync`: server-side apply the rules, validated first (nothing is written if any file is
//! bad), after checking that a Prometheus will load them; `--prune` deletes ours whose source is
//! gone.
use super::Deps;
use crate::load::{self, Loaded};
use crate::sync;
use promstack_shared::cluster::Cluster;
use promstack_shared::ui::Ui;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub dir: Option<PathBuf>,
    pub namespace: String,
    pub prune: bool,
    pub dry_run: bool,
    /// Extra labels on every PrometheusRule.
    pub labels: Vec<(String, String)>,
    /// Check that a Prometheus selects the rules.
    pub selector_check: bool,
}

/// The objects sync would apply: valid sources with the extra labels (no cluster needed).
pub fn objects(opts: &SyncOptions) -> anyhow::Result<Loaded> {
    let mut loaded = load::valid(opts.dir.as_deref(), &opts.namespace)?;
    for obj in &mut loaded.objects {
        obj.metadata
            .labels
            .get_or_insert_with(Default::default)
            .extend(opts.labels.iter().cloned());
    }
    Ok(loaded)
}

pub async fn run(opts: &SyncOptions, deps: &Deps<'_>) -> anyhow::Result<sync::SyncReport> {
    let loaded = objects(opts)?;
    let cluster = deps.cluster().await?;
    sync_with_check(
        cluster,
        &loaded,
        &opts.namespace,
        opts.prune,
        opts.dry_run,
        opts.selector_check,
        deps.ui,
    )
    .await
}

/// Selection check (unless disabled), then sync.
pub async fn sync_with_check(
    cluster: &dyn Cluster,
    loaded: &Loaded,
    ns: &str,
    prune: bool,
    dry_run: bool,
    check: bool,
    ui: &Ui,
) -> anyhow::Result<sync::SyncReport> {
    promstack_shared::sync::require_namespace(cluster, ns).await?;
    if check {
        if let Some(first) = loaded.objects.first() {
            let labels = first.metadata.labels.clone().unwrap_or_default();
            let selecting = sync::selection_check(cluster, ns, &labels).await?;
            ui.ok(&format!(
                "rules will be loaded by Prometheus {}",
                selecting.join(", ")
            ));
        }
    }
    sync::sync(cluster, &loaded.objects, ns, prune, dry_run, ui).await
}
