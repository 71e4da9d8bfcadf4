use clap::Parser;
use promstack_install::{cli::Cli, run};
use promstack_shared::cli::{interrupted, run_main};

fn main() {
    let cli = Cli::parse();
    // Ctrl-C / SIGTERM drop the running install: helm is killed (kill_on_drop) and the temp
    // values dir removed. A release left pending-* is recovered with --recover.
    run_main(async {
        tokio::select! {
            res = run(cli) => res,
            signal = interrupted() => Err(promstack_shared::Error::runtime(format!(
                "interrupted by {signal}: stopped. If helm was running, run again with --recover."
            ))
            .into()),
        }
    });
}
