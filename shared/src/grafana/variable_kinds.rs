//! Each kind of template variable refreshed as Grafana 12 refreshes it on load: `query` (its
//! datasource's variable query, regex, sort), `custom` (`a, b, key : value`), `datasource` (the
//! datasources of a type, by regex on their names), `interval` (its list; `$__auto` from the
//! range), `constant`, `textbox`. `adhoc` filters and kinds Grafana cannot refresh here keep
//! their saved values.
use super::interpolate::{self, Format, Scope, Var};
use super::interval;
use super::metric_find::{self, Opt};
use super::variables::{Context, Current, Note, State};
use serde_json::Value as Json;

fn note(state: &State, message: String, failed: bool) -> Note {
    Note {
        variable: state.name.clone(),
        message,
        failed,
    }
}

/// Refresh one variable; `Err` is what it met (a failed query is `failed`).
pub async fn refresh(
    model: &Json,
    state: &mut State,
    ctx: &Context<'_>,
    scope: &Scope,
) -> Result<(), Note> {
    match state.kind.as_str() {
        "query" => query(model, state, ctx, scope).await,
        "custom" => {
            let q = interpolate::replace(&text(&model["query"]), scope, Format::Glob).text;
            state.update(custom_options(&q));
            Ok(())
        }
        "datasource" => {
            datasource(model, state, ctx, scope);
            Ok(())
        }
        "constant" => {
            let q = text(&model["query"]);
            state.value = Current::One(q.clone());
            state.text = Current::One(q);
            Ok(())
        }
        "textbox" => {
            if matches!(&state.value, Current::One(v) if v.is_empty()) {
                let q = text(&model["query"]);
                state.value = Current::One(q.clone());
                state.text = Current::One(q);
            }
            Ok(())
        }
        "interval" => {
            interval_variable(model, state, ctx);
            Ok(())
        }
        "adhoc" if model["filters"].as_array().is_some_and(|f| !f.is_empty()) => Err(note(
            state,
            "ad hoc filters are not applied to the queries checked".into(),
            false,
        )),
        _ => Ok(()),
    }
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// A query variable: its query through its datasource, when that is Prometheus.
async fn query(
    model: &Json,
    state: &mut State,
    ctx: &Context<'_>,
    scope: &Scope,
) -> Result<(), Note> {
    let ds = ctx
        .datasource(&model["datasource"], scope)
        .map_err(|e| note(state, e, true))?;
    if ds.kind != "prometheus" {
        return Err(note(
            state,
            format!(
                "its datasource {} is {}, not Prometheus: kept its saved value",
                ds.name, ds.kind
            ),
            false,
        ));
    }
    // a string (jsonnet), else the object's `query`; nothing: no options
    let raw = match &model["query"] {
        Json::String(s) => s.clone(),
        Json::Object(o) => o.get("query").map(text).unwrap_or_default(),
        _ => String::new(),
    };
    let found = match raw.is_empty() {
        true => vec![],
        false => {
            let scoped = variable_query_scope(scope, ds.time_interval(), ctx);
            let q = interpolate::replace(&raw, &scoped, Format::Prometheus).text;
            let find = metric_find::parse(&q);
            metric_find::run(ctx.source, &ds.uid, &find, ctx.from_ms, ctx.to_ms)
                .await
                .map_err(|e| note(state, format!("{q}: {e}"), true))?
        }
    };
    let regex_text = text(&model["regex"]);
    let regex = match regex_text.is_empty() {
        true => None,
        false => {
            let r = interpolate::replace(&regex_text, scope, Format::Named("regex")).text;
            Some(metric_find::js_regex(&r).map_err(|e| note(state, e, true))?)
        }
    };
    let sort = model["sort"].as_i64().unwrap_or(0);
    state.update(metric_find::to_options(regex.as_ref(), sort, found));
    Ok(())
}

/// What a variable query is interpolated with: the datasource's interval as `$__interval`, the
/// range as `$__range`, `$__range_s`, `$__range_ms`.
fn variable_query_scope(scope: &Scope, time_interval: Option<&str>, ctx: &Context<'_>) -> Scope {
    let mut s = scope.clone();
    let interval = time_interval.unwrap_or("15s");
    let ms = interval::parse(interval).unwrap_or(15_000);
    let range_ms = ctx.to_ms - ctx.from_ms;
    let range_s = ((range_ms as f64) / 1000.0).round() as i64;
    for (name, value) in [
        ("__interval", interval.to_string()),
        ("__interval_ms", ms.to_string()),
        ("__range", format!("{range_s}s")),
        ("__range_s", range_s.to_string()),
        ("__range_ms", range_ms.to_string()),
    ] {
        s.scoped.insert(name.into(), Var::plain(name, &value));
    }
    s
}

/// A custom variable's options: comma-separated (`\,` is a comma), `key : value` pairs.
pub fn custom_options(q: &str) -> Vec<Opt> {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                parts.last_mut().expect("one part").push(',');
                chars.next();
            }
            ',' => parts.push(String::new()),
            c => parts.last_mut().expect("one part").push(c),
        }
    }
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| match p.rsplit_once(" : ") {
            Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => Opt {
                text: k.trim().into(),
                value: v.trim().into(),
            },
            _ => Opt {
                text: p.trim().into(),
                value: p.trim().into(),
            },
        })
        .collect()
}

/// A datasource variable: Grafana's datasources of its type, by regex on their names.
fn datasource(model: &Json, state: &mut State, ctx: &Context<'_>, scope: &Scope) {
    let kind = text(&model["query"]);
    let regex_text = text(&model["regex"]);
    let regex = match regex_text.is_empty() {
        true => None,
        false => metric_find::js_regex(
            &interpolate::replace(&regex_text, scope, Format::Named("regex")).text,
        )
        .ok(),
    };
    let mut sources: Vec<_> = ctx.datasources.iter().filter(|d| d.kind == kind).collect();
    sources.sort_by_key(|d| d.name.to_lowercase());
    let mut options: Vec<Opt> = sources
        .into_iter()
        .filter(|d| regex.as_ref().is_none_or(|(r, _)| r.is_match(&d.name)))
        .map(|d| Opt {
            text: d.name.clone(),
            value: d.uid.clone(),
        })
        .collect();
    if options.is_empty() {
        options.push(Opt {
            text: "No data sources found".into(),
            value: String::new(),
        });
    }
    state.update(options);
}

/// An interval variable: its value stays unless it has none (then the first); `$__auto` is the
/// range over `auto_count` steps, at least `auto_min`.
fn interval_variable(model: &Json, state: &mut State, ctx: &Context<'_>) {
    let intervals: Vec<String> = text(&model["query"])
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    state.options = intervals
        .iter()
        .map(|i| Opt {
            text: i.clone(),
            value: i.clone(),
        })
        .collect();
    let current = match &state.text {
        Current::One(t) if !t.is_empty() => t.clone(),
        _ => match &state.value {
            Current::One(v) => v.clone(),
            Current::Many(v) => v.first().cloned().unwrap_or_default(),
        },
    };
    let current = match (current.is_empty(), intervals.first()) {
        (true, Some(first)) => first.clone(),
        _ => current,
    };
    let value =
        if current == "$__auto" || current.starts_with("$__auto_interval") || current == "auto" {
            let count = model["auto_count"].as_i64().unwrap_or(30);
            let min = model["auto_min"].as_str().unwrap_or("10s");
            interval::format(interval::frontend_interval(
                ctx.to_ms - ctx.from_ms,
                count,
                Some(min),
            ))
        } else {
            current
        };
    state.value = Current::One(value.clone());
    state.text = Current::One(value);
}
