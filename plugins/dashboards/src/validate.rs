//! `dashboards validate`: JSON (line:column), a dashboard at all (title, panels), uid present,
//! unique, at most 40 allowed characters, titles unique in a folder, every Prometheus query parses
//! (variables substituted), datasource references resolvable. Each problem names file, panel and path.
use crate::vars;
use promstack_shared::grafana::dashboard::{datasource_variable, Prepared, DATASOURCE_UID};
use promstack_shared::prometheus::promql::Target;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub file: String,
    pub level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub panel: Option<String>,
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.level {
            Level::Warning => "warning",
            Level::Error => "error",
        };
        write!(f, "{}: {level}", self.file)?;
        if let Some(p) = &self.panel {
            write!(f, ": panel `{p}`")?;
        }
        if !self.path.is_empty() {
            write!(f, " ({})", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A Prometheus query of a panel.
#[derive(Debug, Clone)]
pub struct Query {
    pub file: String,
    pub dashboard: String,
    pub panel: String,
    pub path: String,
    pub expr: String,
}

/// Every panel with its JSON path, rows' nested panels and the old `rows[].panels` included.
pub fn panels(d: &Value) -> Vec<(String, &Value)> {
    fn walk<'a>(list: &'a Value, base: &str, out: &mut Vec<(String, &'a Value)>) {
        for (i, p) in list.as_array().into_iter().flatten().enumerate() {
            let path = format!("{base}[{i}]");
            out.push((path.clone(), p));
            walk(&p["panels"], &format!("{path}.panels"), out);
        }
    }
    let mut out = Vec::new();
    walk(&d["panels"], "panels", &mut out);
    for (r, row) in d["rows"].as_array().into_iter().flatten().enumerate() {
        walk(&row["panels"], &format!("rows[{r}].panels"), &mut out);
    }
    out
}

fn is_prometheus(ds: &Value) -> bool {
    match ds {
        Value::Object(o) => o
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "prometheus"),
        Value::String(s) => !["loki", "tempo", "elastic", "influx", "-- grafana --"]
            .iter()
            .any(|x| s.to_lowercase().contains(x)),
        _ => true,
    }
}

/// The Prometheus queries of a dashboard (hidden and empty targets skipped).
pub fn queries(p: &Prepared) -> Vec<Query> {
    let title = p.value["title"].as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    for (path, panel) in panels(&p.value) {
        for (t, target) in panel["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let Some(expr) = target["expr"].as_str().filter(|e| !e.trim().is_empty()) else {
                continue;
            };
            let ds = if target["datasource"].is_null() {
                &panel["datasource"]
            } else {
                &target["datasource"]
            };
            if !is_prometheus(ds) || target["hide"] == true {
                continue;
            }
            out.push(Query {
                file: p.shown.clone(),
                dashboard: title.clone(),
                panel: panel["title"].as_str().unwrap_or("(untitled)").to_string(),
                path: format!("{path}.targets[{t}].expr"),
                expr: expr.to_string(),
            });
        }
    }
    out
}

const FIXED_DATASOURCES: &[&str] = &[
    DATASOURCE_UID,
    "-- Grafana --",
    "-- Mixed --",
    "-- Dashboard --",
    "grafana",
];

fn datasource_refs<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k == "datasource" {
                    out.push((p.clone(), x));
                }
                datasource_refs(x, p, out);
            }
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| datasource_refs(x, format!("{path}[{i}]"), out)),
        _ => {}
    }
}

fn variable_name(s: &str) -> Option<&str> {
    s.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .map(|n| n.split(':').next().unwrap_or(n))
        .or_else(|| s.strip_prefix('$'))
}

/// A problem of one dashboard: its level, where in the dashboard (a JSON path), what.
type Found = (Level, String, String);

