//! Phase 2, pre-flight: named checks that only read, each a small function, run before anything
//! is written. One that fails stops the install with exit 3 and what to do; what they learnt
//! ([`Facts`]) is what the plan and the writes go on.
//!
//! - [`cluster`]: the cluster answers, helm and its major version, the StorageClass, Ready nodes
//!   for the replicas, the release (stuck?), the remote-write Secret;
//! - [`chart`]: the chart renders, its CRDs are not another installation's, no second stack is in
//!   the way, every Secret and ConfigMap the pods mount comes with the install or exists;
//! - [`namespace`]: the volumes Prometheus and Alertmanager already have, and what the
//!   namespace's Pod Security admission says of node-exporter.
pub mod chart;
pub mod cluster;
pub mod namespace;

pub use chart::{mounts, second_stack, shared_objects};
pub use cluster::nodes_needed;
pub use namespace::{claims, pod_security, PodSecurity, ENFORCE_LABEL, PRIVILEGED, WHY_PRIVILEGED};

use super::inputs::Inputs;
use super::{Check, Deps, HelmClock, InstallOptions};
use crate::helm::{HelmVersion, ReleaseInfo};
use promstack_shared::cluster::ClusterInfo;
use serde_json::Value;

/// What pre-flight learnt, for the plan and the writes.
pub(super) struct Facts {
    pub info: ClusterInfo,
    pub helm: HelmVersion,
    pub nodes: Vec<Value>,
    pub ready_nodes: usize,
    /// The release in the namespace, if any.
    pub existing: Option<ReleaseInfo>,
    /// The release to recover first (stuck, and --recover given).
    pub recover: Option<ReleaseInfo>,
    /// The chart rendered with the inputs' values.
    pub docs: Vec<Value>,
    /// Its CRDs, and each one as the cluster has it.
    pub crds: Vec<Value>,
    pub crds_live: Vec<Option<Value>>,
    /// The namespace as it is (None: the install creates it).
    pub ns_live: Option<Value>,
    pub pod_security: PodSecurity,
    /// The checks that passed, in order.
    pub checks: Vec<Check>,
}

/// Run the checks in order; the first that fails ends the install.
pub(super) async fn run(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    clock: &HelmClock,
) -> anyhow::Result<Facts> {
    let mut checks = Vec::new();
    let (info, check) = cluster::reachable(deps).await?;
    checks.push(check);
    let (helm, check) = cluster::helm(deps, clock).await?;
    checks.push(check);
    checks.push(cluster::storage_class(opts, deps).await?);
    let (nodes, ready_nodes, check) = cluster::nodes(deps, &inputs.merged).await?;
    checks.push(check);
    let (releases, check) = cluster::release(opts, deps, clock).await?;
    checks.push(check);
    checks.extend(cluster::remote_write(opts, deps).await?);
    let (rendered, check) = chart::renders(opts, deps, inputs, clock).await?;
    checks.push(check);
    checks.push(chart::alone(opts, deps, &releases.elsewhere, &rendered.docs).await?);
    checks.push(chart::mounts_check(opts, deps, &rendered.docs).await?);
    let ns_live = namespace::read(opts, deps).await?;
    checks.push(namespace::claims_check(opts, deps, ns_live.as_ref(), &inputs.merged).await?);
    let (pod_security, check) =
        namespace::pod_security_check(opts, deps, ns_live.as_ref(), &rendered.docs, &inputs.merged)
            .await?;
    checks.push(check);
    Ok(Facts {
        info,
        helm,
        nodes,
        ready_nodes,
        existing: releases.here,
        recover: releases.recover,
        docs: rendered.docs,
        crds: rendered.crds,
        crds_live: rendered.crds_live,
        ns_live,
        pod_security,
        checks,
    })
}

/// A check that passed, with what it found.
fn passed(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
    }
}
