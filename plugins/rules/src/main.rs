use clap::Parser;
use promstack_rules::{cli::Cli, run};

fn main() {
    // `__complete WORDS...` (kubectl_complete-promstack) and `__completion SHELL` answer and exit
    promstack_shared::terminal::completion::serve::<promstack_rules::cli::Cli>(
        "kubectl-promstack-rules",
    );
    let cli = Cli::parse();
    promstack_shared::terminal::cli::run_main(run(cli));
}
