//! PrometheusRule objects (monitoring.coreos.com/v1) as typed data, built from rule sources:
//! PrometheusRule YAML (one or many documents per file) and plain Prometheus rule files (`groups:`).
//! Rule text (expr, annotations such as `{{ $labels.pod }}`) is carried unchanged.
use crate::owned;
use crate::sources::{object_name, SourceFile};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

pub const API_VERSION: &str = "monitoring.coreos.com/v1";
pub const KIND: &str = "PrometheusRule";
/// The `promstack.io/component` of rule objects.
pub const COMPONENT: &str = "rules";
/// Annotation naming the source file of a generated object.
pub const SOURCE_ANNOTATION: &str = "promstack.io/source";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrometheusRule {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: PrometheusRuleSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrometheusRuleSpec {
    pub groups: Vec<RuleGroup>,
}

/// A rule group, with the fields the operator's CRD allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_offset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Go's `int` in Prometheus, an integer in the CRD: a negative one is accepted.
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partial_response_strategy: Option<String>,
    #[serde(
        default,
        deserialize_with = "strict_strings",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// An alerting (`alert`) or recording (`record`) rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Missing is empty: a problem of the rule, as Prometheus has it, not of the whole file.
    #[serde(default, deserialize_with = "string_or_number")]
    pub expr: String,
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_firing_for: Option<String>,
    #[serde(
        default,
        deserialize_with = "strict_strings",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "strict_strings",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
}

/// A mapping whose keys are each written once: Prometheus's YAML reader (yaml.v3) refuses a key
/// written twice (`mapping key "x" already defined`), where serde would keep the last value.
struct UniqueKeys;

impl<'de> serde::de::Visitor<'de> for UniqueKeys {
    type Value = BTreeMap<String, serde_yaml::Value>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a mapping of names to strings")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some((k, v)) = m.next_entry::<String, serde_yaml::Value>()? {
            if out.contains_key(&k) {
                return Err(serde::de::Error::custom(format!(
                    "mapping key `{k}` is written twice"
                )));
            }
            out.insert(k, v);
        }
        Ok(out)
    }
}

/// Label and annotation values must be strings (the CRD says so); `severity: 1` is an error, not `"1"`.
fn strict_strings<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = d.deserialize_map(UniqueKeys)?;
    raw.into_iter()
        .map(|(k, v)| match v {
            serde_yaml::Value::String(s) => Ok((k, s)),
            other => {
                let shown = serde_yaml::to_string(&other).unwrap_or_default();
                let what = match other {
                    serde_yaml::Value::Number(_) => "a number (an integer or float)",
                    serde_yaml::Value::Bool(_) => "a boolean",
                    serde_yaml::Value::Null => "empty",
                    _ => "not a string",
                };
                Err(serde::de::Error::custom(format!(
                    "`{k}` must be a string, but `{}` is {what}: quote it",
                    shown.trim()
                )))
            }
        })
        .collect()
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match serde_yaml::Value::deserialize(d)? {
        serde_yaml::Value::String(s) => Ok(s),
        serde_yaml::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expr must be a string, not {other:?}"
        ))),
    }
}

/// A plain Prometheus rule file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

/// A YAML document as Prometheus (Go's yaml.v3) reads it: anchors and aliases, and `<<` merge
/// keys resolved (a document with one is read through a generic value first).
fn from_yaml<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, serde_yaml::Error> {
    if !doc.contains("<<") {
        return serde_yaml::from_str(doc);
    }
    let mut v: serde_yaml::Value = serde_yaml::from_str(doc)?;
    v.apply_merge()?;
    serde_yaml::from_value(v)
}

/// The groups of a plain rule file (`groups:`), or why it does not read.
pub fn parse_rule_file(text: &str) -> Result<Vec<RuleGroup>, String> {
    crate::yaml_depth::check(text)
        .map_err(|d| format!("{d} at line {} column {}", d.line, d.column))?;
    from_yaml::<RuleFile>(text)
        .map(|f| f.groups)
        .map_err(|e| e.to_string())
}

