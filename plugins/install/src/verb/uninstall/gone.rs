//! The wait until what uninstall deleted is gone: the namespace (`--delete-namespace`: the
//! namespace controller deletes everything in it first) and the CRDs (`--delete-crds`: the API
//! server deletes every object of their kinds first), both at once in one wait bounded by
//! `--timeout`, so that an install right after finds neither half-deleted (it would be refused
//! in the namespace, and its CRDs would go under it).
use super::{crds, Plan, UninstallOptions};
use crate::chart::crds::contents::Held;
use crate::chart::crds::deletion::CrdDeletion;
use anyhow::Context as _;
use promstack_shared::kube::cluster::Cluster;
use promstack_shared::kube::wait::deletion::{self, Deleting, NamespaceDeletion};
use promstack_shared::kube::wait::WaitOptions;
use promstack_shared::terminal::ui::{human_duration, Ui};

/// Wait until the deleted namespace and CRDs are gone (bounded by --timeout), and say so.
pub(super) async fn wait(
    opts: &UninstallOptions,
    cluster: &dyn Cluster,
    plan: &Plan,
    ui: &Ui,
) -> anyhow::Result<()> {
    let mut deleting: Vec<Box<dyn Deleting>> = Vec::new();
    if plan.ns_deleted {
        deleting.push(Box::new(NamespaceDeletion::new(&opts.namespace)));
    }
    if !plan.crds.is_empty() {
        deleting.push(Box::new(CrdDeletion::new(&plan.crds)));
    }
    if deleting.is_empty() {
        return Ok(());
    }
    let wait = WaitOptions {
        timeout: opts.timeout,
        interval: opts.poll_interval,
    };
    let took = deletion::wait_gone(cluster, deleting, wait, ui)
        .await
        .context("everything was deleted; the API server has not finished deleting it")?;
    let took = human_duration(took);
    if plan.ns_deleted {
        ui.ok(&format!(
            "namespace {} gone, and everything in it ({took})",
            opts.namespace
        ));
    }
    if !plan.crds.is_empty() {
        let with: usize = plan.held.iter().map(Held::total).sum();
        ui.ok(&format!(
            "{} CRDs gone, and {} with them ({took})",
            plan.crds.len(),
            crds::objects(with),
        ));
    }
    Ok(())
}
