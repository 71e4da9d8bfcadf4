//! `promql/series`: a selector that matches nothing now, and why. Is the metric absent from the
//! whole TSDB (none within the retention), or gone (and since when)? Does it exist but never with
//! this label, or with the label but never with this value? The nearest names and values that do
//! exist are named. Selectors under `absent()`/`absent_over_time()` or beside `or vector(0)` are
//! expected to match nothing; a metric that a rule of the files records is not yet there.
use super::{Found, Online, RuleRef};
use promstack_shared::prometheus::promql::ast::{MatchOp, Matcher, VectorSelector};
use promstack_shared::prometheus::promql::model;
// a PromQL string is a Go string literal: Go's quoting writes one
use promstack_shared::prometheus::promql::quote::go_quote as quote;
use std::collections::BTreeSet;

pub const CHECK: &str = "promql/series";

/// Findings of one rule.
pub async fn check(o: &Online<'_>, r: &RuleRef<'_>, recorded: &BTreeSet<&str>) -> Vec<Found> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for u in model::selectors(&r.expr) {
        let sel = u.selector;
        if u.guarded || sel.metric().is_some_and(|m| recorded.contains(m)) {
            continue;
        }
        let text = selector_text(sel.metric(), &matchers(sel));
        if !seen.insert(text.clone()) {
            continue;
        }
        match why_empty(o, sel, &text).await {
            Ok(Some(why)) => out.push(r.found(CHECK, why)),
            Ok(None) => {}
            Err(e) => {
                out.push(r.found(CHECK, format!("cannot ask Prometheus about `{text}`: {e}")))
            }
        }
    }
    out
}

/// The selector's matchers but the metric name's.
pub(super) fn matchers(sel: &VectorSelector) -> Vec<&Matcher> {
    sel.matchers
        .iter()
        .filter(|m| !(sel.metric().is_some() && m.name == "__name__" && m.op == MatchOp::Equal))
        .collect()
}

/// Why `sel` matches nothing now; `None` when it matches something.
async fn why_empty(
    o: &Online<'_>,
    sel: &VectorSelector,
    text: &str,
) -> Result<Option<String>, String> {
    if o.number(&format!("count({text})")).await? > 0.0 {
        return Ok(None);
    }
    let Some(metric) = sel.metric() else {
        return Ok(Some(format!("`{text}` matches no series")));
    };
    let bare = selector_text(Some(metric), &[]);
    if o.number(&format!("count({bare})")).await? == 0.0 {
        return Ok(Some(metric_gone(o, metric, &bare).await?));
    }
    let ms = matchers(sel);
    for m in &ms {
        let one = selector_text(Some(metric), &[m]);
        if o.number(&format!("count({one})")).await? > 0.0 {
            continue;
        }
        return Ok(Some(matcher_never(o, metric, &bare, m).await?));
    }
    Ok(Some(format!(
        "`{text}`: no series of `{metric}` matches all of its matchers at once, though each one alone matches"
    )))
}

/// The metric has no series now: never within the retention, or since when.
async fn metric_gone(o: &Online<'_>, metric: &str, bare: &str) -> Result<String, String> {
    let keep = o
        .live
        .retention
        .unwrap_or(std::time::Duration::from_secs(15 * 86400));
    let window = promstack_shared::go::duration::format(keep);
    let existed = o
        .number(&format!("count(last_over_time({bare}[{window}]))"))
        .await?
        > 0.0;
    if existed {
        let ago = last_seen(o, bare, keep).await?;
        return Ok(format!(
            "`{metric}` has no series now: it was last seen about {} ago (Prometheus keeps {window})",
            promstack_shared::go::duration::format(ago)
        ));
    }
    let names = o.ask("/api/v1/label/__name__/values", &[]).await?;
    let near = nearest(metric, &names);
    Ok(format!(
        "`{metric}` is not in Prometheus: no series within its retention ({window}){}",
        near.map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default()
    ))
}