/// Every problem of the prepared dashboards; errors and warnings.
pub fn validate(dashboards: &[Prepared], target: &Target) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut seen = Seen::default();
    let mut all_queries = Vec::new();
    for p in dashboards {
        let d = &p.value;
        let mut found: Vec<Found> = p
            .notes
            .iter()
            .map(|n| (Level::Warning, String::new(), n.clone()))
            .collect();
        if d.get("panels").and_then(Value::as_array).is_none()
            && d.get("rows").and_then(Value::as_array).is_none()
        {
            let what = "not a dashboard: no `panels` list".to_string();
            found.push((Level::Error, "panels".into(), what));
        } else {
            found.extend(identity_problems(p, &mut seen));
            found.extend(datasource_problems(d));
            if datasource_variable(d).is_none() && !queries(p).is_empty() {
                let what = "no `datasource` variable: the panels are tied to one datasource";
                found.push((Level::Warning, "templating".into(), what.into()));
            }
            all_queries.extend(queries(p));
        }
        out.extend(found.into_iter().map(|(level, path, message)| Problem {
            file: p.shown.clone(),
            level,
            panel: None,
            path,
            message,
        }));
    }
    out.extend(query_problems(&all_queries, target));
    out.sort();
    out
}

/// The uids and (folder, title) pairs of the dashboards so far.
#[derive(Default)]
struct Seen {
    uids: BTreeMap<String, String>,
    titles: BTreeSet<(String, String)>,
}

/// Title present and unique in its folder; uid well-formed and unique.
fn identity_problems(p: &Prepared, seen: &mut Seen) -> Vec<Found> {
    let (d, mut out) = (&p.value, Vec::new());
    let mut error = |path: &str, message: String| out.push((Level::Error, path.into(), message));
    let title = d["title"].as_str().unwrap_or_default();
    if title.trim().is_empty() {
        error("title", "the dashboard has no title".into());
    }
    let uid = d["uid"].as_str().unwrap_or_default();
    if uid.chars().count() > 40 {
        error("uid", format!("uid `{uid}` is longer than 40 characters"));
    }
    if !uid
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        error(
            "uid",
            format!("uid `{uid}` may only hold letters, digits, `-` and `_`"),
        );
    }
    if let Some(first) = seen.uids.insert(uid.to_string(), p.uid_at()) {
        error("uid", format!("uid `{uid}` is also used by {first}"));
    }
    let folder = p.path.rsplit_once('/').map_or("", |(f, _)| f).to_string();
    if !seen.titles.insert((folder.clone(), title.to_string())) {
        error(
            "title",
            format!("another dashboard in folder `{folder}` is titled `{title}`"),
        );
    }
    out
}

/// Every datasource reference: a variable that is defined (an unresolved grafana.com input is an
/// error), or the provisioned Prometheus.
fn datasource_problems(d: &Value) -> Vec<Found> {
    let mut out = Vec::new();
    let variables: BTreeSet<String> = d
        .pointer("/templating/list")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str().map(String::from))
        .collect();
    let mut refs = Vec::new();
    datasource_refs(d, String::new(), &mut refs);
    for (path, ds) in refs {
        let uid = match ds {
            Value::Object(o) => o.get("uid").and_then(Value::as_str),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        let Some(uid) = uid else { continue };
        if let Some(var) = variable_name(uid) {
            if var.starts_with("DS_") && !variables.contains(var) {
                out.push((Level::Error, path, format!("`{uid}` is an unresolved grafana.com input: provisioning cannot resolve it")));
            } else if !variables.contains(var) && var != "__expr__" {
                let what = format!("datasource variable `{uid}` is not defined in templating");
                out.push((Level::Error, path, what));
            }
        } else if ds.is_object() && !FIXED_DATASOURCES.contains(&uid) && ds["type"] == "prometheus"
        {
            let what = format!("datasource uid `{uid}` is not the provisioned `{DATASOURCE_UID}`");
            out.push((Level::Warning, path, what));
        }
    }
    out
}

/// Every query's PromQL, its variables substituted, through the parser (each distinct one once).
fn query_problems(queries: &[Query], target: &Target) -> Vec<Problem> {
    let substituted: Vec<String> = queries
        .iter()
        .map(|q| vars::substitute(&q.expr, vars::PARSE))
        .collect();
    let errors = promstack_shared::prometheus::promql::check_exprs(
        substituted.iter().map(String::as_str),
        target,
    );
    queries
        .iter()
        .zip(&substituted)
        .filter_map(|(q, s)| {
            errors.get(s.as_str()).map(|e| Problem {
                file: q.file.clone(),
                level: Level::Error,
                panel: Some(q.panel.clone()),
                path: q.path.clone(),
                message: format!("{e}: `{}`", q.expr),
            })
        })
        .collect()
}
