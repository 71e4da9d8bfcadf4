//! What each structure's Go `UnmarshalYAML` checks beyond its fields' types (Alertmanager 0.34,
//! prometheus/common 0.70, prometheus/sigv4 0.4), in their words. The checks that need the
//! whole file (receivers and the route tree, the `global:` fallbacks) are [`super::tree`]'s.
use super::schema::Struct;
use super::{get, has, text, Checker};
use crate::input::yaml_path::Seg;
use http::*;
use outputs::*;

mod http;
mod integrations;
mod outputs;
use crate::alertmanager::matchers::{is_classic_label_name, is_label_name};
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::BTreeSet;

pub(super) fn go_quote(s: &str) -> String {
    crate::prometheus::promql::quote::go_quote(s)
}
/// One structure's mapping and where its problems go.
pub(super) struct Ctx<'a> {
    pub m: &'a Mapping,
    pub say: &'a mut dyn FnMut(String),
}
impl Ctx<'_> {
    pub fn say(&mut self, msg: String) {
        (self.say)(msg)
    }
    pub fn say_fn(&mut self) -> &mut dyn FnMut(String) {
        &mut *self.say
    }
    pub fn nonempty(&self, k: &str) -> bool {
        !text(self.m, k).is_empty()
    }
    pub fn at_most_one(&mut self, a: &str, b: &str) {
        if self.nonempty(a) && self.nonempty(b) {
            self.say(format!("at most one of {a} & {b} must be configured"));
        }
    }
}
/// The checks of the structure `s` on its mapping `m` at `path`.
pub(super) fn check(c: &mut Checker, s: &Struct, m: &Mapping, path: &[Seg]) {
    let mut say = |msg: String| c.problem(path, msg);
    let mut x = Ctx { m, say: &mut say };
    match s.name {
        "route" => check_route(&mut x),
        "inhibit_rule" => check_inhibit_rule(&mut x),
        "time_range" => check_time_range(&mut x),
        "tracing" => check_tracing(&mut x),
        "file_output" => check_file_output(&mut x),
        "kafka_output" => check_kafka_output(&mut x),
        "webhook_output" => check_webhook_output(&mut x),
        "http_config" => check_http_config(&mut x),
        "oauth2" => check_oauth2(&mut x),
        "tls_config" => check_tls_config(&mut x),
        "sigv4" => check_sigv4(&mut x),
        "receiver" => check_receiver(&mut x),
        name => {
            if let Some(rules) = integrations::rules(name) {
                integrations::check(&mut x, rules)
            }
        }
    }
}
fn check_route(x: &mut Ctx) {
    let m = x.m;
    route(x.say_fn(), m);
}
fn check_inhibit_rule(x: &mut Ctx) {
    let m = x.m;
    for k in ["source_match", "target_match"] {
        for key in keys(m, k) {
            if !is_classic_label_name(&key) {
                x.say(format!("invalid label name {}", go_quote(&key)));
            }
        }
    }
    for k in ["source_match_re", "target_match_re"] {
        for key in keys(m, k) {
            if !is_classic_label_name(&key) {
                x.say(format!("invalid label name {}", go_quote(&key)));
            }
        }
    }
    for l in strings(m, "equal") {
        if !is_label_name(&l) {
            x.say(format!("invalid label name {} in equal list", go_quote(&l)));
        }
    }
}
fn check_time_range(x: &mut Ctx) {
    let m = x.m;
    if let Err(e) =
        crate::alertmanager::timeinterval::time_range(&text(m, "start_time"), &text(m, "end_time"))
    {
        x.say(e);
    }
}
fn check_tracing(x: &mut Ctx) {
    let m = x.m;
    if let Some(t) = get(m, "client_type") {
        let t = super::scalar_text(t).unwrap_or_default();
        if t != "http" && t != "grpc" {
            x.say(format!(
                "expected tracing client type to be to be http or grpc, but got {t}"
            ));
        }
    }
    if !x.nonempty("endpoint") {
        x.say("tracing endpoint must be set".into());
    }
    let comp = text(m, "compression");
    if !comp.is_empty() && comp != "gzip" {
        x.say(format!(
            "invalid compression type {comp} provided, valid options: gzip"
        ));
    }
    headers(x.say_fn(), m, "headers");
}
fn check_receiver(x: &mut Ctx) {
    let m = x.m;
    let name = text(m, "name");
    if name.is_empty() {
        x.say("missing name in receiver".into());
    }
    if let Some(v) = get(m, "labels")
        .and_then(Yaml::as_mapping)
        .and_then(|l| l.get("name"))
    {
        let v = super::scalar_text(v).unwrap_or_default();
        if v != name {
            x.say(format!(
                "receiver label \"name\" must match receiver name {}, got {}",
                go_quote(&name),
                go_quote(&v)
            ));
        }
    }
}
/// `k` or `k_file`: one of them, not both (a URL key counts when set at all).
pub(super) fn one_of(say: &mut dyn FnMut(String), m: &Mapping, k: &str, file: &str) {
    let a = has(m, k);
    let b = !text(m, file).is_empty();
    if !a && !b {
        say(format!("one of {k} or {file} must be configured"));
    }
    if a && b {
        say(format!("at most one of {k} & {file} must be configured"));
    }
}
/// The keys of a mapping under `k`.
pub(super) fn keys(m: &Mapping, k: &str) -> BTreeSet<String> {
    get(m, k)
        .and_then(Yaml::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| super::scalar_text(k))
        .collect()
}
/// The strings of a list under `k` (a null item is Go's empty string).
pub(super) fn strings(m: &Mapping, k: &str) -> Vec<String> {
    super::strings(m, k)
}
/// A Go template parsed with no functions of its own (`template.New("").Parse`).
pub(super) fn bare_template(s: &str) -> Result<(), String> {
    crate::go::template::check(
        s,
        &crate::go::template::Scope {
            name: "",
            functions: &[],
            variables: &[],
        },
    )
}
fn route(say: &mut dyn FnMut(String), m: &Mapping) {
    for k in keys(m, "match").into_iter().chain(keys(m, "match_re")) {
        if !is_classic_label_name(&k) {
            say(format!("invalid label name {}", go_quote(&k)));
        }
    }
    for k in keys(m, "labels") {
        if !is_label_name(&k) {
            say(format!(
                "invalid label name {} in route labels",
                go_quote(&k)
            ));
        }
    }
    let group_by = strings(m, "group_by");
    let mut seen = BTreeSet::new();
    let mut all = false;
    let mut named = 0;
    for l in &group_by {
        if l == "..." {
            all = true;
            continue;
        }
        if !is_label_name(l) {
            say(format!(
                "invalid label name {} in group_by list",
                go_quote(l)
            ));
            continue;
        }
        named += 1;
        if !seen.insert(l.as_str()) {
            say(format!("duplicated label {} in group_by", go_quote(l)));
        }
    }
    if all && named > 0 {
        say("cannot have wildcard group_by (`...`) and other labels at the same time".into());
    }
    for k in ["group_interval", "repeat_interval"] {
        if get(m, k).is_some() && crate::go::duration::seconds(&text(m, k)) == Some(0.0) {
            say(format!("{k} cannot be zero"));
        }
    }
}
