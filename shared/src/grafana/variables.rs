//! A dashboard's template variables resolved as Grafana 12 resolves them when the dashboard loads
//! (Scenes' `MultiValueVariable` and its kinds, from the saved model as
//! `transformSaveModelToScene` reads it): each variable after those it refers to; a query
//! variable's options asked of its datasource ([`super::metric_find`]), a custom one's parsed, a
//! datasource variable's from Grafana's datasources; then the saved value is kept when the new
//! options hold it, else the first option, or All when the variable includes All
//! (`defaultToAll`). A variable Grafana cannot resolve here (a query on another kind of
//! datasource) keeps its saved value, and says so.
use super::api::Datasource;
use super::interpolate::{self, Format, Scope, Value, Var, ALL_TEXT, ALL_VALUE};
use super::metric_find::{Opt, PromSource};
use serde::Serialize;
use serde_json::Value as Json;

/// A resolved variable.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: String,
    pub kind: String,
    pub multi: bool,
    pub include_all: bool,
    pub all_value: Option<String>,
    pub options: Vec<Opt>,
    /// `$__all` (alone, or first of a list) is All.
    pub value: Current,
    pub text: Current,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Current {
    One(String),
    Many(Vec<String>),
}

/// What resolving a variable met: a failure (its query failed: Grafana shows the error) or a
/// note (kept its saved value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub variable: String,
    pub message: String,
    pub failed: bool,
}

/// What the variables are resolved with.
pub struct Context<'a> {
    pub source: &'a dyn PromSource,
    pub datasources: &'a [Datasource],
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Context<'_> {
    /// The datasource a reference names (after interpolation): by uid, else by name; `default`
    /// or nothing is the default datasource.
    pub fn datasource(&self, reference: &Json, scope: &Scope) -> Result<&Datasource, String> {
        let raw = match reference {
            Json::Null => "",
            Json::String(s) => s,
            Json::Object(o) => o.get("uid").and_then(Json::as_str).unwrap_or(""),
            other => return Err(format!("datasource {other} is not a reference")),
        };
        let name = interpolate::replace(raw, scope, Format::Glob).text;
        if name.is_empty() || name == "default" {
            return self
                .datasources
                .iter()
                .find(|d| d.is_default)
                .ok_or_else(|| "no default datasource".to_string());
        }
        self.datasources
            .iter()
            .find(|d| d.uid == name)
            .or_else(|| self.datasources.iter().find(|d| d.name == name))
            .ok_or_else(|| format!("Datasource {name} was not found"))
    }
}

