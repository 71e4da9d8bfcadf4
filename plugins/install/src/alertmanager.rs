//! The Alertmanager configuration Secret: the default config, validation before anything is
//! applied, and the Secret itself. The file's bytes reach the Secret unchanged, so Go templates
//! (`{{ .CommonLabels.alertname }}`) arrive as written.
use promstack_shared::owned;
use promstack_shared::Error;
use serde_yaml::Value as Yaml;
use std::collections::{BTreeMap, BTreeSet};

/// The project's default config (`plugins/install/assets/alertmanager.yaml`).
pub const DEFAULT_CONFIG: &str = include_str!("../assets/alertmanager.yaml");
/// The key the operator reads from the config Secret.
pub const CONFIG_KEY: &str = "alertmanager.yaml";

const TOP_LEVEL: &[&str] = &[
    "global",
    "route",
    "receivers",
    "inhibit_rules",
    "templates",
    "time_intervals",
    "mute_time_intervals",
];
const ROUTE_KEYS: &[&str] = &[
    "receiver",
    "group_by",
    "continue",
    "match",
    "match_re",
    "matchers",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "mute_time_intervals",
    "active_time_intervals",
    "routes",
];

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

struct Checker<'a> {
    origin: &'a str,
    text: &'a str,
    problems: Vec<String>,
}

impl Checker<'_> {
    fn problem(&mut self, needle: Option<&str>, msg: String) {
        let at = match needle.and_then(|n| line_of(self.text, n)) {
            Some(line) => format!("{}:{line}", self.origin),
            None => self.origin.to_string(),
        };
        self.problems.push(format!("{at}: {msg}"));
    }
}

/// Is this a Prometheus duration (`30s`, `5m`, `1h30m`, `12h`)?
pub fn is_duration(s: &str) -> bool {
    promstack_shared::duration::is_valid(s)
}

/// Is this a matcher Alertmanager accepts (`name = "value"`, `=`, `!=`, `=~`, `!~`)?
pub fn is_matcher(s: &str) -> bool {
    let s = s
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let name_len = s
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit()))
        .count();
    let (name, rest) = s.split_at(name_len);
    let quoted_name = name.is_empty() && s.starts_with('"');
    if name.is_empty() && !quoted_name {
        return false;
    }
    let rest = rest.trim_start();
    let Some(value) = ["=~", "!~", "!=", "="]
        .iter()
        .find_map(|op| rest.strip_prefix(op))
    else {
        return false;
    };
    let value = value.trim();
    if let Some(inner) = value.strip_prefix('"') {
        inner.ends_with('"') && !inner.is_empty() && !inner[..inner.len() - 1].ends_with('\\')
    } else {
        !value.contains('"')
    }
}

