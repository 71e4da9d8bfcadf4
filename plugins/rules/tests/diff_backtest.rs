//! `rules diff --backtest`: the alerts a sync would change or add, replayed against a real
//! Prometheus (Debian's) as they will be and as they are live; unchanged alerts are left out.
use promstack_rules::load;
use promstack_rules::verb::diff_backtest;
use promstack_shared::kube::cluster::MemoryCluster;
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::prometheus::promql::Target;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::testing::{self, needs};
use std::time::Duration;

const FILES: &str = r#"groups:
  - name: bt
    rules:
      - alert: Changed
        expr: vector(1)
        for: 1m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - alert: Same
        expr: vector(1)
        for: 2m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - alert: New
        expr: vector(1) > 2
        for: 1m
        labels: {severity: info}
        annotations: {summary: s, description: d}
"#;

#[needs(prometheus)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_and_new_alerts_are_replayed_before_and_after() {
    let prom_bin = testing::tool("prometheus");
    let prom = testing::prometheus(&prom_bin, &[], "");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bt.yaml"), FILES).unwrap();
    let loaded = load::valid_for(Some(dir.path()), "monitoring", &Target::any()).unwrap();
    // live: `Changed` with for: 5m, no `New`
    let mut live = serde_json::to_value(&loaded.objects[0]).unwrap();
    live["metadata"]["namespace"] = "monitoring".into();
    let rules = live["spec"]["groups"][0]["rules"].as_array_mut().unwrap();
    rules[0]["for"] = "5m".into();
    rules.truncate(2);
    let c = MemoryCluster::new();
    c.insert(live);
    let endpoint = Endpoint::new("Prometheus", &Some(prom.url()), "unused", 9090);
    let changed = diff_backtest::run(
        &c,
        &endpoint,
        "monitoring",
        &loaded,
        &Target::any(),
        Duration::from_secs(600),
        &Ui::silent(),
    )
    .await
    .unwrap();
    let names: Vec<&str> = changed.iter().map(|c| c.alert.as_str()).collect();
    assert_eq!(names, ["Changed", "New"]);
    let after = &changed[0].after;
    let before = changed[0].before.as_ref().unwrap();
    assert_eq!(after.fired[0].start - after.from, 60.0);
    assert_eq!(before.fired[0].start - before.from, 300.0);
    assert!(changed[1].before.is_none());
    assert!(
        changed[1].after.fired.is_empty(),
        "vector(1) > 2 never fires"
    );
    let report = diff_backtest::DiffBacktestReport {
        diffs: promstack_shared::kube::sync::DiffReport {
            diffs: vec![],
            fail_on_drift: false,
        },
        backtest: changed,
    };
    let text = promstack_shared::terminal::verb::Report::text(&report);
    assert!(
        text.contains("/bt: Changed: 1 alert in the last 10m (longest 9m, one still firing); as it is now: Changed: 1 alert in the last 10m (longest 5m, one still firing)"),
        "{text}"
    );
    assert!(
        text.contains("/bt (new): New: no alert in the last 10m"),
        "{text}"
    );
}
