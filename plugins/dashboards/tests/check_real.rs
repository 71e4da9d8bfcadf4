//! `dashboards check` against a real Prometheus 3.14 scraping itself and a real node-exporter.
use promstack_dashboards::{check, load_valid};
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::testing::{self, needs};
use std::time::Duration;

#[needs(prometheus, node_exporter)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_data_no_data_and_errors() {
    let (prom_bin, ne_bin) = (testing::tool("prometheus"), testing::tool("node_exporter"));
    let ne = testing::node_exporter(&ne_bin);
    let prom = testing::prometheus(&prom_bin, &[("node", format!("127.0.0.1:{}", ne.port))], "");
    let api = PrometheusApi::new(&prom.url(), None).unwrap();
    // wait until node-exporter has been scraped a few times (rate needs two samples)
    let mut scraped = false;
    for _ in 0..60 {
        if let Ok(d) = api.query("count_over_time(node_load1[1m])").await {
            if d["result"][0]["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .is_some_and(|n| n >= 3.0)
            {
                scraped = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(scraped, "Prometheus never scraped node-exporter");

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures-check");
    let dashboards = load_valid(Some(std::path::Path::new(dir)), &Ui::silent()).unwrap();
    let reports = check::check(&api, &dashboards, Duration::from_secs(300)).await;
    assert_eq!(reports.len(), 1);
    let r = &reports[0];
    assert_eq!(r.queries, 5);
    // "CPU by mode but one" has a variable in a negative matcher (mode!="$mode"): data
    assert_eq!(r.with_data, 3, "{r:#?}");
    assert_eq!(
        r.empty.iter().map(|q| q.panel.as_str()).collect::<Vec<_>>(),
        ["Nothing here"]
    );
    assert_eq!(r.errors.len(), 1, "{r:#?}");
    assert_eq!(r.errors[0].panel, "Broken at run time");
    assert!(
        r.errors[0]
            .error
            .as_deref()
            .unwrap()
            .contains("regular expression"),
        "{r:#?}"
    );
    assert!((r.share_with_data - 0.6).abs() < 1e-9);

    // the binary: exit 3 on the error, JSON on stdout
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"))
        .args([
            "check",
            "--dir",
            dir,
            "--prometheus-url",
            &prom.url(),
            "--range",
            "5m",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dashboards"][0]["with_data"], 3);
    assert_eq!(v["sources"]["whole_set"], true, "{v}");
}

#[tokio::test]
async fn an_unreachable_prometheus_is_reported_per_query() {
    let api =
        PrometheusApi::new(&format!("http://127.0.0.1:{}", testing::free_port()), None).unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures-check");
    let dashboards = load_valid(Some(std::path::Path::new(dir)), &Ui::silent()).unwrap();
    let r = &check::check(&api, &dashboards, Duration::from_secs(60)).await[0];
    assert_eq!(r.errors.len(), 5);
    assert!(r.errors[0]
        .error
        .as_deref()
        .unwrap()
        .contains("cannot reach Prometheus"));
}

/// A dashboard whose one query needs `promql-experimental-functions`.
fn gated_dashboard() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("top.json"),
        r#"{
  "title": "Top",
  "uid": "top",
  "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
  "panels": [
    {"title": "Two", "datasource": {"type": "prometheus", "uid": "${datasource}"},
     "targets": [{"refId": "A", "expr": "limitk(2, up)"}]}
  ]
}
"#,
    )
    .unwrap();
    dir
}

fn check_binary(dir: &std::path::Path, url: &str, more: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"))
        .args(["check", "--dir"])
        .arg(dir)
        .args(["--prometheus-url", url, "--range", "5m", "--no-color"])
        .args(more)
        .output()
        .unwrap()
}

/// The feature gates are those of the Prometheus the queries go to (its `--enable-feature`, read
/// at /api/v1/status/flags), unless `--enable-feature` names them.
#[needs(prometheus)]
#[test]
fn feature_gates_are_the_queried_prometheus_s() {
    let prom_bin = testing::tool("prometheus");
    let dir = gated_dashboard();

    let plain = testing::prometheus(&prom_bin, &[], "");
    let out = check_binary(dir.path(), &plain.url(), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "`limitk` needs --enable-feature=promql-experimental-functions on Prometheus (Prometheus at {} enables: none)",
            plain.url()
        )),
        "{stderr}"
    );
    // named on the command line: validated, then asked, and Prometheus 3.14 (without the feature)
    // refuses it in its own words: a failed query, exit 3
    let out = check_binary(
        dir.path(),
        &plain.url(),
        &["--enable-feature", "promql-experimental-functions"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stdout.contains("limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions"),
        "{stdout}"
    );
    drop(plain);

    let enabled = testing::prometheus_with_flags(
        &prom_bin,
        &[],
        "",
        &["--enable-feature=promql-experimental-functions"],
    );
    let out = check_binary(dir.path(), &enabled.url(), &["-o", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dashboards"][0]["queries"], 1, "{v}");
    assert_eq!(
        v["dashboards"][0]["errors"],
        serde_json::json!([]),
        "a Prometheus with the feature runs it: {v}"
    );
}
