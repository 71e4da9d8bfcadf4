//! End to end against a real cluster with the stack installed (PROMSTACK_E2E_KUBECONFIG): rule mode
//! through the cluster's Prometheus and Alertmanager (port-forwards, or PROMSTACK_E2E_PROMETHEUS_URL /
//! PROMSTACK_E2E_ALERTMANAGER_URL), then checks that no test rule is left behind.
//! The stack's namespace: PROMSTACK_E2E_NAMESPACE, default `monitoring`.
use std::process::{Command, Stdio};

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn rule_mode_on_the_cluster_leaves_nothing_behind() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-alert-test"));
    cmd.arg("--kubeconfig")
        .arg(&kc)
        .args([
            "-n",
            &ns,
            "-o",
            "json",
            "--no-color",
            "--timeout",
            "4m",
            "--alertname",
            "PromstackE2ETest",
        ])
        .stdin(Stdio::null());
    if let Ok(u) = std::env::var("PROMSTACK_E2E_PROMETHEUS_URL") {
        cmd.args(["--prometheus-url", &u]);
    }
    if let Ok(u) = std::env::var("PROMSTACK_E2E_ALERTMANAGER_URL") {
        cmd.args(["--alertmanager-url", &u]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.code() == Some(0),
        "exit {:?}\n{}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["state"], "active");
    assert!(!report["receivers"].as_array().unwrap().is_empty());
    let kubectl = std::env::var_os("PROMSTACK_KUBECTL").unwrap_or_else(|| "kubectl".into());
    let left = Command::new(kubectl)
        .arg("--kubeconfig")
        .arg(&kc)
        .args([
            "get",
            "prometheusrules",
            "-A",
            "-l",
            "promstack.io/component=alert-test",
            "-o",
            "name",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&left.stdout).trim().is_empty(),
        "test rules left behind: {}",
        String::from_utf8_lossy(&left.stdout)
    );
}
