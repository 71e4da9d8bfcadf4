use promstack_alert_test::{cli::parse_from, run};

fn main() {
    // `__complete WORDS...` (kubectl_complete-promstack) and `__completion SHELL` answer and exit
    promstack_shared::terminal::completion::serve::<promstack_alert_test::cli::Cli>(
        "kubectl-promstack-alert-test",
    );
    let cli = parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    // alert-test handles Ctrl-C/SIGTERM itself: it cleans up its rule and alert before exiting 130 (143)
    promstack_shared::terminal::cli::run_main(run(cli));
}
