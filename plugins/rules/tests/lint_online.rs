//! `rules lint`'s online checks and backtest against a real Prometheus 3.14 on loopback,
//! scraping itself and a real node-exporter, running a recording rule the files no longer have,
//! with 1h of retention and an external label; the backtest also on series backfilled with
//! `promtool tsdb create-blocks-from openmetrics`. Each planted fault is found with its reason;
//! the rules that are fine raise nothing.
use promstack_rules::verb::lint::{run, LintOptions, LintReport};
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::testing::{self, needs};
use std::path::Path;
use std::time::Duration;

const LIVE_RULES: &str = "groups:\n  - name: deps\n    interval: 1s\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n";

const FILES: &str = r#"groups:
  - name: deps
    rules:
      - record: job:up:count
        expr: count by (job) (up)
      - alert: ReadsRemovedRecording
        expr: job:up:sum < 1
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
  - name: planted
    rules:
      - alert: MisspeltMetric
        expr: node_cpu_secnds_total > 0
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: NeverValue
        expr: up{job="nope"} == 0
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: MissingLabel
        expr: up{jbo="node"} == 0
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: LongRange
        expr: rate(node_cpu_seconds_total[2h]) > 100
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: OnMode
        expr: up * on(mode) group_left node_cpu_seconds_total > 1e12
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: OnJobAfterSum
        expr: sum(up) * on(job) up > 1e12
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: DifferentLabels
        expr: node_cpu_seconds_total / up > 1e12
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: IgnoringTooFew
        expr: node_cpu_seconds_total / ignoring(mode) group_left up > 1e12
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: InstanceAfterSum
        expr: sum by (job) (up) < 1
        for: 5m
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.instance }} is down", description: "in {{ $externalLabels.region }} of {{ $externalLabels.cluster }}"}
  - name: fine
    rules:
      - alert: NodeDown
        expr: up{job="node"} == 0
        for: 5m
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.instance }} is down", description: "{{ $externalLabels.cluster }}"}
      - alert: Guarded
        expr: absent(no_such_metric_at_all) or (sum(rate(no_such_total[5m])) or vector(0)) > 1
        for: 5m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      # promstack-lint: ignore promql/series
      - alert: OptedOut
        expr: no_such_metric_opted_out > 1
        for: 5m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - alert: OnNeitherSide
        expr: up * on(instance, cluster) up > 1
        for: 5m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - alert: IgnoringEnough
        expr: node_cpu_seconds_total / ignoring(cpu, mode) group_left up > 1e12
        for: 5m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - alert: SameLabels
        expr: rate(node_cpu_seconds_total[5m]) / rate(node_cpu_seconds_total[1m]) > 1 and rate(node_cpu_seconds_total[5m]) > 0
        for: 5m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - alert: SomeHaveTheLabel
        expr: (up / (up or rate(node_cpu_seconds_total[5m])) > 1e12) or (rate(node_cpu_seconds_total[5m]) unless up)
        for: 5m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - record: job:node_cpu:rate5m
        expr: sum by (job) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))
"#;

fn options(dir: &Path, url: String, backtest: Option<Duration>) -> LintOptions {
    LintOptions {
        sources: promstack_shared::input::sources::Inputs::dir(dir),
        namespace: "monitoring".into(),
        scrape_interval: Duration::from_secs(1),
        fail_on: promstack_rules::lint::Severity::Error,
        target: Default::default(),
        online: Some(Endpoint::new("Prometheus", &Some(url), "unused", 9090)),
        backtest,
    }
}

async fn wait_for(api: &PrometheusApi, q: &str) {
    for _ in 0..120 {
        if let Ok(d) = api.query(q).await {
            if d["result"].as_array().is_some_and(|r| !r.is_empty()) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("Prometheus never had `{q}`");
}

fn said(r: &LintReport, check: &str, rule: &str) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.check == check && f.rule == rule)
        .map(|f| f.message.clone())
        .collect()
}

