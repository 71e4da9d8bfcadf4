//! The live stack's Prometheus decides what a sync may write and how an alert replays: the
//! feature-gated rule and the backtest (see the test).
use super::rules;
use promstack_shared::testing::{kubectl, E2eNamespace};
use std::path::Path;

const GATED: &str = r#"groups:
  - name: promstack-e2e-gated
    rules:
      - record: promstack_e2e:up:top2
        expr: limitk(2, up)
"#;

const BACKTEST: &str = r#"groups:
  - name: promstack-e2e-backtest
    rules:
      - alert: E2eBacktest
        expr: vector(1)
        for: 5m
        labels: {severity: info}
        annotations: {summary: s, description: d}
"#;

/// Puts the stack's Prometheus object's `spec.enableFeatures` back as it was when dropped.
struct Features<'a> {
    kc: &'a Path,
    stack: String,
    was: String,
}

impl Drop for Features<'_> {
    fn drop(&mut self) {
        let patch = format!("{{\"spec\":{{\"enableFeatures\":{}}}}}", self.was);
        let _ = kubectl(
            self.kc,
            &[
                "-n",
                &self.stack,
                "patch",
                "prometheus",
                "kube-prometheus-prometheus",
                "--type",
                "merge",
                "-p",
                &patch,
            ],
        );
    }
}

/// The live stack decides what PromQL a sync may write and how an alert replays, on the
/// Prometheus 3.14 the chart deploys: a rule with `limitk` (promql-experimental-functions) is
/// refused by `rules sync` before any write while the Prometheus object that selects it enables
/// no feature (exit 2, naming it), and written once that object enables it; `rules diff
/// --backtest` replays a changed alert against the stack's Prometheus, as it will be and as it is
/// live (`for: 1m` fires 60 s into the range, the live `for: 5m` 300 s in).
/// (The harness passes no `enableFeatures` on to its real Prometheus, so that one still leaves
/// the gated rule out; a real operator restarts Prometheus with the flag.)
#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn feature_gates_and_the_backtest_on_the_stacks_prometheus() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-gates-e2e");
    let stack = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let tmp = tempfile::tempdir().unwrap();
    let gated = tmp.path().join("gated.yaml");
    std::fs::write(&gated, GATED).unwrap();
    let gated = gated.to_str().unwrap();

    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-rules"))
        .args(["sync", gated, "--kubeconfig"])
        .arg(&kc)
        .args(["-n", &ns.name, "--no-color"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("`limitk` needs --enable-feature=promql-experimental-functions on Prometheus (Prometheus {stack}/kube-prometheus-prometheus enables: none)")),
        "{stderr}"
    );
    let listed = kubectl(
        &kc,
        &["-n", &ns.name, "get", "prometheusrules", "-o", "name"],
    );
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "",
        "refused, yet written"
    );

    let was = kubectl(
        &kc,
        &[
            "-n",
            &stack,
            "get",
            "prometheus",
            "kube-prometheus-prometheus",
            "-o",
            "jsonpath={.spec.enableFeatures}",
        ],
    );
    let was = String::from_utf8_lossy(&was.stdout).trim().to_string();
    let restore = Features {
        kc: &kc,
        stack: stack.clone(),
        was: if was.is_empty() { "null".into() } else { was },
    };
    let o = kubectl(
        &kc,
        &[
            "-n",
            &stack,
            "patch",
            "prometheus",
            "kube-prometheus-prometheus",
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"enableFeatures":["promql-experimental-functions"]}}"#,
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = rules(&kc, &ns.name, &["sync", gated]);
    assert_eq!(r["created"], 1, "{r}");
    let gate_was_on = restore.was.contains("promql-experimental-functions");
    drop(restore);

    // the backtest: live `for: 5m`, the sources `for: 1m`
    let bt = tmp.path().join("backtest");
    std::fs::create_dir(&bt).unwrap();
    std::fs::write(bt.join("bt.yaml"), BACKTEST).unwrap();
    let bt = bt.to_str().unwrap();
    rules(&kc, &ns.name, &["sync", "--dir", bt]);
    let text = BACKTEST.replace("for: 5m", "for: 1m");
    std::fs::write(Path::new(bt).join("bt.yaml"), text).unwrap();
    let (url, _forward) = promstack_shared::testing::stack_prometheus(&kc);
    // the operator (the harness's too) rolls Prometheus out again after the spec change and again
    // after it is restored: the Prometheus to backtest against is the one whose flags are the
    // restored ones (until the second roll-out the first one may still answer), once it is ready
    let curl = |path: &str| {
        std::process::Command::new("curl")
            .args(["-fs", &format!("{url}{path}")])
            .output()
            .ok()
            .filter(|o| o.status.success())
    };
    let restored = || {
        curl("/api/v1/status/flags").is_some_and(|o| {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
            v["data"]["enable-feature"]
                .as_str()
                .is_some_and(|f| f.contains("promql-experimental-functions") == gate_was_on)
        })
    };
    let ready = (0..240).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(500));
        restored() && curl("/-/ready").is_some()
    });
    assert!(
        ready,
        "Prometheus at {url} never came back with its features restored"
    );
    let d = rules(
        &kc,
        &ns.name,
        &[
            "diff",
            "--dir",
            bt,
            "--backtest",
            "10m",
            "--prometheus-url",
            &url,
        ],
    );
    let changed = d["backtest"].as_array().expect("a backtest");
    assert_eq!(changed.len(), 1, "{d}");
    assert_eq!(changed[0]["alert"], "E2eBacktest");
    let start = |b: &serde_json::Value| {
        b["fired"][0]["start"].as_f64().unwrap() - b["from"].as_f64().unwrap()
    };
    assert_eq!(start(&changed[0]["after"]), 60.0, "{d}");
    assert_eq!(start(&changed[0]["before"]), 300.0, "{d}");
}
