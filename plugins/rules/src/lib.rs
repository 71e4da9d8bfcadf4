//! kubectl-promstack-rules as a library: sources ([`load`]), [`validate`], [`lint`], promtool unit
//! tests ([`promtool`]), and diff / sync / prune / list ([`sync`]); each verb in [`verb`] (options,
//! `run`, report). `main.rs` parses ([`cli`]: flags and each verb's options) and calls [`run`].
pub mod cli;
pub mod lint;
pub mod load;
pub mod online;
pub mod promtool;
pub mod sync;
pub mod validate;
pub mod verb;

pub use load::valid as load_valid;
pub use verb::sync::{sync_with_check, SyncOptions};

use cli::{Cli, Command};
use promstack_shared::terminal::cli::OutputFormat;
use promstack_shared::terminal::output;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{finish, Deps};
use promstack_shared::ExitCode;

/// Run the parsed command line. Results to stdout, messages to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::from_args(&cli.global);
    let deps = Deps::connecting(&cli.global, &ui);
    let fmt = cli.global.output;
    let (g, t) = (&cli.global, &cli.target);
    match &cli.command {
        Command::Validate(a) => finish(fmt, &verb::validate::run(&a.options(g, t), &ui)?),
        Command::Lint(a) => finish(fmt, &verb::lint::run(&a.options(g, t), &deps).await?),
        Command::Test(a) => finish(fmt, &verb::test::run(&a.options(g), &ui)?),
        Command::Diff(a) => match a.backtest {
            None => finish(fmt, &verb::diff::run(&a.options(g, t), &deps).await?),
            Some(range) => {
                let opts = a.options(g, t);
                finish(
                    fmt,
                    &verb::diff_backtest::run_diff(&opts, &deps, &a.prometheus.endpoint(), range)
                        .await?,
                )
            }
        },
        Command::Sync(a) if a.dry_run && fmt == OutputFormat::Yaml => {
            // the objects, checked for the flags' target or the stack's as installed; no cluster needed
            let opts = a.options(g, t);
            let loaded = verb::sync::objects(&opts, &ui)?;
            load::refuse(validate::target_problems(&loaded, &opts.target.offline()))?;
            let objects: Vec<serde_json::Value> =
                loaded.objects.iter().map(sync::to_json).collect();
            print!("{}", output::yaml_stream(&objects)?);
            Ok(ExitCode::Ok)
        }
        Command::Sync(a) => finish(fmt, &verb::sync::run(&a.options(g, t), &deps).await?),
        Command::List(a) => finish(fmt, &verb::list::run(&a.options(g), &deps).await?),
    }
}

pub fn sync_text(r: &sync::SyncReport) -> String {
    promstack_shared::kube::sync::report_text(r, "PrometheusRule")
}
