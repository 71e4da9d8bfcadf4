//! The workloads group: pods, Deployments, node-exporter on every node, the operator's
//! Prometheus and Alertmanager and their StatefulSets, claims.
use super::{check, condition, get, list, name, pod_ready, ready_nodes, unreadable, Check, Level};
use crate::chart::values::RELEASE;
use crate::stack::claims;
use crate::stack::workloads;
use promstack_shared::kube::cluster::{Cluster, ObjRef};
use promstack_shared::kube::diagnose::Warnings;
use promstack_shared::kube::readiness;
use promstack_shared::kube::wait::Readiness;
use serde_json::Value;
use std::collections::BTreeSet;

const G: &str = "workloads";

/// `detail`, and what Kubernetes says about `name` (see [`promstack_shared::kube::diagnose`]) when it
/// says anything: a pod stuck on a missing Secret, a DaemonSet whose pods admission refuses.
fn with_cause(detail: String, warnings: &Warnings, name: &str) -> String {
    match warnings.explain(name) {
        Some(why) => format!("{detail}; Kubernetes says: {why}"),
        None => detail,
    }
}

/// The operator's Prometheus or Alertmanager object: there, reconciled, available.
fn operand_check(read: Result<Option<Value>, String>, kind: &str, name: &str) -> Check {
    let g = G;
    let what = format!("{kind} {name}");
    let obj = match read {
        Ok(o) => o,
        Err(e) => return unreadable(g, what, e),
    };
    match obj
        .as_ref()
        .map(|o| (condition(o, "Reconciled"), condition(o, "Available")))
    {
        None => check(
            g,
            what,
            Level::Fail,
            "absent",
            Some("is the operator running? kubectl -n NS logs deploy/kube-prometheus-operator"),
        ),
        Some((Some(false), _)) => check(
            g,
            what,
            Level::Fail,
            "not reconciled by the operator",
            Some("kubectl -n NS describe KIND NAME"),
        ),
        Some((_, Some(false))) => check(
            g,
            what,
            Level::Fail,
            "not available",
            Some("kubectl -n NS describe KIND NAME"),
        ),
        Some(_) => check(g, what, Level::Ok, "reconciled", None),
    }
}

/// Pods, Deployments, node-exporter on every node, Prometheus and Alertmanager objects and their
/// StatefulSets, PVCs; whatever is not ready named with what Kubernetes says of it.
pub async fn workload_checks(cluster: &dyn Cluster, ns: &str) -> Vec<Check> {
    let mut out = Vec::new();
    let warnings = match Warnings::read(cluster, ns, None).await {
        Ok(w) => w,
        Err(e) => {
            out.push(check(
                G,
                "events",
                Level::Warn,
                format!("cannot read the namespace's events, so no check can say why something is not ready: {e}"),
                Some("kubectl -n NS get events --field-selector type=Warning"),
            ));
            Warnings::default()
        }
    };
    let w = &warnings;
    let (pods, deployments, node_exporter, (operands, operand_checks), pvcs) = tokio::join!(
        pods_check(cluster, ns, w),
        deployment_checks(cluster, ns, w),
        node_exporter_check(cluster, ns, w),
        operand_checks(cluster, ns, w),
        async { list(cluster, "v1", "PersistentVolumeClaim", Some(ns), None).await },
    );
    out.push(pods);
    out.extend(deployments);
    out.push(node_exporter);
    out.extend(operand_checks);
    match pvcs {
        Ok(pvcs) => {
            out.push(pvcs_check(&pvcs));
            out.extend(claim_checks(cluster, &operands, &pvcs, ns).await);
        }
        Err(e) => out.push(check(G, "PVCs bound", Level::Fail, e, None)),
    }
    out
}

/// Every pod of the namespace Ready (or Succeeded).
async fn pods_check(cluster: &dyn Cluster, ns: &str, warnings: &Warnings) -> Check {
    let pods = match list(cluster, "v1", "Pod", Some(ns), None).await {
        Ok(p) => p,
        Err(e) => return check(G, "pods ready", Level::Fail, e, None),
    };
    let bad: Vec<String> = pods
        .iter()
        .filter(|p| p["status"]["phase"] != "Succeeded" && !pod_ready(p))
        .map(|p| {
            let phase = p["status"]["phase"].as_str().unwrap_or("?");
            match warnings.explain(&name(p)) {
                Some(why) => format!("{} ({phase}: {why})", name(p)),
                None => format!("{} ({phase})", name(p)),
            }
        })
        .collect();
    if bad.is_empty() {
        check(
            G,
            "pods ready",
            Level::Ok,
            format!("{} pods Ready", pods.len()),
            None,
        )
    } else {
        check(
            G,
            "pods ready",
            Level::Fail,
            format!("not Ready: {}", bad.join(", ")),
            Some("kubectl -n NS describe pod POD; kubectl -n NS logs POD"),
        )
    }
}

/// The operator's, Grafana's and kube-state-metrics' Deployments available.
async fn deployment_checks(cluster: &dyn Cluster, ns: &str, warnings: &Warnings) -> Vec<Check> {
    let mut out = Vec::new();
    for d in ["operator", "grafana", "kube-state-metrics"] {
        let n = format!("{RELEASE}-{d}");
        let what = format!("Deployment {n}");
        let obj = match get(cluster, &ObjRef::new("apps/v1", "Deployment", Some(ns), &n)).await {
            Ok(o) => o,
            Err(e) => {
                out.push(unreadable(G, what, e));
                continue;
            }
        };
        out.push(match workloads::ready("Deployment", obj.as_ref(), 0) {
            Readiness::Ready => check(G, what, Level::Ok, "available", None),
            Readiness::Waiting(why) => check(
                G,
                what,
                Level::Fail,
                with_cause(why, warnings, &n),
                Some("kubectl -n NS rollout status deployment/NAME"),
            ),
        });
    }
    out
}