/// How long ago the metric's newest sample is, to within a twentieth (at least a minute): the
/// shortest window `last_over_time` still finds it in, searched by halving (a sample's own time
/// needs a feature flag on 3.x, or a subquery too coarse to say).
async fn last_seen(
    o: &Online<'_>,
    bare: &str,
    keep: std::time::Duration,
) -> Result<std::time::Duration, String> {
    let (mut lo, mut hi) = (0u64, keep.as_secs().max(60));
    while hi - lo > (hi / 20).max(60) {
        let mid = lo + (hi - lo) / 2;
        let found = o
            .number(&format!("count(last_over_time({bare}[{mid}s]))"))
            .await?;
        match found > 0.0 {
            true => hi = mid,
            false => lo = mid,
        }
    }
    // the window is the sample's age plus the 5 minutes a selector looks back
    Ok(std::time::Duration::from_secs(
        hi.saturating_sub(0) / 60 * 60,
    ))
}

/// The metric exists, but never with this matcher: the label is missing, or never has the value.
async fn matcher_never(
    o: &Online<'_>,
    metric: &str,
    bare: &str,
    m: &Matcher,
) -> Result<String, String> {
    let has_label = o
        .number(&format!(
            "count({})",
            selector_text(
                Some(metric),
                &[&Matcher {
                    name: m.name.clone(),
                    op: MatchOp::NotEqual,
                    value: String::new(),
                }]
            )
        ))
        .await?;
    let matcher = format!(
        "{}{}{}",
        quote_name(&m.name),
        m.op.as_str(),
        quote(&m.value)
    );
    if has_label == 0.0 {
        if matches!(m.op, MatchOp::NotEqual | MatchOp::NotRegexp) {
            // `l!="x"` also matches series without `l`: not this matcher's fault
            return Ok(format!("no series of `{metric}` matches `{matcher}`"));
        }
        let labels = o
            .ask("/api/v1/labels", &[("match[]", bare.to_string())])
            .await?;
        let near = nearest(&m.name, &labels);
        return Ok(format!(
            "`{metric}` has no label `{}` (its labels: {}){}",
            m.name,
            list(&labels, 12),
            near.map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default()
        ));
    }
    let values = o
        .ask(
            &format!("/api/v1/label/{}/values", m.name),
            &[("match[]", bare.to_string())],
        )
        .await?;
    let near = match m.op {
        MatchOp::Equal => nearest(&m.value, &values),
        _ => None,
    };
    Ok(format!(
        "`{metric}` never has `{matcher}`: its `{}` is one of {}{}",
        m.name,
        list(&values, 10),
        near.map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default()
    ))
}

fn strings(v: &serde_json::Value) -> impl Iterator<Item = &str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str())
}

fn nearest<'v>(s: &str, among: &'v serde_json::Value) -> Option<&'v str> {
    promstack_shared::terminal::suggest::nearest(s, strings(among))
}

fn list(v: &serde_json::Value, at_most: usize) -> String {
    let all: Vec<&str> = strings(v).filter(|s| *s != "__name__").collect();
    let mut shown: Vec<String> = all.iter().take(at_most).map(|s| format!("`{s}`")).collect();
    if all.len() > at_most {
        shown.push(format!("and {} more", all.len() - at_most));
    }
    match shown.is_empty() {
        true => "none".into(),
        false => shown.join(", "),
    }
}

/// A metric name PromQL can write bare (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
fn is_bare_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A label name, quoted when PromQL cannot write it bare.
fn quote_name(n: &str) -> String {
    match promstack_shared::alertmanager::matchers::is_classic_label_name(n) {
        true => n.to_string(),
        false => quote(n),
    }
}

/// A selector as PromQL: `metric{a="b"}` (a name PromQL cannot write bare is quoted inside).
pub fn selector_text(metric: Option<&str>, ms: &[&Matcher]) -> String {
    let mut parts: Vec<String> = ms
        .iter()
        .map(|m| {
            format!(
                "{}{}{}",
                quote_name(&m.name),
                m.op.as_str(),
                quote(&m.value)
            )
        })
        .collect();
    match metric {
        Some(name) if is_bare_metric_name(name) => match parts.is_empty() {
            true => name.to_string(),
            false => format!("{name}{{{}}}", parts.join(", ")),
        },
        Some(name) => {
            parts.insert(0, quote(name));
            format!("{{{}}}", parts.join(", "))
        }
        None => format!("{{{}}}", parts.join(", ")),
    }
}
