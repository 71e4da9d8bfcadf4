//! The live check: every dashboard Grafana serves (its search API), taken as Grafana serves it,
//! its variables resolved ([`super::variables`]), each panel query ([`super::panels`])
//! interpolated as Grafana's frontend and Prometheus backend interpolate it and run through the
//! datasource proxy (GET `api/v1/query_range`, or `api/v1/query` for an instant-only target),
//! over the last `range`. At most `concurrency` requests are in flight at once, each bounded by
//! the client's timeout, so a slow or huge Grafana costs time in proportion, never without end.
use super::api::{Datasource, GrafanaApi, SearchHit};
use super::interpolate::{self, Format, Macros, Scope, Var};
use super::interval::{self, TimingInput};
use super::metric_find::PromSource;
use super::panels::{self, PanelQuery};
use super::report::{Counts, DashboardReport, LiveReport, QueryReport};
use super::variables::{self, Context};
use async_trait::async_trait;
use futures::StreamExt;
use serde_json::Value;
use std::time::Duration;
use tokio::sync::Semaphore;

/// How the check runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub range: Duration,
    /// The end of the range (Unix milliseconds).
    pub now_ms: i64,
    /// Requests in flight at most.
    pub concurrency: usize,
}

impl Options {
    /// Over the last `range`, up to now.
    pub fn last(range: Duration) -> Self {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Options {
            range,
            now_ms,
            concurrency: 8,
        }
    }
}

/// The datasource proxy with at most N requests at once.
struct Gated<'a> {
    api: &'a GrafanaApi,
    gate: &'a Semaphore,
}

#[async_trait]
impl PromSource for Gated<'_> {
    async fn get(
        &self,
        ds_uid: &str,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Value, String> {
        let _permit = self.gate.acquire().await.map_err(|e| e.to_string())?;
        PromSource::get(self.api, ds_uid, path, params).await
    }
}

/// What one query's answer holds.
enum Outcome {
    Data,
    Empty,
    Failed(String),
}

