//! PrometheusRule objects (monitoring.coreos.com/v1) as typed data, built from rule sources
//! ([`build`]): PrometheusRule YAML (one or many documents per file, a `kind: List` of them, the
//! stream `helm template` prints) and plain Prometheus rule files (`groups:`).
//! Rule text (expr, annotations such as `{{ $labels.pod }}`) is carried unchanged.
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

pub const API_VERSION: &str = "monitoring.coreos.com/v1";
pub const KIND: &str = "PrometheusRule";
/// The CustomResourceDefinition that serves the kind.
pub const CRD: &str = "prometheusrules.monitoring.coreos.com";
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
pub(crate) struct RuleFile {
    pub(crate) groups: Vec<RuleGroup>,
}

/// A YAML document as Prometheus (Go's yaml.v3) reads it: anchors and aliases, and `<<` merge
/// keys resolved (a document with one is read through a generic value first).
pub(crate) fn from_yaml<T: serde::de::DeserializeOwned>(doc: &str) -> Result<T, serde_yaml::Error> {
    let renamed = crate::input::yaml_anchors::unique_anchors(doc);
    let doc = renamed.as_deref().unwrap_or(doc);
    if !doc.contains("<<") {
        return serde_yaml::from_str(doc);
    }
    let mut v: serde_yaml::Value = serde_yaml::from_str(doc)?;
    v.apply_merge()?;
    serde_yaml::from_value(v)
}

/// The groups of a plain rule file (`groups:`), or why it does not read.
pub fn parse_rule_file(text: &str) -> Result<Vec<RuleGroup>, String> {
    crate::input::yaml_depth::check(text)
        .map_err(|d| format!("{d} at line {} column {}", d.line, d.column))?;
    from_yaml::<RuleFile>(text)
        .map(|f| f.groups)
        .map_err(|e| e.to_string())
}

mod build;
pub use build::{build, build_all, Built, Origin};
