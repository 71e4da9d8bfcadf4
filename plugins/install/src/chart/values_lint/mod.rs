//! The values lint: every key of a values file against what the chart reads. kube-prometheus-stack
//! has no values schema, so helm drops a key it does not know without a word
//! (`prometheus.prometheusSpec.retension: 7d` installs the default retention); this names it, with
//! its file:line and the nearest known key, before anything is written.
//!
//! What the chart reads: its default values with each subchart's under its key
//! ([`crate::chart::chart_files::ChartFacts::defaults`]); and where values feed a custom resource
//! (`prometheus.prometheusSpec` → `Prometheus.spec`, `alertmanager.alertmanagerSpec` →
//! `Alertmanager.spec`, `thanosRuler.thanosRulerSpec` → `ThanosRuler.spec`), that resource's CRD
//! schema too, below and beside the defaults. What stays free: maps whose defaults are empty or
//! null and that no schema describes, lists, maps the chart passes through whole (labels,
//! annotations, selectors, `additional*`, `extra*`, security contexts, resources, affinity, `env`,
//! Grafana's ini, Alertmanager's config, templates), a subchart whose files are not in the chart,
//! and `global`.
use crate::chart::chart_files::ChartFacts;
use promstack_shared::input::yaml_path::{line_of, Seg};
use serde::Serialize;
use serde_json::{Map, Value};

/// Values paths that feed a custom resource's `spec`, and its kind.
const CUSTOM_RESOURCES: &[(&[&str], &str)] = &[
    (&["prometheus", "prometheusSpec"], "Prometheus"),
    (&["alertmanager", "alertmanagerSpec"], "Alertmanager"),
    (&["thanosRuler", "thanosRulerSpec"], "ThanosRuler"),
];

/// A key the chart does not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unknown {
    /// The values file (its origin) and the key's line in it.
    pub file: String,
    pub line: Option<usize>,
    /// The dotted path of the map that holds it (empty: the top).
    pub parent: String,
    pub key: String,
    /// The nearest key the chart does read there.
    pub nearest: Option<String>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: ", self.file)?,
            None => write!(f, "{}: ", self.file)?,
        }
        let parent = match self.parent.as_str() {
            "" => "the chart's values".to_string(),
            p => p.to_string(),
        };
        write!(f, "`{}` is not a key of {parent}", self.key)?;
        match &self.nearest {
            Some(n) => write!(f, "; did you mean `{n}`?"),
            None => Ok(()),
        }
    }
}

/// What the chart reads at one place: its defaults there and the CRD schema there, either absent.
#[derive(Clone, Copy)]
struct Known<'a> {
    defaults: Option<&'a Value>,
    schema: Option<&'a Value>,
}

/// Every key of `values` (parsed from `text`, named `file`) that the chart does not read.
pub fn lint(
    file: &str,
    text: &str,
    values: &Value,
    chart: &ChartFacts,
    crds: &[Value],
) -> Vec<Unknown> {
    let mut out = Vec::new();
    if let Some(map) = values.as_object() {
        let top = Known {
            defaults: Some(&chart.defaults),
            schema: None,
        };
        let mut path = Vec::new();
        walk(
            map,
            top,
            chart,
            crds,
            &mut path,
            &mut |path, key, nearest| {
                let mut segs: Vec<Seg> =
                    path.iter().map(|k: &String| Seg::Key(k.clone())).collect();
                segs.push(Seg::Key(key.to_string()));
                out.push(Unknown {
                    file: file.to_string(),
                    line: line_of(text, &segs),
                    parent: path.join("."),
                    key: key.to_string(),
                    nearest,
                });
            },
        );
    }
    out.sort_by_key(|u| u.line);
    out
}

type Report<'r> = dyn FnMut(&[String], &str, Option<String>) + 'r;

fn walk(
    map: &Map<String, Value>,
    here: Known<'_>,
    chart: &ChartFacts,
    crds: &[Value],
    path: &mut Vec<String>,
    report: &mut Report<'_>,
) {
    for (key, value) in map {
        if free_name(key) || (path.is_empty() && chart.without_files(key)) {
            continue;
        }
        let child = Known {
            defaults: here.defaults.and_then(|d| d.get(key)),
            schema: here
                .schema
                .and_then(|s| s.pointer(&format!("/properties/{}", escape(key)))),
        };
        if child.defaults.is_none() && child.schema.is_none() {
            let nearest = promstack_shared::terminal::suggest::nearest(key, known_keys(here))
                .map(String::from);
            report(path, key, nearest);
            continue;
        }
        let Some(inner) = value.as_object() else {
            continue;
        };
        path.push(key.clone());
        let child = Known {
            schema: child.schema.or_else(|| custom_resource_spec(path, crds)),
            ..child
        };
        if checkable(child) {
            walk(inner, child, chart, crds, path, report);
        }
        path.pop();
    }
}

/// Can the keys under this place be checked? Where the defaults hold a map with keys, or a schema
/// lists properties and allows nothing else.
fn checkable(k: Known<'_>) -> bool {
    let defaults = k
        .defaults
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    let schema = k.schema.is_some_and(|s| {
        s.get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty())
            && s.get("additionalProperties").is_none()
            && s.get("x-kubernetes-preserve-unknown-fields") != Some(&Value::Bool(true))
    });
    match (defaults, schema) {
        (_, true) => true,
        // a map the chart passes through whole and no schema describes (a Kubernetes type the
        // chart only copies: its keys are not the chart's to know)
        (true, false) => k.schema.is_none(),
        (false, false) => false,
    }
}

fn known_keys<'a>(k: Known<'a>) -> impl Iterator<Item = &'a str> {
    let defaults = k
        .defaults
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys());
    let schema = k
        .schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys());
    defaults.chain(schema).map(String::as_str)
}

/// Keys whose maps the chart passes through whole (Kubernetes types and free-form maps).
fn free_name(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    const WHOLE: &[&str] = &[
        "global",
        "nodeselector",
        "resources",
        "affinity",
        "tolerations",
        "env",
        "envfrom",
        "config",
        "grafana.ini",
        "templatefiles",
        "datasources",
        "dashboards",
        "dashboardproviders",
        "notifiers",
        "alerting",
        "topologyspreadconstraints",
        "livenessprobe",
        "readinessprobe",
        "startupprobe",
        "volumes",
        "volumemounts",
    ];
    WHOLE.contains(&lower.as_str())
        || lower.starts_with("additional")
        || lower.starts_with("extra")
        || lower.ends_with("labels")
        || lower.ends_with("annotations")
        || lower.ends_with("securitycontext")
        || lower.ends_with("selector")
}

/// The `spec` schema of the custom resource these values feed, when `path` is one of
/// [`CUSTOM_RESOURCES`] and the chart's CRDs have its kind.
fn custom_resource_spec<'a>(path: &[String], crds: &'a [Value]) -> Option<&'a Value> {
    let (_, kind) = CUSTOM_RESOURCES
        .iter()
        .find(|(p, _)| p.iter().eq(path.iter()))?;
    let crd = crds
        .iter()
        .find(|c| c.pointer("/spec/names/kind").and_then(Value::as_str) == Some(kind))?;
    let versions = crd.pointer("/spec/versions")?.as_array()?;
    let version = versions
        .iter()
        .find(|v| v["storage"] == Value::Bool(true))
        .or_else(|| versions.first())?;
    version.pointer("/schema/openAPIV3Schema/properties/spec")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;
