//! A rule file as Prometheus 3.14 checks it when it loads one (`model/rulefmt`): each group
//! named, once; each rule either alerting or recording, with an expression that parses (for the
//! target's [`Features`]); only alerts carry `for`, `keep_firing_for` and annotations; label and
//! annotation names valid under 3.x's UTF-8 names; a recording rule's name without braces; and
//! every alert label and annotation parsing as a Go template with the functions and variables
//! Prometheus gives it. What Prometheus only warns of (a duplicate alert, an empty group) is
//! `rules lint`'s. The messages are Prometheus's.
use super::promql::{self, Target};
use super::rule::{Rule, RuleGroup};
use crate::go::duration;
use std::collections::BTreeSet;

/// The functions Prometheus's templates have (`template/template.go`), besides Go's own.
pub const TEMPLATE_FUNCTIONS: &[&str] = &[
    "query",
    "first",
    "label",
    "value",
    "strvalue",
    "args",
    "reReplaceAll",
    "safeHtml",
    "match",
    "title",
    "toUpper",
    "toLower",
    "graphLink",
    "tableLink",
    "sortByLabel",
    "stripPort",
    "stripDomain",
    "humanize",
    "humanize1024",
    "humanizeDuration",
    "humanizePercentage",
    "humanizeTimestamp",
    "toTime",
    "toDuration",
    "now",
    "pathPrefix",
    "externalURL",
    "parseDuration",
    "urlQueryEscape",
];

/// The variables Prometheus declares before an alert's template text.
pub const TEMPLATE_VARIABLES: &[&str] = &["$labels", "$externalLabels", "$externalURL", "$value"];

/// A label or annotation name under 3.x's UTF-8 validation: any non-empty text.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
}

/// What Prometheus refuses of a group (`seen`: the group names of the file so far).
pub fn group_problems<'a>(group: &'a RuleGroup, seen: &mut BTreeSet<&'a str>) -> Vec<String> {
    let mut out = Vec::new();
    if group.name.is_empty() {
        out.push("Groupname must not be empty".into());
    } else if !seen.insert(group.name.as_str()) {
        out.push(format!(
            "groupname: \"{}\" is repeated in the same file",
            group.name
        ));
    }
    for k in group.labels.keys() {
        if !is_valid_name(k) || k == "__name__" {
            out.push(format!("invalid label name: {k}"));
        }
    }
    for (key, v) in [
        ("interval", &group.interval),
        ("query_offset", &group.query_offset),
    ] {
        if let Some(d) = v.as_ref().filter(|d| !duration::is_valid(d)) {
            out.push(format!("{key}: not a valid duration string: \"{d}\""));
        }
    }
    out
}

/// What Prometheus refuses of a rule (`Rule.Validate`), `expr_error` being what the parser said
/// of its expression, if anything.
pub fn rule_problems(rule: &Rule, expr_error: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let alert = rule.alert.as_deref().filter(|a| !a.is_empty());
    let record = rule.record.as_deref().filter(|r| !r.is_empty());
    match (alert, record) {
        (Some(_), Some(_)) => out.push("only one of 'record' and 'alert' must be set".into()),
        (None, None) => out.push("one of 'record' or 'alert' must be set".into()),
        _ => {}
    }
    if rule.expr.is_empty() {
        out.push("field 'expr' must be set in rule".into());
    } else if let Some(e) = expr_error {
        out.push(e.to_string());
    }
    for (key, v) in [
        ("for", &rule.for_),
        ("keep_firing_for", &rule.keep_firing_for),
    ] {
        if let Some(d) = v.as_ref().filter(|d| !duration::is_valid(d)) {
            out.push(format!("{key}: not a valid duration string: \"{d}\""));
        }
    }
    if let Some(rec) = record {
        if !rule.annotations.is_empty() {
            out.push("invalid field 'annotations' in recording rule".into());
        }
        if rule.for_.as_deref().is_some_and(not_zero) {
            out.push("invalid field 'for' in recording rule".into());
        }
        if rule.keep_firing_for.as_deref().is_some_and(not_zero) {
            out.push("invalid field 'keep_firing_for' in recording rule".into());
        }
        if !is_valid_name(rec) {
            out.push(format!("invalid recording rule name: {rec}"));
        }
        if rec.contains('{') || rec.contains('}') {
            out.push(format!(
                "braces present in the recording rule name; should it be in expr?: {rec}"
            ));
        }
    }
    for k in rule.labels.keys() {
        if !is_valid_name(k) || k == "__name__" {
            out.push(format!("invalid label name: {k}"));
        }
    }
    for k in rule.annotations.keys() {
        if !is_valid_name(k) {
            out.push(format!("invalid annotation name: {k}"));
        }
    }
    if let Some(alert) = alert {
        out.extend(template_problems(alert, rule));
    }
    out
}

fn not_zero(d: &str) -> bool {
    duration::seconds(d).is_none_or(|s| s != 0.0)
}

/// Each alert label and annotation parsed as Prometheus parses it (`testTemplateParsing`).
pub fn template_problems(alert: &str, rule: &Rule) -> Vec<String> {
    let name = format!("__alert_{alert}");
    let scope = crate::go::template::Scope {
        name: &name,
        functions: TEMPLATE_FUNCTIONS,
        variables: TEMPLATE_VARIABLES,
    };
    let mut out = Vec::new();
    for (what, map) in [("label", &rule.labels), ("annotation", &rule.annotations)] {
        for (k, v) in map {
            // a value without an action has nothing to parse
            if !v.contains("{{") {
                continue;
            }
            if let Err(e) = crate::go::template::check(v, &scope) {
                out.push(format!("{what} \"{k}\": {e}"));
            }
        }
    }
    out
}

/// A plain rule file (`groups:`) as Prometheus loads it: every problem, or none. The YAML is
/// read as Prometheus reads it (unknown fields refused, anchors and `<<` merge keys resolved).
pub fn check_file(text: &str, target: &Target) -> Vec<String> {
    let groups = match super::rule::parse_rule_file(text) {
        Ok(g) => g,
        Err(e) => return vec![e],
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (g, group) in groups.iter().enumerate() {
        out.extend(group_problems(group, &mut seen));
        for (r, rule) in group.rules.iter().enumerate() {
            let expr_error = (!rule.expr.is_empty())
                .then(|| promql::parse_for(&rule.expr, target).err())
                .flatten();
            for p in rule_problems(rule, expr_error.as_deref()) {
                out.push(format!("group {g}, rule {}: {p}", r + 1));
            }
        }
    }
    out
}
