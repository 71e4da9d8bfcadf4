//! Drives the real password prompt; the PTY test (tests/pty.rs) types into it.
use promstack_shared::cli::GlobalArgs;
use promstack_shared::secret::prompt_new_password;
use promstack_shared::ui::Ui;

fn main() {
    let ui = Ui::from_args(&GlobalArgs::for_namespace("monitoring"));
    match prompt_new_password(&ui, "Grafana admin password") {
        Ok(pw) => println!("accepted {} characters", pw.expose().chars().count()),
        Err(e) => {
            println!("error: {e}");
            std::process::exit(e.exit_code().code());
        }
    }
}
