//! `kubectl-promstack-install` as the binary runs it (the same parser, `run_main`, Ctrl-C handling
//! and `run_with`), with the in-memory cluster and the fake helm of the tests behind it instead of
//! a real cluster and helm. The PTY tests (tests/pty_flow.rs) type into its prompts.
//!
//! PROMSTACK_TEST_SEED: `fresh` (default: a 3-node cluster, nothing installed) or `installed`
//! (the stack is there with its Secrets). PROMSTACK_TEST_HELM_HANGS=1: helm's upgrade never
//! returns (so a signal can come while helm runs). PROMSTACK_TEST_JOURNAL: a file that gets every request
//! the plugin makes, one line each (`Apply Secret monitoring/...`), written as it happens.
//! The terminal's echo is turned on first, as a real terminal has it (the PTY test library turns
//! it off), so a test can see that a password prompt hides what is typed.
#[path = "../common/mod.rs"]
mod common;

use promstack_shared::cli::{or_interrupted_with, run_main};

fn main() {
    promstack_shared::testing::terminal_echo_on();
    let cli = promstack_install::cli::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let cluster = common::cluster(3);
    let helm = common::FakeHelm::new(cluster.clone(), 4);
    if std::env::var("PROMSTACK_TEST_SEED").as_deref() == Ok("installed") {
        common::seed_installed(&cluster, &helm, &cli.global.namespace);
    }
    if std::env::var("PROMSTACK_TEST_HELM_HANGS").as_deref() == Ok("1") {
        helm.state.lock().unwrap().hang_upgrade = true;
    }
    if let Some(path) = std::env::var_os("PROMSTACK_TEST_JOURNAL") {
        cluster.journal_to(path);
    }
    run_main(or_interrupted_with(
        async { promstack_install::run_with(&cli, &*cluster, &helm).await },
        promstack_install::stage::interrupted_message,
    ));
}
