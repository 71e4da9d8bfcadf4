//! The command line of `kubectl promstack alert-test`.
use crate::routes;
use crate::run::{self, Access, Leftovers, Options, Via};
use clap::{Args, Parser, Subcommand};
use promstack_shared::alertmanager_api::AlertmanagerApi;
use promstack_shared::cli::{interrupted, GlobalArgs};
use promstack_shared::cluster::{Cluster, KubeCluster};
use promstack_shared::prometheus_api::{HttpAuth, PrometheusApi};
use promstack_shared::ui::Ui;
use promstack_shared::{output, Error, ExitCode};
use std::path::PathBuf;
use std::time::Duration;

/// Prove that an alert fires, reaches Alertmanager and routes to the right receiver; always clean up.
///
/// Rule mode (default) applies a temporary PrometheusRule (expr: vector(1)) and follows the alert
/// through Prometheus into Alertmanager; --via alertmanager posts it to Alertmanager directly. The
/// rule is deleted and the alert resolved afterwards: on success, failure, timeout and Ctrl-C.
///
/// Exit codes: 0 the alert reached the expected receivers, 1 failure at run time (unreachable,
/// timeout), 2 bad input, 3 the alert did not reach exactly the expected receivers, was
/// suppressed, or its notification failed, 130 interrupted by Ctrl-C (143 by SIGTERM), after
/// cleaning up.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl promstack alert-test",
    bin_name = "kubectl promstack alert-test",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub fire: FireArgs,
    #[command(flatten)]
    pub access: AccessArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Parse the command line: the common flags and the access flags before or after `routes`; the