/// JavaScript's truthiness of a JSON value (how Grafana reads `multi`, `includeAll`).
pub fn truthy(v: &Json) -> bool {
    match v {
        Json::Null => false,
        Json::Bool(b) => *b,
        Json::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Json::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn js_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn current_of(v: &Json) -> Current {
    match v {
        Json::Array(a) => Current::Many(a.iter().map(js_text).collect()),
        other => Current::One(js_text(other)),
    }
}

impl State {
    /// The variable as saved.
    pub fn saved(model: &Json) -> Self {
        let all_value = model["allValue"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(String::from);
        let options = model["options"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| Opt {
                text: js_text(&o["text"]),
                value: js_text(&o["value"]),
            })
            .filter(|o| o.value != ALL_VALUE)
            .collect();
        State {
            name: js_text(&model["name"]),
            kind: js_text(&model["type"]),
            multi: truthy(&model["multi"]),
            include_all: truthy(&model["includeAll"]),
            all_value,
            options,
            value: current_of(&model["current"]["value"]),
            text: current_of(&model["current"]["text"]),
        }
    }

    /// Is the value All?
    pub fn is_all(&self) -> bool {
        match &self.value {
            Current::One(v) => v == ALL_VALUE,
            Current::Many(v) => v.first().is_some_and(|v| v == ALL_VALUE),
        }
    }

    /// The values a repeat runs over (`getMultiVariableValues`): every option for All.
    pub fn values(&self) -> Vec<String> {
        if self.is_all() {
            return self.options.iter().map(|o| o.value.clone()).collect();
        }
        match &self.value {
            Current::One(v) => vec![v.clone()],
            Current::Many(v) => v.clone(),
        }
    }

    /// The variable as interpolation reads it (`getValue`, `getValueText`).
    pub fn var(&self) -> Var {
        let (value, text) = if self.is_all() {
            let v = match &self.all_value {
                Some(a) => Value::CustomAll(a.clone()),
                None => Value::Many(self.options.iter().map(|o| o.value.clone()).collect()),
            };
            (v, ALL_TEXT.to_string())
        } else {
            let value = match &self.value {
                Current::One(v) => Value::One(v.clone()),
                Current::Many(v) => Value::Many(v.clone()),
            };
            let text = match &self.text {
                Current::One(t) => t.clone(),
                Current::Many(t) => t.join(" + "),
            };
            (value, text)
        };
        Var {
            name: self.name.clone(),
            multi: self.multi,
            include_all: self.include_all,
            value,
            text,
        }
    }

    /// `getStateUpdateGivenNewOptions`: keep what the new options hold, else the default.
    pub fn update(&mut self, options: Vec<Opt>) {
        let default_to_all = self.include_all;
        self.options = options;
        let first = self.options.first().cloned();
        let Some(first) = first else {
            (self.value, self.text) = match (default_to_all, self.multi) {
                (true, _) => (one(ALL_VALUE), one(ALL_TEXT)),
                (false, true) => (Current::Many(vec![]), Current::Many(vec![])),
                (false, false) => (one(""), one("")),
            };
            return;
        };
        if self.is_all() {
            if self.include_all {
                self.text = one(ALL_TEXT);
            } else {
                (self.value, self.text) = self.wrap(first.value, first.text);
            }
            return;
        }
        if self.multi {
            self.update_multi(first, default_to_all);
            return;
        }
        let by_value = match &self.value {
            Current::One(v) => self.options.iter().find(|o| &o.value == v),
            Current::Many(_) => None,
        };
        let by_text = match &self.text {
            Current::One(t) => self.options.iter().find(|o| &o.text == t),
            Current::Many(_) => None,
        };
        (self.value, self.text) = match (by_value.or(by_text), default_to_all) {
            (Some(o), _) => (one(&o.value), one(&o.text)),
            (None, true) => (one(ALL_VALUE), one(ALL_TEXT)),
            (None, false) => (one(&first.value), one(&first.text)),
        };
    }

    fn update_multi(&mut self, first: Opt, default_to_all: bool) {
        let current = match &self.value {
            Current::One(v) => vec![v.clone()],
            Current::Many(v) => v.clone(),
        };
        let valid: Vec<&Opt> = current
            .iter()
            .filter_map(|v| self.options.iter().find(|o| &o.value == v))
            .collect();
        (self.value, self.text) = match (valid.is_empty(), default_to_all) {
            (true, true) => (many(ALL_VALUE), many(ALL_TEXT)),
            (true, false) => (many(&first.value), many(&first.text)),
            (false, _) => (
                Current::Many(valid.iter().map(|o| o.value.clone()).collect()),
                Current::Many(valid.iter().map(|o| o.text.clone()).collect()),
            ),
        };
    }

    fn wrap(&self, value: String, text: String) -> (Current, Current) {
        match self.multi {
            true => (Current::Many(vec![value]), Current::Many(vec![text])),
            false => (Current::One(value), Current::One(text)),
        }
    }
}

fn one(s: &str) -> Current {
    Current::One(s.to_string())
}

fn many(s: &str) -> Current {
    Current::Many(vec![s.to_string()])
}

/// A dashboard's variables, resolved.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    pub states: Vec<State>,
    pub notes: Vec<Note>,
}

impl Resolved {
    pub fn get(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }
}

/// The names a variable's definition refers to.
fn dependencies(model: &Json) -> Vec<String> {
    let mut text = String::new();
    for key in ["query", "regex", "datasource"] {
        text.push_str(&model[key].to_string());
        text.push(' ');
    }
    interpolate::names_in(&text)
}

/// The order Grafana resolves them in: each after the variables it refers to, else as listed.
fn order(models: &[Json]) -> Vec<usize> {
    let names: Vec<String> = models.iter().map(|m| js_text(&m["name"])).collect();
    let deps: Vec<Vec<usize>> = models
        .iter()
        .enumerate()
        .map(|(i, m)| {
            dependencies(m)
                .iter()
                .filter_map(|d| names.iter().position(|n| n == d))
                .filter(|&j| j != i)
                .collect()
        })
        .collect();
    let mut done = vec![false; models.len()];
    let mut out = Vec::new();
    while out.len() < models.len() {
        let next = (0..models.len())
            .find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]))
            .or_else(|| (0..models.len()).find(|&i| !done[i]))
            .expect("one is left");
        done[next] = true;
        out.push(next);
    }
    out
}

/// Resolve every variable of `dashboard` (its `templating.list`); `scope` gets each as it is
/// resolved (it starts with the saved values, so a cycle reads those).
pub async fn resolve(dashboard: &Json, ctx: &Context<'_>, scope: &mut Scope) -> Resolved {
    let models: Vec<Json> = dashboard["templating"]["list"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut states: Vec<State> = models.iter().map(State::saved).collect();
    for s in &states {
        scope.variables.insert(s.name.clone(), s.var());
    }
    let mut notes = Vec::new();
    for i in order(&models) {
        if let Err(note) =
            super::variable_kinds::refresh(&models[i], &mut states[i], ctx, scope).await
        {
            notes.push(note);
        }
        scope
            .variables
            .insert(states[i].name.clone(), states[i].var());
    }
    Resolved { states, notes }
}
