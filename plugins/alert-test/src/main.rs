use clap::Parser;
use promstack_alert_test::cli::{run, Cli};

fn main() {
    let cli = Cli::parse();
    promstack_shared::cli::run_main(run(cli));
}
