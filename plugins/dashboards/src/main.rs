use clap::Parser;
use promstack_dashboards::{cli::Cli, run};

fn main() {
    let cli = Cli::parse();
    promstack_shared::cli::run_main(run(cli));
}
