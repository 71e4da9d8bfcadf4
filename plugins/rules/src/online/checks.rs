//! The online checks beside `promql/series` (see [`super`]), and `alerts/template`, which the
//! expression model answers offline.
use super::{Found, Online, RuleRef};
use crate::load::Loaded;
use promstack_shared::prometheus::promql::ast::{Binary, Expr, ValueType};
use promstack_shared::prometheus::promql::model;
use promstack_shared::prometheus::promql::token::ItemType;
use serde::Serialize;
use std::collections::BTreeSet;

/// `promql/range_query`: a range longer than the live retention sees only the retention.
pub fn range_query(o: &Online<'_>, r: &RuleRef<'_>) -> Vec<Found> {
    let Some(keep) = o.live.retention else {
        return vec![];
    };
    model::ranges(&r.expr)
        .into_iter()
        .filter(|(secs, _)| *secs > keep.as_secs_f64())
        .map(|(secs, what)| {
            r.found(
                "promql/range_query",
                format!(
                    "the range [{}] of {what} is longer than Prometheus's retention ({}): it sees at most that",
                    promstack_shared::go::duration::format(std::time::Duration::from_secs_f64(secs)),
                    promstack_shared::go::duration::format(keep)
                ),
            )
        })
        .collect()
}

/// The text of a part of the rule's expression.
fn text<'r>(r: &'r RuleRef<'_>, e: &Expr) -> &'r str {
    let s = e.span();
    r.rule.expr.get(s.start..s.end).unwrap_or("?").trim()
}

/// `promql/vector_matching`: two vectors that can never pair, so the operation yields nothing.
/// - `on(l)` where one side has `l` and the other has not (a label neither side has matches as
///   empty on both). Whether a side has it: not when its expression drops it (after `sum(...)`),
///   else as its live series say.
/// - Without `on`, Prometheus pairs series whose labels are equal but for the metric name and the
///   `ignoring(...)` ones: a label that every series of one side has and no series of the other,
///   as the live data say, means no pair ever matches. (`or` and `unless` yield their left side
///   whatever matches, so they are left out.)
pub async fn vector_matching(o: &Online<'_>, r: &RuleRef<'_>) -> Vec<Found> {
    let mut pairs = Vec::new();
    r.expr.walk(&mut |e| {
        if let Expr::Binary(b) = e {
            let vectors =
                b.lhs.value_type() != ValueType::Scalar && b.rhs.value_type() != ValueType::Scalar;
            let on = b.matching.on && !b.matching.labels.is_empty();
            let all_labels = !b.matching.on && !matches!(b.op, ItemType::LOR | ItemType::LUNLESS);
            if vectors && (on || all_labels) {
                pairs.push(b.as_ref());
            }
        }
    });
    let mut out = Vec::new();
    for b in pairs {
        if b.matching.on {
            out.extend(on_labels(o, r, b).await);
        } else {
            out.extend(label_sets(o, r, b).await);
        }
    }
    out
}

async fn on_labels(o: &Online<'_>, r: &RuleRef<'_>, b: &Binary) -> Vec<Found> {
    let labels = &b.matching.labels;
    let (lhs, rhs) = futures::join!(
        coverage(o, r, &b.lhs, labels),
        coverage(o, r, &b.rhs, labels)
    );
    let has = |c: Option<Coverage>| c.map(|c| c != Coverage::None);
    let mut out = Vec::new();
    for (i, l) in labels.iter().enumerate() {
        let (lacking, side, other) = match (has(lhs[i]), has(rhs[i])) {
            (Some(false), Some(true)) => ("left", &b.lhs, &b.rhs),
            (Some(true), Some(false)) => ("right", &b.rhs, &b.lhs),
            _ => continue,
        };
        out.push(r.found(
            "promql/vector_matching",
            format!(
                "on({}): the {lacking} side `{}` has no label `{l}` while the other side `{}` has it, so nothing matches",
                labels.join(", "),
                text(r, side),
                text(r, other)
            ),
        ));
    }
    out
}

/// How many series of this many a side samples for the label names it has; each name that
/// differs between the samples is then counted exactly over the whole side.
const SAMPLE: usize = 20;

