//! `kubectl promstack install status`: the task's Definition of Done as named checks, each ok /
//! warn / fail with a hint. Workloads and exposure from the cluster; targets, metrics, rules and
//! alerts from Prometheus; Alertmanager's cluster and config; Grafana's health, login, dashboards
//! and datasource.
use crate::claims;
use crate::values::{ALERTMANAGER_SECRET, GRAFANA_SECRET, RELEASE};
use crate::workloads;
use promstack_shared::alertmanager_api::AlertmanagerApi;
use promstack_shared::cluster::{Cluster, ListQuery, ObjRef};
use promstack_shared::diagnose::Warnings;
use promstack_shared::prometheus_api::PrometheusApi;
use promstack_shared::readiness;
use promstack_shared::secret::SecretString;
use promstack_shared::wait::Readiness;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub group: &'static str,
    pub name: String,
    pub level: Level,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

fn check(
    group: &'static str,
    name: impl Into<String>,
    level: Level,
    detail: impl Into<String>,
    hint: Option<&str>,
) -> Check {
    Check {
        group,
        name: name.into(),
        level,
        detail: detail.into(),
        hint: hint.map(String::from),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub namespace: String,
    pub healthy: bool,
    pub ok: usize,
    pub warn: usize,
    pub fail: usize,
    pub checks: Vec<Check>,
}

impl StatusReport {
    pub fn new(namespace: &str, checks: Vec<Check>) -> Self {
        let n = |l: Level| checks.iter().filter(|c| c.level == l).count();
        StatusReport {
            namespace: namespace.into(),
            healthy: n(Level::Fail) == 0,
            ok: n(Level::Ok),
            warn: n(Level::Warn),
            fail: n(Level::Fail),
            checks,
        }
    }
}

fn name(v: &Value) -> String {
    v["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn condition(v: &Value, t: &str) -> Option<bool> {
    readiness::conditions(v, t)
}

/// Is this pod (as listed) Ready?
fn pod_ready(p: &Value) -> bool {
    readiness::typed(Some(p)).is_some_and(|p| readiness::pod(&p))
}

async fn list(
    cluster: &dyn Cluster,
    api: &str,
    kind: &str,
    ns: Option<&str>,
    sel: Option<&str>,
) -> Result<Vec<Value>, String> {
    let mut q = ListQuery::new(api, kind);
    if let Some(ns) = ns {
        q = q.in_namespace(ns);
    }
    if let Some(s) = sel {
        q = q.labels(s);
    }
    cluster
        .list(&q)
        .await
        .map_err(|e| format!("listing {kind}: {e}"))
}

/// One object, `Err` with what the read met (a 403 says who may not read what).
async fn get(cluster: &dyn Cluster, r: &ObjRef) -> Result<Option<Value>, String> {
    cluster
        .get(r)
        .await
        .map_err(|e| format!("cannot read {r}: {e}"))
}

/// A check that could not look: FAIL with the cause (never "absent", never "ok").
fn unreadable(group: &'static str, name: impl Into<String>, cause: String) -> Check {
    check(
        group,
        name,
        Level::Fail,
        cause,
        Some("the check could not look: give the credentials read access (kubectl auth can-i), or check the API server"),
    )
}

/// The names of Ready nodes.
pub async fn ready_nodes(cluster: &dyn Cluster) -> Result<Vec<String>, String> {
    Ok(list(cluster, "v1", "Node", None, None)
        .await?
        .iter()
        .filter(|n| readiness::typed(Some(*n)).is_some_and(|n| readiness::node(&n)))
        .map(name)
        .collect())
}

/// Does Cilium run in the cluster (its agent DaemonSet)? `Err` when that cannot be read.
pub async fn cilium_runs(cluster: &dyn Cluster) -> Result<bool, String> {
    get(
        cluster,
        &ObjRef::new("apps/v1", "DaemonSet", Some("kube-system"), "cilium"),
    )
    .await
    .map(|d| d.is_some())
}

/// `detail`, and what Kubernetes says about `name` (see [`promstack_shared::diagnose`]) when it
/// says anything: a pod stuck on a missing Secret, a DaemonSet whose pods admission refuses.
fn with_cause(detail: String, warnings: &Warnings, name: &str) -> String {
    match warnings.explain(name) {
        Some(why) => format!("{detail}; Kubernetes says: {why}"),
        None => detail,
    }
}

/// The operator's Prometheus or Alertmanager object: there, reconciled, available.
fn operand_check(read: Result<Option<Value>, String>, kind: &str, name: &str) -> Check {
    let g = "workloads";
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
    let g = "workloads";
    let mut out = Vec::new();
    let warnings = match Warnings::read(cluster, ns, None).await {
        Ok(w) => w,
        Err(e) => {
            out.push(check(
                g,
                "events",
                Level::Warn,
                format!("cannot read the namespace's events, so no check can say why something is not ready: {e}"),
                Some("kubectl -n NS get events --field-selector type=Warning"),
            ));
            Warnings::default()
        }
    };
    match list(cluster, "v1", "Pod", Some(ns), None).await {
        Ok(pods) => {
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
            out.push(if bad.is_empty() {
                check(
                    g,
                    "pods ready",
                    Level::Ok,
                    format!("{} pods Ready", pods.len()),
                    None,
                )
            } else {
                check(
                    g,
                    "pods ready",
                    Level::Fail,
                    format!("not Ready: {}", bad.join(", ")),
                    Some("kubectl -n NS describe pod POD; kubectl -n NS logs POD"),
                )
            });
        }
        Err(e) => out.push(check(g, "pods ready", Level::Fail, e, None)),
    }
    for d in ["operator", "grafana", "kube-state-metrics"] {
        let n = format!("{RELEASE}-{d}");
        let obj = match get(cluster, &ObjRef::new("apps/v1", "Deployment", Some(ns), &n)).await {
            Ok(o) => o,
            Err(e) => {
                out.push(unreadable(g, format!("Deployment {n}"), e));
                continue;
            }
        };
        out.push(match workloads::ready("Deployment", obj.as_ref(), 0) {
            Readiness::Ready => check(g, format!("Deployment {n}"), Level::Ok, "available", None),
            Readiness::Waiting(why) => check(
                g,
                format!("Deployment {n}"),
                Level::Fail,
                with_cause(why, &warnings, &n),
                Some("kubectl -n NS rollout status deployment/NAME"),
            ),
        });
    }
    let ds = format!("{RELEASE}-prometheus-node-exporter");
    match (
        ready_nodes(cluster).await,
        list(
            cluster,
            "v1",
            "Pod",
            Some(ns),
            Some("app.kubernetes.io/name=prometheus-node-exporter"),
        )
        .await,
    ) {
        (Ok(nodes), Ok(pods)) => {
            let covered: BTreeSet<String> = pods
                .iter()
                .filter(|p| pod_ready(p))
                .filter_map(|p| p["spec"]["nodeName"].as_str().map(String::from))
                .collect();
            let missing: Vec<&String> = nodes.iter().filter(|n| !covered.contains(*n)).collect();
            out.push(if missing.is_empty() {
                check(
                    g,
                    format!("DaemonSet {ds}"),
                    Level::Ok,
                    format!("ready on all {} nodes", nodes.len()),
                    None,
                )
            } else {
                let detail = format!(
                    "not running on: {}",
                    missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let hint = if warnings.explain(&ds).is_some() {
                    "kubectl -n NS describe daemonset NAME"
                } else {
                    "taints without a toleration? kubectl describe node NODE"
                };
                check(
                    g,
                    format!("DaemonSet {ds}"),
                    Level::Fail,
                    with_cause(detail, &warnings, &ds),
                    Some(hint),
                )
            });
        }
        (Err(e), _) | (_, Err(e)) => {
            out.push(check(g, format!("DaemonSet {ds}"), Level::Fail, e, None))
        }
    }
    let mut operands: Vec<Value> = Vec::new();
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
        let r = ObjRef::new("apps/v1", "StatefulSet", Some(ns), &sts);
        out.push(match get(cluster, &r).await {
            Err(e) => unreadable(g, format!("StatefulSet {sts}"), e),
            Ok(s) => match workloads::ready("StatefulSet", s.as_ref(), 0) {
                Readiness::Ready => {
                    check(g, format!("StatefulSet {sts}"), Level::Ok, "ready", None)
                }
                Readiness::Waiting(why) => check(
                    g,
                    format!("StatefulSet {sts}"),
                    Level::Fail,
                    with_cause(why, &warnings, &sts),
                    Some("kubectl -n NS describe statefulset NAME (PVC pending? image pull?)"),
                ),
            },
        });
    }
    match list(cluster, "v1", "PersistentVolumeClaim", Some(ns), None).await {
        Ok(pvcs) => {
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
            out.push(if pending.is_empty() {
                check(g, "PVCs bound", Level::Ok, format!("{} bound", pvcs.len()), None)
            } else {
                check(g, "PVCs bound", Level::Fail, format!("not bound: {}", pending.join(", ")), Some("does the StorageClass exist and provision? kubectl -n NS describe pvc NAME"))
            });
            out.extend(claim_checks(cluster, &operands, &pvcs, ns).await);
        }
        Err(e) => out.push(check(g, "PVCs bound", Level::Fail, e, None)),
    }
    out
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

/// What an expected scrape job looks like, and when it is expected.
pub struct ExpectedJob {
    pub name: &'static str,
    pub cilium_only: bool,
    pub matches: fn(&str, &str) -> bool,
}

/// The jobs the stack should scrape (job label, metrics path).
pub const EXPECTED_JOBS: &[ExpectedJob] = &[
    ExpectedJob {
        name: "apiserver",
        cilium_only: false,
        matches: |j, _| j == "apiserver",
    },
    ExpectedJob {
        name: "kubelet",
        cilium_only: false,
        matches: |j, p| j == "kubelet" && p != "/metrics/cadvisor",
    },
    ExpectedJob {
        name: "kubelet cAdvisor",
        cilium_only: false,
        matches: |j, p| j == "kubelet" && p == "/metrics/cadvisor",
    },
    ExpectedJob {
        name: "node-exporter",
        cilium_only: false,
        matches: |j, _| j.contains("node-exporter"),
    },
    ExpectedJob {
        name: "kube-state-metrics",
        cilium_only: false,
        matches: |j, _| j.contains("kube-state-metrics"),
    },
    ExpectedJob {
        name: "coredns",
        cilium_only: false,
        matches: |j, _| j == "coredns" || j == "kube-dns",
    },
    ExpectedJob {
        name: "prometheus-operator",
        cilium_only: false,
        matches: |j, _| j.ends_with("-operator") && !j.contains("cilium"),
    },
    ExpectedJob {
        name: "prometheus",
        cilium_only: false,
        matches: |j, _| j.ends_with("prometheus"),
    },
    ExpectedJob {
        name: "alertmanager",
        cilium_only: false,
        matches: |j, _| j.ends_with("alertmanager"),
    },
    ExpectedJob {
        name: "grafana",
        cilium_only: false,
        matches: |j, _| j.contains("grafana"),
    },
    ExpectedJob {
        name: "cilium-agent",
        cilium_only: true,
        matches: |j, _| j == "cilium" || j == "cilium-agent",
    },
    ExpectedJob {
        name: "cilium-operator",
        cilium_only: true,
        matches: |j, _| j == "cilium-operator",
    },
    ExpectedJob {
        name: "hubble",
        cilium_only: true,
        matches: |j, _| j.contains("hubble"),
    },
];

/// Scrape targets per job (up/down, last error of each down target) and the expected jobs.
pub async fn target_checks(prom: &PrometheusApi, cilium: bool) -> Vec<Check> {
    let g = "targets";
    let data = match prom.api("/api/v1/targets?state=active").await {
        Ok(d) => d,
        Err(e) => {
            return vec![check(
                g,
                "Prometheus targets",
                Level::Fail,
                e,
                Some("is Prometheus reachable? --prometheus-url or the port-forward"),
            )]
        }
    };
    let mut jobs: BTreeMap<String, (usize, Vec<String>, BTreeSet<String>)> = BTreeMap::new();
    for t in data["activeTargets"].as_array().into_iter().flatten() {
        let job = t["labels"]["job"].as_str().unwrap_or("?").to_string();
        let path = t["discoveredLabels"]["__metrics_path__"]
            .as_str()
            .or_else(|| t["labels"]["metrics_path"].as_str())
            .unwrap_or("/metrics")
            .to_string();
        let e = jobs.entry(job).or_default();
        e.2.insert(path);
        if t["health"] == "up" {
            e.0 += 1;
        } else {
            e.1.push(format!(
                "{}: {}",
                t["scrapeUrl"].as_str().unwrap_or("?"),
                t["lastError"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .unwrap_or("not scraped yet")
            ));
        }
    }
    let mut out = Vec::new();
    for (job, (up, down, _)) in &jobs {
        out.push(if down.is_empty() {
            check(g, format!("job {job}"), Level::Ok, format!("{up} up"), None)
        } else {
            check(
                g,
                format!("job {job}"),
                Level::Fail,
                format!("{up} up, {} down: {}", down.len(), down.join("; ")),
                Some("the target's pod, port or NetworkPolicy (Cilium) blocks the scrape"),
            )
        });
    }
    for e in EXPECTED_JOBS.iter().filter(|e| cilium || !e.cilium_only) {
        let found = jobs
            .iter()
            .any(|(j, (_, _, paths))| paths.iter().any(|p| (e.matches)(j, p)));
        if !found {
            out.push(check(g, format!("expected job {}", e.name), Level::Fail, "missing: no target scraped", Some("its ServiceMonitor is missing or not selected (values: *SelectorNilUsesHelmValues: false)")));
        }
    }
    out
}

async fn query_labels(
    prom: &PrometheusApi,
    q: &str,
    label: &str,
) -> Result<BTreeSet<String>, String> {
    let d = prom.query(q).await?;
    Ok(d["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["metric"][label].as_str().map(String::from))
        .collect())
}

/// kube-state-metrics and node-exporter series (every node), Cilium series when Cilium runs.
pub async fn metric_checks(prom: &PrometheusApi, nodes: &[String], cilium: bool) -> Vec<Check> {
    let g = "metrics";
    let mut out = Vec::new();
    match prom.query("count(kube_pod_info)").await {
        Ok(d) if d["result"].as_array().is_some_and(|r| !r.is_empty()) => out.push(check(
            g,
            "kube-state-metrics series",
            Level::Ok,
            "kube_pod_info present",
            None,
        )),
        Ok(_) => out.push(check(
            g,
            "kube-state-metrics series",
            Level::Fail,
            "no kube_pod_info",
            Some("is kube-state-metrics scraped? see targets"),
        )),
        Err(e) => out.push(check(g, "kube-state-metrics series", Level::Fail, e, None)),
    }
    match query_labels(prom, "node_uname_info", "nodename").await {
        Ok(seen) => {
            let missing: Vec<&String> = nodes.iter().filter(|n| !seen.contains(*n)).collect();
            out.push(if seen.is_empty() {
                check(
                    g,
                    "node-exporter series",
                    Level::Fail,
                    "no node_uname_info",
                    Some("is node-exporter scraped? see targets"),
                )
            } else if missing.is_empty() {
                check(
                    g,
                    "node-exporter series",
                    Level::Ok,
                    format!("node_uname_info for all {} nodes", nodes.len()),
                    None,
                )
            } else {
                check(
                    g,
                    "node-exporter series",
                    Level::Fail,
                    format!(
                        "no node_uname_info for: {}",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None,
                )
            });
        }
        Err(e) => out.push(check(g, "node-exporter series", Level::Fail, e, None)),
    }
    if cilium {
        for m in ["cilium_endpoint_state", "hubble_flows_processed_total"] {
            match prom.query(&format!("count({m})")).await {
                Ok(d) if d["result"].as_array().is_some_and(|r| !r.is_empty()) => out.push(check(g, format!("{m} series"), Level::Ok, "present", None)),
                Ok(_) => out.push(check(g, format!("{m} series"), Level::Fail, "absent", Some("enable Cilium's Prometheus metrics and ServiceMonitors (prometheus.serviceMonitor.enabled, hubble.metrics)"))),
                Err(e) => out.push(check(g, format!("{m} series"), Level::Fail, e, None)),
            }
        }
    }
    out
}

/// Rule groups evaluate without errors; Watchdog fires; what else fires.
pub async fn rule_checks(prom: &PrometheusApi) -> Vec<Check> {
    let g = "rules";
    let mut out = Vec::new();
    match prom.api("/api/v1/rules").await {
        Ok(d) => {
            let groups = d["groups"].as_array().cloned().unwrap_or_default();
            let bad: Vec<String> = groups
                .iter()
                .flat_map(|grp| {
                    grp["rules"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |r| (grp["name"].clone(), r))
                })
                .filter(|(_, r)| r["health"] != "ok" && r["health"] != "unknown")
                .map(|(gn, r)| {
                    format!(
                        "{}/{}: {}",
                        gn.as_str().unwrap_or("?"),
                        r["name"].as_str().unwrap_or("?"),
                        r["lastError"].as_str().unwrap_or("")
                    )
                })
                .collect();
            out.push(if bad.is_empty() {
                check(
                    g,
                    "rule evaluation",
                    Level::Ok,
                    format!("{} groups evaluate without errors", groups.len()),
                    None,
                )
            } else {
                check(
                    g,
                    "rule evaluation",
                    Level::Fail,
                    bad.join("; "),
                    Some("kubectl promstack rules validate; fix the expression"),
                )
            });
        }
        Err(e) => out.push(check(g, "rule evaluation", Level::Fail, e, None)),
    }
    match prom.api("/api/v1/alerts").await {
        Ok(d) => {
            let alerts = d["alerts"].as_array().cloned().unwrap_or_default();
            let firing: Vec<String> = alerts
                .iter()
                .filter(|a| a["state"] == "firing")
                .filter_map(|a| a["labels"]["alertname"].as_str().map(String::from))
                .collect();
            out.push(if firing.iter().any(|a| a == "Watchdog") {
                check(
                    g,
                    "Watchdog",
                    Level::Ok,
                    "firing: the alerting pipeline is alive",
                    None,
                )
            } else {
                check(
                    g,
                    "Watchdog",
                    Level::Fail,
                    "not firing",
                    Some("the general.rules group (defaultRules.rules.general) must be loaded"),
                )
            });
            let others: BTreeSet<&String> = firing
                .iter()
                .filter(|a| *a != "Watchdog" && *a != "InfoInhibitor")
                .collect();
            if !others.is_empty() {
                out.push(check(
                    g,
                    "firing alerts",
                    Level::Warn,
                    others.into_iter().cloned().collect::<Vec<_>>().join(", "),
                    Some("see Alertmanager"),
                ));
            }
        }
        Err(e) => out.push(check(g, "Watchdog", Level::Fail, e, None)),
    }
    out
}

/// Alertmanager: its cluster is ready, and the config it runs is the one in our Secret.
pub async fn alertmanager_checks(am: &AlertmanagerApi, our_config: Option<&str>) -> Vec<Check> {
    let g = "alertmanager";
    let status = match am.status().await {
        Ok(s) => s,
        Err(e) => {
            return vec![check(
                g,
                "Alertmanager",
                Level::Fail,
                e,
                Some("is Alertmanager reachable? --alertmanager-url or the port-forward"),
            )]
        }
    };
    let mut out = Vec::new();
    let cluster = status["cluster"]["status"].as_str().unwrap_or("?");
    out.push(match cluster {
        "ready" => check(
            g,
            "cluster",
            Level::Ok,
            format!(
                "ready, {} peer(s)",
                status["cluster"]["peers"].as_array().map_or(0, Vec::len)
            ),
            None,
        ),
        "disabled" => check(
            g,
            "cluster",
            Level::Ok,
            "clustering disabled (single instance)",
            None,
        ),
        other => check(
            g,
            "cluster",
            Level::Fail,
            format!("status {other}"),
            Some("the replicas cannot gossip: check the Alertmanager pods' logs"),
        ),
    });
    if let Some(ours) = our_config {
        let live = status["config"]["original"].as_str().unwrap_or_default();
        out.push(match config_differences(ours, live) {
            Ok(d) if d.is_empty() => check(
                g,
                "config",
                Level::Ok,
                format!("the loaded config is the one in Secret {ALERTMANAGER_SECRET}"),
                None,
            ),
            Ok(d) => check(
                g,
                "config",
                Level::Warn,
                format!(
                    "the loaded config differs from Secret {ALERTMANAGER_SECRET}: {}",
                    d.join("; ")
                ),
                Some("AlertmanagerConfig objects merged in, or the operator has not reloaded yet"),
            ),
            Err(e) => check(g, "config", Level::Fail, e, None),
        });
    }
    out
}

/// Differences that matter between our config and the loaded one (the common crate's
/// Alertmanager model decides).
pub fn config_differences(ours: &str, live: &str) -> Result<Vec<String>, String> {
    promstack_shared::alertmanager_config::routing::differences(ours, live)
}

/// A minimal Grafana API client (health, login, search, folders, datasource health).
pub struct GrafanaApi {
    pub base: String,
    pub user: String,
    pub password: SecretString,
    client: reqwest::Client,
}

impl GrafanaApi {
    pub fn new(
        base: &str,
        user: &str,
        password: SecretString,
    ) -> Result<Self, promstack_shared::Error> {
        promstack_shared::prometheus_api::ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| promstack_shared::Error::runtime(e.to_string()))?;
        Ok(GrafanaApi {
            base: base.trim_end_matches('/').to_string(),
            user: user.into(),
            password,
            client,
        })
    }

    async fn get(&self, path: &str, auth: bool) -> Result<(u16, Value), String> {
        let mut r = self.client.get(format!("{}{path}", self.base));
        if auth {
            r = r.basic_auth(&self.user, Some(self.password.expose()));
        }
        let resp = r
            .send()
            .await
            .map_err(|e| format!("cannot reach Grafana at {}: {e}", self.base))?;
        let code = resp.status().as_u16();
        Ok((code, resp.json::<Value>().await.unwrap_or(Value::Null)))
    }
}

/// Grafana: health, admin login with the Secret, dashboards, the Cilium folder, the datasource.
pub async fn grafana_checks(gr: &GrafanaApi, cilium: bool) -> Vec<Check> {
    let g = "grafana";
    let mut out = Vec::new();
    match gr.get("/api/health", false).await {
        Ok((200, h)) if h["database"] == "ok" => out.push(check(
            g,
            "health",
            Level::Ok,
            format!(
                "Grafana {} up, database ok",
                h["version"].as_str().unwrap_or("?")
            ),
            None,
        )),
        Ok((code, h)) => out.push(check(
            g,
            "health",
            Level::Fail,
            format!(
                "HTTP {code}, database {}",
                h["database"].as_str().unwrap_or("?")
            ),
            Some("kubectl -n NS logs deploy/kube-prometheus-grafana"),
        )),
        Err(e) => {
            return vec![check(
                g,
                "health",
                Level::Fail,
                e,
                Some("--grafana-url or the port-forward"),
            )]
        }
    }
    match gr.get("/api/user", true).await {
        Ok((200, u)) => out.push(check(g, "admin login", Level::Ok, format!("logged in as {}", u["login"].as_str().unwrap_or("?")), None)),
        Ok((code, _)) => out.push(check(g, "admin login", Level::Fail, format!("HTTP {code} with the password from Secret {GRAFANA_SECRET}"), Some("Grafana keeps the password of its first start: restart it, or kubectl promstack install --rotate-grafana-password"))),
        Err(e) => out.push(check(g, "admin login", Level::Fail, e, None)),
    }
    match gr.get("/api/search?type=dash-db", true).await {
        Ok((200, Value::Array(d))) if !d.is_empty() => out.push(check(
            g,
            "dashboards",
            Level::Ok,
            format!("{} dashboards provisioned", d.len()),
            None,
        )),
        Ok((code, _)) => out.push(check(
            g,
            "dashboards",
            Level::Fail,
            format!("none found (HTTP {code})"),
            Some("the sidecar picks up ConfigMaps labelled grafana_dashboard: \"1\""),
        )),
        Err(e) => out.push(check(g, "dashboards", Level::Fail, e, None)),
    }
    if cilium {
        match gr.get("/api/folders", true).await {
            Ok((200, Value::Array(f))) if f.iter().any(|x| x["title"] == "Cilium") => {
                out.push(check(g, "Cilium folder", Level::Ok, "present", None))
            }
            Ok(_) => out.push(check(
                g,
                "Cilium folder",
                Level::Fail,
                "absent",
                Some("kubectl promstack dashboards sync"),
            )),
            Err(e) => out.push(check(g, "Cilium folder", Level::Fail, e, None)),
        }
    }
    match gr.get("/api/datasources/uid/prometheus/health", true).await {
        Ok((200, h)) if h["status"] == "OK" => out.push(check(
            g,
            "Prometheus datasource",
            Level::Ok,
            h["message"].as_str().unwrap_or("OK").to_string(),
            None,
        )),
        Ok((code, h)) => out.push(check(
            g,
            "Prometheus datasource",
            Level::Fail,
            format!("HTTP {code}: {}", h["message"].as_str().unwrap_or("?")),
            Some(
                "the datasource uid must be `prometheus` (values: grafana.sidecar.datasources.uid)",
            ),
        )),
        Err(e) => out.push(check(g, "Prometheus datasource", Level::Fail, e, None)),
    }
    out
}

/// Prometheus and Alertmanager are not exposed; Grafana's password is not a default. A read that
/// fails is a failed check: "not exposed" is said only after looking.
pub async fn exposure_checks(cluster: &dyn Cluster, ns: &str) -> Vec<Check> {
    let g = "exposure";
    let mut out = Vec::new();
    let ingresses = list(cluster, "networking.k8s.io/v1", "Ingress", Some(ns), None).await;
    for svc in [
        format!("{RELEASE}-prometheus"),
        format!("{RELEASE}-alertmanager"),
    ] {
        let what = format!("Service {svc}");
        let read = get(cluster, &ObjRef::new("v1", "Service", Some(ns), &svc)).await;
        let (s, ingresses) = match (read, &ingresses) {
            (Ok(s), Ok(i)) => (s, i),
            (Err(e), _) => {
                out.push(unreadable(g, what, e));
                continue;
            }
            (_, Err(e)) => {
                out.push(unreadable(g, what, e.clone()));
                continue;
            }
        };
        let t = s
            .as_ref()
            .and_then(|s| s["spec"]["type"].as_str())
            .unwrap_or("absent")
            .to_string();
        let by_ingress: Vec<String> = ingresses
            .iter()
            .filter(|i| i.to_string().contains(&format!("\"name\":\"{svc}\"")))
            .map(name)
            .collect();
        out.push(
            if (t == "NodePort" || t == "LoadBalancer") || !by_ingress.is_empty() {
                check(
                    g,
                    what,
                    Level::Fail,
                    format!(
                        "exposed: type {t}{}",
                        if by_ingress.is_empty() {
                            String::new()
                        } else {
                            format!(", Ingress {}", by_ingress.join(", "))
                        }
                    ),
                    Some("keep it ClusterIP and reach it with port-forward"),
                )
            } else {
                check(g, what, Level::Ok, format!("type {t}, no Ingress"), None)
            },
        );
    }
    out.push(password_check(
        get(
            cluster,
            &ObjRef::new("v1", "Secret", Some(ns), GRAFANA_SECRET),
        )
        .await,
    ));
    out
}

/// Grafana's admin password (from our Secret) is not a default and long enough.
fn password_check(secret: Result<Option<Value>, String>) -> Check {
    let g = "exposure";
    let secret = match secret {
        Ok(s) => s,
        Err(e) => return unreadable(g, "Grafana password", e),
    };
    let pw = secret
        .as_ref()
        .and_then(|s| s.pointer("/data/admin-password"))
        .and_then(|v| serde_json::from_value::<k8s_openapi::ByteString>(v.clone()).ok())
        .map(|b| SecretString::new(String::from_utf8_lossy(&b.0).into_owned()));
    match pw {
        None => check(
            g,
            "Grafana password",
            Level::Fail,
            format!("Secret {GRAFANA_SECRET} has no admin-password"),
            Some("kubectl promstack install"),
        ),
        Some(p) => match promstack_shared::secret::password_problem(p.expose()) {
            None => check(
                g,
                "Grafana password",
                Level::Ok,
                "not a default, long enough",
                None,
            ),
            Some(problem) => check(
                g,
                "Grafana password",
                Level::Fail,
                problem,
                Some("kubectl promstack install --rotate-grafana-password"),
            ),
        },
    }
}

fn secret_key(s: &Value, k: &str) -> Option<String> {
    s.pointer(&format!("/data/{k}"))
        .and_then(|v| serde_json::from_value::<k8s_openapi::ByteString>(v.clone()).ok())
        .map(|b| String::from_utf8_lossy(&b.0).into_owned())
}

/// The Grafana admin credentials from our Secret; `Err` says why there are none.
pub async fn grafana_credentials(
    cluster: &dyn Cluster,
    ns: &str,
) -> Result<(String, SecretString), String> {
    let s = get(
        cluster,
        &ObjRef::new("v1", "Secret", Some(ns), GRAFANA_SECRET),
    )
    .await?
    .ok_or_else(|| format!("Secret {ns}/{GRAFANA_SECRET} not found"))?;
    match (
        secret_key(&s, "admin-user"),
        secret_key(&s, "admin-password"),
    ) {
        (Some(u), Some(p)) => Ok((u, SecretString::new(p))),
        _ => Err(format!(
            "Secret {ns}/{GRAFANA_SECRET} lacks admin-user/admin-password"
        )),
    }
}

/// Our Alertmanager config, from our Secret: `Ok(None)` when there is no such Secret (a stack
/// configured otherwise), `Err` when it cannot be read.
pub async fn our_alertmanager_config(
    cluster: &dyn Cluster,
    ns: &str,
) -> Result<Option<String>, String> {
    Ok(get(
        cluster,
        &ObjRef::new("v1", "Secret", Some(ns), ALERTMANAGER_SECRET),
    )
    .await?
    .and_then(|s| secret_key(&s, "alertmanager.yaml")))
}

/// Everything this run can check. An endpoint is its API, or why it could not be reached (a
/// port-forward that failed): that is a failed check of its group, not a group left out.
pub struct Targets<'a> {
    pub cluster: Option<&'a dyn Cluster>,
    pub prometheus: Option<Result<PrometheusApi, String>>,
    pub alertmanager: Option<Result<AlertmanagerApi, String>>,
    pub grafana: Option<Result<GrafanaApi, String>>,
}

/// The checks of one endpoint's group, or a failed check saying why it could not be reached.
async fn reach<'a, A, F>(
    api: &'a Option<Result<A, String>>,
    group: &'static str,
    what: &str,
    checks: impl FnOnce(&'a A) -> F,
) -> Vec<Check>
where
    F: std::future::Future<Output = Vec<Check>>,
{
    match api {
        None => vec![],
        Some(Ok(a)) => checks(a).await,
        Some(Err(e)) => vec![check(
            group,
            what,
            Level::Fail,
            e.clone(),
            Some("pass its URL (--prometheus-url, --alertmanager-url, --grafana-url), or check that its pod is ready"),
        )],
    }
}

pub async fn status(t: &Targets<'_>, ns: &str) -> StatusReport {
    let mut checks = Vec::new();
    let (mut cilium, mut nodes) = (false, vec![]);
    if let Some(c) = t.cluster {
        match cilium_runs(c).await {
            Ok(runs) => cilium = runs,
            Err(e) => checks.push(check(
                "workloads",
                "Cilium",
                Level::Warn,
                format!("{e}: the Cilium jobs and metrics are not expected"),
                None,
            )),
        }
        match ready_nodes(c).await {
            Ok(n) => nodes = n,
            Err(e) => checks.push(unreadable("metrics", "nodes", e)),
        }
        checks.extend(workload_checks(c, ns).await);
    }
    checks.extend(
        reach(&t.prometheus, "targets", "Prometheus", |p| async move {
            let mut out = target_checks(p, cilium).await;
            out.extend(metric_checks(p, &nodes, cilium).await);
            out.extend(rule_checks(p).await);
            out
        })
        .await,
    );
    checks.extend(
        reach(&t.grafana, "grafana", "Grafana", |g| {
            grafana_checks(g, cilium)
        })
        .await,
    );
    let ours = match t.cluster {
        Some(c) => our_alertmanager_config(c, ns).await,
        None => Ok(None),
    };
    checks.extend(
        reach(
            &t.alertmanager,
            "alertmanager",
            "Alertmanager",
            |a| async move {
                match &ours {
                    Ok(ours) => alertmanager_checks(a, ours.as_deref()).await,
                    Err(e) => {
                        let mut out = alertmanager_checks(a, None).await;
                        out.push(unreadable("alertmanager", "config", e.clone()));
                        out
                    }
                }
            },
        )
        .await,
    );
    if let Some(c) = t.cluster {
        checks.extend(exposure_checks(c, ns).await);
    }
    StatusReport::new(ns, checks)
}

/// The report as a table for people.
pub fn text(r: &StatusReport) -> String {
    let mut s = String::new();
    let mut group = "";
    for c in &r.checks {
        if c.group != group {
            group = c.group;
            s.push_str(&format!("{group}\n"));
        }
        let mark = match c.level {
            Level::Ok => "ok  ",
            Level::Warn => "WARN",
            Level::Fail => "FAIL",
        };
        s.push_str(&format!("  {mark} {:<48} {}\n", c.name, c.detail));
        if c.level != Level::Ok {
            if let Some(h) = &c.hint {
                s.push_str(&format!("       → {}\n", h.replace("NS", &r.namespace)));
            }
        }
    }
    s.push_str(&format!(
        "{}: {} ok, {} warn, {} fail\n",
        if r.healthy { "HEALTHY" } else { "NOT HEALTHY" },
        r.ok,
        r.warn,
        r.fail
    ));
    s
}
