//! `rules lint --backtest 24h`: each alert's expression replayed over the past range with
//! `query_range` at the evaluation interval, and Prometheus's alerting state machine run over the
//! result (rules/alerting.go): a series that appears is pending from that evaluation and fires
//! at the first evaluation at least `for` after it; a firing alert whose series is gone keeps
//! firing while less than `keep_firing_for` has passed since it went, and resolves at the
//! evaluation after that; a pending one whose series is gone is dropped. Each firing, from the
//! evaluation it fired at to the one it resolved at (or the end of the range), is one alert.
use super::{Online, RuleRef};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// query_range answers at most this many points a series.
const MAX_POINTS: f64 = 11_000.0;

/// One alert that would have fired.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fired {
    pub labels: BTreeMap<String, String>,
    /// Unix seconds.
    pub start: f64,
    /// When it resolved; None: still firing at the end of the range.
    pub end: Option<f64>,
    pub seconds: f64,
}

/// One alerting rule's backtest.
#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    pub file: String,
    pub line: usize,
    pub alert: String,
    /// The first evaluation replayed (Unix seconds).
    pub from: f64,
    pub range_seconds: f64,
    pub step_seconds: f64,
    pub fired: Vec<Fired>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Backtest {
    /// `KubePodCrashLooping: 3 alerts in the last 24h (longest 2h10m)`.
    pub fn line(&self) -> String {
        let range =
            promstack_shared::go::duration::format(Duration::from_secs(self.range_seconds as u64));
        if let Some(e) = &self.error {
            return format!("{}: cannot backtest: {e}", self.alert);
        }
        let longest = self.fired.iter().map(|f| f.seconds).fold(0.0, f64::max);
        match self.fired.len() {
            0 => format!("{}: no alert in the last {range}", self.alert),
            n => format!(
                "{}: {n} alert{} in the last {range} (longest {}{})",
                self.alert,
                if n == 1 { "" } else { "s" },
                promstack_shared::go::duration::format(Duration::from_secs(longest.round() as u64)),
                if self.fired.iter().any(|f| f.end.is_none()) {
                    ", one still firing"
                } else {
                    ""
                }
            ),
        }
    }
}

fn seconds(d: Option<&str>) -> f64 {
    d.and_then(promstack_shared::go::duration::seconds)
        .unwrap_or(0.0)
}

/// The backtest of one alerting rule over the `range` up to `end` (Unix seconds).
pub async fn run(o: &Online<'_>, r: &RuleRef<'_>, range: Duration, end: f64) -> Backtest {
    let interval = r
        .group
        .interval
        .as_deref()
        .and_then(promstack_shared::go::duration::seconds)
        .unwrap_or(o.live.evaluation_interval.as_secs_f64())
        .max(1.0);
    let span = range.as_secs_f64();
    // the evaluation interval, or a multiple of it when the range holds too many
    let step = interval * (span / interval / MAX_POINTS).ceil().max(1.0);
    let start = end - span;
    let mut out = Backtest {
        file: r.loc.file.clone(),
        line: r.loc.line,
        alert: r.name().to_string(),
        from: start,
        range_seconds: span,
        step_seconds: step,
        fired: vec![],
        error: None,
    };
    match o
        .api
        .range(&r.rule.expr, start, end, Duration::from_secs_f64(step))
        .await
    {
        Ok(result) => {
            let evals: Vec<f64> = (0..)
                .map(|i| start + i as f64 * step)
                .take_while(|t| *t <= end + 1e-6)
                .collect();
            out.fired = replay(
                &result,
                &evals,
                seconds(r.rule.for_.as_deref()),
                seconds(r.rule.keep_firing_for.as_deref()),
                &r.rule.labels,
            );
        }
        Err(e) => out.error = Some(e),
    }
    out
}

/// Prometheus's alert states over the evaluations `evals` of a `query_range` result.
pub fn replay(
    result: &Value,
    evals: &[f64],
    hold: f64,
    keep_firing_for: f64,
    rule_labels: &BTreeMap<String, String>,
) -> Vec<Fired> {
    let mut fired = Vec::new();
    for series in result.as_array().into_iter().flatten() {
        let mut labels: BTreeMap<String, String> = series["metric"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| *k != "__name__")
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect();
        labels.extend(rule_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        let present: std::collections::BTreeSet<i64> = series["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p[0].as_f64())
            .map(|t| (t * 1000.0).round() as i64)
            .collect();
        // (active since, fired at, keep firing since)
        let mut state: Option<(f64, Option<f64>, Option<f64>)> = None;
        for &t in evals {
            let here = present.contains(&((t * 1000.0).round() as i64));
            state = match (state, here) {
                (None, false) => None,
                (None, true) => Some((t, (hold <= 0.0).then_some(t), None)),
                (Some((since, fired_at, _)), true) => {
                    let fired_at = fired_at.or((t - since >= hold).then_some(t));
                    Some((since, fired_at, None))
                }
                (Some((_, None, _)), false) => None,
                (Some((since, Some(at), keep)), false) => {
                    let keep_since = keep.unwrap_or(t);
                    if keep_firing_for > 0.0 && t - keep_since < keep_firing_for {
                        Some((since, Some(at), Some(keep_since)))
                    } else {
                        fired.push(Fired {
                            labels: labels.clone(),
                            start: at,
                            end: Some(t),
                            seconds: t - at,
                        });
                        None
                    }
                }
            };
        }
        if let (Some((_, Some(at), _)), Some(&last)) = (state, evals.last()) {
            fired.push(Fired {
                labels: labels.clone(),
                start: at,
                end: None,
                seconds: last - at,
            });
        }
    }
    fired.sort_by(|a, b| a.start.total_cmp(&b.start));
    fired
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn series(points: &[f64]) -> Value {
        json!([{"metric": {"job": "x"}, "values": points.iter().map(|t| json!([t, "1"])).collect::<Vec<_>>()}])
    }

    fn evals(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64 * 60.0).collect()
    }

    #[test]
    fn for_holds_the_alert_pending_and_it_fires_after() {
        // present the whole 10 minutes, for: 1m -> one alert from minute 1, still firing
        let all: Vec<f64> = evals(11);
        let f = replay(&series(&all), &all, 60.0, 0.0, &BTreeMap::new());
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].start, f[0].end), (60.0, None));
        // a blip shorter than `for` never fires
        assert!(replay(&series(&[120.0]), &evals(11), 60.0, 0.0, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn each_crossing_is_an_alert_and_keep_firing_for_bridges_a_gap() {
        let on = [60.0, 120.0, 180.0, 420.0, 480.0, 540.0];
        let f = replay(&series(&on), &evals(11), 60.0, 0.0, &BTreeMap::new());
        let spans: Vec<(f64, Option<f64>)> = f.iter().map(|a| (a.start, a.end)).collect();
        assert_eq!(spans, [(120.0, Some(240.0)), (480.0, Some(600.0))]);
        // keep firing for 5m: the gap from 240 to 420 is bridged, one alert
        let kept = replay(&series(&on), &evals(11), 60.0, 300.0, &BTreeMap::new());
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].start, 120.0);
    }
}
