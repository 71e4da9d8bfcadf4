//! `dashboards check`: run every panel query against a live Prometheus over the last `--range`
//! and report, per dashboard, the queries that error, those with no data, and the share with data.
use crate::validate::{queries, Query};
use crate::vars::{self, Substitution};
use futures::StreamExt;
use promstack_shared::dashboard::Prepared;
use promstack_shared::prometheus_api::{PrometheusApi, QueryOutcome};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Serialize)]
pub struct QueryReport {
    pub panel: String,
    pub path: String,
    pub expr: String,
    /// data | empty | error
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DashboardReport {
    pub file: String,
    pub title: String,
    pub queries: usize,
    pub with_data: usize,
    pub empty: Vec<QueryReport>,
    pub errors: Vec<QueryReport>,
    /// Share of queries that returned data, 0..1.
    pub share_with_data: f64,
}

/// The query as it is run: variables become "anything" (`.*`, equality matchers turned into
/// regex matchers), intervals a few scrape intervals wide.
pub fn runnable(expr: &str, range: Duration, step: Duration) -> String {
    let range_s = format!("{}s", range.as_secs());
    let interval = format!("{}s", step.as_secs().max(120));
    let s = vars::substitute(
        expr,
        Substitution {
            interval: &interval,
            range: &range_s,
            in_string: ".*",
            bare: "instance",
        },
    );
    s.replace("!=\".*\"", "!~\".*\"")
        .replace("=\".*\"", "=~\".*\"")
}

/// Run every query of these dashboards (8 at a time).
pub async fn check(
    api: &PrometheusApi,
    dashboards: &[Prepared],
    range: Duration,
) -> Vec<DashboardReport> {
    let step = Duration::from_secs((range.as_secs() / 60).max(15));
    let mut out = Vec::new();
    for d in dashboards {
        let qs: Vec<Query> = queries(d);
        let results: Vec<(usize, QueryOutcome)> = futures::stream::iter(qs.iter().enumerate())
            .map(|(i, q)| {
                let run = runnable(&q.expr, range, step);
                async move { (i, api.query_range(&run, range, step).await) }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        let mut report = DashboardReport {
            file: d.path.clone(),
            title: d.value["title"].as_str().unwrap_or_default().to_string(),
            queries: qs.len(),
            with_data: 0,
            empty: vec![],
            errors: vec![],
            share_with_data: 0.0,
        };
        let mut results = results;
        results.sort_by_key(|(i, _)| *i);
        for (i, outcome) in results {
            let q = &qs[i];
            let item = |result: &str, error: Option<String>| QueryReport {
                panel: q.panel.clone(),
                path: q.path.clone(),
                expr: q.expr.clone(),
                result: result.into(),
                error,
            };
            match outcome {
                QueryOutcome::Data(_) => report.with_data += 1,
                QueryOutcome::Empty => report.empty.push(item("empty", None)),
                QueryOutcome::Error(e) => report.errors.push(item("error", Some(e))),
            }
        }
        report.share_with_data = if report.queries == 0 {
            1.0
        } else {
            report.with_data as f64 / report.queries as f64
        };
        out.push(report);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_runnable() {
        let r = runnable("sum(rate(node_cpu_seconds_total{instance=\"$instance\", mode!=\"$mode\"}[$__rate_interval]))", Duration::from_secs(3600), Duration::from_secs(60));
        assert_eq!(
            r,
            "sum(rate(node_cpu_seconds_total{instance=~\".*\", mode!~\".*\"}[120s]))"
        );
    }
}
