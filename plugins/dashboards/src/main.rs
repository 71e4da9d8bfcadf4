use clap::Parser;
use promstack_dashboards::{cli::Cli, run};

fn main() {
    // `__complete WORDS...` (kubectl_complete-promstack) and `__completion SHELL` answer and exit
    promstack_shared::terminal::completion::serve::<promstack_dashboards::cli::Cli>(
        "kubectl-promstack-dashboards",
    );
    let cli = Cli::parse();
    promstack_shared::terminal::cli::run_main(run(cli));
}