/// Validate an Alertmanager configuration. All problems are reported at once, each with file:line
/// where it can be found. Returns the list of problems (empty means valid).
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
    for k in top.keys() {
        let k = k.as_str().unwrap_or("?");
        if !TOP_LEVEL.contains(&k) {
            c.problem(
                Some(&format!("{k}:")),
                format!(
                    "unknown field `{k}` (expected one of {})",
                    TOP_LEVEL.join(", ")
                ),
            );
        }
    }
    // receivers
    let mut receivers = BTreeSet::new();
    match top.get("receivers").and_then(Yaml::as_sequence) {
        None => c.problem(
            None,
            "no `receivers:` list: define at least the receiver the route sends to".into(),
        ),
        Some(list) => {
            for r in list {
                match r.get("name").and_then(Yaml::as_str) {
                    Some(n) if !n.is_empty() => {
                        if !receivers.insert(n.to_string()) {
                            c.problem(
                                Some(&format!("name: {n}")),
                                format!("receiver `{n}` is defined twice"),
                            );
                        }
                        if let Some(m) = r.as_mapping() {
                            for k in m.keys().filter_map(Yaml::as_str) {
                                if k != "name" && !k.ends_with("_configs") {
                                    c.problem(
                                        Some(&format!("{k}:")),
                                        format!("receiver `{n}`: unknown field `{k}`"),
                                    );
                                }
                            }
                        }
                    }
                    _ => c.problem(Some("receivers:"), "a receiver has no name".into()),
                }
            }
        }
    }
    // time intervals
    let mut intervals = BTreeSet::new();
    for key in ["time_intervals", "mute_time_intervals"] {
        for ti in top
            .get(key)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(n) = ti.get("name").and_then(Yaml::as_str) {
                intervals.insert(n.to_string());
            }
        }
    }
    // route tree
    match top.get("route") {
        None => c.problem(None, "no `route:`: the top-level route is required".into()),
        Some(route) => {
            if route.get("receiver").and_then(Yaml::as_str).is_none() {
                c.problem(
                    Some("route:"),
                    "the top-level route needs a `receiver`".into(),
                );
            }
            for k in ["match", "match_re", "matchers"] {
                if route.get(k).is_some() {
                    c.problem(
                        Some(&format!("{k}:")),
                        format!("the top-level route must not have `{k}` (it matches every alert)"),
                    );
                }
            }
            check_route(&mut c, route, &receivers, &intervals, "route");
        }
    }
    for (i, rule) in top
        .get("inhibit_rules")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for k in ["source_matchers", "target_matchers"] {
            check_matchers(&mut c, rule.get(k), &format!("inhibit_rules[{i}].{k}"));
        }
    }
    c.problems
}

fn check_matchers(c: &mut Checker, list: Option<&Yaml>, path: &str) {
    for m in list.and_then(Yaml::as_sequence).into_iter().flatten() {
        match m.as_str() {
            Some(s) if is_matcher(s) => {}
            Some(s) => c.problem(
                Some(s),
                format!(
                    "{path}: `{s}` is not a matcher (want: name = \"value\", with =, !=, =~ or !~)"
                ),
            ),
            None => c.problem(None, format!("{path}: matchers are strings")),
        }
    }
}

fn check_route(
    c: &mut Checker,
    route: &Yaml,
    receivers: &BTreeSet<String>,
    intervals: &BTreeSet<String>,
    path: &str,
) {
    let Some(map) = route.as_mapping() else {
        c.problem(None, format!("{path}: a route is a mapping"));
        return;
    };
    for k in map.keys().filter_map(Yaml::as_str) {
        if !ROUTE_KEYS.contains(&k) {
            c.problem(
                Some(&format!("{k}:")),
                format!("{path}: unknown field `{k}`"),
            );
        }
    }
    if let Some(r) = route.get("receiver").and_then(Yaml::as_str) {
        if !receivers.contains(r) {
            c.problem(
                Some(&format!("receiver: {r}")),
                format!("{path}: receiver `{r}` is not defined under `receivers:`"),
            );
        }
    }
    for k in ["group_wait", "group_interval", "repeat_interval"] {
        if let Some(v) = route.get(k) {
            match v.as_str() {
                Some(d) if is_duration(d) => {}
                _ => c.problem(
                    Some(&format!("{k}:")),
                    format!(
                        "{path}.{k}: `{}` is not a duration like 30s, 5m, 4h",
                        yaml_str(v)
                    ),
                ),
            }
        }
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
                    format!("{path}.{k}: time interval `{n}` is not defined"),
                );
            }
        }
    }
    check_matchers(c, route.get("matchers"), &format!("{path}.matchers"));
    for (i, child) in route
        .get("routes")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        check_route(
            c,
            child,
            receivers,
            intervals,
            &format!("{path}.routes[{i}]"),
        );
    }
}

