//! Drives the real password prompt on the runtime every plugin uses (cli::run_main); the PTY test
//! (tests/pty.rs) types into it. The install flow's own prompts are tested through the install
//! plugin in plugins/install/tests/pty_flow.rs.
use promstack_shared::cli::{or_interrupted, run_main, GlobalArgs};
use promstack_shared::secret::prompt_new_password;
use promstack_shared::ui::Ui;
use promstack_shared::ExitCode;

fn main() {
    // echo on, as a real terminal has it: the test checks that the prompt hides what is typed
    promstack_shared::testing::terminal_echo_on();
    run_main(or_interrupted(
        async {
            let ui = Ui::from_args(&GlobalArgs::for_namespace("monitoring"));
            let pw = prompt_new_password(&ui, "Grafana admin password").await?;
            println!("accepted {} characters", pw.expose().chars().count());
            Ok(ExitCode::Ok)
        },
        "no password was taken",
    ));
}
