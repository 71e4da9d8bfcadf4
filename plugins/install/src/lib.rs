//! kubectl-promstack-install as a library: the CLI ([`cli`]), the install flow ([`install`]),
//! uninstall ([`uninstall`]) and their parts. `main.rs` only parses and calls [`run`].
pub mod alertmanager;
pub mod claims;
pub mod cli;
pub mod crds;
pub mod export;
pub mod grafana;
pub mod helm;
pub mod uninstall;
pub mod values;
pub mod verb;
pub mod workloads;

pub use verb::install::{preflight, summary};
pub use verb::{install, status};

use cli::{Cli, Command, StackArgs};
use grafana::PasswordSource;
use helm::{Chart, Helm, HelmApi};
use promstack_shared::cli::OutputFormat;
use promstack_shared::cluster::{Cluster, KubeCluster};
use promstack_shared::ui::Ui;
use promstack_shared::{output, ExitCode};

/// The `promstack.io/component` label value of what this plugin writes.
pub const COMPONENT: &str = "install";

/// The stack flags as overlay settings, checked: the remote-write URL is one, and the cloud env
/// has its Ingress host and TLS Secret.
pub fn stack_settings(a: &StackArgs) -> Result<values::OverlaySettings, promstack_shared::Error> {
    use promstack_shared::Error;
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
pub fn install_options(cli: &Cli) -> Result<install::InstallOptions, promstack_shared::Error> {
    let a = &cli.install;
    let mut o = install::InstallOptions::new(a.stack.env, &cli.global.namespace);
    o.chart = Chart::from_flags(a.chart.as_deref(), a.chart_version.as_deref())?;
    o.user_values = a.values.clone();
    o.overlay = stack_settings(&a.stack)?;
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
    o.alertmanager_config = a.stack.alertmanager_config.clone();
    o.timeout = cli.timeout();
    o.dry_run = a.dry_run;
    o.recover = a.recover;
    o.force_upgrade = a.force_upgrade;
    Ok(o)
}

/// Run the parsed command line against the cluster and helm of the flags. Results go to stdout,
/// people's messages to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Some(Command::Export(a)) => run_export(&cli, a),
        Some(Command::Status(a)) => run_status(&cli, a, &Ui::from_args(&cli.global)).await,
        None | Some(Command::Uninstall(_)) => {
            let cluster = KubeCluster::from_args(&cli.global).await?;
            let helm = Helm::new(
                cli.helm.clone(),
                cli.global.kubeconfig.clone(),
                cli.global.context.clone(),
            );
            run_with(&cli, &cluster, &helm).await
        }
    }
}

/// `install` and `install uninstall` with the cluster and helm given: what the binary runs after
/// connecting, and what tests run against the in-memory cluster and a fake helm.
pub async fn run_with(
    cli: &Cli,
    cluster: &dyn Cluster,
    helm: &dyn HelmApi,
) -> anyhow::Result<ExitCode> {
    let ui = Ui::from_args(&cli.global);
    let g = &cli.global;
    match &cli.command {
        None => {
            let opts = install_options(cli)?;
            // stdin is read only for --grafana-password-stdin (std's handle locks it just for
            // the read): a prompt reads the terminal itself
            let deps = verb::Deps::new(cluster, helm, &ui).with_stdin(std::io::stdin());
            let outcome = install::run(&opts, &deps).await?;
            match (g.output, opts.dry_run) {
                (OutputFormat::Yaml, true) => print!("{}", output::yaml_stream(&outcome.rendered)?),
                (OutputFormat::Text, _) => {
                    let pw = outcome.shown_password.as_ref().map(|p| p.expose());
                    print!("{}", summary::render(&outcome.report, pw));
                }
                (fmt, _) => {
                    let mut v = serde_json::to_value(&outcome.report)?;
                    if let Some(p) = &outcome.shown_password {
                        v["grafana"]["password"] = p.expose().into();
                    }
                    print!("{}", output::render(fmt, &v)?.unwrap_or_default());
                }
            }
            Ok(ExitCode::Ok)
        }
        Some(Command::Uninstall(a)) => {
            let opts = uninstall::UninstallOptions {
                namespace: g.namespace.clone(),
                delete_namespace: a.delete_namespace,
                delete_crds: a.delete_crds,
                delete_kubelet_service: a.delete_kubelet_service,
                keep_secrets: a.keep_secrets,
                dry_run: a.dry_run,
                yes: g.yes,
                timeout: cli.timeout(),
            };
            let report = uninstall::uninstall(&opts, cluster, helm, &ui).await?;
            output::print_result(g.output, &report, || uninstall::text(&report))?;
            Ok(ExitCode::Ok)
        }
        Some(Command::Export(_)) | Some(Command::Status(_)) => Err(promstack_shared::Error::input(
            "export and status do not run against a given cluster and helm",
        )
        .into()),
    }
}

fn run_export(cli: &Cli, a: &cli::ExportArgs) -> anyhow::Result<ExitCode> {
    let g = &cli.global;
    let opts = export::ExportOptions {
        dir: a.dir.clone(),
        env: a.stack.env,
        namespace: g.namespace.clone(),
        overlay: stack_settings(&a.stack)?,
        alertmanager_config: a.stack.alertmanager_config.clone(),
        rules_dir: a.rules_dir.clone(),
        dashboards_dir: a.dashboards_dir.clone(),
    };
    let report = export::export(&opts)?;
    output::print_result(g.output, &report, || export::text(&report))?;
    Ok(ExitCode::Ok)
}

async fn run_status(cli: &Cli, a: &cli::StatusArgs, ui: &Ui) -> anyhow::Result<ExitCode> {
    let g = &cli.global;
    let cluster = KubeCluster::from_args(g).await?;
    let opts = status::StatusOptions {
        namespace: g.namespace.clone(),
        prometheus: a.prometheus.endpoint(),
        alertmanager: a.alertmanager.endpoint(),
        grafana: a.grafana.endpoint(),
        watch: a.watch,
        timeout: cli.timeout(),
    };
    let report = status::run(
        &opts,
        &status::Deps {
            cluster: &cluster,
            ui,
        },
    )
    .await?;
    output::finish(g.output, &report)
}

/// 0 when healthy, 3 when any check failed.
pub fn status_exit_code(r: &status::StatusReport) -> ExitCode {
    promstack_shared::output::Report::exit_code(r)
}
