//! The document against [`super::schema`]: every field known, every value of its field's type,
//! every scalar in the form its Go type reads; then each structure's own checks
//! ([`super::semantic`]).
use super::schema::{Struct, Ty};
use super::values;
use super::{scalar_text, Checker};
use crate::alertmanager::{matchers, timeinterval};
use crate::input::yaml_path::Seg;
use serde_yaml::Value as Yaml;

fn kind(v: &Yaml) -> &'static str {
    match v {
        Yaml::Null => "nothing",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(_) => "a number",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a mapping",
        Yaml::Tagged(_) => "a tagged value",
    }
}

fn untag(v: &Yaml) -> &Yaml {
    match v {
        Yaml::Tagged(t) => untag(&t.value),
        v => v,
    }
}

/// Check `v` as a value of `ty` at `path` (as deep as the document is: on a stack grown as
/// needed).
pub(super) fn walk(c: &mut Checker, v: &Yaml, ty: &'static Ty, path: &mut Vec<Seg>) {
    crate::input::deep::grow(|| walk_here(c, v, ty, path))
}

fn walk_here(c: &mut Checker, v: &Yaml, ty: &'static Ty, path: &mut Vec<Seg>) {
    if matches!(ty, Ty::Bool) && super::yaml::as_bool(v).is_some() {
        return;
    }
    if matches!(ty, Ty::Int | Ty::Uint | Ty::Float | Ty::GoDuration) && !v.is_null() {
        if let Err(what) = number(v, ty) {
            let shown =
                scalar_text(v).map_or_else(|| kind(untag(v)).to_string(), |s| format!("`{s}`"));
            c.problem(
                path,
                what.unwrap_or_else(|| format!("cannot read {shown} as {}", number_kind(ty))),
            );
        }
        return;
    }
    let v = untag(v);
    if v.is_null() {
        return;
    }
    let scalar = scalar_text(v);
    let refuse = |c: &mut Checker, what: &str| {
        let shown = scalar
            .as_deref()
            .map_or_else(|| kind(v).to_string(), |s| format!("`{s}`"));
        c.problem(path, format!("expected {what}, found {shown}"));
    };
    match ty {
        Ty::Any => {}
        Ty::Str => {
            if scalar.is_none() {
                refuse(c, "a string");
            }
        }
        Ty::Bool => {
            if super::yaml::as_bool(v).is_none() {
                refuse(c, "true or false");
            }
        }
        _ => {
            let Some(text) = scalar.clone() else {
                return match ty {
                    Ty::List(item) => walk_list(c, v, item, path),
                    Ty::Map(value) => walk_map(c, v, value, path),
                    Ty::LabelSet => walk_label_set(c, v, path),
                    Ty::Struct(s) => walk_struct(c, v, s, path),
                    Ty::Matchers => walk_matchers(c, v, path),
                    Ty::JiraField => walk_struct(c, v, &super::schema::JIRA_FIELD, path),
                    _ => refuse(c, "a string"),
                };
            };
            let checked: Result<(), String> = match ty {
                Ty::ModelDuration => values::model_duration(&text),
                Ty::TextDuration => values::go_duration(&text),
                Ty::Url => values::am_url(&text),
                Ty::SecretUrl if text == "<secret>" => Ok(()),
                Ty::SecretUrl => values::am_url(&text),
                Ty::TemplateUrl => template_url(&text),
                Ty::AnyUrl => values::url_parse(&text).map(|_| ()),
                Ty::HostPort => values::host_port(&text),
                Ty::Glob => values::glob_pattern(&text),
                Ty::TlsVersion => match text.as_str() {
                    "TLS10" | "TLS11" | "TLS12" | "TLS13" => Ok(()),
                    _ => Err(format!("unknown TLS version: {text}")),
                },
                Ty::Location => timeinterval::location(&text),
                Ty::Regexp => crate::go::re2::check(&text, crate::go::re2::Anchor::Alertmanager),
                Ty::Weekday => timeinterval::weekday_range(&text),
                Ty::DayOfMonth => timeinterval::day_of_month_range(&text),
                Ty::Month => timeinterval::month_range(&text),
                Ty::Year => timeinterval::year_range(&text),
                Ty::JiraField => Ok(()),
                Ty::List(_) => Err(format!("expected a list, found `{text}`")),
                Ty::Map(_) | Ty::LabelSet | Ty::Struct(_) => {
                    Err(format!("expected a mapping, found `{text}`"))
                }
                Ty::Matchers => Err(format!("expected a list of matchers, found `{text}`")),
                _ => Ok(()),
            };
            if let Err(e) = checked {
                c.problem(path, e);
            }
        }
    }
}

fn number_kind(ty: &Ty) -> &'static str {
    match ty {
        Ty::Int => "a whole number",
        Ty::Uint => "a whole number not below 0",
        Ty::Float => "a number",
        _ => "a duration like 30s or 1m30s",
    }
}