/// Check every dashboard Grafana serves. `Err` only when Grafana cannot list them (or its
/// datasources); a dashboard it does not serve is a failing one in the report.
pub async fn check(
    api: &GrafanaApi,
    opts: Options,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<LiveReport, String> {
    let (datasources, hits) = tokio::try_join!(api.datasources(), api.dashboards())?;
    let gate = Semaphore::new(opts.concurrency.max(1));
    let gated = Gated { api, gate: &gate };
    let total = hits.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    progress(0, total);
    let reports: Vec<DashboardReport> = futures::stream::iter(hits.iter())
        .map(|hit| async {
            let r = dashboard(&gated, hit, &datasources, opts).await;
            progress(
                done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1,
                total,
            );
            r
        })
        .buffer_unordered(opts.concurrency.clamp(1, 4))
        .collect()
        .await;
    Ok(LiveReport::new(&api.base, opts.range.as_secs(), reports))
}

/// One dashboard: fetched, variables resolved, its queries run.
async fn dashboard(
    g: &Gated<'_>,
    hit: &SearchHit,
    datasources: &[Datasource],
    opts: Options,
) -> DashboardReport {
    let served = {
        let _permit = g.gate.acquire().await;
        g.api.dashboard(&hit.uid).await
    };
    let served = match served {
        Ok(s) => s,
        Err(e) => return DashboardReport::unreadable(&hit.uid, &hit.title, hit.folder(), e),
    };
    let d = &served["dashboard"];
    let folder = served["meta"]["folderTitle"]
        .as_str()
        .filter(|f| !f.is_empty())
        .unwrap_or(hit.folder());
    let from_ms = opts.now_ms - opts.range.as_millis() as i64;
    let ctx = Context {
        source: g,
        datasources,
        from_ms,
        to_ms: opts.now_ms,
    };
    let mut scope = Scope {
        macros: Macros {
            from_ms,
            to_ms: opts.now_ms,
            dashboard_title: d["title"].as_str().unwrap_or(&hit.title).into(),
            dashboard_uid: hit.uid.clone(),
            user: g.api.user().unwrap_or_default().into(),
        },
        ..Scope::default()
    };
    let resolved = variables::resolve(d, &ctx, &mut scope).await;
    let plan = panels::plan(d, &resolved, &ctx, &scope);
    let ran: Vec<(PanelQuery, String, Outcome)> = futures::stream::iter(plan.queries)
        .map(|q| {
            let (scope, ctx) = (&scope, &ctx);
            async move {
                let (query, outcome) = run(g, &q, scope, ctx).await;
                (q, query, outcome)
            }
        })
        .buffered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut report =
        DashboardReport::new(&hit.uid, d["title"].as_str().unwrap_or(&hit.title), folder);
    report.version = served["meta"]["version"].as_i64().or(d["version"].as_i64());
    report.variables = resolved.notes;
    report.other_queries = plan.other;
    for (panel, path, expr, why) in plan.broken {
        report.failing.push(QueryReport {
            panel,
            path,
            ref_id: String::new(),
            query: expr.clone(),
            expr,
            error: Some(why),
        });
    }
    tally(&mut report, ran);
    report
}

/// Counts, empty and failing queries, and panels by what their queries returned.
fn tally(report: &mut DashboardReport, ran: Vec<(PanelQuery, String, Outcome)>) {
    // (panel path, title, some query has data, some query failed); broken targets fail theirs
    let mut panels: Vec<(String, String, bool, bool)> = Vec::new();
    for q in &report.failing {
        let key = panel_of(&q.path);
        if !panels.iter().any(|p| p.0 == key) {
            panels.push((key, q.panel.clone(), false, true));
        }
    }
    let mut counts = Counts {
        failing: report.failing.len(),
        queries: report.failing.len(),
        ..Counts::default()
    };
    for (q, query, outcome) in ran {
        counts.queries += 1;
        let key = panel_of(&q.path);
        let at = match panels.iter().position(|p| p.0 == key) {
            Some(i) => i,
            None => {
                panels.push((key, q.panel.clone(), false, false));
                panels.len() - 1
            }
        };
        let item = |error| QueryReport {
            panel: q.panel.clone(),
            path: q.path.clone(),
            ref_id: q.ref_id.clone(),
            expr: q.expr.clone(),
            query: query.clone(),
            error,
        };
        match outcome {
            Outcome::Data => {
                counts.with_data += 1;
                panels[at].2 = true;
            }
            Outcome::Empty => {
                counts.empty += 1;
                report.empty.push(item(None));
            }
            Outcome::Failed(e) => {
                counts.failing += 1;
                panels[at].3 = true;
                report.failing.push(item(Some(e)));
            }
        }
    }
    report.counts = counts;
    report.panels = panels.len();
    report.failing_panels = panels.iter().filter(|p| p.3).map(|p| p.1.clone()).collect();
    report.empty_panels = panels
        .iter()
        .filter(|p| !p.2 && !p.3)
        .map(|p| p.1.clone())
        .collect();
}

/// A target's panel: its path less `.targets[i]`.
fn panel_of(path: &str) -> String {
    path.rsplit_once(".targets[")
        .map_or(path, |(p, _)| p)
        .to_string()
}

/// Seconds as Go's `strconv.FormatFloat(x, 'f', -1, 64)` prints them.
fn seconds(ms: i64) -> String {
    let s = format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000));
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One query as Grafana runs it: (the query sent, what came back).
async fn run(g: &Gated<'_>, q: &PanelQuery, scope: &Scope, ctx: &Context<'_>) -> (String, Outcome) {
    let mut scope = scope.clone();
    if let Some(v) = &q.repeat {
        scope.scoped.insert(v.name.clone(), v.clone());
    }
    // the Prometheus datasource leaves these to its backend
    for name in ["__interval", "__interval_ms"] {
        scope
            .scoped
            .insert(name.into(), Var::plain(name, &format!("${name}")));
    }
    let expr = interpolate::replace(&q.expr, &scope, Format::Prometheus).text;
    let target_interval = interpolate::replace(&q.target_interval, &scope, Format::Glob).text;
    let min_interval = interpolate::replace(&q.min_interval, &scope, Format::Glob).text;
    let scrape = q.datasource.time_interval();
    let low = match min_interval.is_empty() {
        true => scrape.unwrap_or("15s").to_string(),
        false => min_interval,
    };
    let range_ms = ctx.to_ms - ctx.from_ms;
    let max_data_points = q
        .max_data_points
        .unwrap_or(interval::DEFAULT_MAX_DATA_POINTS);
    let t = interval::timing(TimingInput {
        range_ms,
        max_data_points,
        interval_ms: interval::frontend_interval(range_ms, max_data_points, Some(&low)),
        target_interval: &target_interval,
        interval_factor: q.interval_factor,
        scrape_interval: scrape,
    });
    let query = interval::backend_builtins(&expr, t, range_ms);
    let step = t.step_ms.max(1);
    let align = |ms: i64| ms.div_euclid(step) * step;
    let (path, params) = match q.instant && !q.range {
        true => (
            "api/v1/query",
            vec![
                ("query", query.clone()),
                ("time", seconds(align(ctx.to_ms))),
            ],
        ),
        false => (
            "api/v1/query_range",
            vec![
                ("query", query.clone()),
                ("start", seconds(align(ctx.from_ms))),
                ("end", seconds(align(ctx.to_ms))),
                ("step", seconds(step)),
            ],
        ),
    };
    let outcome = {
        let _permit = g.gate.acquire().await;
        match g.api.prometheus(&q.datasource.uid, path, &params).await {
            Ok((_, true)) => Outcome::Data,
            Ok((data, false)) => match data["result"].as_array().map(Vec::len) {
                Some(0) => Outcome::Empty,
                Some(_) => Outcome::Data,
                None if data["resultType"] == "scalar" || data["resultType"] == "string" => {
                    Outcome::Data
                }
                None => Outcome::Empty,
            },
            Err(e) => Outcome::Failed(e),
        }
    };
    (query, outcome)
}
