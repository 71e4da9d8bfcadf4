//! kubectl-promstack-install as a library. `main.rs` parses ([`cli`]: flags, and each verb's
//! options made from them) and calls [`run`], which runs the verb ([`verb`]: install, uninstall,
//! export, status, images, each `run(opts, deps)`, and the [`verb::stage`] a run is in when a signal
//! comes) and prints its report. The parts the verbs share: the chart, its values, render, CRDs and
//! upgrades ([`chart`]), helm ([`helm`]), the stack's parts beside the chart: the Secrets, the
//! workloads and their volumes ([`stack`]), and what a release would change ([`release_diff`]).
pub mod chart;
pub mod cli;
pub mod helm;
pub mod release_diff;
pub mod stack;
pub mod verb;

pub use verb::images as images_verb;
pub use verb::install::{preflight, summary};
pub use verb::{export, install, status, uninstall};

use cli::{Cli, Command};
use helm::{Helm, HelmApi};
use promstack_shared::kube::cluster::{Cluster, KubeCluster};
use promstack_shared::terminal::cli::OutputFormat;
use promstack_shared::terminal::output;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::ExitCode;

/// The `promstack.io/component` label value of what this plugin writes.
pub const COMPONENT: &str = "install";

/// Run the parsed command line against the cluster and helm of the flags. Results go to stdout,
/// people's messages to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let g = &cli.global;
    match &cli.command {
        Some(Command::Images(a)) => {
            let opts = cli::images_options(&cli, a)?;
            let helm = Helm::new(cli.helm.clone(), g.kubeconfig.clone(), g.context.clone());
            let ui = Ui::from_args(g);
            output::finish(g.output, &images_verb::run(&opts, &helm, &ui).await?)
        }
        Some(Command::Export(a)) => {
            let ui = Ui::from_args(g);
            output::finish(g.output, &export::run(&cli::export_options(&cli, a)?, &ui)?)
        }
        Some(Command::Status(a)) => {
            let ui = Ui::from_args(g);
            let deps = status::Deps::connecting(g, &ui);
            output::finish(
                g.output,
                &status::run(&cli::status_options(&cli, a), &deps).await?,
            )
        }
        None | Some(Command::Uninstall(_) | Command::Diff(_)) => {
            let cluster = KubeCluster::from_args(g).await?;
            let helm = Helm::new(cli.helm.clone(), g.kubeconfig.clone(), g.context.clone());
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
            let opts = cli::install_options(cli)?;
            // stdin is read only for --grafana-password-stdin (std's handle locks it just for
            // the read): a prompt reads the terminal itself
            let deps = verb::Deps::new(cluster, helm, &ui).with_stdin(std::io::stdin());
            let outcome = install::run(&opts, &deps).await?;
            print_install(g.output, opts.dry_run, &outcome)?;
            Ok(ExitCode::Ok)
        }
        Some(Command::Uninstall(a)) => {
            let opts = cli::uninstall_options(cli, a);
            let report = uninstall::run(&opts, &verb::Deps::new(cluster, helm, &ui)).await?;
            output::finish(g.output, &report)
        }
        Some(Command::Diff(a)) => {
            let opts = cli::diff_options(cli, a)?;
            let deps = verb::Deps::new(cluster, helm, &ui);
            let outcome = install::run(&opts, &deps).await?;
            print_diff(g.output, &outcome.report)?;
            Ok(match outcome.report.changed {
                true => ExitCode::CheckFailed,
                false => ExitCode::Ok,
            })
        }
        Some(Command::Export(_) | Command::Status(_) | Command::Images(_)) => {
            Err(promstack_shared::Error::input(
                "export, status and images do not run against a given cluster and helm",
            )
            .into())
        }
    }
}

/// The install's result: with `--dry-run -o yaml` the objects; as text the summary (with the
/// password when `--show-password` asked for it); else the report as JSON/YAML.
fn print_install(
    format: OutputFormat,
    dry_run: bool,
    outcome: &install::InstallOutcome,
) -> anyhow::Result<()> {
    match (format, dry_run) {
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
    Ok(())
}

/// `install diff`'s result: as text the diff (and a chart upgrade's notes), or as JSON/YAML what
/// changes: the plan's steps, the objects, the CRDs, the upgrade.
fn print_diff(format: OutputFormat, r: &install::InstallReport) -> anyhow::Result<()> {
    match format {
        OutputFormat::Text => {
            let mut s = String::new();
            if let Some(u) = &r.upgrade {
                s.push_str(&u.text());
            }
            for step in r
                .steps
                .iter()
                .filter(|s| s.change != promstack_shared::kube::owned::Change::Unchanged)
            {
                s.push_str(&format!("{} {}\n", step.change, step.object));
            }
            if let Some(d) = &r.diff {
                s.push_str(&d.text());
            }
            if !r.changed {
                s.push_str("Nothing would change.\n");
            }
            print!("{s}");
        }
        fmt => {
            let v = serde_json::json!({"changed": r.changed, "namespace": r.namespace, "chart": r.chart,
                "steps": r.steps, "diff": r.diff, "upgrade": r.upgrade});
            print!("{}", output::render(fmt, &v)?.unwrap_or_default());
        }
    }
    Ok(())
}

/// 0 when healthy, 3 when any check failed.
pub fn status_exit_code(r: &status::StatusReport) -> ExitCode {
    promstack_shared::terminal::output::Report::exit_code(r)
}
