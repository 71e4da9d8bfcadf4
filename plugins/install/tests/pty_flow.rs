//! The install and uninstall prompts in a real pseudo-terminal, through the real flow: the same
//! parser, runtime, Ctrl-C handling and `run_with` as the binary (tests/bin/install_on_memory.rs),
//! with spinners on, the in-memory cluster and the fake helm behind it. Each test reads back every
//! request the plugin made from a journal file, so "nothing was written" is checked even when a
//! signal ended the process.
use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;
use std::path::{Path, PathBuf};
use std::process::Command;

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_install-on-memory"))
}

struct Run {
    p: PtySession,
    journal: PathBuf,
    _dir: tempfile::TempDir,
}

/// Start the plugin in a terminal with echo on (as a real one has it).
fn start(seed: &str, args: &[&str]) -> Run {
    start_with(seed, args, &[])
}

fn start_with(seed: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let mut cmd = Command::new(harness());
    cmd.args(args)
        .env_remove("NO_COLOR")
        .env_remove("PROMSTACK_NAMESPACE")
        .env("PROMSTACK_TEST_SEED", seed)
        .env("PROMSTACK_TEST_JOURNAL", &journal)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .envs(env.iter().copied());
    let p = rexpect::session::spawn_command(cmd, Some(15_000)).unwrap();
    Run {
        p,
        journal,
        _dir: dir,
    }
}

fn requests(journal: &Path) -> Vec<String> {
    std::fs::read_to_string(journal)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

fn writes(journal: &Path) -> Vec<String> {
    requests(journal)
        .into_iter()
        .filter(|l| l.starts_with("Apply") || l.starts_with("Delete"))
        .collect()
}

/// Wait for the process to end (the session's timeout fails a hang) and give its exit code.
fn exit_code(r: &mut Run) -> i32 {
    let rest = r.p.exp_eof().expect("the plugin ends");
    match r.p.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("ended by {other:?} instead of exiting; output: {rest}"),
    }
}

#[test]
fn a_new_install_asks_until_the_password_is_good_and_confirmed() {
    let mut r = start("fresh", &["--env", "local", "-n", "prompttest"]);
    // pre-flight runs first, with its checks shown
    r.p.exp_string("nodes Ready").unwrap();
    r.p.exp_string("Grafana admin password").unwrap();
    r.p.send_line("Zq9shrt").unwrap();
    r.p.exp_string("shorter than 12").unwrap();
    r.p.send_line("prom-operator").unwrap();
    r.p.exp_string("well-known default").unwrap();
    r.p.send_line("correct-horse-battery").unwrap();
    r.p.exp_string("Repeat it").unwrap();
    r.p.send_line("something-else-entirely").unwrap();
    r.p.exp_string("differ").unwrap();
    r.p.exp_string("Grafana admin password").unwrap();
    assert!(
        writes(&r.journal).is_empty(),
        "written before the password was taken: {:?}",
        writes(&r.journal)
    );
    r.p.send_line("correct-horse-battery").unwrap();
    r.p.exp_string("Repeat it").unwrap();
    r.p.send_line("correct-horse-battery").unwrap();
    let seen =
        r.p.exp_string("is installed in namespace prompttest")
            .unwrap();
    assert!(
        !seen.contains("correct-horse") && !seen.contains("Zq9shrt"),
        "a password was echoed: {seen:?}"
    );
    assert_eq!(exit_code(&mut r), 0);
    let w = writes(&r.journal);
    assert!(
        w.contains(&"Apply Secret prompttest/promstack-grafana-admin".to_string()),
        "{w:?}"
    );
}

/// Is echo on in the terminal? (The pty's master side reads the line settings of the terminal.)
fn echo_is_on(r: &Run) -> bool {
    use std::os::fd::AsRawFd;
    let f = r.p.process.get_file_handle().unwrap();
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills `t` when it returns 0
    unsafe {
        assert_eq!(libc::tcgetattr(f.as_raw_fd(), t.as_mut_ptr()), 0);
        t.assume_init().c_lflag & libc::ECHO != 0
    }
}

#[test]
fn ctrl_c_at_the_password_prompt_ends_the_install_with_nothing_written() {
    let mut r = start("fresh", &["--env", "local", "-n", "prompttest"]);
    r.p.exp_string("Grafana admin password").unwrap();
    // the prompt turns echo off right after it prints itself: give it a moment
    let hidden = (0..200).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        !echo_is_on(&r)
    });
    assert!(hidden, "the password prompt hides what is typed");
    r.p.send("half-typed").unwrap();
    r.p.send_control('c').unwrap();
    // what is true at that moment, the whole line: nothing was written and helm never ran (no
    // --recover hint)
    r.p.exp_string("error: interrupted by Ctrl-C: nothing was changed\r\n")
        .unwrap();
    assert_eq!(exit_code(&mut r), 130);
    assert_eq!(writes(&r.journal), Vec::<String>::new());
    assert!(
        echo_is_on(&r),
        "the terminal is left with echo off after the interrupted prompt"
    );
}

