//! Pre-flight checks of the chart as rendered: it renders and its CRDs are not another
//! installation's; no second stack is in the way ([`second_stack`]: the chart's cluster-scoped
//! objects (ClusterRoles, bindings, webhook configurations) and its objects in kube-system have
//! fixed names, so one stack per cluster: a release of the same name in another namespace, or
//! such an object owned by another release, stops the install before helm would refuse it
//! half-way); every Secret and ConfigMap its pods mount comes with the install or exists
//! ([`mounts`]).
use super::super::inputs::Inputs;
use super::super::{Deps, HelmClock, InstallOptions};
use super::passed;
use crate::crds::{self, Owner};
use crate::helm::{Pulled, Release};
use crate::install::Check;
use crate::render_cache::RenderCache;
use crate::values::{self, RELEASE};
use crate::workloads::pod_spec;
use anyhow::Context as _;
use promstack_shared::cluster::{is_cluster_scoped, Cluster, ClusterError, ObjRef};
use promstack_shared::Error;
use serde_json::Value;

/// The chart as rendered, its CRDs, each CRD as the cluster has it, and the chart file when it
/// was pulled to render it.
pub(in crate::verb::install) struct Rendered {
    pub docs: Vec<Value>,
    pub crds: Vec<Value>,
    pub crds_live: Vec<Option<Value>>,
    pub pulled: Option<Pulled>,
}

