//! `dashboards check --live`, the binary: a Grafana 12 stand-in (testing::grafana) serving
//! promstack's Cilium dashboards and a team's with a broken query, its datasource proxy reaching a
//! real Prometheus 3.14; per folder and dashboard what Grafana's queries return, the broken one
//! named with Prometheus's error (exit 3), `-o json` carrying the numbers.
use promstack_shared::testing::{self, grafana::FakeGrafana, needs};
use serde_json::{json, Value};
use std::time::Duration;

fn cilium() -> Vec<Value> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards/Cilium");
    let mut out: Vec<Value> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect();
    out.sort_by_key(|d| d["uid"].as_str().unwrap().to_string());
    out
}

fn check(url: &str, credentials: &std::path::Path, more: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"))
        .args([
            "check",
            "--live",
            "--grafana-url",
            url,
            "--range",
            "10m",
            "--no-color",
        ])
        .arg("--grafana-credentials-file")
        .arg(credentials)
        .args(more)
        .output()
        .unwrap()
}

#[needs(prometheus)]
#[test]
fn every_dashboard_grafana_serves_through_grafana() {
    let bin = testing::tool("prometheus");
    let prom = testing::prometheus(&bin, &[], "");
    std::thread::sleep(Duration::from_secs(8));
    let g = FakeGrafana::start("correct-horse-battery").prometheus(
        "prometheus",
        &prom.url(),
        true,
        "1s",
    );
    for d in cilium() {
        g.put(Some("Cilium"), d);
    }
    g.put(Some("Team"), json!({"uid": "team", "title": "Team", "panels": [
        {"id": 1, "type": "timeseries", "title": "Up", "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "up"}]},
        {"id": 2, "type": "timeseries", "title": "Broken on purpose", "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "sum(rate(up[5m])"}]}]}));
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("grafana");
    std::fs::write(&creds, "admin:correct-horse-battery\n").unwrap();

    let out = check(&g.url, &creds, &[]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(3), "{stderr}\n{stdout}");
    assert!(stderr.contains(&format!("Grafana: {}", g.url)), "{stderr}");
    assert!(stdout.starts_with("Cilium (3 dashboards): "), "{stdout}");
    assert!(
        stdout.contains("\nTeam (1 dashboard): 2 queries: 1 with data, 0 empty, 1 failing\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    FAIL panel `Broken on purpose` (panels[1].targets[0]): bad_data: "),
        "{stdout}"
    );
    assert!(stdout.ends_with("with failing queries: Team\n"), "{stdout}");

    let out = check(&g.url, &creds, &["-o", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["dashboards"], 4);
    assert_eq!(v["folders"][0]["folder"], "Cilium");
    assert_eq!(v["folders"][0]["dashboards"].as_array().unwrap().len(), 3);
    assert_eq!(v["folders"][0]["failing"], 0, "{}", v["folders"][0]);
    assert_eq!(
        v["folders"][1]["dashboards"][0]["failing"][0]["panel"],
        "Broken on purpose"
    );
    assert_eq!(
        v["queries"],
        v["with_data"].as_u64().unwrap()
            + v["empty"].as_u64().unwrap()
            + v["failing"].as_u64().unwrap()
    );
    // every request a GET, the queries through the datasource proxy
    assert!(g.requests().iter().all(|r| r.starts_with("GET ")));
    assert!(g.requests().iter().any(|r| r.starts_with(
        "GET /api/datasources/proxy/uid/prometheus/api/v1/query_range?query=up&start="
    )));
}

#[test]
fn live_takes_no_files_and_a_refused_login_is_said() {
    let g = FakeGrafana::start("correct-horse-battery");
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("grafana");
    std::fs::write(&creds, "admin:not-it\n").unwrap();
    let out = check(&g.url, &creds, &["--dir", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--live checks the dashboards Grafana serves"),
        "{stderr}"
    );
    let out = check(&g.url, &creds, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refused the login as admin: HTTP 401 Invalid username or password")
            && !stderr.contains("not-it"),
        "{stderr}"
    );
}
