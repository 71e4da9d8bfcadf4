//! End to end against a real cluster with the stack installed (PROMSTACK_E2E_KUBECONFIG): rule mode
//! through the cluster's Prometheus and Alertmanager (port-forwards, or PROMSTACK_E2E_PROMETHEUS_URL /
//! PROMSTACK_E2E_ALERTMANAGER_URL), then checks that no test rule is left behind; `routes` from the
//! live config and a notification delivered to a webhook (the stack's config changed for it, then
//! put back).
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

/// Puts the stack's Alertmanager config Secret back as it was when dropped.
struct RestoreConfig {
    kc: std::path::PathBuf,
    ns: String,
    data: String,
}

impl Drop for RestoreConfig {
    fn drop(&mut self) {
        let patch = serde_json::json!({"data": {"alertmanager.yaml": self.data}}).to_string();
        let _ = promstack_shared::testing::kubectl(
            &self.kc,
            &[
                "-n", &self.ns, "patch", "secret", SECRET, "--type", "merge", "-p", &patch,
            ],
        );
    }
}

const SECRET: &str = "promstack-alertmanager-config";

fn alert_test(kc: &std::path::Path, ns: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-alert-test"))
        .arg("--kubeconfig")
        .arg(kc)
        .args(["-n", ns, "-o", "json", "--no-color"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Alertmanager 0.34's live config decides the routes, and a notification really leaves it: the
/// stack's config Secret gets a first route (`promstack_e2e = "delivery"` to a webhook receiver on
/// this machine), and once Alertmanager has reloaded it, `alert-test routes` from the live config
/// (`/api/v2/status`) sends such an alert there and Watchdog to "null", and a rule-mode alert with
/// that label is delivered (`--wait-delivery`): the webhook receives it. The Secret is put back.
/// Delivery needs an Alertmanager that reaches this machine (the harness's, on loopback).
#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn live_routes_and_a_delivered_notification() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let (am, _am_forward) = promstack_shared::testing::stack_alertmanager(&kc);
    let (prom, _prom_forward) = promstack_shared::testing::stack_prometheus(&kc);
    let routes = |labels: &[&str], receiver: &str| {
        let mut args = vec![
            "routes",
            "--alertmanager-url",
            &am,
            "--expect-receiver",
            receiver,
        ];
        args.extend(labels);
        let o = alert_test(&kc, &ns, &args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "routes {labels:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    routes(&["alertname=Watchdog"], "null");
    if !am.starts_with("http://127.0.0.1:") {
        eprintln!(
            "SKIPPED (delivery): Alertmanager at {am} cannot reach a receiver on this machine"
        );
        return;
    }

    let sink = promstack_shared::testing::WebhookSink::start();
    let o = promstack_shared::testing::kubectl(
        &kc,
        &[
            "-n",
            &ns,
            "get",
            "secret",
            SECRET,
            "-o",
            "jsonpath={.data.alertmanager\\.yaml}",
        ],
    );
    let data = String::from_utf8_lossy(&o.stdout).trim().to_string();
    assert!(!data.is_empty(), "no {SECRET} in {ns}");
    let _restore = RestoreConfig {
        kc: kc.clone(),
        ns: ns.clone(),
        data: data.clone(),
    };
    let o = promstack_shared::testing::kubectl(
        &kc,
        &[
            "-n",
            &ns,
            "get",
            "secret",
            SECRET,
            "-o",
            "go-template={{index .data \"alertmanager.yaml\" | base64decode}}",
        ],
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let mut config: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let route = serde_yaml::to_value(serde_json::json!({
        "receiver": "e2e-webhook", "matchers": ["promstack_e2e = \"delivery\""],
        "group_wait": "1s", "group_interval": "5s"}))
    .unwrap();
    config["route"]["routes"]
        .as_sequence_mut()
        .unwrap()
        .insert(0, route);
    let receiver = serde_yaml::to_value(serde_json::json!({"name": "e2e-webhook",
        "webhook_configs": [{"url": sink.url("/e2e"), "send_resolved": false}]}))
    .unwrap();
    config["receivers"]
        .as_sequence_mut()
        .unwrap()
        .push(receiver);
    let changed = serde_yaml::to_string(&config).unwrap();
    let patch = serde_json::json!({"stringData": {"alertmanager.yaml": changed}}).to_string();
    let o = promstack_shared::testing::kubectl(
        &kc,
        &[
            "-n", &ns, "patch", "secret", SECRET, "--type", "merge", "-p", &patch,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let reloaded = (0..120).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let o = Command::new("curl")
            .args(["-s", &format!("{am}/api/v2/status")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).contains("e2e-webhook")
    });
    assert!(reloaded, "Alertmanager never loaded the changed config");

    routes(
        &["alertname=PromstackE2EDelivery", "promstack_e2e=delivery"],
        "e2e-webhook",
    );
    routes(&["alertname=Watchdog"], "null");
    let o = alert_test(
        &kc,
        &ns,
        &[
            "--alertname",
            "PromstackE2EDelivery",
            "--label",
            "promstack_e2e=delivery",
            "--expect-receiver",
            "e2e-webhook",
            "--wait-delivery",
            "--timeout",
            "4m",
            "--prometheus-url",
            &prom,
            "--alertmanager-url",
            &am,
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let got = sink.received_for("/e2e", "alertname", "PromstackE2EDelivery");
    assert!(!got.is_empty(), "the webhook received nothing");
}
