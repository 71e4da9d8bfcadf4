//! `rules validate`: structure, PromQL (promql-parser), names, duplicates, durations, templates.
use crate::load::{Loaded, Loc};
use promstack_shared::duration;
use promstack_shared::promql::check_exprs;
pub use promstack_shared::promql::parse_promql;
use serde::Serialize;

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
pub use promstack_shared::alertmanager_matchers::is_label_name;

pub use promstack_shared::alertmanager_matchers::braces_balanced;

/// Every problem of the loaded rules (empty when valid).
pub fn validate(l: &Loaded) -> Vec<Problem> {
    let mut out = Vec::new();
    let expr_errors = check_exprs(
        l.each_rule()
            .map(|(_, _, r)| r.expr.as_str())
            .filter(|e| !e.trim().is_empty()),
    );

    for (o, obj) in l.objects.iter().enumerate() {
        // what the API server or the operator would refuse of the object `sync` writes
        let name = obj.metadata.name.clone().unwrap_or_default();
        for p in promstack_shared::limits::problems(&crate::sync::to_json(obj)) {
            out.push(problem(
                l.object_loc(o),
                "",
                None,
                format!("PrometheusRule `{name}`: {p}"),
            ));
        }
        let mut seen_groups = std::collections::BTreeSet::new();
        for (g, group) in obj.spec.groups.iter().enumerate() {
            let gl = l.group_loc(o, g);
            let gname = group.name.as_str();
            if gname.trim().is_empty() {
                out.push(problem(gl.clone(), gname, None, "the group has no name"));
            } else if !seen_groups.insert(gname) {
                out.push(problem(
                    gl.clone(),
                    gname,
                    None,
                    "a group of this name already exists in this PrometheusRule",
                ));
            }
            if group.rules.is_empty() {
                out.push(problem(
                    gl.clone(),
                    gname,
                    None,
                    "empty group: a group needs at least one rule",
                ));
            }
            for (key, v) in [
                ("interval", &group.interval),
                ("query_offset", &group.query_offset),
            ] {
                if let Some(d) = v {
                    if !duration::is_valid(d) {
                        out.push(problem(
                            gl.clone(),
                            gname,
                            None,
                            format!("{key} `{d}` is not a duration like 30s, 5m, 1h"),
                        ));
                    }
                }
            }
            let mut alerts: Vec<(&str, &std::collections::BTreeMap<String, String>)> = Vec::new();
            for (r, rule) in group.rules.iter().enumerate() {
                let loc = l.rule_loc(o, g, r);
                let name = rule.alert.as_deref().or(rule.record.as_deref());
                let p = |m: String| problem(loc.clone(), gname, name, m);
                match (&rule.alert, &rule.record) {
                    (Some(_), Some(_)) => {
                        out.push(p("a rule is either `alert` or `record`, not both".into()))
                    }
                    (None, None) => out.push(p("a rule needs `alert` or `record`".into())),
                    (Some(a), None) => {
                        if a.trim().is_empty() {
                            out.push(p("empty alert name".into()));
                        } else if alerts.iter().any(|(n, lb)| *n == a && **lb == rule.labels) {
                            out.push(p(format!(
                                "duplicate alert `{a}` in this group (same name and labels)"
                            )));
                        }
                        alerts.push((a, &rule.labels));
                    }
                    (None, Some(rec)) => {
                        if !is_metric_name(rec) {
                            out.push(p(format!(
                                "`{rec}` is not a valid metric name for a recording rule"
                            )));
                        }
                        if rule.for_.is_some() || rule.keep_firing_for.is_some() {
                            out.push(p(
                                "`for`/`keep_firing_for` only apply to alerting rules".into()
                            ));
                        }
                        if !rule.annotations.is_empty() {
                            out.push(p("annotations only apply to alerting rules".into()));
                        }
                    }
                }
                if rule.expr.trim().is_empty() {
                    out.push(p("empty expr".into()));
                } else if let Some(e) = expr_errors.get(rule.expr.as_str()) {
                    out.push(p(e.clone()));
                }

                for (key, v) in [
                    ("for", &rule.for_),
                    ("keep_firing_for", &rule.keep_firing_for),
                ] {
                    if let Some(d) = v {
                        if !duration::is_valid(d) {
                            out.push(p(format!(
                                "`{key}: {d}` is not a duration like 30s, 5m, 1h"
                            )));
                        }
                    }
                }
                for (k, v) in &rule.labels {
                    if !is_label_name(k) || k == "__name__" {
                        out.push(p(format!("`{k}` is not a valid label name")));
                    }
                    if !braces_balanced(v) {
                        out.push(p(format!(
                            "label `{k}`: unbalanced `{{{{ }}}}` in the template"
                        )));
                    }
                }
                for (k, v) in &rule.annotations {
                    if !is_label_name(k) {
                        out.push(p(format!("`{k}` is not a valid annotation name")));
                    }
                    if !braces_balanced(v) {
                        out.push(p(format!(
                            "annotation `{k}`: unbalanced `{{{{ }}}}` in the template"
                        )));
                    }
                }
            }
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
