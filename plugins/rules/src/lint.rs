//! `rules lint`: a pint-style subset. Every check has a stable name and one severity; a rule opts
//! out with a comment on the line above it (or at the end of its first line):
//! `# promstack-lint: ignore alert/for, record/name` (or `ignore all`).
use crate::load::{Loaded, Loc};
use crate::validate::parse_for;
use promstack_shared::prometheus::promql::ast::{DurationValue, Expr};
use promstack_shared::prometheus::promql::Target;
use promstack_shared::prometheus::rule::Rule;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The checks: name, severity, what it means.
pub const CHECKS: &[(&str, Severity, &str)] = &[
    ("alert/for", Severity::Warning, "an alert without `for` fires on a single evaluation"),
    ("alert/severity", Severity::Error, "an alert needs a `severity` label of critical, warning or info"),
    ("alert/annotations", Severity::Warning, "an alert needs `summary` and `description` annotations"),
    ("promql/rate-non-counter", Severity::Warning, "rate/irate/increase on a metric that is not a counter by name (_total, _count, _sum, _bucket)"),
    ("promql/counter-compared", Severity::Warning, "a counter (_total) compared without rate(): it only grows"),
    ("promql/range-too-short", Severity::Warning, "a range shorter than twice the scrape interval sees fewer than two samples"),
    ("record/name", Severity::Warning, "a recording rule should be named level:metric:operations"),
    ("record/duplicate", Severity::Warning, "the same series recorded twice (promtool: duplicate rule)"),
    ("alert/duplicate", Severity::Warning, "the same alert (name and labels) twice in a group (promtool: duplicate rule); Prometheus loads both"),
    ("group/empty", Severity::Warning, "a group without rules (Prometheus loads it and does nothing)"),
    ("alerts/template", Severity::Error, "an alert's template reads `$labels.x` that the expression's result cannot have (after `sum by (job)`, say)"),
    ("promql/series", Severity::Error, "online: a selector that matches nothing now: the metric is absent (or gone), lacks the label, or never has the value"),
    ("promql/range_query", Severity::Warning, "online: a range longer than the live Prometheus's retention"),
    ("promql/vector_matching", Severity::Error, "online: on(...) naming a label one side does not have, or a label on every series of one side and none of the other: nothing matches"),
    ("alerts/external_labels", Severity::Error, "online: $externalLabels.x that the live Prometheus does not have"),
    ("rule/dependency", Severity::Warning, "online: a recording rule Prometheus runs, gone from the files, that rules or dashboards still read"),
    ("query/cost", Severity::Error, "online: a group whose evaluation takes longer than its interval (each rule's series and evaluation time are in the report)"),
];

pub const SEVERITIES: [&str; 3] = ["critical", "warning", "info"];
const COUNTER_SUFFIXES: [&str; 4] = ["_total", "_count", "_sum", "_bucket"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub check: &'static str,
    pub severity: Severity,
    pub group: String,
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} [{}] {}/{}: {}",
            promstack_shared::input::sources::place(&self.file, self.line),
            self.severity,
            self.check,
            self.group,
            self.rule,
            self.message
        )
    }
}

fn severity_of(check: &str) -> Severity {
    CHECKS
        .iter()
        .find(|(c, _, _)| *c == check)
        .map(|(_, s, _)| *s)
        .expect("known check")
}

/// Does the rule at `loc` opt out of `check`?
fn opted_out(l: &Loaded, loc: &Loc, check: &str) -> bool {
    [loc.line.saturating_sub(1), loc.line]
        .iter()
        .filter(|&&n| n > 0)
        .filter_map(|&n| l.line_text(loc, n))
        .any(|text| {
            text.split_once("promstack-lint:").is_some_and(|(_, rest)| {
                let rest = rest.trim();
                rest.strip_prefix("ignore").is_some_and(|names| {
                    names
                        .split([',', ' '])
                        .map(str::trim)
                        .any(|n| n == check || n == "all")
                })
            })
        })
}

