//! The install suite's stack as status and the dashboards plugin reach it: its endpoints from
//! PROMSTACK_E2E_*_URL, else from PROMSTACK_E2E_URLS_ENV (the file ../shared/harness writes once
//! the stack runs: waited for until its Prometheus answers), else port-forwards; promstack's
//! dashboards synced with the dashboards plugin's binary (built beside this suite by
//! `cargo build --workspace --bins`, as scripts/e2e.sh does first).
use super::super::E2e;
use serde_json::Value;
use std::time::{Duration, Instant};

/// `--prometheus-url` / `--alertmanager-url` / `--grafana-url` and their values, where known.
pub fn endpoint_flags() -> Vec<String> {
    let mut urls: Vec<(String, String)> = ["PROMETHEUS", "ALERTMANAGER", "GRAFANA"]
        .iter()
        .filter_map(|k| {
            let key = format!("PROMSTACK_E2E_{k}_URL");
            std::env::var(&key).ok().map(|v| (key, v))
        })
        .collect();
    if urls.is_empty() {
        urls = from_urls_env();
    }
    urls.iter()
        .flat_map(|(k, v)| {
            let flag = k
                .trim_start_matches("PROMSTACK_E2E_")
                .trim_end_matches("_URL")
                .to_lowercase();
            [format!("--{flag}-url"), v.clone()]
        })
        .collect()
}

/// The URLs of PROMSTACK_E2E_URLS_ENV once its Prometheus answers (at most 3 minutes).
fn from_urls_env() -> Vec<(String, String)> {
    let Ok(file) = std::env::var("PROMSTACK_E2E_URLS_ENV") else {
        return vec![];
    };
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let urls: Vec<(String, String)> = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .filter(|(k, _)| k.starts_with("PROMSTACK_E2E_") && k.ends_with("_URL"))
            .map(|(k, v)| (k.to_string(), v.trim().to_string()))
            .collect();
        let prom = urls
            .iter()
            .find(|(k, _)| k == "PROMSTACK_E2E_PROMETHEUS_URL");
        if prom.is_some_and(|(_, u)| answers(&format!("{u}/-/ready"))) {
            return urls;
        }
        assert!(
            Instant::now() < deadline,
            "{file} named no Prometheus that answers within 3 minutes: {urls:?}"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// Does `url` (plain http on loopback) answer 200?
fn answers(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(host) else {
        return false;
    };
    let _ = write!(s, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    let mut buf = [0u8; 12];
    s.read(&mut buf)
        .is_ok_and(|n| n == 12 && &buf[9..12] == b"200")
}

/// The dashboards plugin's binary, beside this suite's (target/<profile>/).
fn dashboards_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("kubectl-promstack-dashboards");
    assert!(
        bin.is_file(),
        "{} is missing: cargo build --workspace --bins first (scripts/e2e.sh does)",
        bin.display()
    );
    bin
}

/// Sync promstack's own dashboards into the stack's namespace as a user does after installing,
/// the sync waiting until Grafana serves each in its folder; its `-o json`.
pub fn sync_dashboards(e: &E2e, endpoints: &[String]) -> Value {
    let grafana: Vec<&String> = endpoints
        .chunks(2)
        .filter(|p| p[0] == "--grafana-url")
        .flatten()
        .collect();
    let o = std::process::Command::new(dashboards_bin())
        .args(["sync", "--grafana-wait", "3m", "-o", "json", "--no-color"])
        .args(grafana)
        .arg("--kubeconfig")
        .arg(&e.kubeconfig)
        .args(["-n", &e.namespace])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "dashboards sync: {stderr}");
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `status -o json` (with `more` flags); its report, after asserting it exited 0 or 3.
pub fn status(e: &E2e, endpoints: &[String], more: &[&str]) -> Value {
    let mut args: Vec<&str> = vec!["status", "-o", "json"];
    args.extend(endpoints.iter().map(String::as_str));
    args.extend(more);
    let out = e.cmd(&args).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0) | Some(3)),
        "status: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!(
        "e2e status report:\n{}",
        serde_json::to_string_pretty(&st).unwrap()
    );
    st
}

/// The check `group`/`name` of a status report.
pub fn check<'a>(st: &'a Value, group: &str, name: &str) -> &'a Value {
    st["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["group"] == group && c["name"] == name)
        .unwrap_or_else(|| panic!("no check {group}/{name}: {st:#}"))
}