/// The chart renders with the values, and none of its CRDs belongs to another installation.
pub(super) async fn renders(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    clock: &HelmClock,
    helm_version: &str,
) -> anyhow::Result<(Rendered, Check)> {
    let ns = opts.namespace.as_str();
    let (rendered, pulled) = render(opts, deps, inputs, clock, helm_version).await?;
    let docs = crds::documents(&rendered)?;
    let crds = crds::from_rendered(&docs);
    // every CRD as the cluster has it, at once
    let refs: Vec<_> = crds.iter().map(crds::objref).collect();
    let crds_live = futures::future::join_all(refs.iter().map(|r| deps.cluster.get(r)))
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .context("reading CRDs")?;
    let foreign: Vec<String> = crds
        .iter()
        .zip(&crds_live)
        .filter_map(
            |(crd, live)| match crds::owner(live.as_ref(), RELEASE, ns) {
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
    let check = passed(
        "crds",
        format!("{} CRDs in the chart, none foreign", crds.len()),
        Some(said),
    );
    Ok((
        Rendered {
            docs,
            crds,
            crds_live,
            pulled,
        },
        check,
    ))
}

/// `helm template` of the release, or the render kept from an earlier run with the same helm,
/// chart and values (see [`crate::render_cache`]); a chart from a repository or a registry is
/// pulled first (see [`Pulled`]): the render, the chart check and the upgrade take the file.
async fn render(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    clock: &HelmClock,
    helm_version: &str,
) -> anyhow::Result<(String, Option<Pulled>)> {
    let cache = opts.render_cache.as_ref();
    let key = cache.and_then(|_| RenderCache::key(helm_version, &inputs.release));
    if let (Some(cache), Some(key)) = (cache, &key) {
        if let Some(kept) = cache.get(key) {
            deps.ui.detail("the chart's render is the one kept from an earlier run (same helm, chart and values)");
            return Ok((kept, None));
        }
    }
    let pulled = clock.time(Pulled::fetch(deps.helm, &opts.chart)).await?;
    let release = match &pulled {
        Some(p) => &Release {
            chart: p.chart.clone(),
            ..inputs.release.clone()
        },
        None => &inputs.release,
    };
    let rendered = clock
        .time(deps.helm.template(release))
        .await
        .context("the chart does not render with these values")?;
    if let (Some(cache), Some(key)) = (cache, &key) {
        cache.put(key, &rendered);
    }
    Ok((rendered, pulled))
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

/// What the pods mount is there or comes with the install (see [`mounts`]).
pub(super) async fn mounts_check(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    docs: &[Value],
) -> anyhow::Result<Check> {
    let ours = [values::GRAFANA_SECRET, values::ALERTMANAGER_SECRET];
    let mounts = mounts(deps.cluster, &opts.namespace, docs, &ours).await?;
    Ok(passed("mounts", mounts.clone(), Some(mounts)))
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

/// A Secret or ConfigMap a rendered workload needs before its pods can start.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Needed {
    kind: &'static str,
    name: String,
    by: String,
}

/// What the rendered workloads mount (not optional), and the Secrets and ConfigMaps the
/// operator's Prometheus and Alertmanager objects name.
fn needed(docs: &[Value]) -> Vec<Needed> {
    let mut out = Vec::new();
    let who = |d: &Value| {
        format!(
            "{} {}",
            d["kind"].as_str().unwrap_or_default(),
            d["metadata"]["name"].as_str().unwrap_or_default()
        )
    };
    let mut add = |kind: &'static str, name: Option<&str>, optional: bool, by: String| {
        if let (Some(name), false) = (name, optional) {
            out.push(Needed {
                kind,
                name: name.into(),
                by,
            });
        }
    };
    for d in docs {
        if let Some(spec) = pod_spec(d) {
            for v in spec["volumes"].as_array().into_iter().flatten() {
                let optional = |s: &Value| s["optional"] == true;
                let sec = &v["secret"];
                add("Secret", sec["secretName"].as_str(), optional(sec), who(d));
                let cm = &v["configMap"];
                add("ConfigMap", cm["name"].as_str(), optional(cm), who(d));
                for src in v
                    .pointer("/projected/sources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    add(
                        "Secret",
                        src["secret"]["name"].as_str(),
                        optional(&src["secret"]),
                        who(d),
                    );
                    add(
                        "ConfigMap",
                        src["configMap"]["name"].as_str(),
                        optional(&src["configMap"]),
                        who(d),
                    );
                }
            }
        }
        if d["apiVersion"]
            .as_str()
            .is_some_and(|a| a.starts_with("monitoring.coreos.com/"))
            && matches!(d["kind"].as_str(), Some("Prometheus" | "Alertmanager"))
        {
            for s in d["spec"]["secrets"].as_array().into_iter().flatten() {
                add("Secret", s.as_str(), false, who(d));
            }
            for c in d["spec"]["configMaps"].as_array().into_iter().flatten() {
                add("ConfigMap", c.as_str(), false, who(d));
            }
            add("Secret", d["spec"]["configSecret"].as_str(), false, who(d));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Secrets the chart makes at install time without rendering them: its certificate Job
/// (`kube-webhook-certgen create --secret-name=X`, a helm hook) and cert-manager Certificates.
fn made_at_install(docs: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for d in docs {
        if d["kind"] == "Certificate" {
            out.extend(d["spec"]["secretName"].as_str().map(String::from));
        }
        let Some(spec) = pod_spec(d) else { continue };
        for c in spec["containers"].as_array().into_iter().flatten() {
            let args: Vec<&str> = c["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (i, a) in args.iter().enumerate() {
                if let Some(n) = a.strip_prefix("--secret-name=") {
                    out.push(n.to_string());
                } else if *a == "--secret-name" {
                    out.extend(args.get(i + 1).map(|n| n.to_string()));
                }
            }
        }
    }
    out
}

/// Does every Secret and ConfigMap the stack's pods need exist, or come with the install (the
/// chart renders it, promstack writes it, the chart's Job makes it)? One that nothing makes keeps a
/// pod in ContainerCreating until helm times out: `--no-admission-webhooks` set in a -f file
/// without the operator's TLS off (helm-charts#6586), or a user's Secret not created yet.
pub async fn mounts(
    cluster: &dyn Cluster,
    ns: &str,
    docs: &[Value],
    ours: &[&str],
) -> Result<String, Error> {
    let rendered = |kind: &str, name: &str| {
        docs.iter()
            .any(|d| d["kind"] == kind && d["metadata"]["name"] == name)
    };
    let made = made_at_install(docs);
    let needed = needed(docs);
    let open: Vec<&Needed> = needed
        .iter()
        .filter(|n| !rendered(n.kind, &n.name))
        .filter(|n| {
            !(n.kind == "Secret" && (ours.contains(&n.name.as_str()) || made.contains(&n.name)))
        })
        .collect();
    let refs: Vec<ObjRef> = open
        .iter()
        .map(|n| ObjRef::new("v1", n.kind, Some(ns), &n.name))
        .collect();
    let lives = futures::future::join_all(refs.iter().map(|r| cluster.get(r))).await;
    let mut missing = Vec::new();
    for (n, live) in open.iter().zip(lives) {
        match live {
            Ok(Some(_)) => {}
            Ok(None) | Err(ClusterError::NotFound(_)) => missing.push(*n),
            Err(e) => {
                return Err(Error::runtime(format!(
                    "reading {} {ns}/{}: {e}",
                    n.kind, n.name
                )))
            }
        }
    }
    if missing.is_empty() {
        return Ok(format!(
            "the {} Secrets and ConfigMaps the pods need come with the install or exist",
            needed.len()
        ));
    }
    let list: Vec<String> = missing
        .iter()
        .map(|n| format!("{} mounts {} {ns}/{}", n.by, n.kind, n.name))
        .collect();
    let webhook_hint = if missing.iter().any(|n| n.name.ends_with("-admission")) {
        " The operator mounts its admission webhooks' TLS Secret while prometheusOperator.tls.enabled is true, and only the webhooks' certificate Job makes it (upstream helm-charts#6586): turn both off together (--no-admission-webhooks does), or keep the webhooks on."
    } else {
        ""
    };
    Err(Error::check(format!(
        "{}, which neither the chart, promstack nor the cluster has: the pod would wait in ContainerCreating until helm gives up.{webhook_hint} Create it first, or change the values that name it.",
        list.join("; ")
    )))
}
