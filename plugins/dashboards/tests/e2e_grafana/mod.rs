//! The Grafana half on a real cluster: Grafana is PROMSTACK_E2E_GRAFANA_URL when set (on
//! ../shared/harness, its Grafana stand-in), else a port-forward to the stack's Grafana; its admin
//! Secret is the stack's (PROMSTACK_E2E_NAMESPACE, default monitoring). promstack's dashboards and
//! a team's with a deliberately broken query are synced into a throwaway namespace, the sync
//! waiting until Grafana serves each in its folder; then `check --live` covers every dashboard
//! Grafana serves: each of the chart's dashboards in the stack's namespace is served in General,
//! each Cilium one in Cilium, none of their queries fails, and the broken one is named with
//! Prometheus's error (exit 3). The broken query is valid PromQL (sync refuses what does not
//! parse) that fails only when Prometheus evaluates it: one-to-one matching on no labels of two
//! series made in the query itself, beside one with data (`vector(1)`): on a fresh harness
//! Prometheus may not have scraped anything yet, so neither may depend on `up` (`up + on() up`
//! and `up` were flaky).
use promstack_shared::testing::{kubectl, E2eNamespace};
use serde_json::{json, Value};
use std::path::Path;

/// Every plugin run of this process asks the Grafana named by PROMSTACK_E2E_GRAFANA_URL (the
/// plugin's `--grafana-url` reads PROMSTACK_GRAFANA_URL).
pub fn grafana_from_env() {
    if let Ok(url) = std::env::var("PROMSTACK_E2E_GRAFANA_URL") {
        std::env::set_var("PROMSTACK_GRAFANA_URL", url);
    }
}

fn stack_ns() -> String {
    std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into())
}

fn run(kc: &Path, ns: &str, args: &[&str]) -> (Option<i32>, Value, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kc)
        .args(["-n", ns, "-o", "json", "--no-color"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (o.status.code(), v, stderr)
}

/// The uids of the chart's dashboards in the stack's namespace (its sidecar ConfigMaps).
fn chart_uids(kc: &Path) -> Vec<String> {
    let mut uids: Vec<String> = super::sidecar_configmaps(kc, &stack_ns())
        .iter()
        .filter(|c| c["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm")
        .flat_map(promstack_shared::grafana::dashboard::uids_of)
        .collect();
    uids.sort();
    uids
}

fn served<'a>(report: &'a Value, folder: &str) -> Vec<&'a Value> {
    report["folders"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["folder"] == folder)
        .flat_map(|f| f["dashboards"].as_array().unwrap())
        .collect()
}

/// Deletes our dashboard ConfigMaps of a namespace, and waits (the namespace itself goes without
/// waiting): the next test syncs the same uids elsewhere.
struct Ours<'a>(&'a Path, &'a str);

impl Drop for Ours<'_> {
    fn drop(&mut self) {
        let sel = "app.kubernetes.io/managed-by=promstack,grafana_dashboard=1";
        let _ = kubectl(
            self.0,
            &[
                "-n",
                self.1,
                "delete",
                "configmap",
                "-l",
                sel,
                "--wait=true",
            ],
        );
    }
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn every_dashboard_grafana_serves_through_grafana() {
    grafana_from_env();
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-dash-live-e2e");
    let _ours = Ours(&kc, &ns.name);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for f in promstack_dashboards::read(Some(Path::new(super::DASHBOARDS))).unwrap() {
        std::fs::create_dir_all(dir.join(&f.path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(&f.path), &f.text).unwrap();
    }
    let broken = json!({"uid": "promstack-e2e-broken", "title": "E2E / Broken on purpose", "panels": [
        {"id": 1, "type": "timeseries", "title": "One", "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "vector(1)"}]},
        {"id": 2, "type": "timeseries", "title": "Broken query", "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "(vector(1) or label_replace(vector(1), \"a\", \"x\", \"\", \"\")) + on() (vector(1) or label_replace(vector(1), \"a\", \"x\", \"\", \"\"))"}]}]});
    std::fs::create_dir_all(dir.join("E2E")).unwrap();
    std::fs::write(dir.join("E2E/broken.json"), broken.to_string()).unwrap();

    // the sync waits until Grafana serves each dashboard in its folder
    let (code, synced, stderr) = run(
        &kc,
        &ns.name,
        &[
            "sync",
            "--dir",
            dir.to_str().unwrap(),
            "--grafana-wait",
            "3m",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}\n{synced:#}");
    assert_eq!(synced["created"], 4, "{synced:#}");
    assert_eq!(
        synced["grafana"]["result"], "checked",
        "{stderr}\n{synced:#}"
    );
    assert_eq!(
        (
            synced["grafana"]["arrived"].as_u64(),
            synced["grafana"]["missing"].as_array().map(Vec::len)
        ),
        (Some(4), Some(0)),
        "{synced:#}"
    );

    // check --live: every dashboard Grafana serves
    let (code, r, stderr) = run(&kc, &stack_ns(), &["check", "--live", "--range", "15m"]);
    eprintln!(
        "e2e check --live: {}",
        r["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!(
                "{}: {} dashboards, {} queries, {} with data, {} empty, {} failing",
                f["folder"],
                f["dashboards"].as_array().unwrap().len(),
                f["queries"],
                f["with_data"],
                f["empty"],
                f["failing"]
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    assert_eq!(code, Some(3), "the broken query fails the check: {stderr}");
    let general: Vec<String> = served(&r, "General")
        .iter()
        .map(|d| d["uid"].as_str().unwrap().to_string())
        .collect();
    let defaults = chart_uids(&kc);
    assert!(
        !defaults.is_empty(),
        "the chart's dashboards in {}",
        stack_ns()
    );
    for uid in &defaults {
        assert!(
            general.contains(uid),
            "the chart's dashboard {uid} is not served in General: {general:?}"
        );
    }
    let cilium: Vec<&str> = served(&r, "Cilium")
        .iter()
        .map(|d| d["uid"].as_str().unwrap())
        .collect();
    for uid in ["cilium-agent", "cilium-operator", "hubble-overview"] {
        assert!(
            cilium.contains(&uid),
            "{uid} not in the Cilium folder: {cilium:?}"
        );
    }
    for d in served(&r, "General")
        .into_iter()
        .chain(served(&r, "Cilium"))
    {
        assert_eq!(
            d["failing"],
            json!([]),
            "{}: {:#}",
            d["title"],
            d["failing"]
        );
        assert!(
            d["variables"]
                .as_array()
                .is_none_or(|v| v.iter().all(|v| v["failed"] == false)),
            "{d:#}"
        );
    }
    let team = served(&r, "E2E");
    assert_eq!(team.len(), 1);
    assert_eq!(team[0]["failing"][0]["panel"], "Broken query");
    assert!(
        team[0]["failing"][0]["error"]
            .as_str()
            .unwrap()
            .contains("many-to-many matching not allowed"),
        "{:#}",
        team[0]
    );
    assert_eq!(team[0]["with_data"], 1, "{:#}", team[0]);
    assert_eq!(
        r["dashboards"].as_u64().unwrap() as usize,
        r["folders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["dashboards"].as_array().unwrap().len())
            .sum::<usize>()
    );
}
