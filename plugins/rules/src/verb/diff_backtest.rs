//! `rules diff --backtest RANGE`: each alert the sync would add or change, replayed over the past
//! range as it will be and as it is live (see [`crate::online::backtest`]), so a change of
//! threshold or `for` shows how often it would have fired, before and after.
use crate::load::Loaded;
use crate::online::backtest::{self, Backtest};
use crate::online::{Live, Online, RuleRef};
use promstack_shared::kube::cluster::{Cluster, ObjRef};
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::prometheus::promql::Target;
use promstack_shared::prometheus::rule::PrometheusRule;
use promstack_shared::terminal::verb::Report;
use promstack_shared::ExitCode;
use serde::Serialize;
use std::time::Duration;

/// One alert the sync adds or changes.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub object: String,
    pub group: String,
    pub alert: String,
    pub after: Backtest,
    /// The live rule's backtest; None: the alert is new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Backtest>,
}

/// The diff, and the backtest of what it changes.
#[derive(Debug, Serialize)]
pub struct DiffBacktestReport {
    #[serde(flatten)]
    pub diffs: promstack_shared::kube::sync::DiffReport,
    pub backtest: Vec<Changed>,
}

impl Report for DiffBacktestReport {
    fn text(&self) -> String {
        let mut s = self.diffs.text();
        for c in &self.backtest {
            match &c.before {
                Some(b) => s.push_str(&format!(
                    "backtest {}/{}: {}; as it is now: {}\n",
                    c.object,
                    c.group,
                    c.after.line(),
                    b.line()
                )),
                None => s.push_str(&format!(
                    "backtest {}/{} (new): {}\n",
                    c.object,
                    c.group,
                    c.after.line()
                )),
            }
        }
        s
    }
    fn exit_code(&self) -> ExitCode {
        self.diffs.exit_code()
    }
}

/// `rules diff --backtest RANGE`: the diff of the sources, and the backtest of the alerts it
/// adds or changes.
pub async fn run_diff(
    opts: &super::diff::DiffOptions,
    deps: &super::Deps<'_>,
    endpoint: &Endpoint,
    range: Duration,
) -> anyhow::Result<promstack_shared::terminal::verb::Sourced<DiffBacktestReport>> {
    let (ns, any) = (&opts.namespace, Target::any());
    let loaded = crate::load::sources_valid(&opts.sources, ns, &any, deps.ui)?;
    let diffs = super::diff::run_loaded(opts, deps, &loaded).await?;
    let cluster = deps.cluster().await?;
    let backtest = run(cluster, endpoint, ns, &loaded, &any, range, deps.ui).await?;
    Ok(promstack_shared::terminal::verb::Sourced {
        sources: loaded.sources,
        report: DiffBacktestReport { diffs, backtest },
    })
}

/// Backtest the alerts of `loaded` that differ from the live objects in `ns`.
pub async fn run(
    cluster: &dyn Cluster,
    endpoint: &Endpoint,
    ns: &str,
    loaded: &Loaded,
    target: &Target,
    range: Duration,
    ui: &promstack_shared::terminal::ui::Ui,
) -> anyhow::Result<Vec<Changed>> {
    let reached = endpoint.reach(Some(cluster), ns).await?;
    ui.ok(&reached.describe("Prometheus"));
    let api = PrometheusApi::new(&reached.url, None)?;
    let live = Live::read(&api)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read Prometheus's flags: {e}"))?;
    let o = Online::new(&api, live, vec![]);
    let end = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let mut out = Vec::new();
    for (oi, obj) in loaded.objects.iter().enumerate() {
        let name = obj.metadata.name.clone().unwrap_or_default();
        let r = ObjRef::new(
            "monitoring.coreos.com/v1",
            "PrometheusRule",
            Some(ns),
            &name,
        );
        let live_obj: Option<PrometheusRule> = cluster
            .get(&r)
            .await?
            .and_then(|v| serde_json::from_value(v).ok());
        for (gi, group) in obj.spec.groups.iter().enumerate() {
            for (ri, rule) in group.rules.iter().enumerate() {
                let Some(alert) = rule.alert.as_deref() else {
                    continue;
                };
                let before = live_obj.as_ref().and_then(|l| {
                    l.spec
                        .groups
                        .iter()
                        .filter(|g| g.name == group.name)
                        .find_map(|g| {
                            g.rules
                                .iter()
                                .find(|x| x.alert.as_deref() == Some(alert))
                                .map(|x| (g, x))
                        })
                });
                if before.is_some_and(|(_, b)| b == rule) {
                    continue;
                }
                let loc = loaded.rule_loc(oi, gi, ri);
                let Ok(expr) = crate::validate::parse_for(&rule.expr, target) else {
                    continue;
                };
                let after = RuleRef {
                    loc: loc.clone(),
                    group,
                    rule,
                    expr,
                };
                let after = backtest::run(&o, &after, range, end).await;
                let before = match before {
                    Some((g, b)) => match crate::validate::parse_for(&b.expr, &Target::any()) {
                        Ok(expr) => {
                            let r = RuleRef {
                                loc: loc.clone(),
                                group: g,
                                rule: b,
                                expr,
                            };
                            Some(backtest::run(&o, &r, range, end).await)
                        }
                        Err(_) => None,
                    },
                    None => None,
                };
                out.push(Changed {
                    object: name.clone(),
                    group: group.name.clone(),
                    alert: alert.to_string(),
                    after,
                    before,
                });
            }
        }
    }
    Ok(out)
}
