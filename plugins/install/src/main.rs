use promstack_install::{cli, run};
use promstack_shared::terminal::cli::{or_interrupted_with, run_main};

fn main() {
    // `__complete WORDS...` (kubectl_complete-promstack) and `__completion SHELL` answer and exit
    promstack_shared::terminal::completion::serve::<promstack_install::cli::Cli>(
        "kubectl-promstack-install",
    );
    let cli = cli::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    // Ctrl-C / SIGTERM drop the running install: helm is killed (kill_on_drop) and the temp
    // values dir removed; a prompt is ended and the terminal put back. Exit 130 (143), saying
    // what is true at that moment (promstack_install::verb::stage).
    run_main(or_interrupted_with(
        run(cli),
        promstack_install::verb::stage::interrupted_message,
    ));
}
