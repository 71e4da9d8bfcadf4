//! The binary: routes from a config file, exit codes for expectations and bad input.
use std::process::{Command, Stdio};

const AM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../install/assets/alertmanager.yaml"
);

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-alert-test"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

#[test]
fn routes_from_a_file_with_expectations() {
    let o = bin()
        .args(["routes", "--config", AM, "alertname=Watchdog", "-o", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["receivers"], serde_json::json!(["null"]));
    let ok = bin()
        .args([
            "routes",
            "--config",
            AM,
            "alertname=X",
            "severity=critical",
            "--expect-receiver",
            "default",
        ])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("receivers: default"));
    let wrong = bin()
        .args([
            "routes",
            "--config",
            AM,
            "alertname=X",
            "--expect-receiver",
            "pager",
        ])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(3));
}

#[test]
fn bad_input_is_exit_2() {
    for args in [
        &["routes", "--config", AM, "not-a-label"][..],
        &[
            "--via",
            "alertmanager",
            "--alertmanager-url",
            "http://127.0.0.1:1",
            "--timeout",
            "soon",
        ],
        &["--via", "alertmanager", "--alertmanager-url", "ftp://x"],
        &["--via", "bogus"],
    ] {
        let o = bin().args(args).output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