fn yaml_str(v: &Yaml) -> String {
    serde_yaml::to_string(v)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Validate, as an input error listing every problem.
pub fn validate(origin: &str, text: &str) -> Result<(), Error> {
    let p = problems(origin, text);
    if p.is_empty() {
        Ok(())
    } else {
        Err(Error::input(format!(
            "the Alertmanager config is not valid:\n  {}\nFix the file and run again; nothing was changed.",
            p.join("\n  ")
        )))
    }
}

/// The Alertmanager config to use: the user's file, or promstack's default; validated.
pub fn load(path: Option<&std::path::Path>) -> Result<String, Error> {
    let (origin, text) = match path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| {
                Error::input(format!(
                    "cannot read Alertmanager config {}: {e}",
                    p.display()
                ))
            })?,
        ),
        None => (
            "default Alertmanager config".to_string(),
            DEFAULT_CONFIG.to_string(),
        ),
    };
    validate(&origin, &text)?;
    Ok(text)
}

/// The config Secret (typed), labelled as ours.
pub fn secret(namespace: &str, text: &str) -> k8s_openapi::api::core::v1::Secret {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    k8s_openapi::api::core::v1::Secret {
        metadata: ObjectMeta {
            name: Some(crate::values::ALERTMANAGER_SECRET.into()),
            namespace: Some(namespace.into()),
            labels: Some(owned::labels(crate::COMPONENT)),
            ..Default::default()
        },
        type_: Some("Opaque".into()),
        data: Some(BTreeMap::from([(
            CONFIG_KEY.to_string(),
            k8s_openapi::ByteString(text.as_bytes().to_vec()),
        )])),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_is_valid() {
        assert_eq!(problems("default", DEFAULT_CONFIG), Vec::<String>::new());
    }

    #[test]
    fn durations_and_matchers() {
        for d in ["30s", "5m", "1h30m", "12h", "0", "100ms", "1d"] {
            assert!(is_duration(d), "{d}");
        }
        for d in ["", "5", "m", "5x", "30s5m", "1.5h"] {
            assert!(!is_duration(d), "{d}");
        }
        for m in [
            "alertname = \"Watchdog\"",
            "severity=~\"warning|info\"",
            "a!=b",
            "team !~ \"x\\\"y\"",
            "{a=\"b\"}",
        ] {
            assert!(is_matcher(m), "{m}");
        }
        for m in ["alertname", "= \"x\"", "a == \"b", "a = \"b"] {
            assert!(!is_matcher(m), "{m}");
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let bad = "route:\n  receiver: missing\n  group_wait: soon\n  routes:\n    - receiver: default\n      matchers: [\"sev\"]\nreceivers:\n  - name: default\n  - name: default\nbogus: 1\n";
        let p = problems("am.yaml", bad);
        let joined = p.join("\n");
        assert!(
            joined.contains("am.yaml:2: route: receiver `missing` is not defined"),
            "{joined}"
        );
        assert!(
            joined.contains("am.yaml:3: route.group_wait: `soon` is not a duration"),
            "{joined}"
        );
        assert!(
            joined.contains("route.routes[0].matchers: `sev` is not a matcher"),
            "{joined}"
        );
        assert!(
            joined.contains("receiver `default` is defined twice"),
            "{joined}"
        );
        assert!(
            joined.contains("am.yaml:10: unknown field `bogus`"),
            "{joined}"
        );
        assert_eq!(p.len(), 5, "{joined}");
    }

    #[test]
    fn broken_yaml_and_missing_parts() {
        assert!(problems("x", "route: [\n")[0].starts_with("x:"));
        assert!(problems("x", "receivers: [{name: a}]\n")[0].contains("no `route:`"));
        assert!(problems("x", "route: {receiver: a}\n")[0].contains("no `receivers:`"));
        let err = validate("x", "- 1\n").unwrap_err();
        assert_eq!(err.exit_code(), promstack_shared::ExitCode::Usage);
    }

    #[test]
    fn templates_reach_the_secret_unchanged() {
        let text = "route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs: [{url: 'http://x/{{ .GroupLabels.alertname }}'}]\n";
        let s = secret("monitoring", text);
        assert_eq!(s.data.unwrap()[CONFIG_KEY].0, text.as_bytes());
    }
}
