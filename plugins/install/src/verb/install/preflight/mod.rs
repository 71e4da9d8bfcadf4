//! Phase 2, pre-flight: named checks that only read, each a small function, run before anything
//! is written. One that fails stops the install with exit 3 and what to do; what they learnt
//! (`Facts`) is what the plan and the writes go on.
//!
//! - [`cluster`]: the cluster answers, helm and its major version, the StorageClass, Ready nodes
//!   for the replicas, the release (stuck?), the remote-write Secret;
//! - [`deleted`]: a namespace or CRDs being deleted (an uninstall just before) are waited for until
//!   gone, then created anew (`--dry-run` only says so);
//! - [`chart`]: the chart renders, its CRDs are not another installation's, no second stack is in
//!   the way;
//! - [`values_keys`]: every key of the values files is one the chart reads;
//! - [`refs`]: every Secret and ConfigMap the pods refer to (volumes, env, envFrom, pull secrets,
//!   the operator's objects) comes with the install or exists, with the keys they read;
//! - [`namespace`]: the volumes Prometheus and Alertmanager already have, and what the
//!   namespace's Pod Security admission says of node-exporter.
pub mod chart;
pub mod cluster;
mod deleted;
pub mod namespace;
pub mod refs;
pub mod values_keys;

pub use chart::{second_stack, shared_objects};
pub use cluster::nodes_needed;
pub use namespace::{
    claims, labels_said, pod_security, PodSecurity, AUDIT_LABEL, ENFORCE_LABEL, PRIVILEGED,
    WARN_LABEL, WHY_PRIVILEGED,
};
pub use refs::{missing as missing_references, references, values_keys, Reference};

use super::inputs::Inputs;
use super::{Check, Deps, HelmClock, InstallOptions, Said};
use crate::helm::{HelmVersion, ReleaseInfo};
use promstack_shared::kube::cluster::ClusterInfo;
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
    /// The chart rendered with the inputs' values, its CRDs (each as the cluster has it), and
    /// the chart file when it was pulled for the render (the upgrade takes it too).
    pub rendered: chart::Rendered,
    /// Values keys the chart does not read, let through by --allow-unknown-values.
    pub unknown_values: Vec<crate::chart::values_lint::Unknown>,
    /// The namespace as it is (None: the install creates it).
    pub ns_live: Option<Value>,
    pub pod_security: PodSecurity,
    /// The checks that passed, in order.
    pub checks: Vec<Check>,
}

/// What pre-flight reads at once, before any of it is judged.
struct Reads {
    reached: anyhow::Result<(ClusterInfo, Check)>,
    helm: anyhow::Result<(HelmVersion, Check)>,
    rendered: anyhow::Result<chart::Rendered>,
    storage: anyhow::Result<Check>,
    nodes: anyhow::Result<(Vec<Value>, usize, Check)>,
    release: anyhow::Result<(cluster::Releases, Check)>,
    remote: anyhow::Result<Option<Check>>,
    ns_live: anyhow::Result<Option<Value>>,
}