#[needs(prometheus, node_exporter)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_planted_fault_is_found_and_the_fine_rules_raise_nothing() {
    let (prom_bin, ne_bin) = (testing::tool("prometheus"), testing::tool("node_exporter"));
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("live.yaml"), LIVE_RULES).unwrap();
    let ne = testing::node_exporter(&ne_bin);
    let prom = testing::prometheus_configured(
        &prom_bin,
        "  external_labels:\n    cluster: test\n",
        &[("node", format!("127.0.0.1:{}", ne.port))],
        &format!(
            "rule_files:\n  - {}\n",
            work.path().join("live.yaml").display()
        ),
        &["--storage.tsdb.retention.time=1h"],
        |_| {},
    );
    let api = PrometheusApi::new(&prom.url(), None).unwrap();
    wait_for(&api, "job:up:sum{job=\"node\"}").await;
    wait_for(&api, "rate(node_cpu_seconds_total[5s])").await;
    let files = work.path().join("rules");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(files.join("rules.yaml"), FILES).unwrap();
    let ui = Ui::silent();
    let cluster = promstack_shared::kube::cluster::MemoryCluster::new();
    let deps = promstack_shared::terminal::verb::Deps::new(&cluster, &ui);
    let r = run(&options(&files, prom.url(), None), &deps)
        .await
        .unwrap()
        .report;
    let all: Vec<String> = r.findings.iter().map(ToString::to_string).collect();
    let all = all.join("\n");

    let misspelt = said(&r, "promql/series", "MisspeltMetric");
    assert!(
        misspelt.len() == 1
            && misspelt[0].contains("`node_cpu_secnds_total` is not in Prometheus")
            && misspelt[0].contains("did you mean `node_cpu_seconds_total`?"),
        "{all}"
    );
    let never = said(&r, "promql/series", "NeverValue");
    assert!(
        never.len() == 1
            && never[0].contains("`up` never has `job=\"nope\"`")
            && never[0].contains("`node`")
            && never[0].contains("`prometheus`"),
        "{all}"
    );
    let label = said(&r, "promql/series", "MissingLabel");
    assert!(
        label.len() == 1
            && label[0].contains("`up` has no label `jbo`")
            && label[0].contains("did you mean `job`?"),
        "{all}"
    );
    let long = said(&r, "promql/range_query", "LongRange");
    assert!(
        long.len() == 1 && long[0].contains("[2h]") && long[0].contains("(1h)"),
        "{all}"
    );
    let on = said(&r, "promql/vector_matching", "OnMode");
    assert!(
        on.len() == 1
            && on[0].contains("the left side `up` has no label `mode` while the other side `node_cpu_seconds_total` has it"),
        "{all}"
    );
    let after_sum = said(&r, "promql/vector_matching", "OnJobAfterSum");
    assert!(
        after_sum.len() == 1 && after_sum[0].contains("the left side `sum(up)` has no label `job`"),
        "{all}"
    );
    let different = said(&r, "promql/vector_matching", "DifferentLabels");
    assert!(
        different.len() == 1
            && different[0].contains("matching on all labels: every series of the left side `node_cpu_seconds_total` has `cpu`, `mode` and none of the other side's, so nothing matches"),
        "{all}"
    );
    let too_few = said(&r, "promql/vector_matching", "IgnoringTooFew");
    assert!(
        too_few.len() == 1
            && too_few[0].contains("ignoring(mode): every series of the left side `node_cpu_seconds_total` has `cpu` and none"),
        "{all}"
    );
    let template = said(&r, "alerts/template", "InstanceAfterSum");
    assert!(
        template.len() == 1 && template[0].contains("`$labels.instance`"),
        "{all}"
    );
    let external = said(&r, "alerts/external_labels", "InstanceAfterSum");
    assert!(
        external.len() == 1
            && external[0].contains("$externalLabels.region")
            && external[0].contains("cluster"),
        "{all}"
    );
    let dep = said(&r, "rule/dependency", "ReadsRemovedRecording");
    assert!(dep.len() == 1 && dep[0].contains("`job:up:sum`"), "{all}");
    for quiet in [
        "NodeDown",
        "Guarded",
        "OnNeitherSide",
        "IgnoringEnough",
        "SameLabels",
        "SomeHaveTheLabel",
        "job:node_cpu:rate5m",
        "job:up:count",
    ] {
        assert!(
            !r.findings
                .iter()
                .any(|f| f.rule == quiet && f.check != "record/name"),
            "{quiet} raised a finding:\n{all}"
        );
    }
    assert!(
        r.costs
            .iter()
            .any(|c| c.rule == "NodeDown" && c.series == 1),
        "{:?}",
        r.costs
    );
    assert!(r.prometheus.is_some());
}

