//! `kubectl promstack install status`: the task's Definition of Done as named checks, each ok /
//! warn / fail with a hint. Workloads and exposure from the cluster (`workloads`,
//! `exposure`); targets, metrics, rules and alerts from Prometheus (`targets`, `metrics`,
//! `rules`); Alertmanager's cluster and config (`alertmanager`); Grafana's health, login,
//! dashboards as it serves and runs them, and datasource (`grafana`); what runs, and the CRDs
//! against the operator (`versions`). The groups are independent and run concurrently; the
//! report keeps their order.
mod alertmanager;
mod exposure;
mod grafana;
mod metrics;
mod rules;
mod targets;
mod versions;
mod workloads;

pub use alertmanager::{alertmanager_checks, config_differences, our_alertmanager_config};
pub use exposure::exposure_checks;
pub use grafana::{dashboards_synced, grafana_checks, GrafanaApi};
pub use metrics::metric_checks;
pub use rules::rule_checks;
pub use targets::{target_checks, ExpectedJob, EXPECTED_JOBS};
pub use versions::{version_checks, Versions};
pub use workloads::workload_checks;

use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::kube::cluster::{Cluster, ListQuery, ObjRef};
use promstack_shared::kube::endpoint::{Endpoint, Reached};
use promstack_shared::kube::readiness;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::terminal::output::Report;
use promstack_shared::ExitCode;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

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

pub(crate) fn check(
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
    /// What runs (the versions group's findings).
    pub versions: Versions,
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
            versions: Versions::default(),
        }
    }
}

