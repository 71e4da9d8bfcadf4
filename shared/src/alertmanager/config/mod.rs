//! The one Alertmanager configuration model of promstack: [`problems`] (the install's check before
//! it writes the config Secret), [`routing`] (alert-test's offline route test, status's comparison
//! of our config with the loaded one), with [`crate::alertmanager::matchers`] for its small grammars.
//!
//! The configuration is checked the way Alertmanager (v0.34, the chart's) checks it when
//! it loads the file, so that a config it would refuse is refused before it is written into the
//! config Secret (where Alertmanager would keep the old config, or none): unknown fields (it reads
//! strictly), every integration's required fields and URL forms, the settings that fall back to
//! `global:`, the route tree, matchers and their regexes, inhibit rules, time intervals, and the
//! balance of `{{ }}` in notification templates. Each problem names file:line where it can.
//! `amtool check-config` is the reference in the tests (a corpus both must refuse).
mod receivers;
pub mod routing;
mod schema;
mod tree;

use schema::*;
use serde_yaml::{Mapping, Value as Yaml};

pub(crate) struct Checker<'a> {
    origin: &'a str,
    text: &'a str,
    problems: Vec<String>,
}

impl Checker<'_> {
    /// A problem, at the first line that holds `near` (a key or value of the offending part).
    pub(crate) fn problem(&mut self, near: Option<&str>, msg: String) {
        let at = near
            .and_then(|n| self.text.lines().position(|l| l.contains(n)))
            .map(|i| format!("{}:{}", self.origin, i + 1))
            .unwrap_or_else(|| self.origin.to_string());
        self.problems.push(format!("{at}: {msg}"));
    }

    pub(crate) fn unknown_keys(&mut self, m: &Mapping, allowed: &[&str], path: &str) {
        for k in m.keys() {
            let k = k.as_str().unwrap_or("?");
            if !allowed.contains(&k) {
                let at = if path.is_empty() {
                    String::new()
                } else {
                    format!("{path}: ")
                };
                self.problem(
                    Some(&format!("{k}:")),
                    format!("{at}unknown field `{k}` (Alertmanager reads its config strictly)"),
                );
            }
        }
    }

    pub(crate) fn duration(&mut self, m: &Mapping, key: &str, path: &str) {
        if let Some(v) = m.get(key) {
            if !v.as_str().is_some_and(crate::duration::is_valid) {
                self.problem(
                    Some(&format!("{key}:")),
                    format!(
                        "{path}.{key}: `{}` is not a duration like 30s, 5m, 4h",
                        show(v)
                    ),
                );
            }
        }
    }

    pub(crate) fn url(&mut self, m: &Mapping, key: &str, path: &str) {
        if let Some(v) = m.get(key) {
            if let Some(why) = url_problem(v.as_str().unwrap_or_default()) {
                self.problem(Some(&format!("{key}:")), format!("{path}.{key}: {why}"));
            }
        }
    }
}

pub(crate) fn show(v: &Yaml) -> String {
    serde_yaml::to_string(v)
        .unwrap_or_default()
        .trim()
        .to_string()
}

pub(crate) fn has(m: &Mapping, key: &str) -> bool {
    m.get(key)
        .is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
}