fn is_counter(name: &str) -> bool {
    COUNTER_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// The metric a side of a comparison reads directly (through parens and aggregations), if any.
fn bare_selector(mut e: &Expr) -> Option<&str> {
    loop {
        e = match e {
            Expr::Paren { expr, .. } => expr,
            Expr::Aggregate(a) => &a.expr,
            Expr::Vector(v) => return v.name.as_deref(),
            _ => return None,
        };
    }
}

/// A range known without running the query that is shorter than twice the scrape interval.
fn too_short(range: &DurationValue, scrape: Duration) -> Option<Duration> {
    let s = range.seconds().filter(|s| *s > 0.0)?;
    let d = Duration::from_secs_f64(s);
    (d < scrape * 2).then_some(d)
}

/// Findings on one expression: (check, message).
pub fn expr_findings(expr: &Expr, scrape: Duration) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    expr.walk(&mut |e| match e {
        Expr::Call { func, args, .. } if ["rate", "irate", "increase"].contains(&func.name) => {
            if let Some(Expr::Matrix { vs, .. }) = args.first() {
                if let Some(name) = &vs.name {
                    if !is_counter(name) {
                        out.push((
                            "promql/rate-non-counter",
                            format!(
                                "{}() on `{name}`, which is not a counter by name",
                                func.name
                            ),
                        ));
                    }
                }
            }
        }
        Expr::Binary(b) if b.op.is_comparison() => {
            for side in [&b.lhs, &b.rhs] {
                if let Some(name) = bare_selector(side).filter(|n| n.ends_with("_total")) {
                    out.push((
                        "promql/counter-compared",
                        format!("counter `{name}` compared without rate()/increase()"),
                    ));
                }
            }
        }
        Expr::Matrix { range, .. } => {
            if let Some(d) = too_short(range, scrape) {
                out.push((
                    "promql/range-too-short",
                    format!(
                        "range [{}] is shorter than 2× the scrape interval ({}s)",
                        promstack_shared::go::duration::format(d),
                        scrape.as_secs()
                    ),
                ));
            }
        }
        Expr::Subquery(s) => {
            if let Some(d) = too_short(&s.range, scrape) {
                out.push((
                    "promql/range-too-short",
                    format!(
                        "subquery range [{}] is shorter than 2× the scrape interval ({}s)",
                        promstack_shared::go::duration::format(d),
                        scrape.as_secs()
                    ),
                ));
            }
        }
        _ => {}
    });
    out
}

/// Lint every rule (its PromQL read as `target` reads it); findings sorted by file, line, check.
pub fn lint(l: &Loaded, scrape: Duration, target: &Target) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |loc: &Loc, check: &'static str, group: &str, rule: &str, message: String| {
        if !opted_out(l, loc, check) {
            out.push(Finding {
                file: loc.file.clone(),
                line: loc.line,
                check,
                severity: severity_of(check),
                group: group.into(),
                rule: rule.into(),
                message,
            });
        }
    };
    for ((o, g, r), group, rule) in l.each_rule() {
        let loc = l.rule_loc(o, g, r);
        let name = rule
            .alert
            .as_deref()
            .or(rule.record.as_deref())
            .unwrap_or("?");
        let mut found = rule_findings(rule);
        if let Ok(expr) = parse_for(&rule.expr, target) {
            found.extend(expr_findings(&expr, scrape));
        }
        for (check, message) in found {
            push(&loc, check, &group.name, name, message);
        }
    }
    for (loc, group, rec, message) in duplicate_series(l) {
        push(&loc, "record/duplicate", group, rec, message);
    }
    for (loc, check, group, rule, message) in group_findings(l) {
        push(&loc, check, group, rule, message);
    }
    out.sort();
    out
}

/// Findings of the checks on parsed rules ([`crate::online`]) as lint findings: the rule's
/// opt-out comment is honoured, the check's severity applies unless the finding sets one.
pub fn found(l: &Loaded, found: Vec<crate::online::Found>) -> Vec<Finding> {
    found
        .into_iter()
        .filter(|f| !opted_out(l, &f.loc, f.check))
        .map(|f| Finding {
            file: f.loc.file,
            line: f.loc.line,
            check: f.check,
            severity: match f.error {
                Some(true) => Severity::Error,
                Some(false) => Severity::Warning,
                None => severity_of(f.check),
            },
            group: f.group,
            rule: f.rule,
            message: f.message,
        })
        .collect()
}

