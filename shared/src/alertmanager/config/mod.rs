//! The one Alertmanager configuration model of promstack: [`check`] and [`problems`] (the
//! install's check before it writes the config Secret), [`routing`] (alert-test's offline route
//! test, status's comparison of our config with the loaded one).
//!
//! The configuration is checked as Alertmanager 0.34 (the chart's) loads it, so that a config it
//! would refuse is refused before it is written into the config Secret (where Alertmanager would
//! keep the old config, or none), and one it loads is not: every field of every structure it
//! reads, strictly ([`schema`]); each value in the form its Go type reads ([`walk`]); what each
//! structure checks of itself ([`semantic`]); and what the whole file must hold ([`tree`]):
//! receivers and their `global:` fallbacks, the route tree, matchers in the fallback mode 0.34
//! runs ([`crate::alertmanager::matchers`]), inhibit rules, time intervals, tracing, the event
//! recorder. Each problem names file:line and the path of the offending part, in Alertmanager's
//! words where it has them. What Alertmanager loads but cannot use later (a notification template
//! that does not parse) is a warning.

mod fuzz;
pub mod routing;
pub mod schema;
mod semantic;
mod tree;
mod values;
mod walk;
pub mod yaml;

use crate::input::yaml_path as locate;
pub use fuzz::fuzz_check;
use locate::Seg;
use serde_yaml::{Mapping, Value as Yaml};

/// The verdict on a config: what Alertmanager would refuse, and what it loads but would fail on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Alertmanager refuses the file for each of these (`file:line: path: what`).
    pub problems: Vec<String>,
    /// Alertmanager loads the file; each of these fails a notification when it renders.
    pub warnings: Vec<String>,
}

pub(crate) struct Checker<'a> {
    origin: &'a str,
    text: &'a str,
    problems: Vec<String>,
    /// Problems past [`MAX_PROBLEMS`], counted only.
    unlocated: usize,
    /// The values merged into a mapping (by its shown path) under keys it sets already.
    shadowed: std::collections::HashMap<String, Vec<(String, Yaml)>>,
    /// The text's lines, read at the first problem.
    index: std::cell::OnceCell<locate::Index<'a>>,
}

/// The problems said one by one (each is found in the text); the rest are counted.
const MAX_PROBLEMS: usize = 100;

/// How deep a path is followed to find its line.
const LOCATED_DEPTH: usize = 64;

impl Checker<'_> {
    /// A problem at the node `path` (its line found in the text).
    pub(crate) fn problem(&mut self, path: &[Seg], msg: String) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.unlocated += 1;
            return;
        }
        self.problems.push(self.at(path, &msg));
    }

    /// The values merged into the mapping at `path` under keys it sets already (taken: each
    /// mapping is walked once).
    pub(crate) fn shadowed(&mut self, path: &[Seg]) -> Vec<(String, Yaml)> {
        if self.shadowed.is_empty() {
            return Vec::new();
        }
        self.shadowed.remove(&show_path(path)).unwrap_or_default()
    }

    /// The verdict: the problems in the order of the file.
    fn finish(&mut self, mut warnings: Vec<String>) -> Checked {
        let origin = self.origin;
        let line = |p: &String| {
            p.strip_prefix(origin)
                .and_then(|r| r.strip_prefix(':'))
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0)
        };
        self.problems.sort_by_key(line);
        if self.unlocated > 0 {
            self.problems.push(format!(
                "{origin}: and {} more problems (fix these first)",
                self.unlocated
            ));
        }
        warnings.truncate(MAX_PROBLEMS);
        for (_, entries) in self.shadowed.drain() {
            entries.into_iter().for_each(|(_, v)| yaml::dismantle(v));
        }
        Checked {
            problems: std::mem::take(&mut self.problems),
            warnings,
        }
    }

    fn at(&self, path: &[Seg], msg: &str) -> String {
        // finding a line costs the size of each scope on the way: a node deeper than this is
        // placed at the line of its ancestor this deep
        let located = &path[..path.len().min(LOCATED_DEPTH)];
        let index = self.index.get_or_init(|| locate::Index::new(self.text));
        let line = index
            .line_of(located)
            .map(|l| format!("{}:{l}", self.origin))
            .unwrap_or_else(|| self.origin.to_string());
        match show_path(path) {
            p if p.is_empty() => format!("{line}: {msg}"),
            p => format!("{line}: {p}: {msg}"),
        }
    }
}

/// `route.routes[0].matchers[1]`.
fn show_path(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// A scalar's text as Go's yaml.v2 stores it in a string (a number's or a boolean's text too).
pub(crate) fn scalar_text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

/// The strings of a list under `k` (a null item is Go's empty string; a collection is left out).
pub(crate) fn strings(m: &Mapping, k: &str) -> Vec<String> {
    get(m, k)
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|v| match v {
            Yaml::Null => Some(String::new()),
            v => scalar_text(v),
        })
        .collect()
}

/// The value under `k`, unless absent or null.
pub(crate) fn get<'a>(m: &'a Mapping, k: &str) -> Option<&'a Yaml> {
    m.get(k).filter(|v| !v.is_null())
}

/// Is `k` set (present and not null: Go's non-nil pointer)?
pub(crate) fn has(m: &Mapping, k: &str) -> bool {
    get(m, k).is_some()
}

/// The text under `k` ("" when absent or null).
pub(crate) fn text(m: &Mapping, k: &str) -> String {
    get(m, k).and_then(scalar_text).unwrap_or_default()
}

/// Is `k` true (YAML 1.1's `yes` and `on` too: [`yaml`] reads them as booleans)?
pub(crate) fn is_true(m: &Mapping, k: &str) -> bool {
    get(m, k).and_then(yaml::as_bool) == Some(true)
}

