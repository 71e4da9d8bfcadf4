//! `rules validate`: what the API server and the operator refuse of each PrometheusRule, and
//! what Prometheus 3.14 refuses of it as a rule file ([`rulefmt`]: structure, PromQL for the
//! target Prometheus, names, durations, templates).
use crate::load::{Loaded, Loc};
use promstack_shared::prometheus::promql::{check_exprs, Target};
pub use promstack_shared::prometheus::promql::{parse_for, parse_promql};
use promstack_shared::prometheus::rulefmt;
use serde::Serialize;
use std::collections::BTreeSet;

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
        let at = promstack_shared::input::sources::place(&self.file, self.line);
        if self.group.is_empty() {
            // about the object as a whole
            return write!(f, "{at}: {}", self.message);
        }
        write!(f, "{at}: group `{}`", self.group)?;
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

/// Every problem of the loaded rules for the target Prometheus (empty when valid).
pub fn validate(l: &Loaded, target: &Target) -> Vec<Problem> {
    // every distinct expression through the parser (over the cores), then each object over the
    // cores: what the API server or the operator would refuse of it (its size as the operator's
    // rule file), and each group and rule as Prometheus reads them (templates included)
    let expr_errors = check_exprs(
        l.each_rule()
            .map(|(_, _, r)| r.expr.as_str())
            .filter(|e| !e.is_empty()),
        target,
    );
    let indexed: Vec<_> = l.objects.iter().enumerate().collect();
    let per_object = promstack_shared::input::par::map(&indexed, |&(o, obj)| {
        let mut out = Vec::new();
        let name = obj.metadata.name.clone().unwrap_or_default();
        for p in promstack_shared::kube::limits::problems(&crate::sync::to_json(obj)) {
            let message = format!("PrometheusRule `{name}`: {p}");
            out.push(problem(l.object_loc(o), "", None, message));
        }
        // each PrometheusRule is one rule file to Prometheus
        let mut seen_groups = BTreeSet::new();
        for (g, group) in obj.spec.groups.iter().enumerate() {
            let gl = l.group_loc(o, g);
            for m in rulefmt::group_problems(group, &mut seen_groups) {
                out.push(problem(gl.clone(), &group.name, None, m));
            }
            for (r, rule) in group.rules.iter().enumerate() {
                let loc = l.rule_loc(o, g, r);
                let name = rule.alert.as_deref().or(rule.record.as_deref());
                let expr_error = expr_errors.get(rule.expr.as_str()).map(String::as_str);
                for m in rulefmt::rule_problems(rule, expr_error) {
                    out.push(problem(loc.clone(), &group.name, name, m));
                }
            }
        }
        out
    });
    per_object.into_iter().flatten().collect()
}

/// Only the PromQL of the rules, for a target: what a construct behind a feature flag the
/// target lacks is refused for (the rest was validated already).
pub fn target_problems(l: &Loaded, target: &Target) -> Vec<Problem> {
    let errors = check_exprs(
        l.each_rule()
            .map(|(_, _, r)| r.expr.as_str())
            .filter(|e| !e.is_empty()),
        target,
    );
    l.each_rule()
        .filter_map(|((o, g, r), group, rule)| {
            errors.get(rule.expr.as_str()).map(|e| {
                let name = rule.alert.as_deref().or(rule.record.as_deref());
                problem(l.rule_loc(o, g, r), &group.name, name, e.clone())
            })
        })
        .collect()
}
