//! `dashboards check`: every panel query run against Prometheus (a URL, or a port-forward held
//! open for the whole check); exit 3 when a query errors, or with `--require-data` returns nothing.
use super::Deps;
use crate::check::{self, DashboardReport};
use crate::load;
use promstack_shared::input::sources::Inputs;
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::prometheus::target::{self, Target};
use promstack_shared::terminal::verb::{Report, Sourced};
use promstack_shared::{Error, ExitCode};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The sources (none: the embedded dashboards).
    pub sources: Inputs,
    pub namespace: String,
    pub prometheus: Endpoint,
    /// How far back to query.
    pub range: Duration,
    /// A query without data is a failed check too.
    pub require_data: bool,
    /// Which Prometheus the panel queries are checked for.
    pub target: promstack_shared::prometheus::target::TargetArgs,
}

/// Each dashboard's result.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub dashboards: Vec<DashboardReport>,
    #[serde(skip)]
    pub require_data: bool,
}

pub async fn run(opts: &CheckOptions, deps: &Deps<'_>) -> anyhow::Result<Sourced<CheckReport>> {
    if opts.range.is_zero() {
        return Err(Error::input("--range must be more than 0, like 1h").into());
    }
    // Everything but a feature gate is refused before Prometheus is reached; the gates are
    // checked for the Prometheus the queries go to (its own --enable-feature) unless named.
    let explicit = opts.target.explicit();
    let first = explicit.clone().unwrap_or_else(Target::any);
    let loaded = load::load(&opts.sources, &first)?;
    deps.ui.line(&loaded.sources.summary);
    load::refuse_errors(&loaded.problems)?;
    let cluster = match opts.prometheus.needs_cluster() {
        true => Some(deps.cluster().await?),
        false => None,
    };
    let reached = opts.prometheus.reach(cluster, &opts.namespace).await?;
    deps.ui.ok(&reached.describe("Prometheus"));
    let api = PrometheusApi::new(&reached.url, None)?;
    let target = match explicit {
        Some(t) => t,
        None => target::of_running(&api).await.unwrap_or_else(|e| {
            deps.ui.warn(&format!(
                "cannot read the flags of Prometheus ({e}): queries checked as for the stack as promstack installs it"
            ));
            Target::default()
        }),
    };
    let prepared = load::valid_files(&loaded.files, deps.ui, &target)?;
    let dashboards = check::check(&api, &prepared, opts.range).await;
    Ok(Sourced {
        sources: loaded.sources,
        report: CheckReport {
            dashboards,
            require_data: opts.require_data,
        },
    })
}

impl CheckReport {
    fn errors(&self) -> usize {
        self.dashboards.iter().map(|r| r.errors.len()).sum()
    }
    fn empty(&self) -> usize {
        self.dashboards.iter().map(|r| r.empty.len()).sum()
    }
}

impl Report for CheckReport {
    fn text(&self) -> String {
        let mut s = String::new();
        for r in &self.dashboards {
            s.push_str(&format!(
                "{} ({}): {}/{} queries with data ({:.0}%)\n",
                r.title,
                r.file,
                r.with_data,
                r.queries,
                r.share_with_data * 100.0
            ));
            for e in &r.errors {
                s.push_str(&format!(
                    "  ERROR panel `{}` ({}): {}\n",
                    e.panel,
                    e.path,
                    e.error.as_deref().unwrap_or("")
                ));
            }
            for e in &r.empty {
                s.push_str(&format!("  no data: panel `{}` ({})\n", e.panel, e.path));
            }
        }
        s.push_str(&format!(
            "{} query error(s), {} quer(ies) without data\n",
            self.errors(),
            self.empty()
        ));
        s
    }
    fn exit_code(&self) -> ExitCode {
        if self.errors() > 0 || (self.require_data && self.empty() > 0) {
            ExitCode::CheckFailed
        } else {
            ExitCode::Ok
        }
    }
}
