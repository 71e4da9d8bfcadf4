//! The interactive password prompt in a real pseudo-terminal: hidden input, policy, confirmation.
use std::path::PathBuf;
use std::process::Command;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_password-prompt"))
}

#[test]
fn the_prompt_hides_input_enforces_the_policy_and_confirms() {
    let mut cmd = Command::new(example());
    cmd.env_remove("NO_COLOR");
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).unwrap();
    p.exp_string("Grafana admin password").unwrap();
    p.send_line("prom-operator").unwrap();
    p.exp_string("well-known default").unwrap();
    p.send_line("Zq9shrt").unwrap();
    p.exp_string("shorter than 12").unwrap();
    p.send_line("correct-horse-battery").unwrap();
    p.exp_string("Repeat it").unwrap();
    p.send_line("something-else-entirely").unwrap();
    p.exp_string("differ").unwrap();
    p.exp_string("Grafana admin password").unwrap();
    p.send_line("correct-horse-battery").unwrap();
    p.exp_string("Repeat it").unwrap();
    p.send_line("correct-horse-battery").unwrap();
    let seen = p.exp_string("accepted 21 characters").unwrap();
    assert!(
        !seen.contains("correct-horse"),
        "the password was echoed: {seen:?}"
    );
    p.exp_eof().unwrap();
}

#[test]
fn without_a_terminal_there_is_no_prompt() {
    let out = Command::new(example())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without a terminal"));
}

/// `restore_terminal` (run_main calls it on the way out of every error) puts back the terminal a
/// prompt left mid-way; with none running (here one ran and ended), it does nothing: echo stays
/// as the user has it (off), and nothing is written: no empty line before the error, no cursor
/// escape. Run in a pseudo-terminal, where the terminal's state and every byte written are seen.
#[test]
fn restoring_without_a_running_prompt_does_nothing() {
    let mut cmd = Command::new(example());
    cmd.arg("--fail-after-a-prompt").env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(10_000)).unwrap();
    let written = p.exp_eof().unwrap();
    assert_eq!(
        written,
        "echo on: Some(false)\r\nerror: no input was given\r\n"
    );
}
