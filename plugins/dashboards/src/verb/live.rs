//! `dashboards check --live`: every dashboard Grafana serves, taken as Grafana serves it, its
//! variables resolved and its panel queries run through Grafana's datasource proxy as Grafana
//! runs them ([`promstack_shared::grafana::live`]); reported per folder and dashboard. Exit 3 when
//! a query or variable fails, or with `--require-data` a query returns nothing.
use super::Deps;
use crate::grafana::{self, GrafanaTarget};
use promstack_shared::grafana::live::{self, Options};
use promstack_shared::grafana::report::LiveReport;
use promstack_shared::terminal::verb::Report;
use promstack_shared::{Error, ExitCode};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub namespace: String,
    pub grafana: GrafanaTarget,
    /// How far back to query.
    pub range: Duration,
    /// A query without data is a failed check too.
    pub require_data: bool,
    /// Requests to Grafana in flight at most.
    pub concurrency: usize,
}

/// What Grafana serves and what its queries returned.
#[derive(Debug, Clone, Serialize)]
pub struct LiveCheckReport {
    #[serde(flatten)]
    pub report: LiveReport,
    #[serde(skip)]
    pub require_data: bool,
}

pub async fn run(opts: &LiveOptions, deps: &Deps<'_>) -> anyhow::Result<LiveCheckReport> {
    if opts.range.is_zero() {
        return Err(Error::input("--range must be more than 0, like 1h").into());
    }
    let cluster = match opts.grafana.needs_cluster() {
        true => Some(deps.cluster().await?),
        false => None,
    };
    let g = grafana::connect(&opts.grafana, cluster, &opts.namespace)
        .await
        .map_err(Error::runtime)?;
    deps.ui.ok(&g.reached.describe("Grafana"));
    let bar = deps.ui.spinner("checking the dashboards Grafana serves");
    let progress = |done: usize, total: usize| {
        bar.set_message(format!(
            "checking the dashboards Grafana serves: {done}/{total}"
        ))
    };
    let run = Options {
        concurrency: opts.concurrency,
        ..Options::last(opts.range)
    };
    let report = live::check(&g.api, run, &progress)
        .await
        .map_err(Error::runtime);
    bar.finish_and_clear();
    Ok(LiveCheckReport {
        report: report?,
        require_data: opts.require_data,
    })
}

impl Report for LiveCheckReport {
    fn text(&self) -> String {
        self.report.text()
    }
    fn exit_code(&self) -> ExitCode {
        let failing = !self.report.failing().is_empty();
        if failing || (self.require_data && self.report.counts.empty > 0) {
            ExitCode::CheckFailed
        } else {
            ExitCode::Ok
        }
    }
}
