//! The route tree, inhibit rules and time intervals.
use super::schema::{INHIBIT, ROUTE, TIME_INTERVAL};
use super::{near_of, Checker};
use crate::alertmanager::matchers::{check_matcher_line, check_regex, is_label_name};
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::BTreeSet;

pub(super) fn check_route(
    c: &mut Checker,
    route: &Mapping,
    receivers: &BTreeSet<String>,
    intervals: &BTreeSet<String>,
    path: &str,
) {
    c.unknown_keys(route, ROUTE, path);
    if let Some(r) = route.get("receiver").and_then(Yaml::as_str) {
        if !receivers.contains(r) {
            c.problem(
                Some(&format!("receiver: {r}")),
                format!("{path}: receiver `{r}` is not defined under `receivers:` (a route must name a defined receiver)"),
            );
        }
    }
    for k in ["group_wait", "group_interval", "repeat_interval"] {
        c.duration(route, k, path);
    }
    for k in ["group_interval", "repeat_interval"] {
        if route
            .get(k)
            .and_then(Yaml::as_str)
            .is_some_and(|d| crate::duration::seconds(d) == Some(0.0))
        {
            c.problem(Some(&format!("{k}:")), format!("{path}.{k} cannot be zero"));
        }
    }
    let group_by: Vec<&str> = route
        .get("group_by")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Yaml::as_str)
        .collect();
    let mut seen = BTreeSet::new();
    for l in &group_by {
        if *l != "..." && !is_label_name(l) {
            c.problem(
                Some(l),
                format!("{path}.group_by: invalid label name `{l}`"),
            );
        } else if !seen.insert(*l) {
            c.problem(
                Some("group_by:"),
                format!("{path}.group_by: duplicated label `{l}`"),
            );
        }
    }
    if group_by.contains(&"...") && group_by.len() > 1 {
        c.problem(Some("group_by:"), format!("{path}.group_by: cannot have wildcard group_by (`...`) and other labels at the same time"));
    }
    check_match_maps(c, route, "match", "match_re", path);
    for line in route
        .get("matchers")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
    {
        matcher_line(c, line, &format!("{path}.matchers"));
    }
    for k in ["mute_time_intervals", "active_time_intervals"] {
        for n in route
            .get(k)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(Yaml::as_str)
        {
            if !intervals.contains(n) {
                c.problem(
                    Some(n),
                    format!("{path}.{k}: undefined time interval `{n}` used in route"),
                );
            }
        }
    }
    for (i, child) in route
        .get("routes")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = format!("{path}.routes[{i}]");
        match child.as_mapping() {
            Some(m) => check_route(c, m, receivers, intervals, &p),
            None => c.problem(None, format!("{p}: a route is a mapping")),
        }
    }
}

fn matcher_line(c: &mut Checker, line: &Yaml, path: &str) {
    match line.as_str() {
        Some(s) => {
            if let Err(e) = check_matcher_line(s) {
                c.problem(Some(s), format!("{path}: `{s}`: {e}"));
            }
        }
        None => c.problem(
            Some(&near_of(path)),
            format!("{path}: matchers are strings like severity=\"critical\""),
        ),
    }
}

/// `match` (label: value) and `match_re` (label: regex) maps.
fn check_match_maps(c: &mut Checker, m: &Mapping, eq: &str, re: &str, path: &str) {
    for key in [eq, re] {
        for (k, v) in m.get(key).and_then(Yaml::as_mapping).into_iter().flatten() {
            let k = k.as_str().unwrap_or_default();
            if !is_label_name(k) {
                c.problem(
                    Some(&format!("{k}:")),
                    format!("{path}.{key}: invalid label name `{k}`"),
                );
            }
            if key == re {
                if let Err(e) = check_regex(v.as_str().unwrap_or_default()) {
                    c.problem(Some(&format!("{k}:")), format!("{path}.{key}.{k}: {e}"));
                }
            }
        }
    }
}

pub(super) fn check_inhibit_rule(c: &mut Checker, rule: &Yaml, path: &str) {
    let Some(m) = rule.as_mapping() else {
        c.problem(
            Some("inhibit_rules:"),
            format!("{path}: an inhibit rule is a mapping"),
        );
        return;
    };
    c.unknown_keys(m, INHIBIT, path);
    check_match_maps(c, m, "source_match", "source_match_re", path);
    check_match_maps(c, m, "target_match", "target_match_re", path);
    for k in ["source_matchers", "target_matchers"] {
        for line in m.get(k).and_then(Yaml::as_sequence).into_iter().flatten() {
            matcher_line(c, line, &format!("{path}.{k}"));
        }
    }
    for l in m
        .get("equal")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
    {
        let l = l.as_str().unwrap_or_default();
        if !is_label_name(l) {
            c.problem(
                Some(l),
                format!("{path}.equal: invalid label name `{l}` in equal list"),
            );
        }
    }
}

pub(super) fn check_time_intervals(c: &mut Checker, top: &Mapping) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for key in ["mute_time_intervals", "time_intervals"] {
        for ti in top
            .get(key)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
        {
            let Some(m) = ti.as_mapping() else { continue };
            c.unknown_keys(m, &["name", "time_intervals"], key);
            let name = m.get("name").and_then(Yaml::as_str).unwrap_or_default();
            if name.is_empty() {
                c.problem(
                    Some(&format!("{key}:")),
                    format!("{key}: missing name in time interval"),
                );
            } else if !names.insert(name.to_string()) {
                c.problem(
                    Some(&format!("name: {name}")),
                    format!("{key}: time interval `{name}` is not unique"),
                );
            }
            for spec in m
                .get("time_intervals")
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
            {
                if let Some(s) = spec.as_mapping() {
                    c.unknown_keys(s, TIME_INTERVAL, &format!("time interval `{name}`"));
                    for p in crate::alertmanager::matchers::time_interval_problems(s) {
                        c.problem(Some(name), format!("time interval `{name}`: {p}"));
                    }
                }
            }
        }
    }
    names
}