/// Does the `http_config` under `m` set an authorization? prometheus/common turns a
/// `bearer_token` or `bearer_token_file` into one when it reads the settings.
pub(crate) fn http_authorization(m: &Mapping) -> Option<bool> {
    let h = get(m, "http_config")?.as_mapping()?;
    Some(
        has(h, "authorization")
            || !text(h, "bearer_token").is_empty()
            || !text(h, "bearer_token_file").is_empty(),
    )
}

/// The number under `k`.
pub(crate) fn number(m: &Mapping, k: &str) -> Option<f64> {
    get(m, k).and_then(yaml::as_number).map(|n| match n {
        yaml::Num::Int(i) => i as f64,
        yaml::Num::Float(f) => f,
    })
}

/// An integer field's number as yaml.v2 sets it in a Go integer: a float truncated toward zero
/// (`chat_id: 1e-3` is 0).
pub(crate) fn integer(m: &Mapping, k: &str) -> Option<f64> {
    number(m, k).map(f64::trunc)
}

/// `; did you mean `x`?` for the known name nearest to an unknown one, if one is near.
pub(crate) fn suggest<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> String {
    crate::terminal::suggest::nearest(unknown, known)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

/// Alertmanager's template functions (template/template.go's `DefaultFuncs`).
const TEMPLATE_FUNCTIONS: &[&str] = &[
    "toUpper",
    "toLower",
    "title",
    "trimSpace",
    "join",
    "match",
    "safeHtml",
    "safeUrl",
    "urlUnescape",
    "reReplaceAll",
    "stringSlice",
    "routeLabels",
    "date",
    "tz",
    "now",
    "since",
    "humanizeDuration",
    "toDate",
    "mustToDate",
    "toJson",
];

/// Validate an Alertmanager configuration: what Alertmanager 0.34 refuses, and warnings.
pub fn check(origin: &str, text: &str) -> Checked {
    let loaded = match yaml::load_all(text) {
        Ok(d) => d,
        Err(e) => {
            return Checked {
                problems: vec![format!(
                    "{origin}:{}:{}: invalid YAML: {}",
                    e.line, e.column, e.message
                )],
                warnings: vec![],
            };
        }
    };
    let shadowed = loaded
        .shadowed
        .into_iter()
        .map(|(path, entries)| (show_path(&path), entries))
        .collect();
    let mut c = Checker {
        origin,
        text,
        problems: Vec::new(),
        unlocated: 0,
        shadowed,
        index: Default::default(),
    };
    let checked = check_document(&mut c, &loaded.doc);
    yaml::dismantle(loaded.doc);
    checked
}

fn check_document(c: &mut Checker, doc: &Yaml) -> Checked {
    let top = match doc {
        Yaml::Null => {
            c.problem(&[], "no route provided in config".into());
            return c.finish(vec![]);
        }
        Yaml::Mapping(m) => m,
        other => {
            let what = match other {
                Yaml::Sequence(_) => "a list",
                _ => "a single value",
            };
            c.problem(
                &[],
                format!("an Alertmanager config is a mapping (route, receivers, ...), not {what}"),
            );
            return c.finish(vec![]);
        }
    };
    walk::walk(c, doc, &schema::CONFIG_TY, &mut Vec::new());
    tree::check(c, top);
    let warnings = template_warnings(c, top);
    c.finish(warnings)
}

/// Every problem of an Alertmanager configuration, each as `file:line: path: what`.
pub fn problems(origin: &str, text: &str) -> Vec<String> {
    check(origin, text).problems
}

/// Keys whose values are secrets or URLs: not read as templates here (nor quoted in a warning).
fn not_a_template(k: &str) -> bool {
    [
        "key",
        "token",
        "secret",
        "password",
        "credentials",
        "url",
        "_file",
    ]
    .iter()
    .any(|s| k.contains(s))
}

/// The notification templates of every integration that do not parse as Alertmanager parses
/// them when it renders a notification.
fn template_warnings(c: &Checker, top: &Mapping) -> Vec<String> {
    fn visit(c: &Checker, v: &Yaml, path: &mut Vec<Seg>, out: &mut Vec<String>) {
        if out.len() >= MAX_PROBLEMS {
            return;
        }
        crate::input::deep::grow(|| visit_here(c, v, path, out));
    }
    fn visit_here(c: &Checker, v: &Yaml, path: &mut Vec<Seg>, out: &mut Vec<String>) {
        match v {
            Yaml::String(s) if s.contains("{{") => {
                let scope = crate::go::template::Scope {
                    name: "",
                    functions: TEMPLATE_FUNCTIONS,
                    variables: &[],
                };
                if let Err(e) = crate::go::template::check(s, &scope) {
                    out.push(c.at(
                        path,
                        &format!("the template does not parse ({e}): Alertmanager loads the config, and every notification through it fails to render"),
                    ));
                }
            }
            Yaml::Mapping(m) => {
                for (k, x) in m {
                    let k = scalar_text(k).unwrap_or_default();
                    if not_a_template(&k) || k == "http_config" {
                        continue;
                    }
                    path.push(Seg::Key(k));
                    visit(c, x, path, out);
                    path.pop();
                }
            }
            Yaml::Sequence(s) => {
                for (i, x) in s.iter().enumerate() {
                    path.push(Seg::Index(i));
                    visit(c, x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, r) in get(top, "receivers")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(r) = r.as_mapping() else { continue };
        for integration in schema::INTEGRATIONS {
            if let Some(v) = get(r, integration) {
                let mut path = vec![
                    Seg::Key("receivers".into()),
                    Seg::Index(i),
                    Seg::Key(integration.into()),
                ];
                visit(c, v, &mut path, &mut out);
            }
        }
    }
    out
}
