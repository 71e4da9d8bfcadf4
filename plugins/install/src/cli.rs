//! The command line of `kubectl promstack install`: its flags, and each verb's options made
//! from them.
use crate::chart::values::{self, Env};
use crate::export::{ExportOptions, Format};
use crate::helm::Chart;
use crate::images_verb::ImagesOptions;
use crate::install::InstallOptions;
use crate::stack::grafana::PasswordSource;
use crate::status::StatusOptions;
use crate::uninstall::UninstallOptions;
use clap::{Args, Parser, Subcommand};
use promstack_shared::terminal::cli::GlobalArgs;
use promstack_shared::Error;
use std::path::PathBuf;

/// Install kube-prometheus-stack (Prometheus Operator, Prometheus, Alertmanager, Grafana,
/// kube-state-metrics, node-exporter) and keep it right.
///
/// Exit codes: 0 ok, 1 failure at run time (cluster, network, helm, timeout),
/// 2 bad input or usage (nothing was changed), 3 a pre-flight check failed (nothing was changed)
/// or `diff` found what an install would change, 130 interrupted by Ctrl-C (143 by SIGTERM).
#[derive(Debug, Parser)]
#[command(
    name = "kubectl promstack install",
    bin_name = "kubectl promstack install",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub install: InstallArgs,
    /// The helm binary (install and uninstall run it)
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "PROMSTACK_HELM",
        default_value = "helm"
    )]
    pub helm: PathBuf,
    /// How long to wait: for a namespace and CRDs being deleted (together), helm and the workloads
    /// (install, default 10m), for helm uninstall and then the deleted namespace and CRDs to be
    /// gone (uninstall, default 5m), until healthy (status --watch, default 10m)
    #[arg(long, global = true, value_parser = promstack_shared::go::duration::parse_flag, value_name = "DURATION")]
    pub timeout: Option<std::time::Duration>,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Parse the command line: the common flags (and `--helm`, `--timeout`) before or after a
/// subcommand; install's own flags only without one.
pub fn parse_from(
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
) -> Result<Cli, clap::Error> {
    promstack_shared::terminal::cli::parse_verb_cli::<Cli, InstallArgs>(args)
}

impl Cli {
    /// `--timeout`, or the default of the verb that runs.
    pub fn timeout(&self) -> std::time::Duration {
        let default = match self.command {
            Some(Command::Uninstall(_)) => 5 * 60,
            _ => 10 * 60,
        };
        self.timeout
            .unwrap_or(std::time::Duration::from_secs(default))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Remove the stack: helm uninstall and promstack's Secrets; namespace, CRDs and the kubelet Service only when asked
    Uninstall(UninstallArgs),
    /// Write the stack as a GitOps tree (Flux HelmRepository + HelmRelease, kustomization, values, rules, dashboards); no cluster needed
    Export(Box<ExportArgs>),
    /// Check the Definition of Done: workloads, scrape targets, metrics, rules and alerts, Grafana, Alertmanager, exposure
    Status(StatusArgs),
    /// Every container image the chart runs with these values (for a mirror); with --registry, the values that use the mirror; no cluster needed
    Images(ImagesArgs),
    /// What an install with these flags would change, before any write: every object of the release against the live one (server-side dry run), the chart's CRDs, a chart upgrade's notes; exit 0 when nothing would change, 3 when something would
    Diff(Box<DiffArgs>),
}

/// `diff`: the stack and chart of an install, compared with the cluster.
#[derive(Debug, Clone, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    #[command(flatten)]
    pub chart: ChartArgs,
}

/// What the stack looks like: shared by `install` and `export`, so both give the same stack.
#[derive(Debug, Clone, Args)]
pub struct StackArgs {
    /// Cluster flavour: local (local-path, 2d, NodePort 30300) or cloud (gp3, 15d, Ingress, HA)
    #[arg(long, value_enum, default_value_t = Env::Local, env = "PROMSTACK_ENV")]
    pub env: Env,

    /// StorageClass for the Prometheus and Alertmanager volumes (default: local-path for local, gp3 for cloud)
    #[arg(long, value_name = "NAME", env = "PROMSTACK_STORAGE_CLASS")]
    pub storage_class: Option<String>,

    /// Alertmanager configuration file (default: promstack's, routing to "default" and Watchdog to "null")
    #[arg(long, value_name = "FILE", env = "PROMSTACK_ALERTMANAGER_CONFIG")]
    pub alertmanager_config: Option<PathBuf>,

    /// Grafana Ingress host (required with --env cloud)
    #[arg(long, value_name = "HOST")]
    pub grafana_host: Option<String>,

