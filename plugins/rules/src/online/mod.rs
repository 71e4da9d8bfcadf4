//! `rules lint`'s online checks: they ask the Prometheus that runs the rules (a URL, or the
//! stack's through a port-forward) what it has, with pint's names and meanings:
//!
//! - `promql/series` ([`series`]): a selector that matches nothing, and which part of it;
//! - `promql/range_query`: a range longer than the live retention;
//! - `promql/vector_matching`: `on(...)` naming a label one side does not have, or, matching on
//!   all labels but `ignoring(...)`'s, a label every series of one side has and no series of the other;
//! - `alerts/external_labels`: `$externalLabels.x` the live Prometheus does not have;
//! - `rule/dependency`: a recording rule Prometheus runs, gone from the files, whose series
//!   other rules or dashboards still read;
//! - `query/cost`: series per evaluation, and evaluation time from `/api/v1/rules` (a group
//!   slower than its interval is an error).
//!
//! The queries run concurrently, at most [`IN_FLIGHT`] at once, each distinct one once. The
//! expression model is the one `rules validate` parses with ([`promstack_shared::prometheus::promql::model`]).
pub mod backtest;
mod checks;
mod live;
mod series;

pub use checks::{template, RuleCost};
pub use live::Live;

use crate::load::{Loaded, Loc};
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::prometheus::promql::ast::Expr;
use promstack_shared::prometheus::promql::Target;
use std::collections::HashMap;
use std::sync::Mutex;

/// At most this many queries at once.
pub const IN_FLIGHT: usize = 8;

/// One online finding before the lint turns it into a `Finding` (opt-outs, severities).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub loc: Loc,
    pub group: String,
    pub rule: String,
    pub check: &'static str,
    /// `None`: the check's own severity.
    pub error: Option<bool>,
    pub message: String,
}

/// A rule with its parsed expression.
pub struct RuleRef<'a> {
    pub loc: Loc,
    pub group: &'a promstack_shared::prometheus::rule::RuleGroup,
    pub rule: &'a promstack_shared::prometheus::rule::Rule,
    pub expr: Expr,
}

impl RuleRef<'_> {
    pub fn name(&self) -> &str {
        self.rule
            .alert
            .as_deref()
            .or(self.rule.record.as_deref())
            .unwrap_or("?")
    }

    fn found(&self, check: &'static str, message: String) -> Found {
        Found {
            loc: self.loc.clone(),
            group: self.group.name.clone(),
            rule: self.name().to_string(),
            check,
            error: None,
            message,
        }
    }
}

/// Every rule of the files whose PromQL parses for `target`.
pub fn rules<'a>(l: &'a Loaded, target: &Target) -> Vec<RuleRef<'a>> {
    l.each_rule()
        .filter_map(|((o, g, r), group, rule)| {
            let expr = crate::validate::parse_for(&rule.expr, target).ok()?;
            Some(RuleRef {
                loc: l.rule_loc(o, g, r),
                group,
                rule,
                expr,
            })
        })
        .collect()
}

/// The Prometheus the checks ask, and its answers so far (each distinct query once).
pub struct Online<'a> {
    pub api: &'a PrometheusApi,
    pub live: Live,
    /// Dashboards whose queries may read recorded series: (title and where, the JSON).
    pub dashboards: Vec<(String, String)>,
    answers: Mutex<HashMap<String, Result<serde_json::Value, String>>>,
    gate: tokio::sync::Semaphore,
}

impl<'a> Online<'a> {
    pub fn new(api: &'a PrometheusApi, live: Live, dashboards: Vec<(String, String)>) -> Self {
        Online {
            api,
            live,
            dashboards,
            answers: Mutex::new(HashMap::new()),
            gate: tokio::sync::Semaphore::new(IN_FLIGHT),
        }
    }

    /// `path` with `params`, asked once per run, at most [`IN_FLIGHT`] at once.
    pub async fn ask(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<serde_json::Value, String> {
        let key = format!("{path}?{params:?}");
        if let Some(a) = self.answers.lock().unwrap().get(&key) {
            return a.clone();
        }
        let answer = {
            let _permit = self.gate.acquire().await.map_err(|e| e.to_string())?;
            self.api.get(path, params).await
        };
        self.answers.lock().unwrap().insert(key, answer.clone());
        answer
    }

    /// An instant query's result vector.
    pub async fn query(&self, q: &str) -> Result<Vec<serde_json::Value>, String> {
        let data = self
            .ask("/api/v1/query", &[("query", q.to_string())])
            .await?;
        Ok(data["result"].as_array().cloned().unwrap_or_default())
    }

    /// The single number of an instant query like `count(...)` (0 when it returns nothing).
    pub async fn number(&self, q: &str) -> Result<f64, String> {
        let r = self.query(q).await?;
        Ok(r.first()
            .and_then(|s| s["value"][1].as_str())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0))
    }
}

/// Every online check on the rules (those of the files `loaded`, parsed: [`rules`]), and what
/// each rule costs.
pub async fn check(
    o: &Online<'_>,
    loaded: &Loaded,
    rules: &[RuleRef<'_>],
) -> (Vec<Found>, Vec<RuleCost>) {
    let recorded: std::collections::BTreeSet<&str> = rules
        .iter()
        .filter_map(|r| r.rule.record.as_deref())
        .collect();
    let per_rule = futures::future::join_all(rules.iter().map(|r| async {
        let mut out = series::check(o, r, &recorded).await;
        out.extend(checks::range_query(o, r));
        out.extend(checks::vector_matching(o, r).await);
        out.extend(checks::external_labels(o, r));
        out
    }))
    .await;
    let mut out: Vec<Found> = per_rule.into_iter().flatten().collect();
    out.extend(checks::dependency(o, loaded, rules).await);
    let (found, costs) = checks::cost(o, rules).await;
    out.extend(found);
    (out, costs)
}
