//! Phase 5: wait for the workloads the values turn on, all at once, each named with what
//! Kubernetes says of it while it is not ready ([`wait::wait_for_workloads`]). Helm has waited
//! for what it created; the StatefulSets the operator makes after helm is done are new, and what
//! is ready already is read once.
use super::inputs::Inputs;
use super::preflight::Facts;
use super::{Deps, InstallOptions};
use crate::stack::workloads;
use promstack_shared::kube::wait::{self, WaitOptions, Workload};
use std::time::Duration;

/// What was waited for (for the report: each workload and when it was ready) and how long the
/// wait took.
pub(super) async fn workloads(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    facts: &Facts,
    since: k8s_openapi::jiff::Timestamp,
) -> anyhow::Result<(Vec<String>, Duration)> {
    let wait_opts = WaitOptions {
        timeout: opts.timeout,
        interval: opts.poll_interval,
    };
    let nodes = facts.ready_nodes;
    let items: Vec<Workload> = workloads::expected(&inputs.merged)
        .into_iter()
        .map(|w| Workload {
            r: w.objref(&opts.namespace),
            what: w.describe(),
            check: Box::new(move |o| workloads::ready(w.kind, o, nodes)),
        })
        .collect();
    let took =
        wait::wait_for_workloads(deps.cluster, &items, wait_opts, deps.ui, Some(since)).await?;
    let waited = items
        .iter()
        .zip(&took)
        .map(|(w, t)| {
            format!(
                "{} ready after {}",
                w.what,
                promstack_shared::terminal::ui::human_duration(*t)
            )
        })
        .collect();
    Ok((waited, took.into_iter().max().unwrap_or_default()))
}