/// Why Alertmanager refuses this URL, if it does: it wants http(s) with a host.
pub fn url_problem(s: &str) -> Option<String> {
    let (scheme, rest) = match s.split_once("://") {
        Some(p) => p,
        None => {
            return Some(format!(
                "`{s}` is not a URL: unsupported scheme \"\" (want http:// or https://)"
            ))
        }
    };
    if scheme != "http" && scheme != "https" {
        return Some(format!(
            "`{s}`: unsupported scheme \"{scheme}\" for URL (want http or https)"
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host.is_empty() || s.contains(char::is_whitespace) {
        return Some(format!("`{s}`: missing host for URL"));
    }
    None
}

/// Validate an Alertmanager configuration; every problem, each as `file:line: what`.
pub fn problems(origin: &str, text: &str) -> Vec<String> {
    let mut c = Checker {
        origin,
        text,
        problems: Vec::new(),
    };
    let doc: Yaml = match serde_yaml::from_str(text) {
        Ok(d) => d,
        Err(e) => {
            let at = e
                .location()
                .map(|l| format!("{origin}:{}:{}", l.line(), l.column()))
                .unwrap_or_else(|| origin.into());
            return vec![format!("{at}: invalid YAML: {e}")];
        }
    };
    let Some(top) = doc.as_mapping() else {
        return vec![format!(
            "{origin}: an Alertmanager config is a YAML mapping (route, receivers, ...)"
        )];
    };
    c.unknown_keys(top, TOP_LEVEL, "");
    let empty = Mapping::new();
    let global = top
        .get("global")
        .and_then(Yaml::as_mapping)
        .unwrap_or(&empty);
    check_global(&mut c, global);
    let receivers = receivers::check_receivers(&mut c, top.get("receivers"), global);
    let intervals = tree::check_time_intervals(&mut c, top);
    match top.get("route").and_then(Yaml::as_mapping) {
        None => c.problem(None, "no `route:`: the top-level route is required".into()),
        Some(route) => {
            if !has(route, "receiver") {
                c.problem(
                    Some("route:"),
                    "root route must specify a default receiver".into(),
                );
            }
            for k in [
                "match",
                "match_re",
                "matchers",
                "mute_time_intervals",
                "active_time_intervals",
            ] {
                if route.get(k).is_some() {
                    c.problem(
                        Some(&format!("{k}:")),
                        format!("the root route must not have `{k}` (it takes every alert)"),
                    );
                }
            }
            tree::check_route(&mut c, route, &receivers, &intervals, "route");
        }
    }
    for (i, rule) in top
        .get("inhibit_rules")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        tree::check_inhibit_rule(&mut c, rule, &format!("inhibit_rules[{i}]"));
    }
    if let Some(t) = top.get("templates") {
        if !t
            .as_sequence()
            .is_some_and(|s| s.iter().all(|x| x.as_str().is_some()))
        {
            c.problem(
                Some("templates:"),
                "templates: a list of file paths or globs".into(),
            );
        }
    }
    c.problems
}

fn check_global(c: &mut Checker, g: &Mapping) {
    c.unknown_keys(g, GLOBAL, "global");
    c.duration(g, "resolve_timeout", "global");
    for k in GLOBAL_URLS {
        c.url(g, k, "global");
    }
    if let Some(hp) = g.get("smtp_smarthost").and_then(Yaml::as_str) {
        if !hp
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && !p.is_empty())
        {
            c.problem(
                Some("smtp_smarthost:"),
                format!("global.smtp_smarthost: `{hp}` is not host:port"),
            );
        }
    }
    for (a, b) in [
        ("slack_api_url", "slack_api_url_file"),
        ("opsgenie_api_key", "opsgenie_api_key_file"),
        ("victorops_api_key", "victorops_api_key_file"),
        ("smtp_auth_password", "smtp_auth_password_file"),
        ("smtp_auth_secret", "smtp_auth_secret_file"),
        ("rocketchat_token", "rocketchat_token_file"),
        ("rocketchat_token_id", "rocketchat_token_id_file"),
    ] {
        if has(g, a) && has(g, b) {
            c.problem(
                Some(&format!("{b}:")),
                format!("global: at most one of {a} & {b} must be configured"),
            );
        }
    }
    if let Some(h) = g.get("http_config").and_then(Yaml::as_mapping) {
        c.unknown_keys(h, HTTP_CONFIG, "global.http_config");
    }
}

/// The key of an integration's list (`webhook_configs:`) from a path like
/// "receiver `a` webhook_configs[0]", for finding its line.
pub(crate) fn near_of(path: &str) -> String {
    let last = path.rsplit(' ').next().unwrap_or(path);
    format!("{}:", last.split('[').next().unwrap_or(last))
}