/// Whether yaml.v2 reads `v` into a Go integer, unsigned integer, float or `time.Duration`
/// (`Err(Some(why))`: a duration's text that does not parse).
fn number(v: &Yaml, ty: &Ty) -> Result<(), Option<String>> {
    use super::yaml::{as_number, Num};
    let fits = match (as_number(v), ty) {
        (Some(_), Ty::Float) => true,
        (Some(Num::Int(i)), Ty::Int | Ty::GoDuration) => i <= i64::MAX as i128,
        (Some(Num::Int(i)), _) => i >= 0,
        // Go converts a float that is not above the largest integer
        (Some(Num::Float(f)), Ty::Int | Ty::GoDuration) => f <= i64::MAX as f64,
        (Some(Num::Float(f)), _) => f <= u64::MAX as f64,
        (None, Ty::GoDuration) => {
            return match untag(v) {
                Yaml::String(s) => values::go_duration(s).map_err(Some),
                _ => Err(None),
            }
        }
        (None, _) => false,
    };
    if fits {
        Ok(())
    } else {
        Err(None)
    }
}

/// A URL that may be a Go template: a template must parse (with no functions: Alertmanager
/// parses it bare), anything else must be a URL.
fn template_url(s: &str) -> Result<(), String> {
    if s.is_empty() || s == "<secret>" {
        return Ok(());
    }
    if s.contains("{{") {
        let scope = crate::go::template::Scope {
            name: "",
            functions: &[],
            variables: &[],
        };
        return crate::go::template::check(s, &scope)
            .map_err(|e| format!("invalid template syntax: {e}"));
    }
    values::am_url(s).map_err(|e| format!("invalid URL: {e}"))
}

fn walk_list(c: &mut Checker, v: &Yaml, item: &'static Ty, path: &mut Vec<Seg>) {
    let Yaml::Sequence(items) = v else {
        c.problem(path, format!("expected a list, found {}", kind(v)));
        return;
    };
    for (i, x) in items.iter().enumerate() {
        path.push(Seg::Index(i));
        walk(c, x, item, path);
        path.pop();
    }
}

fn walk_map(c: &mut Checker, v: &Yaml, value: &'static Ty, path: &mut Vec<Seg>) {
    let Yaml::Mapping(m) = v else {
        c.problem(path, format!("expected a mapping, found {}", kind(v)));
        return;
    };
    shadowed_keys(c, path);
    for (k, x) in m {
        let Some(k) = scalar_text(k) else {
            c.problem(path, "a key must be a string".to_string());
            continue;
        };
        path.push(Seg::Key(k.clone()));
        match (value, untag(x)) {
            (Ty::Regexp, Yaml::Null) => {
                c.problem(path, format!("invalid regexp value for {}", go_quote(&k)))
            }
            _ => walk(c, x, value, path),
        }
        path.pop();
    }
}

fn go_quote(s: &str) -> String {
    crate::prometheus::promql::quote::go_quote(s)
}

fn walk_label_set(c: &mut Checker, v: &Yaml, path: &mut Vec<Seg>) {
    let Yaml::Mapping(m) = v else {
        c.problem(path, format!("expected a mapping, found {}", kind(v)));
        return;
    };
    shadowed_keys(c, path);
    for (k, x) in m {
        let k = scalar_text(k).unwrap_or_default();
        path.push(Seg::Key(k.clone()));
        if k.is_empty() {
            c.problem(path, format!("{} is not a valid label name", go_quote(&k)));
        }
        walk(c, x, &Ty::Str, path);
        path.pop();
    }
}

fn walk_matchers(c: &mut Checker, v: &Yaml, path: &mut Vec<Seg>) {
    let Yaml::Sequence(lines) = v else {
        c.problem(
            path,
            format!("expected a list of matchers, found {}", kind(v)),
        );
        return;
    };
    for (i, line) in lines.iter().enumerate() {
        path.push(Seg::Index(i));
        match scalar_text(untag(line)) {
            Some(s) => {
                if let Err(e) = matchers::parse_matchers(&s) {
                    c.problem(path, format!("`{s}`: {e}"));
                }
            }
            None if line.is_null() => {}
            None => c.problem(
                path,
                format!(
                    "expected a matcher like severity=\"critical\", found {}",
                    kind(line)
                ),
            ),
        }
        path.pop();
    }
}

fn walk_struct(c: &mut Checker, v: &Yaml, s: &'static Struct, path: &mut Vec<Seg>) {
    let Yaml::Mapping(m) = v else {
        c.problem(path, format!("expected a mapping, found {}", kind(v)));
        return;
    };
    for (k, x) in m {
        let key = scalar_text(k).unwrap_or_default();
        path.push(Seg::Key(key.clone()));
        match s.field(&key) {
            Some(ty) => walk(c, x, ty, path),
            None => {
                let suggestion = super::suggest(&key, s.fields.iter().map(|(f, _)| *f));
                c.problem(
                    path,
                    format!("unknown field `{key}` (Alertmanager 0.34 reads its config strictly){suggestion}"),
                );
            }
        }
        path.pop();
    }
    super::semantic::check(c, s, m, path);
    // yaml.v2 decodes a merged value under a key set already too (the last one stays)
    for (key, x) in c.shadowed(path) {
        path.push(Seg::Key(key.clone()));
        match s.field(&key) {
            Some(ty) => walk(c, &x, ty, path),
            None => c.problem(path, format!("unknown field `{key}` (merged with `<<`)")),
        }
        path.pop();
        super::yaml::dismantle(x);
    }
}

/// Keys merged into a map (`<<`) that it sets already: yaml.v2 refuses them, as any key set twice.
fn shadowed_keys(c: &mut Checker, path: &[Seg]) {
    for (key, x) in c.shadowed(path) {
        c.problem(path, format!("key {} already set in map", go_quote(&key)));
        super::yaml::dismantle(x);
    }
}
