//! `rules validate`: structure, PromQL (as Prometheus 3.14 parses it), names, duplicates, durations, templates.
use crate::load::{Loaded, Loc};
use promstack_shared::duration;
use promstack_shared::prometheus::promql::check_exprs;
pub use promstack_shared::prometheus::promql::parse_promql;
use promstack_shared::prometheus::rule::{Rule, RuleGroup};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() {
            // about the object as a whole
            return write!(f, "{}:{}: {}", self.file, self.line, self.message);
        }
        write!(f, "{}:{}: group `{}`", self.file, self.line, self.group)?;
        if let Some(r) = &self.rule {
            write!(f, ", rule `{r}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn problem(loc: Loc, group: &str, rule: Option<&str>, message: impl Into<String>) -> Problem {
    Problem {
        file: loc.file,
        line: loc.line,
        group: group.into(),
        rule: rule.map(str::to_string),
        message: message.into(),
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub fn is_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*` (the common crate's, as Alertmanager and Prometheus read label names)
pub use promstack_shared::alertmanager::matchers::is_label_name;

pub use promstack_shared::alertmanager::matchers::braces_balanced;

/// Every problem of the loaded rules (empty when valid).
pub fn validate(l: &Loaded) -> Vec<Problem> {
    let mut out = Vec::new();
    // the two costly checks side by side: every distinct expression through the parser (over the
    // cores), and what the API server or the operator would refuse of each object `sync` writes
    // (its size as the operator's rule file, which means writing it as YAML)
    let (expr_errors, limit_problems) = std::thread::scope(|s| {
        let limits = s.spawn(|| {
            l.objects
                .iter()
                .map(|obj| promstack_shared::limits::problems(&crate::sync::to_json(obj)))
                .collect::<Vec<_>>()
        });
        let exprs = check_exprs(
            l.each_rule()
                .map(|(_, _, r)| r.expr.as_str())
                .filter(|e| !e.trim().is_empty()),
            promstack_shared::prometheus::promql::Features::default(),
        );
        (
            exprs,
            limits.join().expect("the limits check does not panic"),
        )
    });
    for (o, obj) in l.objects.iter().enumerate() {
        let name = obj.metadata.name.clone().unwrap_or_default();
        for p in &limit_problems[o] {
            let message = format!("PrometheusRule `{name}`: {p}");
            out.push(problem(l.object_loc(o), "", None, message));
        }
        let mut seen_groups = BTreeSet::new();
        for (g, group) in obj.spec.groups.iter().enumerate() {
            let gl = l.group_loc(o, g);
            for m in group_problems(group, &mut seen_groups) {
                out.push(problem(gl.clone(), &group.name, None, m));
            }
            let mut alerts = Vec::new();
            for (r, rule) in group.rules.iter().enumerate() {
                let loc = l.rule_loc(o, g, r);
                let name = rule.alert.as_deref().or(rule.record.as_deref());
                let mut found = kind_problems(rule, &mut alerts);
                found.extend(rule_problems(rule, &expr_errors));
                for m in found {
                    out.push(problem(loc.clone(), &group.name, name, m));
                }
            }
        }
    }
    out
}

/// A group's name (present, once per object), rules (at least one) and durations.
fn group_problems<'a>(group: &'a RuleGroup, seen: &mut BTreeSet<&'a str>) -> Vec<String> {
    let mut out = Vec::new();
    let gname = group.name.as_str();
    if gname.trim().is_empty() {
        out.push("the group has no name".into());
    } else if !seen.insert(gname) {
        out.push("a group of this name already exists in this PrometheusRule".into());
    }
    if group.rules.is_empty() {
        out.push("empty group: a group needs at least one rule".into());
    }
    for (key, v) in [
        ("interval", &group.interval),
        ("query_offset", &group.query_offset),
    ] {
        if let Some(d) = v.as_ref().filter(|d| !duration::is_valid(d)) {
            out.push(format!("{key} `{d}` is not a duration like 30s, 5m, 1h"));
        }
    }
    out
}

/// Alerting or recording, and what each kind allows; an alert that repeats one of `alerts` (the
/// group's so far: same name, same labels).
fn kind_problems<'a>(
    rule: &'a Rule,
    alerts: &mut Vec<(&'a str, &'a BTreeMap<String, String>)>,
) -> Vec<String> {
    let mut out = Vec::new();
    match (&rule.alert, &rule.record) {
        (Some(_), Some(_)) => out.push("a rule is either `alert` or `record`, not both".into()),
        (None, None) => out.push("a rule needs `alert` or `record`".into()),
        (Some(a), None) => {
            if a.trim().is_empty() {
                out.push("empty alert name".into());
            } else if alerts.iter().any(|(n, lb)| *n == a && **lb == rule.labels) {
                out.push(format!(
                    "duplicate alert `{a}` in this group (same name and labels)"
                ));
            }
            alerts.push((a, &rule.labels));
        }
        (None, Some(rec)) => {
            if !is_metric_name(rec) {
                out.push(format!(
                    "`{rec}` is not a valid metric name for a recording rule"
                ));
            }
            if rule.for_.is_some() || rule.keep_firing_for.is_some() {
                out.push("`for`/`keep_firing_for` only apply to alerting rules".into());
            }
            if !rule.annotations.is_empty() {
                out.push("annotations only apply to alerting rules".into());
            }
        }
    }
    out
}

/// The expression (`expr_errors`: the parser's verdict on each), durations, label and annotation
/// names and their template braces.
fn rule_problems(rule: &Rule, expr_errors: &HashMap<&str, String>) -> Vec<String> {
    let mut out = Vec::new();
    if rule.expr.trim().is_empty() {
        out.push("empty expr".into());
    } else if let Some(e) = expr_errors.get(rule.expr.as_str()) {
        out.push(e.clone());
    }
    for (key, v) in [
        ("for", &rule.for_),
        ("keep_firing_for", &rule.keep_firing_for),
    ] {
        if let Some(d) = v.as_ref().filter(|d| !duration::is_valid(d)) {
            out.push(format!("`{key}: {d}` is not a duration like 30s, 5m, 1h"));
        }
    }
    for (k, v) in &rule.labels {
        if !is_label_name(k) || k == "__name__" {
            out.push(format!("`{k}` is not a valid label name"));
        }
        if !braces_balanced(v) {
            out.push(format!(
                "label `{k}`: unbalanced `{{{{ }}}}` in the template"
            ));
        }
    }
    for (k, v) in &rule.annotations {
        if !is_label_name(k) {
            out.push(format!("`{k}` is not a valid annotation name"));
        }
        if !braces_balanced(v) {
            out.push(format!(
                "annotation `{k}`: unbalanced `{{{{ }}}}` in the template"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(
            is_metric_name("job:up:sum")
                && is_metric_name("_x")
                && !is_metric_name("1x")
                && !is_metric_name("a-b")
                && !is_metric_name("")
        );
        assert!(is_label_name("severity") && !is_label_name("se:v") && !is_label_name("1a"));
        // braces_balanced is the common crate's (alertmanager_matchers), tested there
    }
}
