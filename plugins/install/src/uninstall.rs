//! `kubectl promstack install uninstall`: the rollback plan. helm uninstall and our Secrets;
//! the namespace, the CRDs (and with them every Prometheus/Alertmanager/rule object) and the
//! kubelet Service the operator leaves in kube-system only when asked.
use crate::crds::CRD_API;
use crate::helm::HelmApi;
use crate::values::{ALERTMANAGER_SECRET, GRAFANA_SECRET, RELEASE};
use anyhow::Context as _;
use promstack_shared::cluster::{Cluster, ListQuery, ObjRef};
use promstack_shared::owned::{self, Change};
use promstack_shared::ui::Ui;
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
    pub dry_run: bool,
    pub yes: bool,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct UninstallReport {
    pub dry_run: bool,
    pub namespace: String,
    /// What was (or would be) removed.
    pub removed: Vec<String>,
    /// What was left in place, and how to remove it.
    pub kept: Vec<String>,
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
        out.push_str(&format!("{verb}:\n"));
        report
            .removed
            .iter()
            .for_each(|r| out.push_str(&format!("  {r}\n")));
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

pub async fn uninstall(
    opts: &UninstallOptions,
    cluster: &dyn Cluster,
    helm: &dyn HelmApi,
    ui: &Ui,
) -> anyhow::Result<UninstallReport> {
    let ns = opts.namespace.as_str();
    promstack_shared::cluster::reachable(cluster).await?;
    let release = helm.release(RELEASE, ns).await?;
    let mut plan: Vec<String> = Vec::new();
    if let Some(r) = &release {
        plan.push(format!(
            "helm release {ns}/{RELEASE} (revision {}, {})",
            r.revision, r.status
        ));
    }
    let mut secrets = Vec::new();
    if !opts.keep_secrets {
        for name in [GRAFANA_SECRET, ALERTMANAGER_SECRET] {
            let r = ObjRef::new("v1", "Secret", Some(ns), name);
            if cluster
                .get(&r)
                .await
                .context("reading Secrets")?
                .is_some_and(|s| owned::is_ours(&s))
            {
                plan.push(r.to_string());
                secrets.push(r);
            }
        }
    }
    // the webhooks' certificate: made by the chart's hook Job, so helm uninstall leaves it
    let admission = admission_secret(ns);
    let chart_made: Vec<ObjRef> = cluster
        .get(&admission)
        .await
        .context("reading Secrets")?
        .filter(is_webhook_certificate)
        .map(|_| admission.clone())
        .into_iter()
        .collect();
    for r in &chart_made {
        plan.push(format!(
            "{r} (the admission webhooks' certificate, made by the chart's Job; helm does not remove it)"
        ));
    }
    let mut crds = Vec::new();
    if opts.delete_crds {
        for crd in cluster
            .list(
                &ListQuery::new(CRD_API, "CustomResourceDefinition")
                    .labels(&owned::selector(crate::COMPONENT)),
            )
            .await
            .context("listing CRDs")?
        {
            let r = ObjRef::of(&crd)?;
            plan.push(r.to_string());
            crds.push(r);
        }
    }
    let kubelet = kubelet_service();
    let kubelet_live = if opts.delete_kubelet_service {
        cluster
            .get(&kubelet)
            .await
            .context("reading the kubelet Service")?
    } else {
        None
    };
    let kubelet_ours = kubelet_live.as_ref().is_some_and(|s| {
        s.pointer("/metadata/labels/app.kubernetes.io~1managed-by")
            .and_then(Value::as_str)
            == Some("prometheus-operator")
    });
    if kubelet_ours {
        plan.push(kubelet.to_string());
    }
    let ns_ref = ObjRef::new("v1", "Namespace", None, ns);
    let ns_live = cluster
        .get(&ns_ref)
        .await
        .context("reading the namespace")?;
    if opts.delete_namespace && ns_live.is_some() {
        plan.push(format!("Namespace {ns} and everything in it"));
    }

    let mut kept = Vec::new();
    if !opts.delete_crds {
        kept.push("Prometheus Operator CRDs (--delete-crds removes them, and every PrometheusRule/ServiceMonitor in the cluster with them)".into());
    }
    if !opts.delete_namespace && ns_live.is_some() {
        kept.push(format!("Namespace {ns} (--delete-namespace)"));
    }
    if !opts.delete_kubelet_service {
        kept.push(format!("{kubelet} (--delete-kubelet-service)"));
    }
    if opts.keep_secrets {
        kept.push(format!("Secrets {GRAFANA_SECRET}, {ALERTMANAGER_SECRET}"));
    }
    let report = UninstallReport {
        dry_run: opts.dry_run,
        namespace: ns.into(),
        removed: plan.clone(),
        kept,
    };
    if plan.is_empty() || opts.dry_run {
        return Ok(report);
    }
    if !ui
        .confirm(
            &format!(
                "Remove {} from context {}?",
                plan.join(", "),
                cluster.info().context
            ),
            opts.yes,
        )
        .await?
    {
        return Err(promstack_shared::Error::input("cancelled; nothing was removed").into());
    }

    if release.is_some() {
        let bar = ui.spinner(&format!("helm uninstall {RELEASE}"));
        let res = helm.uninstall(RELEASE, ns, opts.timeout).await;
        bar.finish_and_clear();
        res?;
        ui.ok(&format!("release {RELEASE} uninstalled"));
    }
    for r in secrets.iter().chain(&chart_made).chain(&crds) {
        cluster
            .delete(r)
            .await
            .map_err(|e| anyhow::anyhow!("deleting {r}: {e}"))?;
        ui.ok(&format!("{r} {}", Change::Delete));
    }
    if kubelet_ours {
        cluster
            .delete(&kubelet)
            .await
            .map_err(|e| anyhow::anyhow!("deleting {kubelet}: {e}"))?;
        ui.ok(&format!("{kubelet} deleted"));
    }
    if opts.delete_namespace && ns_live.is_some() {
        cluster
            .delete(&ns_ref)
            .await
            .map_err(|e| anyhow::anyhow!("deleting namespace {ns}: {e}"))?;
        ui.ok(&format!("Namespace {ns} deleted"));
    }
    Ok(report)
}
