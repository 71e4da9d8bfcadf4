//! `dashboards check`: run every panel query against a live Prometheus over the last `--range`
//! and report, per dashboard, the queries that error, those with no data, and the share with data.
use crate::validate::{queries, Query};
use crate::vars::{self, Substitution};
use futures::StreamExt;
use promstack_shared::grafana::dashboard::Prepared;
use promstack_shared::prometheus::api::{PrometheusApi, QueryOutcome};
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

/// What a variable becomes in a negative matcher: a value no label has, so that the matcher
/// excludes nothing (a variable is "any value": `mode!="$mode"` must not exclude every mode).
pub const NO_SUCH_VALUE: &str = "promstack-check-no-such-value";

/// Marks a variable while a matcher's string is rewritten.
const VAR: &str = "\u{1}";

/// The end (exclusive) of the string literal that starts at `b[start]` (a quote), escapes skipped.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let q = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if q != b'`' => i += 2,
            c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// A matcher's operator and string with its variables given "any value": `=` becomes `=~` with
/// the rest of the string escaped as a regex, `=~` gets `.*`, `!=` and `!~` a value no series has.
fn rewrite_matcher(op: &str, gap: &str, literal: &str) -> String {
    let marked = vars::substitute(
        literal,
        Substitution {
            in_string: VAR,
            ..vars::PARSE
        },
    );
    if !marked.contains(VAR) {
        return format!("{op}{gap}{literal}");
    }
    match op {
        "!=" | "!~" => format!("{op}{gap}{}", marked.replace(VAR, NO_SUCH_VALUE)),
        "=~" => format!("{op}{gap}{}", marked.replace(VAR, ".*")),
        _ => {
            let quote = &marked[..1];
            let slash = if quote == "`" { "\\" } else { "\\\\" };
            let inner = &marked[1..marked.len() - 1];
            let escaped: String = inner
                .split(VAR)
                .map(|part| {
                    part.chars()
                        .map(|c| {
                            if "\\.+*?()|[]{}^$".contains(c) && c != '\\' {
                                format!("{slash}{c}")
                            } else {
                                c.to_string()
                            }
                        })
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join(".*");
            format!("=~{gap}{quote}{escaped}{quote}")
        }
    }
}

/// Every label matcher (inside `{}`) whose string holds a variable, rewritten by [`rewrite_matcher`].
fn matchers_with_any_value(expr: &str) -> String {
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' | b'`' => {
                let end = string_end(b, i).unwrap_or(b.len());
                out.push_str(&expr[i..end]);
                i = end;
                continue;
            }
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let op = ["!=", "!~", "=~", "="]
            .into_iter()
            .find(|op| depth > 0 && expr[i..].starts_with(op));
        if let Some(op) = op {
            let mut j = i + op.len();
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if let Some(end) = b
                .get(j)
                .filter(|c| matches!(c, b'"' | b'\'' | b'`'))
                .and_then(|_| string_end(b, j))
            {
                out.push_str(&rewrite_matcher(op, &expr[i + op.len()..j], &expr[j..end]));
                i = end;
                continue;
            }
        }
        let ch = expr[i..].chars().next().expect("inside the string");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The query as it is run: a variable is "any value" (see `rewrite_matcher`), intervals a few
/// scrape intervals wide, other variables a plausible label name.
pub fn runnable(expr: &str, range: Duration, step: Duration) -> String {
    let range_s = format!("{}s", range.as_secs());
    let interval = format!("{}s", step.as_secs().max(120));
    vars::substitute(
        &matchers_with_any_value(expr),
        Substitution {
            interval: &interval,
            range: &range_s,
            in_string: ".*",
            bare: "instance",
        },
    )
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
            file: d.shown.clone(),
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
            "sum(rate(node_cpu_seconds_total{instance=~\".*\", mode!=\"promstack-check-no-such-value\"}[120s]))",
            "a variable in a negative matcher must not exclude every series"
        );
    }

    #[test]
    fn variables_in_negative_matchers_exclude_nothing_else() {
        let r = |e: &str| runnable(e, Duration::from_secs(60), Duration::from_secs(15));
        assert_eq!(
            r("up{job!~\"idle|${skip:regex}\", a = \"$a\"}"),
            "up{job!~\"idle|promstack-check-no-such-value\", a =~ \".*\"}"
        );
        assert_eq!(
            r("up{job != '$j'}"),
            "up{job != 'promstack-check-no-such-value'}"
        );
        assert_eq!(
            r("up{job!=\"fixed\", a=\"b\"}"),
            "up{job!=\"fixed\", a=\"b\"}"
        );
        assert_eq!(r("a != $b"), "a != instance", "a comparison is no matcher");
        assert_eq!(
            r("up{x!=\"a\\\"$v\"}"),
            "up{x!=\"a\\\"promstack-check-no-such-value\"}"
        );
        // the rest of an equality's string matches itself, not as a regex
        assert_eq!(
            r("up{instance=\"$host:9100.x\"}"),
            "up{instance=~\".*:9100\\\\.x\"}"
        );
        // a function's string arguments are no matchers
        assert_eq!(
            r("label_replace(up, \"x\", \"$1\", \"job\", \"(.*)\")"),
            "label_replace(up, \"x\", \"$1\", \"job\", \"(.*)\")"
        );
    }
}
