//! `rules lint`: pint-style checks with stable names on valid sources; exit 3 when a finding is
//! at least `--fail-on`. The offline checks always run; the online ones ([`crate::online`]) when
//! a Prometheus is reachable (`--prometheus-url`, else the stack's through a port-forward), not
//! with `--offline`; `--backtest RANGE` replays each alert over the past range.
use crate::lint::{self, Finding, Severity};
use crate::load::{self, Loaded};
use crate::online::{self, backtest::Backtest, Live, Online, RuleCost};
use promstack_shared::input::sources::Inputs;
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::terminal::verb::{Deps, Report, Sourced};
use promstack_shared::{Error, ExitCode};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct LintOptions {
    /// The sources (none: the embedded rules).
    pub sources: Inputs,
    pub namespace: String,
    /// The scrape interval ranges are checked against.
    pub scrape_interval: Duration,
    pub fail_on: Severity,
    /// Which Prometheus the PromQL is checked for.
    pub target: TargetArgs,
    /// The Prometheus the online checks ask; None: offline only.
    pub online: Option<Endpoint>,
    /// Replay each alert over this past range.
    pub backtest: Option<Duration>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub findings: Vec<Finding>,
    pub errors: usize,
    pub warnings: usize,
    /// Where the online checks asked (None: they did not run), and why not when they could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub costs: Vec<RuleCost>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backtest: Vec<Backtest>,
    #[serde(skip)]
    pub fail_on: Severity,
}

pub async fn run(opts: &LintOptions, deps: &Deps<'_>) -> anyhow::Result<Sourced<LintReport>> {
    if opts.scrape_interval.is_zero() {
        return Err(Error::input("--scrape-interval must be more than 0, like 30s").into());
    }
    if opts.backtest.is_some_and(|b| b.is_zero()) {
        return Err(Error::input("--backtest must be more than 0, like 24h").into());
    }
    let target = opts.target.offline();
    let loaded = load::sources_valid(&opts.sources, &opts.namespace, &target, deps.ui)?;
    let mut findings = lint::lint(&loaded, opts.scrape_interval, &target);
    let rules = online::rules(&loaded, &target);
    findings.extend(lint::found(
        &loaded,
        rules.iter().flat_map(online::template).collect(),
    ));
    let mut report = LintReport {
        findings: vec![],
        errors: 0,
        warnings: 0,
        prometheus: None,
        costs: vec![],
        backtest: vec![],
        fail_on: opts.fail_on,
    };
    if let Some(endpoint) = &opts.online {
        match online_part(opts, deps, endpoint, &loaded, &rules).await {
            Ok((found, costs, backtest, said)) => {
                findings.extend(lint::found(&loaded, found));
                report.costs = costs;
                report.backtest = backtest;
                report.prometheus = Some(said);
            }
            Err(e) if opts.backtest.is_some() => return Err(e),
            Err(e) => deps.ui.warn(&format!(
                "online checks skipped: {e:#} (pass --prometheus-url, or --offline to say so)"
            )),
        }
    }
    findings.sort();
    findings.dedup();
    report.errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    report.warnings = findings.len() - report.errors;
    report.findings = findings;
    Ok(Sourced {
        sources: loaded.sources.clone(),
        report,
    })
}

type OnlinePart = (Vec<online::Found>, Vec<RuleCost>, Vec<Backtest>, String);

async fn online_part(
    opts: &LintOptions,
    deps: &Deps<'_>,
    endpoint: &Endpoint,
    loaded: &Loaded,
    rules: &[online::RuleRef<'_>],
) -> anyhow::Result<OnlinePart> {
    let cluster = match endpoint.needs_cluster() {
        true => Some(deps.cluster().await?),
        false => None,
    };
    let reached = endpoint.reach(cluster, &opts.namespace).await?;
    let said = reached.describe("Prometheus");
    deps.ui.ok(&said);
    let api = PrometheusApi::new(&reached.url, None)?;
    let live = Live::read(&api)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read Prometheus's flags: {e}"))?;
    // the dashboards of the cluster, also when Prometheus was given by URL (when it answers soon)
    let cluster = match cluster {
        Some(c) => Some(c),
        None => tokio::time::timeout(Duration::from_secs(5), deps.cluster())
            .await
            .ok()
            .and_then(Result::ok),
    };
    let dashboards = tokio::time::timeout(Duration::from_secs(10), dashboards(cluster))
        .await
        .unwrap_or_default();
    let o = Online::new(&api, live, dashboards);
    let (found, costs) = online::check(&o, loaded, rules).await;
    let mut backtests = Vec::new();
    if let Some(range) = opts.backtest {
        let end = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        backtests = futures::future::join_all(
            rules
                .iter()
                .filter(|r| r.rule.alert.is_some())
                .map(|r| online::backtest::run(&o, r, range, end)),
        )
        .await;
    }
    Ok((found, costs, backtests, said))
}

/// The dashboards whose queries may read recorded series: promstack's own, and the Grafana
/// sidecar ConfigMaps of the cluster (`grafana_dashboard` label, every namespace) when there is one.
async fn dashboards(
    cluster: Option<&dyn promstack_shared::kube::cluster::Cluster>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = promstack_shared::input::sources::embedded(
        &promstack_shared::input::sources::DASHBOARDS,
        &["json"],
    )
    .into_iter()
    .map(|f| (format!("`{}` (promstack's)", f.path), f.text))
    .collect();
    if let Some(c) = cluster {
        let q = promstack_shared::kube::cluster::ListQuery::new("v1", "ConfigMap")
            .labels("grafana_dashboard");
        for cm in c.list(&q).await.unwrap_or_default() {
            let name = format!(
                "ConfigMap {}/{}",
                cm.pointer("/metadata/namespace")
                    .and_then(|v| v.as_str())
                    .unwrap_or(""),
                cm.pointer("/metadata/name")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
            );
            for (key, v) in cm["data"].as_object().into_iter().flatten() {
                if let Some(text) = v.as_str() {
                    out.push((format!("`{key}` in {name}"), text.to_string()));
                }
            }
        }
    }
    out
}

impl Report for LintReport {
    fn text(&self) -> String {
        let mut s: String = self.findings.iter().map(|f| format!("{f}\n")).collect();
        for b in &self.backtest {
            s.push_str(&format!(
                "backtest {}: {}\n",
                promstack_shared::input::sources::place(&b.file, b.line),
                b.line()
            ));
        }
        let mut costly: Vec<&RuleCost> = self.costs.iter().filter(|c| c.series > 0).collect();
        costly.sort_by_key(|c| std::cmp::Reverse(c.series));
        for c in costly.iter().take(5) {
            s.push_str(&format!(
                "cost: {}/{} reads {} series{}\n",
                c.group,
                c.rule,
                c.series,
                c.evaluation_seconds
                    .map(|e| format!(", evaluates in {:.1} ms", e * 1000.0))
                    .unwrap_or_default()
            ));
        }
        s.push_str(&format!(
            "{} error(s), {} warning(s){}\n",
            self.errors,
            self.warnings,
            match &self.prometheus {
                Some(_) => "",
                None => " (offline checks only)",
            }
        ));
        s
    }
    fn exit_code(&self) -> ExitCode {
        if self.findings.iter().any(|f| f.severity >= self.fail_on) {
            ExitCode::CheckFailed
        } else {
            ExitCode::Ok
        }
    }
}