#[test]
fn sigterm_while_helm_runs_says_so_and_names_recover() {
    let mut r = start_with(
        "fresh",
        &["--env", "local", "--generate-grafana-password"],
        &[("PROMSTACK_TEST_HELM_HANGS", "1")],
    );
    // the CRDs are the last write before helm
    r.p.exp_string("CRDs applied and Established").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    r.p.process
        .signal(rexpect::process::signal::Signal::SIGTERM)
        .unwrap();
    r.p.exp_string("interrupted by SIGTERM: stopped while helm was running: the release may be left pending; run the same command again with --recover")
        .unwrap();
    assert_eq!(exit_code(&mut r), 143);
    assert!(
        writes(&r.journal).len() >= 3,
        "the namespace and Secrets were written"
    );
}

#[test]
fn sigterm_at_the_rotation_prompt_ends_it_with_nothing_written() {
    let mut r = start(
        "installed",
        &["--env", "local", "--rotate-grafana-password"],
    );
    r.p.exp_string("Grafana admin password").unwrap();
    r.p.process
        .signal(rexpect::process::signal::Signal::SIGTERM)
        .unwrap();
    r.p.exp_string("interrupted by SIGTERM").unwrap();
    assert_eq!(exit_code(&mut r), 143);
    assert_eq!(writes(&r.journal), Vec::<String>::new());
}

#[test]
fn a_rotation_at_the_terminal_writes_the_new_password() {
    let mut r = start(
        "installed",
        &["--env", "local", "--rotate-grafana-password"],
    );
    r.p.exp_string("Grafana admin password").unwrap();
    r.p.send_line("another-long-password").unwrap();
    r.p.exp_string("Repeat it").unwrap();
    r.p.send_line("another-long-password").unwrap();
    r.p.exp_string("password rotated").unwrap();
    assert_eq!(exit_code(&mut r), 0);
    let w = writes(&r.journal);
    assert!(
        w.contains(&"Apply Secret monitoring/promstack-grafana-admin".to_string()),
        "{w:?}"
    );
}

#[test]
fn uninstall_asks_first_and_ctrl_c_removes_nothing() {
    let mut r = start("installed", &["uninstall"]);
    // one object a line, then the question
    r.p.exp_string("To remove, from context").unwrap();
    r.p.exp_string("\r\n  helm release monitoring/kube-prometheus (revision")
        .unwrap();
    r.p.exp_string("\r\n  Secret monitoring/promstack-grafana-admin\r\n")
        .unwrap();
    r.p.exp_string("Remove these ").unwrap();
    r.p.send_control('c').unwrap();
    r.p.exp_string("interrupted by Ctrl-C").unwrap();
    assert_eq!(exit_code(&mut r), 130);
    assert_eq!(writes(&r.journal), Vec::<String>::new());
}

#[test]
fn uninstall_answered_no_removes_nothing() {
    let mut r = start("installed", &["uninstall"]);
    r.p.exp_string("Remove these ").unwrap();
    r.p.exp_string("[y/N]").unwrap();
    r.p.send("n").unwrap();
    r.p.flush().unwrap();
    r.p.exp_string("nothing was removed").unwrap();
    assert_eq!(exit_code(&mut r), 2);
    assert_eq!(writes(&r.journal), Vec::<String>::new());
}

#[test]
fn uninstall_answered_yes_removes_the_stack() {
    // the common flags may come before the subcommand, as kubectl users type them
    let mut r = start(
        "installed",
        &["-n", "monitoring", "--no-color", "uninstall"],
    );
    r.p.exp_string("Remove these ").unwrap();
    r.p.exp_string("[y/N]").unwrap();
    r.p.send("y").unwrap();
    r.p.flush().unwrap();
    r.p.exp_string("Removed:").unwrap();
    assert_eq!(exit_code(&mut r), 0);
    let w = writes(&r.journal);
    assert!(
        w.contains(&"Delete Secret monitoring/promstack-grafana-admin".to_string()),
        "{w:?}"
    );
}

#[test]
fn uninstall_delete_crds_names_other_owners_objects_and_asks() {
    let mut r = start("installed-with-others", &["uninstall", "--delete-crds"]);
    r.p.exp_string("To remove, from context").unwrap();
    r.p.exp_string("\r\n  CustomResourceDefinition widgets.fixture.promstack.io, and with it 23 Widgets: 23 of other owners, 0 of this stack\r\n")
        .unwrap();
    r.p.exp_string("Not this stack's, and are deleted with the CRDs (deleting a CRD deletes every object of its kind in the cluster): 23 objects\r\n  3 Widgets in kube-system (cilium-agent, cilium-operator, hubble; helm release kube-system/cilium)\r\n  20 Widgets in team-a (w-00, w-01, w-02, ")
        .unwrap();
    // (the terminal's bytes are read one char each: the ellipsis is not matched)
    r.p.exp_string("; helm release team-a/app)\r\n").unwrap();
    r.p.exp_string("from context memory, and 23 objects of other owners with the CRDs?")
        .unwrap();
    r.p.exp_string("[y/N]").unwrap();
    // at a terminal, the answer decides (no --force needed): they were named
    r.p.send("y").unwrap();
    r.p.flush().unwrap();
    r.p.exp_string("2 CRDs gone, and 23 objects with them")
        .unwrap();
    assert_eq!(exit_code(&mut r), 0);
    let w = writes(&r.journal);
    assert!(
        w.contains(&"Delete CustomResourceDefinition widgets.fixture.promstack.io".to_string()),
        "{w:?}"
    );
}
