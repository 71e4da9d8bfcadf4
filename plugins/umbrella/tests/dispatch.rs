//! The umbrella binary lists sibling plugins and runs them with the remaining arguments.
use promstack_shared::testing::{copy_executable, write_executable};
use std::path::Path;
use std::process::Command;

fn umbrella_in_tempdir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("kubectl-promstack");
    copy_executable(Path::new(env!("CARGO_BIN_EXE_kubectl-promstack")), &bin);
    let fake = dir.path().join("kubectl-promstack-echo");
    write_executable(&fake, "#!/bin/sh\necho \"echo-plugin $*\"\nexit 7\n");
    (dir, bin)
}

#[test]
fn lists_and_dispatches_to_siblings() {
    let (_dir, bin) = umbrella_in_tempdir();
    let out = Command::new(&bin)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("echo"), "{text}");

    let out = Command::new(&bin)
        .args(["echo", "-n", "x", "--dry-run"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "echo-plugin -n x --dry-run\n"
    );
    assert_eq!(
        out.status.code(),
        Some(7),
        "the plugin's exit code is passed through"
    );

    // `status` is `install status`
    let install = bin.parent().unwrap().join("kubectl-promstack-install");
    write_executable(&install, "#!/bin/sh\necho \"install-plugin $*\"\n");
    let out = Command::new(&bin)
        .args(["status", "-o", "json"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "install-plugin status -o json\n"
    );

    let out = Command::new(&bin)
        .arg("nope")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown command `nope`"));
}