    /// IngressClass of the Grafana Ingress
    #[arg(long, value_name = "CLASS", requires = "grafana_host")]
    pub ingress_class: Option<String>,

    /// TLS Secret of the Grafana Ingress (required with --env cloud)
    #[arg(long, value_name = "SECRET", requires = "grafana_host")]
    pub tls_secret: Option<String>,

    /// Remote-write URL of a long-term store (Thanos Receive, Mimir, VictoriaMetrics); off by default
    #[arg(long, value_name = "URL", env = "PROMSTACK_REMOTE_WRITE_URL")]
    pub remote_write_url: Option<String>,

    /// Secret in the namespace with `username` and `password` for remote write (basic auth)
    #[arg(long, value_name = "SECRET", requires = "remote_write_url")]
    pub remote_write_secret: Option<String>,

    /// Turn the operator's admission webhooks off (for clusters where the API server cannot reach them)
    #[arg(long)]
    pub no_admission_webhooks: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InstallArgs {
    #[command(flatten)]
    pub stack: StackArgs,

    #[command(flatten)]
    pub chart: ChartArgs,

    /// Read the Grafana admin password from stdin
    #[arg(long, conflicts_with = "generate_grafana_password")]
    pub grafana_password_stdin: bool,

    /// Generate a random Grafana admin password
    #[arg(long)]
    pub generate_grafana_password: bool,

    /// Grafana admin user name
    #[arg(long, default_value = "admin", value_name = "NAME")]
    pub grafana_user: String,

    /// Replace the password in an existing Grafana admin Secret (kept otherwise)
    #[arg(long)]
    pub rotate_grafana_password: bool,

    /// Print the new Grafana password in the summary
    #[arg(long)]
    pub show_password: bool,

    /// Show the plan (objects, helm command; secrets redacted) and change nothing (a namespace or CRDs being deleted are not waited for: it says so); with -o yaml, render what would be applied
    #[arg(long)]
    pub dry_run: bool,

    /// Roll back a release stuck in pending-install/upgrade/rollback before installing
    #[arg(long)]
    pub recover: bool,

    /// Run helm upgrade even when chart and values are unchanged
    #[arg(long)]
    pub force_upgrade: bool,
}

/// `export DIR`: the same stack as files for Flux / kustomize.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Where to write the tree
    #[arg(default_value = "kubernetes/observability/prometheus-stack")]
    pub dir: PathBuf,

    #[command(flatten)]
    pub stack: StackArgs,

    /// Rules folder (default: promstack's embedded rules/)
    #[arg(long, value_name = "DIR")]
    pub rules_dir: Option<PathBuf>,

    /// Dashboards folder (default: promstack's embedded dashboards/)
    #[arg(long, value_name = "DIR")]
    pub dashboards_dir: Option<PathBuf>,

    /// Which GitOps tool deploys it
    #[arg(long, value_enum, default_value_t = Format::Flux)]
    pub format: Format,

    /// argocd: the git repository Argo CD reads the tree from
    #[arg(long, value_name = "URL")]
    pub repo_url: Option<String>,

    /// argocd: the tree's path in that repository (default: DIR)
    #[arg(long, value_name = "PATH", requires = "repo_url")]
    pub repo_path: Option<String>,
}

/// The chart and the values files it renders with: install's and images' flags.
#[derive(Debug, Clone, Args)]
pub struct ChartArgs {
    /// Extra values file, after the embedded ones (repeatable, later wins)
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,

    /// Let values keys the chart does not read pass, with a warning (refused by default: helm ignores them)
    #[arg(long)]
    pub allow_unknown_values: bool,

    /// Chart: a local directory or .tgz, repo/name, or oci://... (default: kube-prometheus-stack from prometheus-community)
    #[arg(long, value_name = "CHART", env = "PROMSTACK_CHART")]
    pub chart: Option<String>,

    /// Chart version (default: the pinned 88.5.3; ignored for local charts). The render of an exact version is kept between runs; a range (^88, 88.x) is rendered each time
    #[arg(long, value_name = "VERSION")]
    pub chart_version: Option<String>,
}

impl ChartArgs {
    /// The chart (a local one must exist).
    pub fn chart(&self) -> Result<Chart, Error> {
        Chart::from_flags(self.chart.as_deref(), self.chart_version.as_deref())
    }
}

