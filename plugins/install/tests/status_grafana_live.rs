//! status's grafana group runs the live check (testing::grafana's Grafana 12 stand-in, its
//! datasource proxy to a real Prometheus 3.14): every panel with data is ok, an empty panel warns,
//! a failing query fails, each in one summary line; the Cilium folder not there yet is a warning
//! while promstack's dashboards are not synced, a failure once they are.
use promstack_install::status::{self, Level};
use promstack_shared::grafana::{GrafanaApi, Login};
use promstack_shared::kube::cluster::MemoryCluster;
use promstack_shared::terminal::secret::SecretString;
use promstack_shared::testing::{self, grafana::FakeGrafana, needs};
use serde_json::{json, Value};
use std::time::Duration;

fn dashboard(uid: &str, title: &str, exprs: &[&str]) -> Value {
    let panels: Vec<Value> = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| json!({"id": i + 1, "type": "timeseries", "title": format!("{title} {i}"),
            "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": e}]}))
        .collect();
    json!({"uid": uid, "title": title, "panels": panels})
}

fn api(g: &FakeGrafana) -> GrafanaApi {
    let login = Login {
        user: "admin".into(),
        password: SecretString::new("correct-horse-battery".into()),
    };
    GrafanaApi::new(&g.url, Some(login), Duration::from_secs(15)).unwrap()
}

fn find<'a>(checks: &'a [status::Check], name: &str) -> &'a status::Check {
    checks.iter().find(|c| c.name == name).unwrap()
}

#[needs(prometheus)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboards_grafana_serves_run_as_grafana_runs_them() {
    let bin = testing::tool("prometheus");
    let prom = testing::prometheus(&bin, &[], "");
    let p = promstack_shared::prometheus::api::PrometheusApi::new(&prom.url(), None).unwrap();
    for _ in 0..300 {
        let n = p.query("count_over_time(up[1m])").await.ok().and_then(|d| {
            d["result"][0]["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
        });
        // a 1h range is queried at a 5s step, its last point the last whole 5s: 12s of samples
        if n.is_some_and(|n| n >= 12.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let g = FakeGrafana::start("correct-horse-battery").prometheus(
        "prometheus",
        &prom.url(),
        true,
        "1s",
    );
    g.put(None, dashboard("up", "Up", &["up"]));
    let checks = status::grafana_checks(&api(&g), false, None).await;
    let d = find(&checks, "dashboards");
    assert_eq!(
        (d.level, d.detail.as_str()),
        (
            Level::Ok,
            "1 dashboard in 1 folder, 1 with data in every panel"
        )
    );

    g.put(
        Some("Team"),
        dashboard("empty", "Half empty", &["up", "promstack_no_such_metric"]),
    );
    let checks = status::grafana_checks(&api(&g), false, None).await;
    let d = find(&checks, "dashboards");
    assert_eq!(d.level, Level::Warn, "{d:?}");
    assert_eq!(
        d.detail,
        "2 dashboards in 2 folders, 1 with data in every panel; 1 with empty panels: Half empty"
    );
    assert!(d
        .hint
        .as_deref()
        .unwrap()
        .contains("dashboards check --live"));

    g.put(
        Some("Team"),
        dashboard("broken", "Broken", &["rate(up[5m]"]),
    );
    let checks = status::grafana_checks(&api(&g), false, None).await;
    let d = find(&checks, "dashboards");
    assert_eq!(d.level, Level::Fail, "{d:?}");
    assert!(
        d.detail.ends_with("; 1 with failing queries: Broken"),
        "{}",
        d.detail
    );
}

#[tokio::test]
async fn the_cilium_folder_before_and_after_promstack_s_dashboards_are_synced() {
    let g = FakeGrafana::start("correct-horse-battery");
    g.put(None, dashboard("up", "Up", &[]));
    let c = MemoryCluster::new();
    let synced = status::dashboards_synced(&c).await;
    assert_eq!(synced, Some(false));
    let f = status::grafana_checks(&api(&g), true, synced).await;
    let folder = find(&f, "Cilium folder");
    assert_eq!(
        (folder.level, folder.detail.as_str()),
        (
            Level::Warn,
            "absent: promstack's dashboards are not synced yet"
        )
    );
    assert_eq!(
        folder.hint.as_deref(),
        Some("kubectl promstack dashboards sync")
    );

    c.insert(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "dashboard-cilium-cilium-agent", "namespace": "team",
            "labels": {"app.kubernetes.io/managed-by": "promstack", "promstack.io/component": "dashboards", "grafana_dashboard": "1"}},
        "data": {"cilium-agent.json": "{}"}}));
    let synced = status::dashboards_synced(&c).await;
    assert_eq!(synced, Some(true));
    let f = status::grafana_checks(&api(&g), true, synced).await;
    assert_eq!(find(&f, "Cilium folder").level, Level::Fail);

    g.put(
        Some("Cilium"),
        dashboard("cilium-agent", "Cilium / Agent", &[]),
    );
    let f = status::grafana_checks(&api(&g), true, synced).await;
    assert_eq!(find(&f, "Cilium folder").level, Level::Ok);
}