/// The YAML documents of a file, each with the 0-based line it starts on (after its `---`).
pub fn documents(text: &str) -> Vec<(usize, String)> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        if line == "---" || line.starts_with("--- ") || line.starts_with("---\t") {
            docs.push((start, std::mem::take(&mut current)));
            start = i + 1;
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    docs.push((start, current));
    docs.retain(|(_, d)| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

/// `(kind, has groups:)` from a block-style document's top-level keys; `None` when the document
/// has no top-level `kind:` or `groups:` line (flow style, or not a rule document at all).
fn top_level_kind(doc: &str) -> Option<(Option<String>, bool)> {
    let mut kind = None;
    let mut groups = false;
    for line in doc.lines() {
        if let Some(k) = line.strip_prefix("kind:") {
            kind = Some(
                k.split(" #")
                    .next()
                    .unwrap_or(k)
                    .trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string(),
            );
        } else if line.starts_with("groups:") {
            groups = true;
        }
    }
    (kind.is_some() || groups).then_some((kind, groups))
}

/// serde_yaml's messages carry positions relative to the document ("at line 3 column 5"): make the
/// lines absolute in the file, and drop the trailing one that only repeats the location.
fn absolute_lines(msg: &str, offset: usize) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    // a single trailing position only repeats the error's own location; with two ("X at line 5,
    // while scanning Y at line 4") the second says where Y started: keep it
    match out.rfind(" at line ") {
        Some(i)
            if out.matches(" at line ").count() == 1
                && out[i..].contains(" column ")
                && !out[i..].contains(',') =>
        {
            out[..i].to_string()
        }
        _ => out,
    }
}

fn located(path: &str, offset: usize, e: &serde_yaml::Error) -> String {
    let msg = absolute_lines(&e.to_string(), offset);

    match e.location() {
        Some(l) => format!("{path}:{}:{}: {msg}", l.line() + offset, l.column()),
        None => format!("{path}:{}: {msg}", offset + 1),
    }
}

/// The objects of one file (names not yet checked across files), and its problems.
fn build_file(f: &SourceFile, namespace: &str) -> (Vec<PrometheusRule>, Vec<String>) {
    let mut out: Vec<PrometheusRule> = Vec::new();
    let mut errors = Vec::new();
    for (i, (offset, doc)) in documents(&f.text).into_iter().enumerate() {
        // nested deeper than serde_yaml reads: refused before libyaml spends minutes on it
        if let Err(deep) = crate::yaml_depth::check(&doc) {
            errors.push(format!(
                "{}:{}:{}: {deep}",
                f.path,
                deep.line + offset,
                deep.column
            ));
            continue;
        }
        // What the document is, from its top-level lines: one YAML parse instead of two.
        // Flow-style documents (`{kind: ...}`) take the slow path through a generic Value.
        let (kind, has_groups) = match top_level_kind(&doc) {
            Some(found) => found,
            None => match serde_yaml::from_str::<serde_yaml::Value>(&doc) {
                Ok(v) => (
                    v.get("kind").and_then(|k| k.as_str()).map(str::to_string),
                    v.get("groups").is_some(),
                ),
                Err(e) => {
                    errors.push(located(&f.path, offset, &e));
                    continue;
                }
            },
        };
        let parsed = match kind.as_deref() {

            Some(KIND) => from_yaml::<PrometheusRule>(&doc).map_err(|e| located(&f.path, offset, &e)).and_then(|r| {
                if r.api_version == API_VERSION {
                    Ok(r)
                } else {
                    Err(format!("{}:{}: apiVersion `{}` is not {API_VERSION}", f.path, offset + 1, r.api_version))
                }
            }),
            Some(other) => Err(format!("{}:{}: wrong kind `{other}`: expected a PrometheusRule or a rule file with `groups:`", f.path, offset + 1)),
            None if has_groups => from_yaml::<RuleFile>(&doc)
.map_err(|e| located(&f.path, offset, &e)).map(|rf| PrometheusRule {
                api_version: API_VERSION.into(),
                kind: KIND.into(),
                metadata: ObjectMeta {
                    name: Some(if i == 0 { object_name("", &f.path) } else { format!("{}-{i}", object_name("", &f.path)) }),
                    ..Default::default()
                },
                spec: PrometheusRuleSpec { groups: rf.groups },
            }),
            None => Err(format!("{}:{}: neither a PrometheusRule nor a rule file with `groups:`", f.path, offset + 1)),
        };
        match parsed {
            Ok(mut rule) => {
                let name = rule.metadata.name.clone().unwrap_or_default();
                if name.is_empty() {
                    errors.push(format!(
                        "{}:{}: a PrometheusRule needs metadata.name",
                        f.path,
                        offset + 1
                    ));
                    continue;
                }
                if out
                    .iter()
                    .any(|r| r.metadata.name.as_deref() == Some(name.as_str()))
                {
                    errors.push(format!(
                        "{}:{}: PrometheusRule `{name}` is defined twice",
                        f.path,
                        offset + 1
                    ));
                    continue;
                }
                rule.metadata.namespace = Some(namespace.into());
                rule.metadata
                    .labels
                    .get_or_insert_with(Default::default)
                    .extend(owned::labels(COMPONENT));
                rule.metadata
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(SOURCE_ANNOTATION.into(), f.path.clone());
                rule.metadata.resource_version = None;
                rule.metadata.uid = None;
                rule.metadata.managed_fields = None;
                rule.metadata.creation_timestamp = None;
                out.push(rule);
            }
            Err(e) => errors.push(e),
        }
    }
    (out, errors)
}

/// Build the PrometheusRule objects of these sources, in `namespace`, labelled as ours. Files are
/// parsed in parallel; every problem in every file is reported with file:line, in file order.
pub fn build(files: &[SourceFile], namespace: &str) -> Result<Vec<PrometheusRule>, Vec<String>> {
    let per_file = crate::par::map(files, |f| build_file(f, namespace));
    let mut out: Vec<PrometheusRule> = Vec::new();
    let mut errors = Vec::new();
    for (objects, errs) in per_file {
        errors.extend(errs);
        for rule in objects {
            let name = rule.metadata.name.clone().unwrap_or_default();
            let source_of = |r: &PrometheusRule| {
                r.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(SOURCE_ANNOTATION))
                    .cloned()
                    .unwrap_or_default()
            };
            if let Some(first) = out
                .iter()
                .find(|r| r.metadata.name.as_deref() == Some(name.as_str()))
            {
                errors.push(format!(
                    "{}: PrometheusRule `{name}` is defined twice (also in {})",
                    source_of(&rule),
                    source_of(first)
                ));
                continue;
            }

            out.push(rule);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    #[test]
    fn both_kinds_of_source_become_labelled_objects_with_text_unchanged() {
        let files = [
            file("node.yaml", "groups:\n  - name: node\n    rules:\n      - alert: NodeDown\n        expr: up{job=\"node-exporter\"} == 0\n        for: 5m\n        annotations:\n          summary: 'Node {{ $labels.instance }} is down'\n"),
            file("apps.yaml", "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: apps\n  labels: {team: sre}\nspec:\n  groups:\n    - name: apps\n      rules:\n        - record: job:up:sum\n          expr: sum by (job) (up)\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: apps-2\nspec:\n  groups: []\n"),
        ];
        let rules = build(&files, "monitoring").unwrap();
        assert_eq!(rules.len(), 3);
        let node = &rules[0];
        assert_eq!(node.metadata.name.as_deref(), Some("node"));
        assert_eq!(node.metadata.namespace.as_deref(), Some("monitoring"));
        assert_eq!(
            node.spec.groups[0].rules[0].annotations["summary"],
            "Node {{ $labels.instance }} is down"
        );
        assert_eq!(node.spec.groups[0].rules[0].for_.as_deref(), Some("5m"));
        let labels = rules[1].metadata.labels.as_ref().unwrap();
        assert_eq!(labels["team"], "sre");
        assert_eq!(labels[owned::COMPONENT_LABEL], COMPONENT);
        assert_eq!(
            rules[1].metadata.annotations.as_ref().unwrap()[SOURCE_ANNOTATION],
            "apps.yaml"
        );
        let yaml = serde_yaml::to_string(node).unwrap();
        assert!(
            yaml.contains("for: 5m") && yaml.contains("{{ $labels.instance }}"),
            "{yaml}"
        );
    }

    #[test]
    fn problems_are_all_reported_with_their_file() {
        let files = [
            file("bad.yaml", "groups:\n  - name: x\n    rules:\n      - alert: A\n        expr: up\n        bogus: 1\n"),
            file("broken.yaml", "groups: [\n"),
            file("a.yaml", "groups: []\n"),
            file("dir/a.yaml", "groups: []\n"),
            file("a.yml", "groups: []\n"),
        ];
        let errs = build(&files, "m").unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0].starts_with("bad.yaml:6:") && errs[0].contains("bogus"),
            "{errs:?}"
        );
        assert!(errs[1].starts_with("broken.yaml:2:"), "{errs:?}");
        assert_eq!(
            errs[2],
            "a.yml: PrometheusRule `a` is defined twice (also in a.yaml)"
        );
    }

    /// Found against promtool 3.14: a key written twice is refused, a negative `limit` is not.
    #[test]
    fn keys_written_twice_and_negative_limits_as_prometheus_reads_them() {
        let twice = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels:\n          a: x\n          a: y\n";
        let errs = build(&[file("t.yaml", twice)], "m").unwrap_err();
        assert!(errs[0].contains("key `a` is written twice"), "{errs:?}");
        let limit = build(&[file("l.yaml", "groups: [{name: g, limit: -1}]")], "m");
        assert_eq!(limit.unwrap()[0].spec.groups[0].limit, Some(-1));
    }

    #[test]
    fn positions_in_messages_are_made_absolute() {
        assert_eq!(
            absolute_lines("found unexpected end of stream at line 5 column 1, while scanning a quoted scalar at line 4 column 16", 10),
            "found unexpected end of stream at line 15 column 1, while scanning a quoted scalar at line 14 column 16"
        );
        assert_eq!(
            absolute_lines("unknown field `x` at line 3 column 5", 10),
            "unknown field `x`"
        );
        let errs = build(
            &[file(
                "m.yaml",
                "groups: []\n---\ngroups:\n  - name: \"open\n",
            )],
            "m",
        )
        .unwrap_err();
        assert!(
            errs[0].starts_with("m.yaml:5:") && errs[0].contains("at line 4 column"),
            "{errs:?}"
        );
    }

    #[test]
    fn documents_keep_their_lines_and_kinds_are_checked() {
        let text = "# comment\n---\ngroups: []\n---\n\n---\nkind: ConfigMap\napiVersion: v1\n---\nkind: PrometheusRule\napiVersion: monitoring.coreos.com/v1\nmetadata: {name: x}\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: A\n          expr: up\n          labels: {severity: 1}\n";
        let docs = documents(text);
        assert_eq!(docs.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 6, 9]);
        let errs = build(&[file("m.yaml", text)], "ns").unwrap_err();
        assert!(
            errs[0].starts_with("m.yaml:7: wrong kind `ConfigMap`"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("m.yaml:17:")
                && errs[1].contains("`severity` must be a string")
                && !errs[1].contains(" at line "),
            "non-string label value, with its line: {errs:?}"
        );
    }
}