/// Groups without rules, and an alert repeated in its group (same name, same labels).
fn group_findings(l: &Loaded) -> Vec<(Loc, &'static str, &str, &str, String)> {
    let mut out = Vec::new();
    for (o, obj) in l.objects.iter().enumerate() {
        for (g, group) in obj.spec.groups.iter().enumerate() {
            if group.rules.is_empty() {
                out.push((
                    l.group_loc(o, g),
                    "group/empty",
                    group.name.as_str(),
                    "",
                    "the group has no rules".into(),
                ));
            }
            let mut seen: Vec<(&str, &BTreeMap<String, String>)> = Vec::new();
            for (r, rule) in group.rules.iter().enumerate() {
                let Some(alert) = rule.alert.as_deref() else {
                    continue;
                };
                if seen.contains(&(alert, &rule.labels)) {
                    out.push((
                        l.rule_loc(o, g, r),
                        "alert/duplicate",
                        group.name.as_str(),
                        alert,
                        format!("alert `{alert}` with the same labels is already in this group"),
                    ));
                }
                seen.push((alert, &rule.labels));
            }
        }
    }
    out
}

/// An alert's `for`, severity and annotations; a recording rule's name.
fn rule_findings(rule: &Rule) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if rule.alert.is_some() {
        let instant = rule
            .for_
            .as_deref()
            .is_none_or(|f| promstack_shared::go::duration::seconds(f) == Some(0.0));
        if instant {
            out.push((
                "alert/for",
                "no `for`: one bad evaluation pages someone".into(),
            ));
        }
        match rule.labels.get("severity") {
            None => out.push(("alert/severity", "no `severity` label".into())),
            Some(s) if !SEVERITIES.contains(&s.as_str()) => out.push((
                "alert/severity",
                format!("severity `{s}` is not one of critical, warning, info"),
            )),
            _ => {}
        }
        let missing: Vec<&str> = ["summary", "description"]
            .into_iter()
            .filter(|a| !rule.annotations.contains_key(*a))
            .collect();
        if !missing.is_empty() {
            out.push((
                "alert/annotations",
                format!("missing annotation(s): {}", missing.join(", ")),
            ));
        }
    }
    if let Some(rec) = &rule.record {
        let parts: Vec<&str> = rec.split(':').collect();
        if parts.len() < 3 || parts.iter().any(|p| p.is_empty()) {
            out.push((
                "record/name",
                format!("`{rec}` is not level:metric:operations"),
            ));
        }
    }
    out
}

/// Series recorded twice in one PrometheusRule (each becomes one rule file), the way promtool
/// counts them: where the second is, its group, its name, and what to say.
fn duplicate_series(l: &Loaded) -> Vec<(Loc, &str, &str, String)> {
    let mut out = Vec::new();
    for (o, obj) in l.objects.iter().enumerate() {
        let mut seen: BTreeMap<(&str, &BTreeMap<String, String>), usize> = BTreeMap::new();
        for (g, group) in obj.spec.groups.iter().enumerate() {
            for (r, rule) in group.rules.iter().enumerate() {
                let Some(rec) = &rule.record else { continue };
                let n = seen.entry((rec.as_str(), &rule.labels)).or_default();
                *n += 1;
                if *n != 2 {
                    continue;
                }
                let labels = rule
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",");
                let message = format!(
                    "series `{rec}{{{labels}}}` is recorded more than once in this PrometheusRule"
                );
                out.push((
                    l.rule_loc(o, g, r),
                    group.name.as_str(),
                    rec.as_str(),
                    message,
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(expr: &str) -> Vec<&'static str> {
        expr_findings(
            &crate::validate::parse_promql(expr).unwrap(),
            Duration::from_secs(30),
        )
        .into_iter()
        .map(|(c, _)| c)
        .collect()
    }

    #[test]
    fn promql_checks() {
        assert!(findings("sum(rate(http_requests_total[5m])) > 1").is_empty());
        assert_eq!(
            findings("rate(node_memory_MemFree_bytes[5m])"),
            ["promql/rate-non-counter"]
        );
        assert_eq!(
            findings("sum(http_requests_total) > 100"),
            ["promql/counter-compared"]
        );
        assert_eq!(findings("rate(x_total[45s])"), ["promql/range-too-short"]);
        assert_eq!(
            findings("max_over_time(up[30s:10s])"),
            ["promql/range-too-short"]
        );
        assert!(findings("increase(apiserver_request_duration_seconds_bucket[1m])").is_empty());
        assert!(findings("up == 0").is_empty());
    }
}
