use promstack_alert_test::{cli::parse_from, run};

fn main() {
    let cli = parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    // alert-test handles Ctrl-C/SIGTERM itself: it cleans up its rule and alert before exiting 130 (143)
    promstack_shared::cli::run_main(run(cli));
}