pub(crate) fn name(v: &Value) -> String {
    v["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn condition(v: &Value, t: &str) -> Option<bool> {
    readiness::conditions(v, t)
}

/// Is this pod (as listed) Ready?
pub(crate) fn pod_ready(p: &Value) -> bool {
    readiness::typed(Some(p)).is_some_and(|p| readiness::pod(&p))
}

pub(crate) async fn list(
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
pub(crate) async fn get(cluster: &dyn Cluster, r: &ObjRef) -> Result<Option<Value>, String> {
    cluster
        .get(r)
        .await
        .map_err(|e| format!("cannot read {r}: {e}"))
}

/// A check that could not look: FAIL with the cause (never "absent", never "ok").
pub(crate) fn unreadable(group: &'static str, name: impl Into<String>, cause: String) -> Check {
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

pub(crate) use promstack_shared::grafana::login::secret_key;

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

/// Every check of the stack in `ns`, once.
pub async fn status(t: &Targets<'_>, ns: &str) -> StatusReport {
    let mut checks = Vec::new();
    let (cilium, nodes) = match t.cluster {
        Some(c) => cluster_facts(c, &mut checks).await,
        None => (false, vec![]),
    };
    let workloads = async {
        match t.cluster {
            Some(c) => workload_checks(c, ns).await,
            None => vec![],
        }
    };
    let prometheus = reach(&t.prometheus, "targets", "Prometheus", |p| {
        prometheus_checks(p, &nodes, cilium)
    });
    let synced = match t.cluster {
        Some(c) => dashboards_synced(c).await,
        None => None,
    };
    let grafana = reach(&t.grafana, "grafana", "Grafana", |g| {
        grafana_checks(g, cilium, synced)
    });
    let exposure = async {
        match t.cluster {
            Some(c) => exposure_checks(c, ns).await,
            None => vec![],
        }
    };
    let (workloads, prometheus, grafana, alertmanager, exposure, (versions, version_group)) = tokio::join!(
        workloads,
        prometheus,
        grafana,
        alertmanager_group(t, ns),
        exposure,
        version_checks(t, ns)
    );
    for group in [
        workloads,
        prometheus,
        grafana,
        alertmanager,
        exposure,
        version_group,
    ] {
        checks.extend(group);
    }
    StatusReport {
        versions,
        ..StatusReport::new(ns, checks)
    }
}

/// Does Cilium run, and which nodes are Ready: what the other groups expect. A read that fails
/// is said (Cilium: WARN, its jobs not expected; nodes: FAIL).
async fn cluster_facts(c: &dyn Cluster, checks: &mut Vec<Check>) -> (bool, Vec<String>) {
    let (cilium, nodes) = tokio::join!(cilium_runs(c), ready_nodes(c));
    let cilium = cilium.unwrap_or_else(|e| {
        checks.push(check(
            "workloads",
            "Cilium",
            Level::Warn,
            format!("{e}: the Cilium jobs and metrics are not expected"),
            None,
        ));
        false
    });
    let nodes = nodes.unwrap_or_else(|e| {
        checks.push(unreadable("metrics", "nodes", e));
        vec![]
    });
    (cilium, nodes)
}

/// Targets, metrics and rules: Prometheus's three groups, concurrently.
async fn prometheus_checks(p: &PrometheusApi, nodes: &[String], cilium: bool) -> Vec<Check> {
    let (targets, metrics, rules) = tokio::join!(
        target_checks(p, cilium),
        metric_checks(p, nodes, cilium),
        rule_checks(p)
    );
    [targets, metrics, rules].concat()
}

/// Alertmanager's checks against our config (read from our Secret when there is a cluster).
async fn alertmanager_group(t: &Targets<'_>, ns: &str) -> Vec<Check> {
    let ours = match t.cluster {
        Some(c) => our_alertmanager_config(c, ns).await,
        None => Ok(None),
    };
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
    .await
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

impl Report for StatusReport {
    fn text(&self) -> String {
        text(self)
    }
    /// 0 when healthy, 3 when any check failed.
    fn exit_code(&self) -> ExitCode {
        if self.healthy {
            ExitCode::Ok
        } else {
            ExitCode::CheckFailed
        }
    }
}

/// What `install status` was asked.
#[derive(Debug, Clone)]
pub struct StatusOptions {
    pub namespace: String,
    pub prometheus: Endpoint,
    pub alertmanager: Endpoint,
    pub grafana: Endpoint,
    /// `user:password` for Grafana (default: our admin Secret).
    pub grafana_credentials: Option<std::path::PathBuf>,
    /// Check again every 10s until healthy or `timeout` has passed.
    pub watch: bool,
    pub timeout: Duration,
}

pub use promstack_shared::terminal::verb::Deps;

/// `install status`: reach the endpoints (URLs when given, else port-forwards kept open for the
/// whole run), check, and with `watch` check again until healthy or out of time.
pub async fn run(opts: &StatusOptions, deps: &Deps<'_>) -> anyhow::Result<StatusReport> {
    let ns = opts.namespace.as_str();
    let cluster = deps.cluster().await?;
    promstack_shared::kube::cluster::reachable(cluster).await?;
    // one that cannot be reached is a failed check of its group, not a group left out
    let (prom, am, graf) = tokio::join!(
        reach_endpoint(&opts.prometheus, cluster, ns),
        reach_endpoint(&opts.alertmanager, cluster, ns),
        reach_endpoint(&opts.grafana, cluster, ns)
    );
    let login = promstack_shared::grafana::login::resolve(
        opts.grafana_credentials.as_deref(),
        Some(cluster),
        ns,
    )
    .await;
    let targets = targets(cluster, &prom, &am, &graf, login)?;
    let deadline = std::time::Instant::now() + opts.timeout;
    loop {
        let r = status(&targets, ns).await;
        if r.healthy || !opts.watch || std::time::Instant::now() >= deadline {
            return Ok(r);
        }
        deps.ui.step(&format!(
            "not healthy yet ({} fail); checking again in 10s",
            r.fail
        ));
        tokio::time::sleep(Duration::from_secs(10)).await;
    }
}

async fn reach_endpoint(e: &Endpoint, cluster: &dyn Cluster, ns: &str) -> Result<Reached, String> {
    e.reach(Some(cluster), ns).await.map_err(|e| e.to_string())
}

/// The APIs of the endpoints reached (Grafana's logged in with `login`).
fn targets<'a>(
    cluster: &'a dyn Cluster,
    prom: &Result<Reached, String>,
    am: &Result<Reached, String>,
    graf: &Result<Reached, String>,
    login: Result<promstack_shared::grafana::Login, String>,
) -> anyhow::Result<Targets<'a>> {
    let url = |r: &Result<Reached, String>| r.as_ref().map(|r| r.url.clone()).map_err(Clone::clone);
    let grafana = match (graf, login) {
        (Ok(g), Ok(login)) => Ok(GrafanaApi::new(
            &g.url,
            Some(login),
            promstack_shared::grafana::api::DEFAULT_TIMEOUT,
        )?),
        (Err(e), _) => Err(e.clone()),
        (_, Err(e)) => Err(format!("no Grafana admin credentials to log in with: {e}")),
    };
    Ok(Targets {
        cluster: Some(cluster),
        prometheus: Some(
            url(prom).and_then(|u| PrometheusApi::new(&u, None).map_err(|e| e.to_string())),
        ),
        alertmanager: Some(
            url(am).and_then(|u| AlertmanagerApi::new(&u, None).map_err(|e| e.to_string())),
        ),
        grafana: Some(grafana),
    })
}
