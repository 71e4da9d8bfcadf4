//! Drives the real password prompt on the runtime every plugin uses (cli::run_main); the PTY test
//! (tests/pty.rs) types into it. The install flow's own prompts are tested through the install
//! plugin in plugins/install/tests/pty_flow.rs.
use promstack_shared::terminal::cli::{or_interrupted, run_main, GlobalArgs};
use promstack_shared::terminal::secret::prompt_new_password;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::ExitCode;

fn main() {
    // echo on, as a real terminal has it: the test checks that the prompt hides what is typed
    promstack_shared::testing::terminal_echo_on();
    if std::env::args().nth(1).as_deref() == Some("--fail-after-a-prompt") {
        fail_after_a_prompt();
    }
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

/// A command that ran a prompt to its end, then failed: the terminal as the user has it now (echo
/// off here) is left alone by `restore_terminal` (called twice here, and by run_main on the way
/// out of the error), which prints nothing. The PTY test reads the echo state and what is written.
fn fail_after_a_prompt() -> ! {
    use promstack_shared::terminal::prompt::{restore_terminal, run};
    use promstack_shared::testing::{set_terminal_echo, terminal_echo};
    run_main(async {
        run("a prompt", || Ok(())).await?;
        set_terminal_echo(false);
        restore_terminal();
        restore_terminal();
        println!("echo on: {:?}", terminal_echo());
        Err(promstack_shared::Error::input("no input was given").into())
    })
}