/// `images`: what the chart runs, for air-gapped clusters.
#[derive(Debug, Clone, Args)]
pub struct ImagesArgs {
    /// Cluster flavour whose values to render with
    #[arg(long, value_enum, default_value_t = Env::Local, env = "PROMSTACK_ENV")]
    pub env: Env,
    #[command(flatten)]
    pub chart: ChartArgs,
    /// As install with --no-admission-webhooks (their certificate Job's image is then not needed)
    #[arg(long)]
    pub no_admission_webhooks: bool,
    /// Mirror registry (`host[:port][/path]`): also print the values overlay that pulls every image from it
    #[arg(long, value_name = "REGISTRY")]
    pub registry: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct UninstallArgs {
    /// Also delete the namespace and everything in it; waits until it is gone (with the CRDs, within --timeout)
    #[arg(long)]
    pub delete_namespace: bool,
    /// Also delete the Prometheus Operator CRDs promstack applied, and with them every object of their kinds in the cluster (other owners' are named first; --yes alone refuses to delete those, exit 3); waits until they are gone
    #[arg(long)]
    pub delete_crds: bool,
    /// With --delete-crds: also delete the objects of other owners the CRDs hold (ServiceMonitors, PrometheusRules... of other releases and teams), which --yes alone refuses
    #[arg(long, requires = "delete_crds")]
    pub force: bool,
    /// Also delete the kubelet Service the operator created in kube-system
    #[arg(long)]
    pub delete_kubelet_service: bool,
    /// Keep the Grafana admin and Alertmanager config Secrets
    #[arg(long)]
    pub keep_secrets: bool,
    /// Show what would be removed and change nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub prometheus: promstack_shared::kube::endpoint::PrometheusArgs,
    #[command(flatten)]
    pub alertmanager: promstack_shared::kube::endpoint::AlertmanagerArgs,
    #[command(flatten)]
    pub grafana: promstack_shared::kube::endpoint::GrafanaArgs,
    /// Check again every 10 s until healthy or --timeout
    #[arg(long)]
    pub watch: bool,
}

/// The stack flags as overlay settings, checked: the remote-write URL is one, and the cloud env
/// has its Ingress host and TLS Secret.
pub fn stack_settings(a: &StackArgs) -> Result<values::OverlaySettings, Error> {
    let remote_write = match &a.remote_write_url {
        Some(url) => {
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.contains(char::is_whitespace)
            {
                return Err(Error::input(format!(
                    "--remote-write-url `{url}` is not an http(s) URL"
                )));
            }
            Some(values::RemoteWrite {
                url: url.clone(),
                secret: a.remote_write_secret.clone(),
            })
        }
        None => None,
    };
    if a.env == values::Env::Cloud && (a.grafana_host.is_none() || a.tls_secret.is_none()) {
        return Err(Error::input(
            "--env cloud puts Grafana behind an Ingress with TLS: pass --grafana-host HOST and --tls-secret SECRET (and --ingress-class CLASS unless the cluster has a default)",
        ));
    }
    Ok(values::OverlaySettings {
        storage_class: a
            .storage_class
            .clone()
            .unwrap_or_else(|| a.env.storage_class().to_string()),
        grafana_host: a.grafana_host.clone(),
        ingress_class: a.ingress_class.clone(),
        tls_secret: a.tls_secret.clone(),
        remote_write,
        admission_webhooks: !a.no_admission_webhooks,
    })
}

/// Turn flags into install options (checks the flags; no I/O beyond looking at `--chart`).
pub fn install_options(cli: &Cli) -> Result<InstallOptions, Error> {
    let a = &cli.install;
    let mut o = stack_options(cli, &a.stack, &a.chart)?;
    o.password = if a.grafana_password_stdin {
        PasswordSource::Stdin
    } else if a.generate_grafana_password {
        PasswordSource::Generate
    } else {
        PasswordSource::Prompt
    };
    o.grafana_user = a.grafana_user.clone();
    o.rotate_password = a.rotate_grafana_password;
    o.show_password = a.show_password;
    o.dry_run = a.dry_run;
    o.recover = a.recover;
    o.force_upgrade = a.force_upgrade;
    Ok(o)
}

/// `install diff`'s flags as install options: a dry run of the same install.
pub fn diff_options(cli: &Cli, a: &DiffArgs) -> Result<InstallOptions, Error> {
    let mut o = stack_options(cli, &a.stack, &a.chart)?;
    o.dry_run = true;
    Ok(o)
}

/// The options the stack and chart flags decide (install and diff).
fn stack_options(cli: &Cli, stack: &StackArgs, chart: &ChartArgs) -> Result<InstallOptions, Error> {
    let mut o = InstallOptions::new(stack.env, &cli.global.namespace);
    o.chart = chart.chart()?;
    o.user_values = chart.values.clone();
    o.overlay = stack_settings(stack)?;
    o.alertmanager_config = stack.alertmanager_config.clone();
    o.timeout = cli.timeout();
    o.allow_unknown_values = chart.allow_unknown_values;
    o.render_cache = crate::chart::render_cache::RenderCache::for_user();
    Ok(o)
}

/// `install uninstall`'s flags as its options.
pub fn uninstall_options(cli: &Cli, a: &UninstallArgs) -> UninstallOptions {
    UninstallOptions {
        namespace: cli.global.namespace.clone(),
        delete_namespace: a.delete_namespace,
        delete_crds: a.delete_crds,
        delete_kubelet_service: a.delete_kubelet_service,
        keep_secrets: a.keep_secrets,
        force: a.force,
        dry_run: a.dry_run,
        yes: cli.global.yes,
        timeout: cli.timeout(),
        poll_interval: std::time::Duration::from_secs(2),
    }
}

/// `install export`'s flags as its options (checks the stack flags).
pub fn export_options(cli: &Cli, a: &ExportArgs) -> Result<ExportOptions, Error> {
    Ok(ExportOptions {
        dir: a.dir.clone(),
        env: a.stack.env,
        namespace: cli.global.namespace.clone(),
        overlay: stack_settings(&a.stack)?,
        alertmanager_config: a.stack.alertmanager_config.clone(),
        rules_dir: a.rules_dir.clone(),
        dashboards_dir: a.dashboards_dir.clone(),
        format: a.format,
        repo_url: a.repo_url.clone(),
        repo_path: a.repo_path.clone(),
    })
}

/// `install images`' flags as its options (checks the chart and the registry).
pub fn images_options(cli: &Cli, a: &ImagesArgs) -> Result<ImagesOptions, Error> {
    Ok(ImagesOptions {
        env: a.env,
        namespace: cli.global.namespace.clone(),
        chart: a.chart.chart()?,
        user_values: a.chart.values.clone(),
        overlay: values::OverlaySettings {
            storage_class: a.env.storage_class().into(),
            admission_webhooks: !a.no_admission_webhooks,
            ..Default::default()
        },
        registry: a
            .registry
            .as_deref()
            .map(crate::images_verb::check_registry)
            .transpose()?,
        allow_unknown_values: a.chart.allow_unknown_values,
    })
}

/// `install status`'s flags as its options.
pub fn status_options(cli: &Cli, a: &StatusArgs) -> StatusOptions {
    StatusOptions {
        namespace: cli.global.namespace.clone(),
        prometheus: a.prometheus.endpoint(),
        alertmanager: a.alertmanager.endpoint(),
        grafana: a.grafana.endpoint(),
        grafana_credentials: a.grafana.grafana_credentials_file.clone(),
        watch: a.watch,
        timeout: cli.timeout(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promstack_shared::testing::assert_common_flags_anywhere;

    fn parse(argv: Vec<String>) -> Result<Cli, clap::Error> {
        parse_from(argv)
    }

    #[test]
    fn common_flags_go_before_or_after_every_subcommand() {
        assert_common_flags_anywhere(
            "install",
            parse,
            |c| &c.global,
            &[
                &[],
                &["status"],
                &["uninstall"],
                &["export", "/tmp/out"],
                &["images"],
                &["diff"],
            ],
        );
    }

    #[test]
    fn helm_and_timeout_go_anywhere_with_the_default_of_the_verb() {
        for argv in [
            ["install", "--helm", "/h", "--timeout", "90s", "uninstall"],
            ["install", "uninstall", "--helm", "/h", "--timeout", "90s"],
        ] {
            let c = parse_from(argv).unwrap();
            assert_eq!(c.helm, PathBuf::from("/h"));
            assert_eq!(c.timeout(), std::time::Duration::from_secs(90));
        }
        let u = parse_from(["install", "uninstall"]).unwrap();
        assert_eq!(u.timeout(), std::time::Duration::from_secs(300));
        let i = parse_from(["install"]).unwrap();
        assert_eq!(i.timeout(), std::time::Duration::from_secs(600));
    }

    #[test]
    fn install_flags_before_a_subcommand_are_refused_by_name() {
        let err = parse_from(["install", "--env", "cloud", "status"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        let text = err.to_string();
        assert!(
            text.contains("--env") && text.contains("`kubectl promstack install status`"),
            "{text}"
        );
        let err = parse_from(["install", "--dry-run", "uninstall"]).unwrap_err();
        assert!(err.to_string().contains("--dry-run"), "{err}");
        // from the environment, an install setting does not get in the way of a subcommand
        assert!(parse_from(["install", "status"]).is_ok());
    }
}
