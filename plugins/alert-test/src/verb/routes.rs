//! `alert-test routes`: which routes and receivers an alert with these labels gets, from a config
//! file or the live config; offline (no alert is sent). With `--expect-receiver`, exit 3 unless
//! exactly those.
use super::Deps;
use crate::routes::{self, Matched};
use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::prometheus::api::HttpAuth;
use promstack_shared::terminal::verb::Report;
use promstack_shared::{Error, ExitCode};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct RoutesOptions {
    pub namespace: String,
    /// The alert's labels, `name=value`.
    pub labels: Vec<String>,
    /// The config file (None: the live config from Alertmanager's /api/v2/status).
    pub config: Option<PathBuf>,
    pub alertmanager: Endpoint,
    pub auth: Option<HttpAuth>,
    /// The receivers the alert must reach, exactly.
    pub expect: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoutesReport {
    pub labels: BTreeMap<String, String>,
    pub receivers: Vec<String>,
    pub routes: Vec<Matched>,
    #[serde(skip)]
    pub expect: Vec<String>,
}

pub async fn run(opts: &RoutesOptions, deps: &Deps<'_>) -> anyhow::Result<RoutesReport> {
    let labels = routes::parse_labels(&opts.labels)?;
    let config = match &opts.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Error::input(format!("cannot read {}: {e}", p.display())))?;
            loads(&p.display().to_string(), &text)?;
            text
        }
        // the config Alertmanager runs: it loaded it
        None => live_config(opts, deps).await?,
    };
    let matched = routes::route(&config, &labels)?;
    Ok(RoutesReport {
        receivers: routes::receivers(&matched),
        labels,
        routes: matched,
        expect: opts.expect.clone(),
    })
}

/// A config file is routed as Alertmanager would route it only if Alertmanager 0.34 loads it
/// (as `amtool config routes test` does).
fn loads(origin: &str, text: &str) -> Result<(), Error> {
    let problems = promstack_shared::alertmanager::config::problems(origin, text);
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::input(format!(
        "Alertmanager 0.34 would not load {origin}:\n  {}",
        problems.join("\n  ")
    )))
}

/// The config Alertmanager runs (a URL, or a port-forward to its Service).
async fn live_config(opts: &RoutesOptions, deps: &Deps<'_>) -> anyhow::Result<String> {
    let cluster = match opts.alertmanager.needs_cluster() {
        true => Some(deps.cluster().await?),
        false => None,
    };
    let fwd = opts.alertmanager.reach(cluster, &opts.namespace).await?;
    let status = AlertmanagerApi::new(&fwd.url, opts.auth.clone())?
        .status()
        .await
        .map_err(Error::runtime)?;
    Ok(status["config"]["original"]
        .as_str()
        .unwrap_or_default()
        .to_string())
}

impl Report for RoutesReport {
    fn text(&self) -> String {
        let mut s = String::new();
        for m in &self.routes {
            let path: Vec<&str> = m
                .path
                .iter()
                .map(|p| if p.is_empty() { "root" } else { p.as_str() })
                .collect();
            s.push_str(&format!(
                "{}  →  {}  (group_by [{}], group_wait {}, group_interval {}, repeat_interval {}{})\n",
                path.join(" › "),
                m.receiver,
                m.group_by.join(", "),
                m.group_wait,
                m.group_interval,
                m.repeat_interval,
                if m.continue_ { ", continue" } else { "" }
            ));
        }
        s.push_str(&format!("receivers: {}\n", self.receivers.join(",")));
        s
    }
    fn exit_code(&self) -> ExitCode {
        let (mut got, mut want) = (self.receivers.clone(), self.expect.clone());
        got.sort();
        want.sort();
        if want.is_empty() || want == got {
            ExitCode::Ok
        } else {
            ExitCode::CheckFailed
        }
    }
}
