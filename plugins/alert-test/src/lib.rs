//! kubectl-promstack-alert-test as a library: the test itself ([`alert`]: fire, follow, clean
//! up), the offline route tester ([`routes`]), each verb in [`verb`] (options, `run`, report), and
//! the command line ([`cli`]: flags and each verb's options). `main.rs` parses and calls [`run`].
pub mod alert;
pub mod cli;
pub mod routes;
pub mod verb;

use cli::{Cli, Command};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{finish, Deps};
use promstack_shared::ExitCode;

/// Run the parsed command line. Results to stdout, messages to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::from_args(&cli.global);
    let deps = Deps::connecting(&cli.global, &ui);
    let fmt = cli.global.output;
    match &cli.command {
        Some(Command::Routes(r)) => {
            let opts = cli.routes_options(r)?;
            finish(fmt, &verb::routes::run(&opts, &deps).await?)
        }
        None => finish(fmt, &verb::fire::run(&cli.fire_options()?, &deps).await?),
    }
}
