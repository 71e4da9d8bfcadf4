//! Pre-flight checks of the chart as rendered: it renders and its CRDs are not another
//! installation's; no second stack is in the way ([`second_stack`]: the chart's cluster-scoped
//! objects (ClusterRoles, bindings, webhook configurations) and its objects in kube-system have
//! fixed names, so one stack per cluster: a release of the same name in another namespace, or
//! such an object owned by another release, stops the install before helm would refuse it
//! half-way). What its pods refer to is checked in [`super::refs`].
use super::super::inputs::Inputs;
use super::super::{Deps, HelmClock, InstallOptions};
use super::deleted::Deleted;
use super::passed;
use crate::chart::chart_files::{self, ChartFacts};
use crate::chart::crds::{self, Owner};
use crate::chart::render_cache::Kept;
use crate::chart::values::RELEASE;
use crate::helm::{Chart, Pulled, Release, ReleaseInfo};
use crate::install::Check;
use anyhow::Context as _;
use promstack_shared::kube::cluster::{is_cluster_scoped, is_terminating, Cluster, ObjRef};
use promstack_shared::Error;
use serde_json::Value;
use tokio::time::Instant;

/// The chart as rendered, its CRDs, each CRD as the cluster has it, and the chart file when it
/// was pulled to render it.
pub(in crate::verb::install) struct Rendered {
    pub docs: Vec<Value>,
    pub crds: Vec<Value>,
    pub crds_live: Vec<Option<Value>>,
    /// The kinds (group, kind) of the CRDs that were being deleted (waited for, or with
    /// --dry-run to be): their objects are new, whatever is live now.
    pub going: Vec<(String, String)>,
    pub pulled: Option<Pulled>,
    /// What the install reads of the chart beyond its render (values it reads, UPGRADE.md).
    pub chart: ChartFacts,
}

/// The chart renders with the values; its CRDs as the cluster has them (judged by [`crds_check`]).
pub(super) async fn renders(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    clock: &HelmClock,
    key: Option<String>,
) -> anyhow::Result<Rendered> {
    let (Kept { docs, chart }, pulled) = render(opts, deps, inputs, clock, key).await?;
    let crds = crds::from_rendered(&docs);
    // every CRD as the cluster has it, at once
    let refs: Vec<_> = crds.iter().map(crds::objref).collect();
    let crds_live = futures::future::join_all(refs.iter().map(|r| deps.cluster.get(r)))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .context("reading CRDs")?;
    Ok(Rendered {
        docs,
        crds,
        crds_live,
        going: vec![],
        pulled,
        chart,
    })
}

/// None of the chart's CRDs belongs to another installation (those a plain helm install of this
/// release made, `release_here`, are taken over with it).
pub(super) fn crds_check(
    opts: &InstallOptions,
    rendered: &Rendered,
    release_here: Option<&ReleaseInfo>,
) -> anyhow::Result<Check> {
    let ns = opts.namespace.as_str();
    let helm_here = release_here.is_some_and(|r| r.chart.starts_with("kube-prometheus-stack-"));
    let crds = &rendered.crds;
    // a CRD being deleted is waited for (see [`deleted_first`]), whoever it was
    let foreign: Vec<String> = crds
        .iter()
        .zip(&rendered.crds_live)
        .filter(|(_, live)| !live.as_ref().is_some_and(is_terminating))
        .filter_map(
            |(crd, live)| match crds::owner(live.as_ref(), RELEASE, ns, helm_here) {
                Owner::Foreign(who) => Some(format!("{} ({who})", crds::objref(crd).name)),
                _ => None,
            },
        )
        .collect();
    if !foreign.is_empty() {
        return Err(Error::check(format!(
            "Prometheus Operator CRDs belong to another installation: {}. Two operators fighting over CRDs breaks both: remove that installation, or install into the cluster that has none.",
            foreign.join(", ")
        ))
        .into());
    }
    let said = format!(
        "chart {} renders; {} CRDs, none owned by another installation",
        opts.chart.describe(),
        crds.len()
    );
    Ok(passed(
        "crds",
        format!("{} CRDs in the chart, none foreign", crds.len()),
        Some(said),
    ))
}

/// The chart's CRDs that are being deleted (an `uninstall --delete-crds` just before): waited for
/// until they are gone, then created anew (see [`super::deleted`]; with --dry-run only said); as
/// the cluster has them, they are then absent. No check when none is being deleted.
pub(super) async fn deleted_first(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    rendered: &mut Rendered,
    until: Instant,
) -> anyhow::Result<Option<Check>> {
    let terminating = crds::deletion::terminating(&rendered.crds_live);
    if terminating.is_empty() {
        return Ok(None);
    }
    let d = Deleted {
        check: "crds-deleted",
        what: crds::contents::counted(terminating.len(), "CRD"),
        plural: terminating.len() > 1,
        deleting: Box::new(crds::deletion::CrdDeletion::new(&terminating)),
    };
    let check = super::deleted::first(opts, deps, d, until).await?;
    for (crd, live) in rendered.crds.iter().zip(&mut rendered.crds_live) {
        if live.as_ref().is_some_and(is_terminating) {
            *live = None;
            let s = |p: &str| crd.pointer(p).and_then(Value::as_str).unwrap_or_default();
            let kind = (
                s("/spec/group").to_string(),
                s("/spec/names/kind").to_string(),
            );
            rendered.going.push(kind);
        }
    }
    Ok(Some(check))
}