/// Run the checks: every read that needs only the inputs at once (the cluster, helm, the chart's
/// render), then those that need the render and the namespace, at once; the results are judged in
/// the checks' order, so the first that fails ends the install with the same error as one by one.
/// A namespace or CRDs being deleted are waited for until gone, within one --timeout between them
/// (see [`deleted`]): the namespace before anything in it is judged (what needs no namespace,
/// helm, the StorageClass, the nodes, first), and what was read in it is read again once it is
/// gone.
pub(super) async fn run(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    clock: &HelmClock,
) -> anyhow::Result<Facts> {
    let until = tokio::time::Instant::now() + opts.timeout;
    let mut read = read_all(opts, deps, inputs, clock).await;
    let mut checks = Vec::new();
    let (info, check) = read.reached?;
    keep(deps, &mut checks, check);
    let (helm, check) = read.helm?;
    keep(deps, &mut checks, check);
    keep(deps, &mut checks, read.storage?);
    let (nodes, ready_nodes, check) = read.nodes?;
    keep(deps, &mut checks, check);
    let (ns_live, deleted) = namespace::deleted_first(opts, deps, read.ns_live?, until).await?;
    if let Some(check) = deleted {
        keep(deps, &mut checks, check);
        if !opts.dry_run {
            (read.release, read.remote) = tokio::join!(
                cluster::release(opts, deps, clock),
                cluster::remote_write(opts, deps)
            );
        }
    }
    let (releases, check) = read.release?;
    keep(deps, &mut checks, check);
    if let Some(check) = read.remote? {
        keep(deps, &mut checks, check);
    }
    let mut rendered = read.rendered?;
    let check = chart::crds_check(opts, &rendered, releases.here.as_ref())?;
    keep(deps, &mut checks, check);
    if let Some(check) = chart::deleted_first(opts, deps, &mut rendered, until).await? {
        keep(deps, &mut checks, check);
    }
    let (check, unknown_values) = values_keys::check(
        &inputs.chain,
        &rendered.chart,
        &rendered.crds,
        opts.allow_unknown_values,
    )?;
    keep(deps, &mut checks, check);
    let docs = &rendered.docs;
    let (alone, mounts, claims, pod_security) = tokio::join!(
        chart::alone(opts, deps, &releases.elsewhere, docs),
        refs::references_check(opts, deps, docs, &inputs.chain),
        namespace::claims_check(opts, deps, ns_live.as_ref(), &inputs.merged),
        namespace::pod_security_check(opts, deps, ns_live.as_ref(), docs, &inputs.merged),
    );
    keep(deps, &mut checks, alone?);
    keep(deps, &mut checks, mounts?);
    keep(deps, &mut checks, claims?);
    let (pod_security, check) = pod_security?;
    keep(deps, &mut checks, check);
    Ok(Facts {
        info,
        helm,
        nodes,
        ready_nodes,
        existing: releases.here,
        recover: releases.recover,
        rendered,
        unknown_values,
        ns_live,
        pod_security,
        checks,
    })
}

/// Every read that needs only the inputs, at once, under one spinner: the cluster, helm and the
/// chart's render (the render needs helm's version: a kept render is helm's own), the
/// StorageClass, the nodes, the releases, the remote-write Secret, the namespace.
async fn read_all(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    clock: &HelmClock,
) -> Reads {
    let bar = deps.ui.spinner(&format!(
        "pre-flight: reading the cluster, rendering {}",
        opts.chart.describe()
    ));
    let helm_and_render = async {
        // the render cache's key: the inputs (a local chart read whole) digested off the runtime
        // thread while `helm version` runs
        let release = inputs.release.clone();
        let digest = async {
            match opts.render_cache {
                Some(_) => tokio::task::spawn_blocking(move || {
                    crate::chart::render_cache::RenderCache::inputs_digest(&release)
                })
                .await
                .ok()
                .flatten(),
                None => None,
            }
        };
        let (helm, digest) = tokio::join!(cluster::helm(deps, clock), digest);
        let rendered = match &helm {
            Ok((v, _)) => {
                let key =
                    digest.map(|d| crate::chart::render_cache::RenderCache::key_with(&v.full, &d));
                chart::renders(opts, deps, inputs, clock, key).await
            }
            Err(_) => Err(anyhow::anyhow!("no helm to render the chart with")),
        };
        (helm, rendered)
    };
    let (reached, (helm, rendered), storage, nodes, release, remote, ns_live) = tokio::join!(
        cluster::reachable(deps),
        helm_and_render,
        cluster::storage_class(opts, deps),
        cluster::nodes(deps, &inputs.merged),
        cluster::release(opts, deps, clock),
        cluster::remote_write(opts, deps),
        namespace::read(opts, deps),
    );
    bar.finish_and_clear();
    Reads {
        reached,
        helm,
        rendered,
        storage,
        nodes,
        release,
        remote,
        ns_live,
    }
}

impl Facts {
    /// The chart as helm is to be given it: the file pulled for the render, else as the user
    /// named it.
    pub fn chart<'a>(&'a self, opts: &'a InstallOptions) -> &'a crate::helm::Chart {
        self.rendered
            .pulled
            .as_ref()
            .map_or(&opts.chart, |p| &p.chart)
    }
}

/// A check that passed, with what it found; the terminal is told `said`.
fn passed(name: &'static str, detail: impl Into<String>, said: Option<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
        said: said.map(Said::Ok).into_iter().collect(),
    }
}

/// Say a passed check on the terminal and keep it for the report.
fn keep(deps: &Deps<'_>, checks: &mut Vec<Check>, check: Check) {
    for line in &check.said {
        match line {
            Said::Ok(l) => deps.ui.ok(l),
            Said::Warn(l) => deps.ui.warn(l),
        }
    }
    checks.push(check);
}
