//! Which panel queries a dashboard runs, as Grafana 12 lays it out: top-level panels, a collapsed
//! row's nested panels and an expanded row's following ones, the old `rows[].panels`; a repeated
//! panel or row once, with its variable's first value (the first copy Grafana draws; clones saved
//! by older Grafanas, `repeatPanelId`, are left out); each target's datasource (the panel's,
//! a target's own under `-- Mixed --`, else the default), its hidden and empty targets skipped
//! (`filterQuery`). Only Prometheus targets are planned; others are counted.
use super::api::Datasource;
use super::interpolate::{Scope, Var};
use super::variables::{Context, Resolved};
use serde_json::Value as Json;

/// A panel query to run.
#[derive(Debug, Clone)]
pub struct PanelQuery {
    pub panel: String,
    /// Where it is in the dashboard JSON: `panels[3].panels[0].targets[1]`.
    pub path: String,
    pub ref_id: String,
    pub datasource: Datasource,
    pub expr: String,
    pub instant: bool,
    pub range: bool,
    /// The target's min step (`interval`).
    pub target_interval: String,
    pub interval_factor: i64,
    /// The panel's min interval (`interval`).
    pub min_interval: String,
    pub max_data_points: Option<i64>,
    /// A repeat's variable and the value its first copy gets.
    pub repeat: Option<Var>,
}

/// What a dashboard's panels plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub queries: Vec<PanelQuery>,
    /// Targets that cannot run: (panel, path, expr, why); Grafana shows the error in the panel.
    pub broken: Vec<(String, String, String, String)>,
    /// Targets of other datasources (Loki, Alertmanager, Grafana's own), not checked.
    pub other: usize,
}

/// A panel with its path and the repeat that applies to it (its own, else its row's).
struct Placed<'a> {
    panel: &'a Json,
    path: String,
    repeat: Option<String>,
}

fn repeat_of(p: &Json) -> Option<String> {
    p["repeat"]
        .as_str()
        .filter(|r| !r.is_empty())
        .map(String::from)
}

fn place<'a>(d: &'a Json) -> Vec<Placed<'a>> {
    let mut out = Vec::new();
    let mut row_repeat: Option<String> = None;
    for (i, p) in d["panels"].as_array().into_iter().flatten().enumerate() {
        let path = format!("panels[{i}]");
        if p["type"] == "row" {
            row_repeat = repeat_of(p);
            for (j, n) in p["panels"].as_array().into_iter().flatten().enumerate() {
                out.push(Placed {
                    panel: n,
                    path: format!("{path}.panels[{j}]"),
                    repeat: repeat_of(n).or(row_repeat.clone()),
                });
            }
            continue;
        }
        out.push(Placed {
            panel: p,
            path,
            repeat: repeat_of(p).or(row_repeat.clone()),
        });
    }
    for (r, row) in d["rows"].as_array().into_iter().flatten().enumerate() {
        if row.get("repeatRowId").is_some_and(|v| !v.is_null()) {
            continue;
        }
        for (j, n) in row["panels"].as_array().into_iter().flatten().enumerate() {
            out.push(Placed {
                panel: n,
                path: format!("rows[{r}].panels[{j}]"),
                repeat: repeat_of(n).or(repeat_of(row)),
            });
        }
    }
    out.retain(|p| p.panel.get("repeatPanelId").is_none_or(Json::is_null));
    out
}

/// The special datasources that are not Prometheus: Grafana's own, the dashboard's, mixed.
fn special(reference: &Json) -> Option<&'static str> {
    let (uid, kind) = match reference {
        Json::String(s) => (s.as_str(), ""),
        Json::Object(o) => (
            o.get("uid").and_then(Json::as_str).unwrap_or(""),
            o.get("type").and_then(Json::as_str).unwrap_or(""),
        ),
        _ => ("", ""),
    };
    match (uid, kind) {
        ("-- Mixed --", _) | (_, "mixed") => Some("mixed"),
        ("-- Grafana --" | "grafana", _) | (_, "grafana" | "datasource") => Some("grafana"),
        ("-- Dashboard --", _) | (_, "dashboard") => Some("dashboard"),
        _ => None,
    }
}

/// The first copy's value of a repeat over `name` (its first value; none: the variable itself).
fn repeat_var(name: &str, resolved: &Resolved) -> Option<Var> {
    let state = resolved.get(name)?;
    let mut var = state.var();
    if let Some(first) = state.values().into_iter().next() {
        let text = state
            .options
            .iter()
            .find(|o| o.value == first)
            .map_or(first.clone(), |o| o.text.clone());
        var.value = super::interpolate::Value::One(first);
        var.text = text;
    }
    Some(var)
}

/// The queries a dashboard runs, in its order.
pub fn plan(d: &Json, resolved: &Resolved, ctx: &Context<'_>, scope: &Scope) -> Plan {
    let mut plan = Plan::default();
    for placed in place(d) {
        let p = placed.panel;
        let title = p["title"].as_str().unwrap_or("(untitled)").to_string();
        let repeat = placed
            .repeat
            .as_deref()
            .and_then(|r| repeat_var(r, resolved));
        let mut scope = scope.clone();
        if let Some(v) = &repeat {
            scope.scoped.insert(v.name.clone(), v.clone());
        }
        for (t, target) in p["targets"].as_array().into_iter().flatten().enumerate() {
            let path = format!("{}.targets[{t}]", placed.path);
            let expr = target["expr"].as_str().unwrap_or("");
            if target["hide"] == true || expr.is_empty() {
                continue;
            }
            let reference = match special(&p["datasource"]) {
                Some("mixed") => &target["datasource"],
                _ if p["datasource"].is_null() => &target["datasource"],
                _ => &p["datasource"],
            };
            if special(reference).is_some() {
                plan.other += 1;
                continue;
            }
            let ds = match ctx.datasource(reference, &scope) {
                Ok(ds) if ds.kind == "prometheus" => ds.clone(),
                Ok(_) => {
                    plan.other += 1;
                    continue;
                }
                Err(e) => {
                    plan.broken.push((title.clone(), path, expr.into(), e));
                    continue;
                }
            };
            plan.queries.push(PanelQuery {
                panel: title.clone(),
                path,
                ref_id: target["refId"].as_str().unwrap_or("").into(),
                datasource: ds,
                expr: expr.into(),
                instant: target["instant"] == true,
                range: target["range"] == true,
                target_interval: target["interval"].as_str().unwrap_or("").into(),
                interval_factor: target["intervalFactor"].as_i64().unwrap_or(1),
                min_interval: p["interval"].as_str().unwrap_or("").into(),
                max_data_points: p["maxDataPoints"].as_i64(),
                repeat: repeat.clone(),
            });
        }
    }
    plan
}