/// The documents of `helm template` of the release, or those kept from an earlier run with the
/// same helm, chart and values (see [`crate::chart::render_cache`]; kept parsed, as JSON, so a run that
/// finds them reads no YAML); a chart from a repository or a registry is pulled first (see
/// [`Pulled`]): the render, the chart check and the upgrade take the file.
async fn render(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    clock: &HelmClock,
    key: Option<String>,
) -> anyhow::Result<(Kept, Option<Pulled>)> {
    let cache = opts.render_cache.as_ref();
    if let (Some(cache), Some(key)) = (cache, &key) {
        if let Some(kept) = cache.get(key) {
            deps.ui.detail("the chart's render is the one kept from an earlier run (same helm, chart and values)");
            return Ok((kept, None));
        }
    }
    let pulled = clock.time(Pulled::fetch(deps.helm, &opts.chart)).await?;
    let chart = pulled.as_ref().map_or(&opts.chart, |p| &p.chart);
    let release = Release {
        chart: chart.clone(),
        ..inputs.release.clone()
    };
    // the chart's own files are read off the runtime thread while helm renders it
    let facts = {
        let chart = chart.clone();
        tokio::task::spawn_blocking(move || match &chart {
            Chart::Local(path) => chart_files::read(path),
            other => Err(anyhow::anyhow!("{} was not fetched", other.describe())),
        })
    };
    let (rendered, facts) = tokio::join!(clock.time(deps.helm.template(&release)), facts);
    let rendered = rendered.context("the chart does not render with these values")?;
    let chart = facts.context("reading the chart")??;
    let kept = Kept {
        docs: crds::documents(&rendered)?,
        chart,
    };
    if let (Some(cache), Some(key)) = (cache, &key) {
        cache.put(key, &kept);
    }
    Ok((kept, pulled))
}

/// No other kube-prometheus-stack in the way (see [`second_stack`]).
pub(super) async fn alone(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    elsewhere: &[crate::helm::ReleaseInfo],
    docs: &[Value],
) -> anyhow::Result<Check> {
    let alone = second_stack(deps.cluster, &opts.namespace, elsewhere, docs).await?;
    Ok(passed("second-stack", alone.clone(), Some(alone)))
}

/// Who a live object belongs to, by helm's ownership annotations: (release, namespace).
fn helm_owner(live: &Value) -> Option<(String, String)> {
    let ann = |k: &str| {
        live.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
            .map(String::from)
    };
    Some((
        ann("meta.helm.sh/release-name")?,
        ann("meta.helm.sh/release-namespace")?,
    ))
}

/// The chart's objects outside the release's namespace (cluster-scoped ones, and those it puts in
/// kube-system), CRDs left out (their owners are checked on their own) and hooks too: helm makes
/// those without its ownership annotations, deletes them when they have run, and replaces one
/// that is left (`before-hook-creation`), so they say nothing of who else is installed.
pub fn shared_objects(docs: &[Value], ns: &str) -> Vec<ObjRef> {
    docs.iter()
        .filter(|d| d["kind"] != "CustomResourceDefinition")
        .filter(|d| d.pointer("/metadata/annotations/helm.sh~1hook").is_none())
        .filter_map(|d| ObjRef::of(d).ok())
        .filter(|r| is_cluster_scoped(&r.kind) || r.namespace.as_deref().is_some_and(|n| n != ns))
        .collect()
}

/// Is another kube-prometheus-stack in the way? `elsewhere` are the releases named like ours in
/// other namespaces; the chart's shared objects are read (concurrently) for their owner.
pub async fn second_stack(
    cluster: &dyn Cluster,
    ns: &str,
    elsewhere: &[crate::helm::ReleaseInfo],
    docs: &[Value],
) -> Result<String, Error> {
    let shared = shared_objects(docs, ns);
    let lives = futures::future::join_all(shared.iter().map(|r| cluster.get(r))).await;
    let mut taken = Vec::new();
    let mut owners = std::collections::BTreeSet::new();
    for (r, live) in shared.iter().zip(lives) {
        let live = live.map_err(|e| Error::runtime(format!("reading {r}: {e}")))?;
        let Some(live) = live else { continue };
        match helm_owner(&live) {
            Some((rel, rns)) if rel == RELEASE && rns == ns => {}
            Some((rel, rns)) => {
                taken.push(format!("{r} (release {rns}/{rel})"));
                owners.insert(rns);
            }
            None => taken.push(format!("{r} (not made by helm)")),
        }
    }
    for r in elsewhere {
        owners.insert(r.namespace.clone());
    }
    if elsewhere.is_empty() && taken.is_empty() {
        return Ok(format!(
            "no other kube-prometheus-stack: {} cluster-wide objects of the chart free or ours",
            shared.len()
        ));
    }
    let mut what = Vec::new();
    if !elsewhere.is_empty() {
        what.push(format!(
            "helm release {} in {}",
            RELEASE,
            elsewhere
                .iter()
                .map(|r| format!("namespace {} ({}, {})", r.namespace, r.chart, r.status))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !taken.is_empty() {
        what.push(format!(
            "objects the chart needs under the same names: {}",
            taken.join(", ")
        ));
    }
    let fix = match owners.iter().next() {
        Some(other) => format!(
            "One stack per cluster: uninstall that one (`kubectl promstack install uninstall -n {other}`), or install into its namespace (`-n {other}`)."
        ),
        None => "Remove those objects, or install where they belong.".into(),
    };
    Err(Error::check(format!(
        "another kube-prometheus-stack is in the way of namespace {ns}: {}. The chart's ClusterRoles, bindings and webhook configurations have fixed names. {fix}",
        what.join("; ")
    )))
}