const BACKTEST: &str = r#"groups:
  - name: backtest
    rules:
      - alert: TestAlert
        expr: vector(1)
        for: 1m
        labels: {severity: info}
        annotations: {summary: s, description: d}
      - alert: CrossedTwice
        expr: backtest_value > 5
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
"#;

/// `backtest_value` over the last 3 hours, one sample a minute: 0, then 10 for 20 minutes, 0 for
/// 30, 10 for 20, then 0 until 10 minutes ago (as OpenMetrics for promtool).
fn backfill(now: f64) -> String {
    let mut s = String::from("# TYPE backtest_value gauge\n");
    let start = (now - 3.0 * 3600.0).floor();
    for m in 0..170 {
        let v = match m {
            60..80 | 110..130 => 10,
            _ => 0,
        };
        s.push_str(&format!(
            "backtest_value{{job=\"bt\"}} {v} {}\n",
            start + m as f64 * 60.0
        ));
    }
    s.push_str("# EOF\n");
    s
}

#[needs(prometheus, promtool)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backtest_applies_for_as_prometheus_does() {
    let (prom_bin, promtool) = (testing::tool("prometheus"), testing::tool("promtool"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let work = tempfile::tempdir().unwrap();
    let om = work.path().join("backfill.om");
    std::fs::write(&om, backfill(now)).unwrap();
    let prom = testing::prometheus_configured(&prom_bin, "", &[], "", &[], |data| {
        testing::output_ok(
            std::process::Command::new(&promtool)
                .args(["tsdb", "create-blocks-from", "openmetrics"])
                .arg(&om)
                .arg(data),
        );
    });
    let files = work.path().join("rules");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(files.join("backtest.yaml"), BACKTEST).unwrap();
    let ui = Ui::silent();
    let cluster = promstack_shared::kube::cluster::MemoryCluster::new();
    let deps = promstack_shared::terminal::verb::Deps::new(&cluster, &ui);

    // vector(1) with for: 1m over 10 minutes: one alert, firing from one minute in
    let ten = run(
        &options(&files, prom.url(), Some(Duration::from_secs(600))),
        &deps,
    )
    .await
    .unwrap()
    .report;
    let test = ten
        .backtest
        .iter()
        .find(|b| b.alert == "TestAlert")
        .unwrap();
    assert_eq!(test.fired.len(), 1, "{test:?}");
    assert_eq!(test.fired[0].start - test.from, 60.0, "fires one minute in");
    assert_eq!(test.fired[0].end, None, "still firing at the end");
    // the backfilled series ended 11 minutes ago: named as gone, with when it was last seen
    let gone = said(&ten, "promql/series", "CrossedTwice");
    assert!(
        gone.len() == 1
            && (gone[0].contains("it was last seen about 11m ago")
                || gone[0].contains("it was last seen about 12m ago"))
            && gone[0].contains("(Prometheus keeps 15d)"),
        "{gone:?}"
    );
    assert_eq!(
        test.line(),
        "TestAlert: 1 alert in the last 10m (longest 9m, one still firing)"
    );

    // a series that crossed its threshold twice: two alerts, each 5 minutes after it crossed
    let day = run(
        &options(&files, prom.url(), Some(Duration::from_secs(3 * 3600))),
        &deps,
    )
    .await
    .unwrap()
    .report;
    let crossed = day
        .backtest
        .iter()
        .find(|b| b.alert == "CrossedTwice")
        .unwrap();
    assert_eq!(crossed.fired.len(), 2, "{crossed:?}");
    for f in &crossed.fired {
        assert_eq!(f.labels.get("job").map(String::as_str), Some("bt"));
        assert!(f.end.is_some());
        // over 5 for 20 minutes, `for: 5m`: about 15 minutes firing (the lookback adds little)
        assert!((14.0 * 60.0..=21.0 * 60.0).contains(&f.seconds), "{f:?}");
    }
    assert!(
        crossed
            .line()
            .starts_with("CrossedTwice: 2 alerts in the last 3h"),
        "{}",
        crossed.line()
    );
}
