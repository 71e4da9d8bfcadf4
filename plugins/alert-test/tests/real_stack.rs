//! The alert test against real Prometheus 3.14 and Alertmanager 0.34 on loopback (tests/common), a webhook
//! sink recording deliveries, and (rule mode) an in-memory cluster whose PrometheusRule writes are
//! mirrored into Prometheus's rule folder with a reload, as the operator's config-reloader does.
mod common;
use common::{am_config, options, stack, Mirror};
use promstack_alert_test::alert::{self as run, Access, Leftovers, Via};
use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::kube::cluster::MemoryCluster;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::testing::{self, needs, WebhookSink};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn active(am: &AlertmanagerApi, id: &str) -> Vec<Value> {
    am.alerts(&[("promstack_test_id", id)])
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a["status"]["state"] == "active")
        .collect()
}

#[needs(alertmanager, prometheus)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_mode_routes_by_severity_delivers_and_cleans_up() {
    let s = stack(true);
    let prom = s.prom.as_ref().unwrap();
    let cluster = Mirror {
        inner: MemoryCluster::new(),
        dir: s.rules_dir.clone(),
        reload: format!("{}/-/reload", prom.url()),
    };
    cluster
        .inner
        .insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    let access = Access {
        cluster: Some(&cluster),
        prometheus: Some(PrometheusApi::new(&prom.url(), None).unwrap()),
        alertmanager: AlertmanagerApi::new(&s.am.url(), None).unwrap(),
    };
    let mut o = options(Via::Prometheus, "critical");
    o.expect = vec!["pager".into()];
    o.wait_delivery = true;
    let started = Instant::now();
    let mut left = Leftovers::default();
    let report = run::run(&o, &access, &Ui::silent(), &mut left)
        .await
        .unwrap();
    let took = started.elapsed();
    run::cleanup(&access, &left, false, &Ui::silent()).await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.receivers, ["pager"]);
    assert_eq!(
        report
            .steps
            .iter()
            .map(|s| s.step.as_str())
            .collect::<Vec<_>>(),
        [
            "temporary rule applied",
            "Prometheus loaded the rule",
            "alert firing in Prometheus",
            "Alertmanager holds the alert",
            "notification sent"
        ]
    );
    assert!(
        !s.sink
            .received_for("/pager", "promstack_test_id", &report.test_id)
            .is_empty(),
        "the webhook got nothing"
    );
    assert!(
        s.sink
            .received_for("/team", "promstack_test_id", &report.test_id)
            .is_empty(),
        "wrong receiver notified"
    );
    eprintln!("rule mode: routed and delivered in {took:?}");
    // nothing left: no rule object, no rule file, alert resolved
    assert!(cluster
        .inner
        .objects()
        .iter()
        .all(|o| o["kind"] != "PrometheusRule"));
    assert_eq!(std::fs::read_dir(&s.rules_dir).unwrap().count(), 0);
    assert!(
        active(&access.alertmanager, &report.test_id)
            .await
            .is_empty(),
        "alert still active after cleanup"
    );
}

#[needs(alertmanager)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_mode_routes_delivers_and_resolves() {
    let s = stack(false);
    let access = Access {
        cluster: None,
        prometheus: None,
        alertmanager: AlertmanagerApi::new(&s.am.url(), None).unwrap(),
    };
    let mut o = options(Via::Alertmanager, "warning");
    o.expect = vec!["team".into()];
    o.wait_delivery = true;
    let started = Instant::now();
    let mut left = Leftovers::default();
    let report = run::run(&o, &access, &Ui::silent(), &mut left)
        .await
        .unwrap();
    let routed_after: u128 = report.steps.iter().take(2).map(|s| s.took_ms).sum();
    run::cleanup(&access, &left, false, &Ui::silent()).await;
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.receivers, ["team"]);
    assert!(!s
        .sink
        .received_for("/team", "promstack_test_id", &report.test_id)
        .is_empty());
    assert!(active(&access.alertmanager, &report.test_id)
        .await
        .is_empty());
    eprintln!(
        "direct mode: routing confirmed after {routed_after} ms, whole test {:?}",
        started.elapsed()
    );
}