/// node-exporter Ready on every Ready node.
async fn node_exporter_check(cluster: &dyn Cluster, ns: &str, warnings: &Warnings) -> Check {
    let ds = format!("{RELEASE}-prometheus-node-exporter");
    let what = format!("DaemonSet {ds}");
    let selector = "app.kubernetes.io/name=prometheus-node-exporter";
    let (nodes, pods) = match tokio::join!(
        ready_nodes(cluster),
        list(cluster, "v1", "Pod", Some(ns), Some(selector))
    ) {
        (Ok(nodes), Ok(pods)) => (nodes, pods),
        (Err(e), _) | (_, Err(e)) => return check(G, what, Level::Fail, e, None),
    };
    let covered: BTreeSet<String> = pods
        .iter()
        .filter(|p| pod_ready(p))
        .filter_map(|p| p["spec"]["nodeName"].as_str().map(String::from))
        .collect();
    let missing: Vec<&str> = nodes
        .iter()
        .filter(|n| !covered.contains(*n))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        return check(
            G,
            what,
            Level::Ok,
            format!("ready on all {} nodes", nodes.len()),
            None,
        );
    }
    let hint = if warnings.explain(&ds).is_some() {
        "kubectl -n NS describe daemonset NAME"
    } else {
        "taints without a toleration? kubectl describe node NODE"
    };
    let detail = format!("not running on: {}", missing.join(", "));
    check(
        G,
        what,
        Level::Fail,
        with_cause(detail, warnings, &ds),
        Some(hint),
    )
}

/// The Prometheus and Alertmanager objects and their StatefulSets; the objects read (for the
/// claim checks) with the checks.
async fn operand_checks(
    cluster: &dyn Cluster,
    ns: &str,
    warnings: &Warnings,
) -> (Vec<Value>, Vec<Check>) {
    let (mut operands, mut out) = (Vec::new(), Vec::new());
    for (kind, obj_name, sts) in [
        (
            "Prometheus",
            format!("{RELEASE}-prometheus"),
            format!("prometheus-{RELEASE}-prometheus"),
        ),
        (
            "Alertmanager",
            format!("{RELEASE}-alertmanager"),
            format!("alertmanager-{RELEASE}-alertmanager"),
        ),
    ] {
        let r = ObjRef::new("monitoring.coreos.com/v1", kind, Some(ns), &obj_name);
        let read = get(cluster, &r).await;
        if let Ok(Some(o)) = &read {
            operands.push(o.clone());
        }
        out.push(operand_check(read, kind, &obj_name));
        out.push(statefulset_check(cluster, ns, &sts, warnings).await);
    }
    (operands, out)
}

/// A StatefulSet the operator made: ready.
async fn statefulset_check(
    cluster: &dyn Cluster,
    ns: &str,
    sts: &str,
    warnings: &Warnings,
) -> Check {
    let what = format!("StatefulSet {sts}");
    let r = ObjRef::new("apps/v1", "StatefulSet", Some(ns), sts);
    match get(cluster, &r).await {
        Err(e) => unreadable(G, what, e),
        Ok(s) => match workloads::ready("StatefulSet", s.as_ref(), 0) {
            Readiness::Ready => check(G, what, Level::Ok, "ready", None),
            Readiness::Waiting(why) => check(
                G,
                what,
                Level::Fail,
                with_cause(why, warnings, sts),
                Some("kubectl -n NS describe statefulset NAME (PVC pending? image pull?)"),
            ),
        },
    }
}

/// Every claim of the namespace Bound.
fn pvcs_check(pvcs: &[Value]) -> Check {
    let pending: Vec<String> = pvcs
        .iter()
        .filter(|p| !readiness::typed(Some(*p)).is_some_and(|c| readiness::pvc(&c)))
        .map(|p| {
            format!(
                "{} ({})",
                name(p),
                p["status"]["phase"].as_str().unwrap_or("?")
            )
        })
        .collect();
    if pending.is_empty() {
        check(
            G,
            "PVCs bound",
            Level::Ok,
            format!("{} bound", pvcs.len()),
            None,
        )
    } else {
        check(
            G,
            "PVCs bound",
            Level::Fail,
            format!("not bound: {}", pending.join(", ")),
            Some("does the StorageClass exist and provision? kubectl -n NS describe pvc NAME"),
        )
    }
}

/// Each claim of Prometheus and Alertmanager that does not match what their objects ask: FAIL when
/// it cannot hold the retention, WARN for another class, size or access mode (see [`claims`]).
async fn claim_checks(
    cluster: &dyn Cluster,
    operands: &[Value],
    pvcs: &[Value],
    ns: &str,
) -> Vec<Check> {
    let find = |kind: &str| operands.iter().find(|o| o["kind"] == kind);
    let wanted = claims::wanted_from_operands(find("Prometheus"), find("Alertmanager"));
    let classes = list(cluster, "storage.k8s.io/v1", "StorageClass", None, None)
        .await
        .unwrap_or_default();
    claims::compare(&wanted, pvcs, &classes, ns)
        .into_iter()
        .map(|m| {
            let level = if m.fails { Level::Fail } else { Level::Warn };
            Check {
                group: "workloads",
                name: format!("claim {}", m.claim),
                level,
                detail: m.what,
                hint: Some(m.fix),
            }
        })
        .collect()
}