/// Matching on all labels (but `ignoring(...)`): the labels every series of one side has and no
/// series of the other.
async fn label_sets(o: &Online<'_>, r: &RuleRef<'_>, b: &Binary) -> Option<Found> {
    let ignored: BTreeSet<&str> = b
        .matching
        .labels
        .iter()
        .map(String::as_str)
        .chain(["__name__"])
        .collect();
    let names = |series: Vec<serde_json::Value>| -> BTreeSet<String> {
        series
            .iter()
            .filter_map(|s| s["metric"].as_object())
            .flat_map(|m| m.keys().cloned())
            .filter(|k| !ignored.contains(k.as_str()))
            .collect()
    };
    let (ql, qr) = (
        format!("topk({SAMPLE}, {})", text(r, &b.lhs)),
        format!("topk({SAMPLE}, {})", text(r, &b.rhs)),
    );
    let (lhs, rhs) = futures::join!(o.query(&ql), o.query(&qr));
    let (lhs, rhs) = (lhs.ok()?, rhs.ok()?);
    if lhs.is_empty() || rhs.is_empty() {
        return None;
    }
    let (lhs, rhs) = (names(lhs), names(rhs));
    let mut left_only = Vec::new();
    let mut right_only = Vec::new();
    for l in lhs.symmetric_difference(&rhs) {
        let one = std::slice::from_ref(l);
        let (on_left, on_right) =
            futures::join!(coverage(o, r, &b.lhs, one), coverage(o, r, &b.rhs, one));
        match (on_left[0]?, on_right[0]?) {
            (Coverage::All, Coverage::None) => left_only.push(l.as_str()),
            (Coverage::None, Coverage::All) => right_only.push(l.as_str()),
            _ => {}
        }
    }
    if left_only.is_empty() && right_only.is_empty() {
        return None;
    }
    let sides = [("left", &b.lhs, left_only), ("right", &b.rhs, right_only)]
        .into_iter()
        .filter(|(_, _, only)| !only.is_empty())
        .map(|(which, side, only)| {
            format!(
                "every series of the {which} side `{}` has {} and none of the other side's",
                text(r, side),
                only.iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join(", and ");
    let how = if b.matching.labels.is_empty() {
        "matching on all labels".to_string()
    } else {
        format!("ignoring({})", b.matching.labels.join(", "))
    };
    Some(r.found(
        "promql/vector_matching",
        format!(
            "{how}: {sides}, so nothing matches; add such labels to ignoring(...), or match on(...) the labels both sides have"
        ),
    ))
}

/// Whether every series of a side has label `l`, none has, or some.
#[derive(Clone, Copy, PartialEq)]
enum Coverage {
    All,
    None,
    Some,
}

/// For each label, how many series of the side's result have it: none when its expression drops
/// it (after `sum(...)`), else as its live series say (one `count by (labels)` query); `None`
/// when unknown (no live data, or the query failed).
async fn coverage(
    o: &Online<'_>,
    r: &RuleRef<'_>,
    e: &Expr,
    labels: &[String],
) -> Vec<Option<Coverage>> {
    let model = model::output_labels(e);
    let q = format!("count by ({}) ({})", labels.join(", "), text(r, e));
    let groups = o.query(&q).await.unwrap_or_default();
    labels
        .iter()
        .map(|l| {
            if model.lacks(l) {
                return Some(Coverage::None);
            }
            let with = groups
                .iter()
                .filter(|g| g["metric"].get(l.as_str()).is_some())
                .count();
            match (with, groups.len() - with) {
                (0, 0) => None,
                (_, 0) => Some(Coverage::All),
                (0, _) => Some(Coverage::None),
                _ => Some(Coverage::Some),
            }
        })
        .collect()
}

/// The `$labels.x` (or `.Labels.x`, `index $labels "x"`) names a template reads.
pub fn template_labels(text: &str, var: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in [format!("${var}."), format!(".{}.", capitalised(var))] {
        for (i, _) in text.match_indices(&prefix) {
            let rest = &text[i + prefix.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    let index = format!("index ${var} \"");
    for (i, _) in text.match_indices(&index) {
        if let Some(name) = text[i + index.len()..].split('"').next() {
            out.insert(name.to_string());
        }
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// `alerts/template`: a label an annotation or label of an alert reads (`{{ $labels.instance }}`)
/// that the expression's result cannot have (after `sum by (job)`, say). Offline.
pub fn template(r: &RuleRef<'_>) -> Vec<Found> {
    if r.rule.alert.is_none() {
        return vec![];
    }
    let labels = model::output_labels(&r.expr);
    let mut out = Vec::new();
    let texts = r
        .rule
        .annotations
        .iter()
        .map(|(k, v)| (format!("annotation `{k}`"), v))
        .chain(
            r.rule
                .labels
                .iter()
                .map(|(k, v)| (format!("label `{k}`"), v)),
        );
    for (whose, text) in texts {
        for name in template_labels(text, "labels") {
            if labels.lacks(&name) && !r.rule.labels.contains_key(&name) {
                out.push(r.found(
                    "alerts/template",
                    format!("{whose} reads `$labels.{name}`, but the expression's result has no `{name}` label"),
                ));
            }
        }
    }
    out
}

/// `alerts/external_labels`: `$externalLabels.x` where the live Prometheus has no such label.
pub fn external_labels(o: &Online<'_>, r: &RuleRef<'_>) -> Vec<Found> {
    if !o.live.config_read {
        return vec![];
    }
    let mut out = Vec::new();
    for (k, v) in r.rule.annotations.iter().chain(r.rule.labels.iter()) {
        for name in template_labels(v, "externalLabels") {
            if !o.live.external_labels.contains_key(&name) {
                let have: Vec<&str> = o.live.external_labels.keys().map(String::as_str).collect();
                out.push(r.found(
                    "alerts/external_labels",
                    format!(
                        "`{k}` reads `$externalLabels.{name}`, but Prometheus's external labels are {}",
                        match have.is_empty() {
                            true => "none".to_string(),
                            false => have.join(", "),
                        }
                    ),
                ));
            }
        }
    }
    out
}

/// Whether `text` reads the series `name` (as a whole word: metric names hold `:` and `_`).
fn reads(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    text.match_indices(name).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + name.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// `rule/dependency`: a recording rule Prometheus runs in a group of the files' that the files no
/// longer have, whose series a rule of the files or a dashboard still reads.
pub async fn dependency(o: &Online<'_>, loaded: &Loaded, rules: &[RuleRef<'_>]) -> Vec<Found> {
    let local_groups: BTreeSet<&str> = rules.iter().map(|r| r.group.name.as_str()).collect();
    let recorded: BTreeSet<&str> = rules
        .iter()
        .filter_map(|r| r.rule.record.as_deref())
        .collect();
    let mut out = Vec::new();
    for g in &o.live.groups {
        let Some(gname) = g["name"].as_str().filter(|n| local_groups.contains(n)) else {
            continue;
        };
        let removed = g["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["type"] == "recording")
            .filter_map(|r| r["name"].as_str())
            .filter(|n| !recorded.contains(n));
        for name in removed {
            for r in rules.iter().filter(|r| {
                model::selectors(&r.expr)
                    .iter()
                    .any(|u| u.selector.metric() == Some(name))
            }) {
                out.push(r.found(
                    "rule/dependency",
                    format!("reads `{name}`, which group `{gname}` records in Prometheus but the files no longer do: once synced, this rule sees nothing"),
                ));
            }
            let group = rules.iter().find(|r| r.group.name == gname);
            for (title, _) in o.dashboards.iter().filter(|(_, text)| reads(text, name)) {
                let loc = group
                    .map(|r| r.loc.clone())
                    .unwrap_or_else(|| loaded.object_loc(0));
                out.push(Found {
                    loc,
                    group: gname.to_string(),
                    rule: name.to_string(),
                    check: "rule/dependency",
                    error: None,
                    message: format!("recording rule `{name}` is gone from group `{gname}`, but dashboard {title} still reads its series"),
                });
            }
        }
    }
    out
}

/// What one rule costs, from Prometheus's own account of it.
#[derive(Debug, Clone, Serialize)]
pub struct RuleCost {
    pub group: String,
    pub rule: String,
    /// Series its selectors select now.
    pub series: u64,
    /// Its last evaluation, in seconds (`/api/v1/rules`), when Prometheus runs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_seconds: Option<f64>,
}

/// `query/cost`: each rule's series and evaluation time; a group whose evaluation takes longer
/// than its interval is an error.
pub async fn cost(o: &Online<'_>, rules: &[RuleRef<'_>]) -> (Vec<Found>, Vec<RuleCost>) {
    let mut found = Vec::new();
    let local_groups: BTreeSet<&str> = rules.iter().map(|r| r.group.name.as_str()).collect();
    for g in &o.live.groups {
        let Some(name) = g["name"].as_str().filter(|n| local_groups.contains(n)) else {
            continue;
        };
        let (took, every) = (g["evaluationTime"].as_f64(), g["interval"].as_f64());
        if let (Some(took), Some(every)) = (took, every) {
            if took > every {
                let r = rules
                    .iter()
                    .find(|r| r.group.name == name)
                    .expect("a local group");
                let mut f = r.found(
                    "query/cost",
                    format!("group `{name}` takes {took:.2}s to evaluate, longer than its interval ({every}s): evaluations are skipped"),
                );
                f.error = Some(true);
                found.push(f);
            }
        }
    }
    let costs = futures::future::join_all(rules.iter().map(|r| async move {
        let mut series = 0u64;
        for u in model::selectors(&r.expr) {
            let ms = super::series::matchers(u.selector);
            let q = format!(
                "count({})",
                super::series::selector_text(u.selector.metric(), &ms)
            );
            series += o.number(&q).await.unwrap_or(0.0) as u64;
        }
        let evaluation_seconds = o
            .live
            .groups
            .iter()
            .filter(|g| g["name"] == r.group.name.as_str())
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .find(|lr| lr["name"] == r.name())
            .and_then(|lr| lr["evaluationTime"].as_f64());
        RuleCost {
            group: r.group.name.clone(),
            rule: r.name().to_string(),
            series,
            evaluation_seconds,
        }
    }))
    .await;
    (found, costs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use promstack_shared::prometheus::rule::RuleGroup;

    fn group() -> RuleGroup {
        serde_yaml::from_str("name: slow\nrules:\n  - record: a:b:c\n    expr: sum(x)\n").unwrap()
    }

    #[tokio::test]
    async fn a_group_slower_than_its_interval_is_an_error() {
        // nothing answers on this port: the series counts are 0, the group's timing is the live one
        let api = promstack_shared::prometheus::api::PrometheusApi::new("http://127.0.0.1:9", None)
            .unwrap();
        let live = super::super::Live {
            groups: vec![
                serde_json::json!({"name": "slow", "interval": 30.0, "evaluationTime": 42.5,
                    "rules": [{"name": "a:b:c", "evaluationTime": 42.4}]}),
                serde_json::json!({"name": "other", "interval": 30.0, "evaluationTime": 99.0, "rules": []}),
            ],
            ..Default::default()
        };
        let o = Online::new(&api, live, vec![]);
        let g = group();
        let r = RuleRef {
            loc: crate::load::Loc {
                file: "f.yaml".into(),
                line: 3,
            },
            group: &g,
            rule: &g.rules[0],
            expr: crate::validate::parse_for("sum(x)", &Default::default()).unwrap(),
        };
        let (found, costs) = cost(&o, std::slice::from_ref(&r)).await;
        assert_eq!(found.len(), 1, "only the group of the files: {found:?}");
        assert_eq!(found[0].error, Some(true));
        assert!(found[0]
            .message
            .contains("group `slow` takes 42.50s to evaluate, longer than its interval (30s)"));
        assert_eq!(costs[0].evaluation_seconds, Some(42.4));
    }

    #[test]
    fn template_variables_are_found_in_every_form() {
        let t = "{{ $labels.instance }} {{ .Labels.job }} {{ index $labels \"pod-name\" }} {{ $value }}";
        let found: Vec<String> = template_labels(t, "labels").into_iter().collect();
        assert_eq!(found, ["instance", "job", "pod-name"]);
        assert!(reads("sum(job:up:sum) by (x)", "job:up:sum"));
        assert!(!reads("job:up:sum_total", "job:up:sum"));
    }
}
