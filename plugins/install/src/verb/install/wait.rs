//! Phase 5: wait for the workloads the values turn on, each named with what Kubernetes says of
//! it while it is not ready.
use super::inputs::Inputs;
use super::preflight::Facts;
use super::{Deps, InstallOptions};
use crate::workloads;
use promstack_shared::wait::{self, WaitOptions};
use serde_json::Value;
use std::time::Duration;

/// Wait for each workload in turn; what was waited for (for the report) and how long it took.
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
    let (mut waited, mut total) = (Vec::new(), Duration::ZERO);
    for w in workloads::expected(&inputs.merged) {
        let r = w.objref(&opts.namespace);
        let ready = |o: Option<&Value>| workloads::ready(w.kind, o, facts.ready_nodes);
        let took = wait::wait_for_workload(
            deps.cluster,
            &r,
            &w.describe(),
            ready,
            wait_opts,
            deps.ui,
            Some(since),
        )
        .await?;
        total += took;
        waited.push(format!(
            "{} ready after {}",
            w.describe(),
            promstack_shared::ui::human_duration(took)
        ));
    }
    Ok((waited, total))
}