/// flags of firing a test alert only without it.
pub fn parse_from(
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
) -> Result<Cli, clap::Error> {
    promstack_shared::cli::parse_verb_cli::<Cli, FireArgs>(args)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Offline route test: which routes and receivers an alert with these labels gets
    Routes(RoutesArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AccessArgs {
    #[command(flatten)]
    pub prometheus: promstack_shared::endpoint::PrometheusArgs,
    #[command(flatten)]
    pub alertmanager: promstack_shared::endpoint::AlertmanagerArgs,
    /// File holding a bearer token for the URLs
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        conflicts_with = "basic_auth_file"
    )]
    pub bearer_token_file: Option<PathBuf>,
    /// File holding `user:password` for basic auth on the URLs
    #[arg(long, value_name = "FILE", global = true)]
    pub basic_auth_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct FireArgs {
    /// How to fire: a temporary rule through Prometheus, or straight to Alertmanager
    #[arg(long, value_enum, default_value_t = Via::Prometheus)]
    pub via: Via,
    #[arg(long, default_value = "PromstackTestAlert", value_name = "NAME")]
    pub alertname: String,
    #[arg(long, default_value = "warning", value_name = "SEVERITY")]
    pub severity: String,
    /// Extra label on the alert (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// The rule's `for` (rule mode)
    #[arg(long = "for", default_value = "0s", value_name = "DURATION", value_parser = promstack_shared::duration::parse_flag_text)]
    pub for_: String,
    /// The receiver(s) the alert must reach, exactly (repeatable); exit 3 otherwise
    #[arg(long = "expect-receiver", value_name = "NAME")]
    pub expect: Vec<String>,
    /// Also wait until Alertmanager has sent (or failed to send) a notification
    #[arg(long)]
    pub wait_delivery: bool,
    /// Give up after this long
    #[arg(long, default_value = "3m", value_name = "DURATION", value_parser = promstack_shared::duration::parse_flag)]
    pub timeout: Duration,
    /// Leave the rule and the alert in place for inspection
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RoutesArgs {
    /// Labels of the alert: name=value ...
    #[arg(value_name = "LABEL", required = true)]
    pub labels: Vec<String>,
    /// Alertmanager config file (default: the live config from Alertmanager's /api/v2/status)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The receiver(s) the alert must reach, exactly (repeatable); exit 3 otherwise
    #[arg(long = "expect-receiver", value_name = "NAME")]
    pub expect: Vec<String>,
}

fn auth(a: &AccessArgs) -> Result<Option<HttpAuth>, Error> {
    match (&a.bearer_token_file, &a.basic_auth_file) {
        (Some(p), _) => HttpAuth::bearer_file(p).map(Some),
        (None, Some(p)) => HttpAuth::basic_file(p).map(Some),
        (None, None) => Ok(None),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::from_args(&cli.global);
    let g = &cli.global;
    let ns = g.namespace.clone();
    let token = auth(&cli.access)?;
    // rule mode writes a PrometheusRule; without an Alertmanager URL we port-forward: both need the cluster
    let needs_cluster =
        |rule_mode: bool| rule_mode || cli.access.alertmanager.endpoint().needs_cluster();

    if let Some(Command::Routes(r)) = &cli.command {
        let labels = routes::parse_labels(&r.labels)?;
        let config = match &r.config {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| Error::input(format!("cannot read {}: {e}", p.display())))?,
            None => {
                let endpoint = cli.access.alertmanager.endpoint();
                let cluster = match endpoint.needs_cluster() {
                    true => Some(KubeCluster::from_args(g).await?),
                    false => None,
                };
                let fwd = endpoint
                    .reach(cluster.as_ref().map(|c| c as &dyn Cluster), &ns)
                    .await?;
                let status = AlertmanagerApi::new(&fwd.url, token.clone())?
                    .status()
                    .await
                    .map_err(Error::runtime)?;
                status["config"]["original"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            }
        };
        let matched = routes::route(&config, &labels)?;
        let mut got = routes::receivers(&matched);
        let report = serde_json::json!({"labels": labels, "routes": matched, "receivers": got});
        match output::render(g.output, &report)? {
            Some(s) => print!("{s}"),
            None => {
                for m in &matched {
                    println!("{}  →  {}  (group_by [{}], group_wait {}, group_interval {}, repeat_interval {}{})", m.path.iter().map(|p| if p.is_empty() { "root" } else { p }).collect::<Vec<_>>().join(" › "), m.receiver, m.group_by.join(", "), m.group_wait, m.group_interval, m.repeat_interval, if m.continue_ { ", continue" } else { "" });
                }
                println!("receivers: {}", got.join(","));
            }
        }
        got.sort();
        let mut want = r.expect.clone();
        want.sort();
        return Ok(if want.is_empty() || want == got {
            ExitCode::Ok
        } else {
            ExitCode::CheckFailed
        });
    }

    let f = &cli.fire;
    let labels: Vec<(String, String)> = routes::parse_labels(&f.labels)?.into_iter().collect();
    let opts = Options {
        via: f.via,
        namespace: ns.clone(),
        alertname: f.alertname.clone(),
        severity: f.severity.clone(),
        labels,
        for_: f.for_.clone(),
        expect: f.expect.clone(),
        wait_delivery: f.wait_delivery,
        timeout: f.timeout,
        keep: f.keep,
    };
    let rule_mode = opts.via == Via::Prometheus;
    let cluster = if needs_cluster(rule_mode) {
        Some(KubeCluster::from_args(g).await?)
    } else {
        None
    };
    // a URL when given, else a port-forward kept open for the whole test
    let reach = |e: promstack_shared::endpoint::Endpoint| {
        let (cluster, ns, ui) = (&cluster, &ns, &ui);
        async move {
            let r = e
                .reach(cluster.as_ref().map(|c| c as &dyn Cluster), ns)
                .await?;
            if r.forward.is_some() {
                ui.ok(&r.describe(e.what));
            }
            anyhow::Ok(r)
        }
    };
    let am = reach(cli.access.alertmanager.endpoint()).await?;
    let prom = match rule_mode {
        true => Some(reach(cli.access.prometheus.endpoint()).await?),
        false => None,
    };
    let (am_url, prom_url) = (am.url.clone(), prom.as_ref().map(|p| p.url.clone()));
    let access = Access {
        cluster: cluster
            .as_ref()
            .map(|c| c as &dyn promstack_shared::cluster::Cluster),
        prometheus: prom_url
            .map(|u| PrometheusApi::new(&u, token.clone()))
            .transpose()?,
        alertmanager: AlertmanagerApi::new(&am_url, token.clone())?,
    };
    let mut left = Leftovers::default();
    let outcome = tokio::select! {
        r = run::run(&opts, &access, &ui, &mut left) => Ok(r),
        sig = interrupted() => {
            ui.fail(&format!("interrupted by {sig}: cleaning up"));
            Err(sig)
        }
    };
    let cleaned = run::cleanup(&access, &left, opts.keep, &ui).await;
    match outcome {
        Err(sig) => Err(Error::interrupted(sig, format!("cleanup: {}", cleaned.join("; "))).into()),
        Ok(Err(e)) => Err(anyhow::Error::from(e).context(format!(
            "alert test failed; cleanup: {}",
            cleaned.join("; ")
        ))),
        Ok(Ok(mut report)) => {
            report.cleanup = cleaned;
            output::print_result(g.output, &report, || run::text(&report))?;
            Ok(if report.ok {
                ExitCode::Ok
            } else {
                ExitCode::CheckFailed
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promstack_shared::testing::assert_common_flags_anywhere;

    #[test]
    fn common_and_access_flags_go_before_or_after_routes() {
        assert_common_flags_anywhere(
            "alert-test",
            parse_from,
            |c: &Cli| &c.global,
            &[&[], &["routes", "severity=critical"]],
        );
        for argv in [
            vec![
                "alert-test",
                "--alertmanager-url",
                "http://am:9093",
                "routes",
                "a=b",
            ],
            vec![
                "alert-test",
                "routes",
                "a=b",
                "--alertmanager-url",
                "http://am:9093",
            ],
        ] {
            let c = parse_from(argv).unwrap();
            assert_eq!(
                c.access.alertmanager.alertmanager_url.as_deref(),
                Some("http://am:9093")
            );
        }
    }

    #[test]
    fn firing_flags_before_routes_are_refused_by_name() {
        let err = parse_from(["alert-test", "--via", "alertmanager", "routes", "a=b"]).unwrap_err();
        assert!(err.to_string().contains("--via"), "{err}");
    }
}
