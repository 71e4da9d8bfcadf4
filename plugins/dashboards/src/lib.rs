//! kubectl-promstack-dashboards as a library: sources ([`load`]), validation ([`validate`],
//! [`vars`]), ConfigMaps and sync (the common crate's [`promstack_shared::kube::sync`]), [`check`]
//! against a live Prometheus, and the stack's Grafana ([`grafana`]: reached and logged in to; the
//! live check and what a sync waits for are the common crate's [`promstack_shared::grafana`]);
//! each verb in [`verb`] (options, `run`, report). `main.rs` parses ([`cli`]: flags and each
//! verb's options) and calls [`run`].
pub mod check;
pub mod cli;
pub mod confirm;
pub mod foreign;
pub mod grafana;
pub mod load;
pub mod validate;
pub mod vars;
pub mod verb;

pub use load::{configmaps, prepare_all, problems, read, valid as load_valid};
pub use verb::list::{list, ListItem};
pub use verb::sync::sync_dashboards;

use cli::{Cli, Command};
use promstack_shared::grafana::dashboard;
use promstack_shared::kube::sync::Kind;
use promstack_shared::terminal::cli::OutputFormat;
use promstack_shared::terminal::output;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{finish, Deps};
use promstack_shared::ExitCode;

/// The objects this plugin syncs.
pub const DASHBOARDS: Kind = Kind {
    api_version: "v1",
    kind: "ConfigMap",
    component: dashboard::COMPONENT,
    // Grafana keys a dashboard by its uid: a file moved to another folder is the same dashboard
    identity: Some(dashboard::uids_of),
    crd: None,
};

/// Run the parsed command line. Results to stdout, messages to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::from_args(&cli.global);
    let deps = Deps::connecting(&cli.global, &ui);
    let (g, t, fmt) = (&cli.global, &cli.target, cli.global.output);
    match &cli.command {
        Command::Validate(a) => finish(fmt, &verb::validate::run(&a.options(t), &ui)?),
        Command::Diff(a) => finish(fmt, &verb::diff::run(&a.options(g, t), &deps).await?),
        Command::Sync(a) if a.dry_run && fmt == OutputFormat::Yaml => {
            // the ConfigMaps, no cluster needed
            let objects = verb::sync::objects(&a.options(g, t), &ui)?;
            print!("{}", output::yaml_stream(&objects)?);
            Ok(ExitCode::Ok)
        }
        Command::Sync(a) => finish(fmt, &verb::sync::run(&a.options(g, t), &deps).await?),
        Command::List(a) => finish(fmt, &verb::list::run(&a.options(g), &deps).await?),
        Command::Check(a) if a.live => {
            finish(fmt, &verb::live::run(&a.live_options(g)?, &deps).await?)
        }
        Command::Check(a) => finish(fmt, &verb::check::run(&a.options(g, t), &deps).await?),
    }
}
