//! `kubectl promstack install uninstall`: the rollback plan. helm uninstall and our Secrets;
//! the namespace, the CRDs (and with them every Prometheus/Alertmanager/rule object in the
//! cluster: other owners' are named first, see [`crds`]) and the kubelet Service the operator
//! leaves in kube-system only when asked. Everything is read and confirmed before the first
//! removal; the deleted namespace and CRDs are waited for until gone ([`gone`]).
mod crds;
mod gone;

use super::Deps;
use crate::chart::crds::contents::Held;
use crate::chart::values::{ALERTMANAGER_SECRET, GRAFANA_SECRET, RELEASE};
use crate::helm::ReleaseInfo;
use crate::verb::stage::{self, Stage};
use anyhow::Context as _;
use promstack_shared::kube::cluster::{Cluster, ObjRef};
use promstack_shared::kube::owned::{self, Change};
use promstack_shared::terminal::output::Report;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct UninstallOptions {
    pub namespace: String,
    pub delete_namespace: bool,
    pub delete_crds: bool,
    pub delete_kubelet_service: bool,
    pub keep_secrets: bool,
    /// With --delete-crds and --yes: delete other owners' objects of the CRDs' kinds too.
    pub force: bool,
    pub dry_run: bool,
    pub yes: bool,
    /// How long helm uninstall may take, and then the namespace and CRDs to be gone.
    pub timeout: Duration,
    /// How often to look whether the namespace and CRDs are gone.
    pub poll_interval: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct UninstallReport {
    pub dry_run: bool,
    pub namespace: String,
    /// What was (or would be) removed.
    pub removed: Vec<String>,
    /// What was left in place, and how to remove it.
    pub kept: Vec<String>,
    /// With --delete-crds: what each CRD holds in every namespace (deleted with it), this
    /// stack's counted and other owners' named.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crd_objects: Vec<Held>,
}

/// The report as text: what was (or would be) removed, and what was kept.
pub fn text(report: &UninstallReport) -> String {
    let mut out = String::new();
    let verb = if report.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    if report.removed.is_empty() {
        out.push_str(&format!(
            "Nothing of promstack's to remove in namespace {}.\n",
            report.namespace
        ));
    } else {
        out.push_str(&listing(&format!("{verb}:"), &report.removed));
    }
    if let Some((title, lines)) = crds::others_listed(&report.crd_objects, report.dry_run) {
        out.push_str(&listing(&title, &lines));
        if report.dry_run {
            out.push_str("  (--yes refuses to delete them unless --force is given too)\n");
        }
    }
    if !report.kept.is_empty() {
        out.push_str("Kept:\n");
        report
            .kept
            .iter()
            .for_each(|r| out.push_str(&format!("  {r}\n")));
    }
    out
}

/// A title, then each item on its own line (the confirmation and the report list alike).
fn listing(title: &str, items: &[String]) -> String {
    let mut out = format!("{title}\n");
    items.iter().for_each(|r| out.push_str(&format!("  {r}\n")));
    out
}

/// The Secret the chart's certificate Job (kube-webhook-certgen) makes for the admission webhooks.
pub fn admission_secret(ns: &str) -> ObjRef {
    ObjRef::new("v1", "Secret", Some(ns), &format!("{RELEASE}-admission"))
}

/// Is this the certificate Secret kube-webhook-certgen makes (keys `ca`, `cert`, `key`)?
fn is_webhook_certificate(s: &Value) -> bool {
    ["ca", "cert", "key"]
        .iter()
        .all(|k| s.pointer(&format!("/data/{k}")).is_some())
}

/// The kubelet Service the operator creates (`--kubelet-service=kube-system/<fullname>-kubelet`).
pub fn kubelet_service() -> ObjRef {
    ObjRef::new(
        "v1",
        "Service",
        Some("kube-system"),
        &format!("{RELEASE}-kubelet"),
    )
}

/// What uninstall removes, in order: the helm release, then each object.
struct Plan {
    release: Option<ReleaseInfo>,
    /// Each object with what is said once it is gone, and what a failure to delete it is called.
    objects: Vec<(ObjRef, String, String)>,
    /// What the report lists as removed.
    removed: Vec<String>,
    ns_exists: bool,
    /// Is the namespace deleted (--delete-namespace)?
    ns_deleted: bool,
    /// The CRDs to delete, and what each one holds.
    crds: Vec<ObjRef>,
    held: Vec<Held>,
}

/// `install uninstall`: find what is promstack's (and what the flags ask for), confirm, remove.
pub async fn run(opts: &UninstallOptions, deps: &Deps<'_>) -> anyhow::Result<UninstallReport> {
    promstack_shared::kube::cluster::reachable(deps.cluster).await?;
    let plan = plan(opts, deps).await?;
    let report = UninstallReport {
        dry_run: opts.dry_run,
        namespace: opts.namespace.clone(),
        removed: plan.removed.clone(),
        kept: kept(opts, plan.ns_exists),
        crd_objects: plan.held.clone(),
    };
    if plan.removed.is_empty() || opts.dry_run {
        return Ok(report);
    }
    crds::refuse_others(opts, &plan)?;
    confirm(opts, deps, &plan).await?;
    remove(opts, deps, &plan).await?;
    Ok(report)
}

/// Show what goes (at a terminal: other owners' objects the CRDs take too) and ask, unless --yes.
async fn confirm(opts: &UninstallOptions, deps: &Deps<'_>, plan: &Plan) -> anyhow::Result<()> {
    let context = deps.cluster.info().context;
    let others = crds::others(&plan.held).len();
    if !opts.yes {
        let title = format!("To remove, from context {context}:");
        deps.ui.line(listing(&title, &plan.removed).trim_end());
        if let Some((title, lines)) = crds::others_listed(&plan.held, false) {
            deps.ui.line(listing(&title, &lines).trim_end());
        }
    }
    let with = match others {
        0 => String::new(),
        n => format!(", and {} of other owners with the CRDs", crds::objects(n)),
    };
    let question = match plan.removed.len() {
        1 => format!("Remove it from context {context}{with}?"),
        n => format!("Remove these {n} from context {context}{with}?"),
    };
    if !deps.ui.confirm(&question, opts.yes).await? {
        return Err(promstack_shared::Error::input("cancelled; nothing was removed").into());
    }
    Ok(())
}

/// Read what there is to remove; nothing is changed.
async fn plan(opts: &UninstallOptions, deps: &Deps<'_>) -> anyhow::Result<Plan> {
    let ns = opts.namespace.as_str();
    let release = deps.helm.release(RELEASE, ns).await?;
    let mut removed = Vec::new();
    if let Some(r) = &release {
        removed.push(format!(
            "helm release {ns}/{RELEASE} (revision {}, {})",
            r.revision, r.status
        ));
    }
    let mut objects = Vec::new();
    let mut add = |r: ObjRef, shown: String, done: String, what: String| {
        removed.push(shown);
        objects.push((r, done, what));
    };
    for r in ours_secrets(opts, deps.cluster).await? {
        add(
            r.clone(),
            r.to_string(),
            format!("{r} {}", Change::Delete),
            r.to_string(),
        );
    }
    // the webhooks' certificate: made by the chart's hook Job, so helm uninstall leaves it
    if let Some(r) = chart_made(ns, deps.cluster).await? {
        let shown = format!("{r} (the admission webhooks' certificate, made by the chart's Job; helm does not remove it)");
        add(
            r.clone(),
            shown,
            format!("{r} {}", Change::Delete),
            r.to_string(),
        );
    }
    let live_crds = crds::ours(opts, deps.cluster).await?;
    let held = crds::held(opts, deps.cluster, &live_crds).await?;
    let crd_refs: Vec<ObjRef> = live_crds.iter().map(crate::chart::crds::objref).collect();
    for r in &crd_refs {
        let h = held.iter().find(|h| h.crd == r.name);
        add(
            r.clone(),
            crds::shown(r, h),
            format!("{r} {}", Change::Delete),
            r.to_string(),
        );
    }
    if let Some(r) = kubelet(opts, deps.cluster).await? {
        add(
            r.clone(),
            r.to_string(),
            format!("{r} deleted"),
            r.to_string(),
        );
    }
    let ns_ref = ObjRef::new("v1", "Namespace", None, ns);
    let ns_exists = deps
        .cluster
        .get(&ns_ref)
        .await
        .context("reading the namespace")?
        .is_some();
    let ns_deleted = opts.delete_namespace && ns_exists;
    if ns_deleted {
        let shown = format!("Namespace {ns} and everything in it");
        add(
            ns_ref,
            shown,
            format!("Namespace {ns} deleted"),
            format!("namespace {ns}"),
        );
    }
    Ok(Plan {
        release,
        objects,
        removed,
        ns_exists,
        ns_deleted,
        crds: crd_refs,
        held,
    })
}

/// Our Grafana admin and Alertmanager config Secrets (unless --keep-secrets).
async fn ours_secrets(
    opts: &UninstallOptions,
    cluster: &dyn Cluster,
) -> anyhow::Result<Vec<ObjRef>> {
    let mut out = Vec::new();
    if opts.keep_secrets {
        return Ok(out);
    }
    for name in [GRAFANA_SECRET, ALERTMANAGER_SECRET] {
        let r = ObjRef::new("v1", "Secret", Some(&opts.namespace), name);
        let live = cluster.get(&r).await.context("reading Secrets")?;
        if live.is_some_and(|s| owned::is_ours(&s)) {
            out.push(r);
        }
    }
    Ok(out)
}

/// The admission webhooks' certificate Secret, when the chart's Job made one.
async fn chart_made(ns: &str, cluster: &dyn Cluster) -> anyhow::Result<Option<ObjRef>> {
    let admission = admission_secret(ns);
    Ok(cluster
        .get(&admission)
        .await
        .context("reading Secrets")?
        .filter(is_webhook_certificate)
        .map(|_| admission))
}

/// The operator's kubelet Service in kube-system (with --delete-kubelet-service), when the
/// operator made it.
async fn kubelet(opts: &UninstallOptions, cluster: &dyn Cluster) -> anyhow::Result<Option<ObjRef>> {
    if !opts.delete_kubelet_service {
        return Ok(None);
    }
    let kubelet = kubelet_service();
    let live = cluster
        .get(&kubelet)
        .await
        .context("reading the kubelet Service")?;
    let ours = live.as_ref().is_some_and(|s| {
        s.pointer("/metadata/labels/app.kubernetes.io~1managed-by")
            .and_then(Value::as_str)
            == Some("prometheus-operator")
    });
    Ok(ours.then_some(kubelet))
}

/// What stays, and the flag that would remove it.
fn kept(opts: &UninstallOptions, ns_exists: bool) -> Vec<String> {
    let mut kept = Vec::new();
    if !opts.delete_crds {
        kept.push("Prometheus Operator CRDs (--delete-crds removes them, and every PrometheusRule/ServiceMonitor in the cluster with them)".into());
    }
    if !opts.delete_namespace && ns_exists {
        kept.push(format!("Namespace {} (--delete-namespace)", opts.namespace));
    }
    if !opts.delete_kubelet_service {
        kept.push(format!("{} (--delete-kubelet-service)", kubelet_service()));
    }
    if opts.keep_secrets {
        kept.push(format!("Secrets {GRAFANA_SECRET}, {ALERTMANAGER_SECRET}"));
    }
    kept
}

/// helm uninstall, then each object in order; then the deleted namespace and CRDs are waited for
/// until gone.
async fn remove(opts: &UninstallOptions, deps: &Deps<'_>, plan: &Plan) -> anyhow::Result<()> {
    stage::enter(Stage::Uninstalling);
    if plan.release.is_some() {
        let bar = deps.ui.spinner(&format!("helm uninstall {RELEASE}"));
        let res = deps
            .helm
            .uninstall(RELEASE, &opts.namespace, opts.timeout)
            .await;
        bar.finish_and_clear();
        res?;
        deps.ui.ok(&format!("release {RELEASE} uninstalled"));
    }
    for (r, done, what) in &plan.objects {
        deps.cluster
            .delete(r)
            .await
            .map_err(|e| anyhow::anyhow!("deleting {what}: {e}"))?;
        deps.ui.ok(done);
    }
    gone::wait(opts, deps.cluster, plan, deps.ui).await
}

impl Report for UninstallReport {
    fn text(&self) -> String {
        text(self)
    }
}
