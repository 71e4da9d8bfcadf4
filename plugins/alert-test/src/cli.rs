//! The command line of `kubectl promstack alert-test`: its flags, and each verb's options made
//! from them.
use crate::alert::{Options, Via};
use crate::routes;
use crate::verb::{fire::FireOptions, routes::RoutesOptions};
use clap::{Args, Parser, Subcommand};
use promstack_shared::prometheus::api::HttpAuth;
use promstack_shared::terminal::cli::GlobalArgs;
use promstack_shared::Error;
use std::path::PathBuf;
use std::time::Duration;

/// Prove that an alert fires, reaches Alertmanager and routes to the right receiver; always clean up.
///
/// Rule mode (default) applies a temporary PrometheusRule (expr: vector(1)) and follows the alert
/// through Prometheus into Alertmanager; --via alertmanager posts it to Alertmanager directly. The
/// rule is deleted and the alert resolved afterwards: on success, failure, timeout and Ctrl-C.
///
/// Exit codes: 0 the alert reached the expected receivers, 1 failure at run time (unreachable,
/// timeout), 2 bad input (rule mode: the namespace does not exist), 3 the alert did not reach
/// exactly the expected receivers, was suppressed, or its notification failed (rule mode: the
/// namespace or the PrometheusRule CRD is being deleted, nothing written), 130 interrupted by
/// Ctrl-C (143 by SIGTERM), after cleaning up.
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
    promstack_shared::terminal::cli::parse_verb_cli::<Cli, FireArgs>(args)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Offline route test: which routes and receivers an alert with these labels gets
    Routes(RoutesArgs),
}

#[derive(Debug, Clone, Args)]
pub struct AccessArgs {
    #[command(flatten)]
    pub prometheus: promstack_shared::kube::endpoint::PrometheusArgs,
    #[command(flatten)]
    pub alertmanager: promstack_shared::kube::endpoint::AlertmanagerArgs,
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
    #[arg(long = "for", default_value = "0s", value_name = "DURATION", value_parser = promstack_shared::go::duration::parse_flag_text)]
    pub for_: String,
    /// The receiver(s) the alert must reach, exactly (repeatable); exit 3 otherwise
    #[arg(long = "expect-receiver", value_name = "NAME")]
    pub expect: Vec<String>,
    /// Also wait until Alertmanager has sent (or failed to send) a notification
    #[arg(long)]
    pub wait_delivery: bool,
    /// Give up after this long
    #[arg(long, default_value = "3m", value_name = "DURATION", value_parser = promstack_shared::go::duration::parse_flag)]
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
    /// Alertmanager config file, checked as Alertmanager 0.34 loads it (default: the live config from Alertmanager's /api/v2/status)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The receiver(s) the alert must reach, exactly (repeatable); exit 3 otherwise
    #[arg(long = "expect-receiver", value_name = "NAME")]
    pub expect: Vec<String>,
}

impl AccessArgs {
    /// The credentials for the URLs, read from their file.
    pub fn auth(&self) -> Result<Option<HttpAuth>, Error> {
        match (&self.bearer_token_file, &self.basic_auth_file) {
            (Some(p), _) => HttpAuth::bearer_file(p).map(Some),
            (None, Some(p)) => HttpAuth::basic_file(p).map(Some),
            (None, None) => Ok(None),
        }
    }
}

impl Cli {
    /// Firing's options (reads the credentials files; the labels are checked by the verb).
    pub fn fire_options(&self) -> Result<FireOptions, Error> {
        let f = &self.fire;
        let auth = self.access.auth()?;
        let labels = routes::parse_labels(&f.labels)?.into_iter().collect();
        Ok(FireOptions {
            test: Options {
                via: f.via,
                namespace: self.global.namespace.clone(),
                alertname: f.alertname.clone(),
                severity: f.severity.clone(),
                labels,
                for_: f.for_.clone(),
                expect: f.expect.clone(),
                wait_delivery: f.wait_delivery,
                timeout: f.timeout,
                keep: f.keep,
            },
            prometheus: self.access.prometheus.endpoint(),
            alertmanager: self.access.alertmanager.endpoint(),
            auth,
        })
    }

    /// `routes`' options (reads the credentials files).
    pub fn routes_options(&self, r: &RoutesArgs) -> Result<RoutesOptions, Error> {
        Ok(RoutesOptions {
            namespace: self.global.namespace.clone(),
            labels: r.labels.clone(),
            config: r.config.clone(),
            alertmanager: self.access.alertmanager.endpoint(),
            auth: self.access.auth()?,
            expect: r.expect.clone(),
        })
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