#[needs(alertmanager)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_receiver_and_inhibited_alerts_are_not_ok() {
    let s = stack(false);
    let access = Access {
        cluster: None,
        prometheus: None,
        alertmanager: AlertmanagerApi::new(&s.am.url(), None).unwrap(),
    };
    let mut o = options(Via::Alertmanager, "warning");
    o.expect = vec!["pager".into()];
    let mut left = Leftovers::default();
    let r = run::run(&o, &access, &Ui::silent(), &mut left)
        .await
        .unwrap();
    run::cleanup(&access, &left, false, &Ui::silent()).await;
    assert!(
        !r.ok && r.state == "active" && r.receivers == ["team"],
        "{r:#?}"
    );

    // a critical alert with the same inhibit_group silences the warning
    access.alertmanager.post_alerts(&[json!({"labels": {"alertname": "Source", "severity": "critical", "inhibit_group": "g1"}})]).await.unwrap();
    let mut o = options(Via::Alertmanager, "warning");
    o.labels = vec![("inhibit_group".into(), "g1".into())];
    let mut left = Leftovers::default();
    // inhibition is computed as the alert arrives: give the source a moment to be there
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = run::run(&o, &access, &Ui::silent(), &mut left)
        .await
        .unwrap();
    run::cleanup(&access, &left, false, &Ui::silent()).await;
    assert_eq!(r.state, "suppressed", "{r:#?}");
    assert!(!r.ok);
}

fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-alert-test"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    c
}

#[needs(alertmanager)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_mid_wait_cleans_up_and_exits_non_zero() {
    let s = stack(false);
    // severity=slow waits an hour before notifying: the test is still waiting for delivery
    let child = bin()
        .args([
            "--via",
            "alertmanager",
            "--alertmanager-url",
            &s.am.url(),
            "--severity",
            "slow",
            "--alertname",
            "PromstackSigint",
            "--wait-delivery",
            "--timeout",
            "60s",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let am = AlertmanagerApi::new(&s.am.url(), None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while am
        .alerts(&[("alertname", "PromstackSigint")])
        .await
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the alert never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_ne!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("interrupted"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let still: Vec<Value> = am
        .alerts(&[("alertname", "PromstackSigint")])
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a["status"]["state"] == "active")
        .collect();
    assert!(still.is_empty(), "alert left active: {still:?}");
}

#[test]
fn unreachable_alertmanager_is_exit_1_naming_the_url() {
    let url = format!("http://127.0.0.1:{}", testing::free_port());
    let out = bin()
        .args([
            "--via",
            "alertmanager",
            "--alertmanager-url",
            &url,
            "--timeout",
            "5s",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&url),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[needs(amtool)]
#[test]
fn routes_agree_with_amtool() {
    let amtool = testing::tool("amtool");
    let dir = tempfile::tempdir().unwrap();
    let configs = [
        am_config(&WebhookSink { port: 1, received: Default::default() }),
        "route:\n  receiver: default\n  group_by: [alertname]\n  routes:\n    - receiver: pager\n      matchers: ['severity=\"critical\"']\n      continue: true\n    - receiver: team\n      match_re:\n        severity: warning|critical\n      routes:\n        - receiver: team-db\n          matchers: ['team=~\"db|storage\"']\n        - match: {team: web}\n          receiver: web\n    - receiver: nonprod\n      matchers: ['env!=\"prod\"', 'severity!~\"crit.*\"']\nreceivers: [{name: default}, {name: pager}, {name: team}, {name: team-db}, {name: web}, {name: nonprod}]\n".to_string(),
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../install/assets/alertmanager.yaml")).unwrap(),
    ];
    let label_sets: &[&[&str]] = &[
        &["severity=critical"],
        &["severity=warning"],
        &["severity=critical", "team=db"],
        &["severity=warning", "team=web"],
        &["severity=info", "env=dev"],
        &["severity=critical", "env=dev"],
        &["alertname=Watchdog", "severity=none"],
        &["alertname=InfoInhibitor"],
        &["team=storage"],
    ];
    let mut compared = 0;
    for (i, cfg) in configs.iter().enumerate() {
        let f = dir.path().join(format!("am{i}.yml"));
        std::fs::write(&f, cfg).unwrap();
        for labels in label_sets {
            let out = std::process::Command::new(&amtool)
                .args(["config", "routes", "test", "--config.file"])
                .arg(&f)
                .args(*labels)
                .output()
                .unwrap();
            let theirs = String::from_utf8_lossy(&out.stdout).trim().to_string();
            let ours = promstack_alert_test::routes::receivers(
                &promstack_alert_test::routes::route(
                    cfg,
                    &promstack_alert_test::routes::parse_labels(
                        &labels.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    )
                    .unwrap(),
                )
                .unwrap(),
            )
            .join(",");
            assert_eq!(ours, theirs, "config {i}, labels {labels:?}");
            compared += 1;
        }
    }
    assert_eq!(compared, 27);
}
