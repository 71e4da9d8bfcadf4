//! `dashboards sync` waits until Grafana serves what it wrote: the in-memory cluster with the
//! chart's Grafana Deployment (its dashboards sidecar's env) and admin Secret, a Grafana 12
//! stand-in (testing::grafana), and a stand-in sidecar that copies the labelled ConfigMaps into it
//! as k8s-sidecar and Grafana's file provisioning do (a moment later, the folder from the
//! annotation). What did not arrive is named with its reason; a Grafana that cannot be reached is
//! said and the sync succeeds.
use promstack_dashboards::confirm::Confirmation;
use promstack_dashboards::grafana::GrafanaTarget;
use promstack_dashboards::verb::sync::{self, SyncOptions};
use promstack_shared::input::sources::Inputs;
use promstack_shared::kube::cluster::{Cluster, ListQuery, MemoryCluster};
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{Deps, Report};
use promstack_shared::testing::grafana::FakeGrafana;
use promstack_shared::ExitCode;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "correct-horse-battery";

/// The chart's Grafana in `monitoring` with this sidecar env, and our admin Secret.
fn cluster(sidecar_env: Value) -> Arc<MemoryCluster> {
    let c = Arc::new(MemoryCluster::new());
    for ns in ["monitoring", "team"] {
        c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}));
    }
    c.insert(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "kube-prometheus-grafana", "namespace": "monitoring", "labels": {"app.kubernetes.io/name": "grafana"}},
        "spec": {"template": {"spec": {"containers": [{"name": "grafana-sc-dashboard", "env": sidecar_env}, {"name": "grafana"}]}}}}));
    // base64 of admin and of PASSWORD
    c.insert(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "promstack-grafana-admin", "namespace": "monitoring"},
        "data": {"admin-user": "YWRtaW4=", "admin-password": "Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5"}}));
    c
}

fn chart_sidecar() -> Value {
    json!([{"name": "LABEL", "value": "grafana_dashboard"}, {"name": "LABEL_VALUE", "value": "1"},
        {"name": "NAMESPACE", "value": "ALL"}, {"name": "RESOURCE", "value": "both"},
        {"name": "FOLDER_ANNOTATION", "value": "grafana_folder"}, {"name": "FOLDER", "value": "/tmp/dashboards"}])
}

/// Copies the labelled ConfigMaps into Grafana every 300ms, as the sidecar and provisioning do;
/// `taken` uids are never written (Grafana keeps another dashboard under them), `frozen` ones
/// only in their first version (Grafana refused the later JSON).
fn sidecar(
    c: Arc<MemoryCluster>,
    g: Arc<FakeGrafana>,
    taken: &'static [&'static str],
    frozen: &'static [&'static str],
) {
    tokio::spawn(async move {
        let mut seen = std::collections::BTreeMap::new();
        loop {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let q = ListQuery::new("v1", "ConfigMap").labels("grafana_dashboard=1");
            for cm in c.list(&q).await.unwrap_or_default() {
                let folder = cm["metadata"]["annotations"]["grafana_folder"]
                    .as_str()
                    .map(String::from);
                for (_, text) in cm["data"].as_object().into_iter().flatten() {
                    let d: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
                    let uid = d["uid"].as_str().unwrap().to_string();
                    let refused = taken.contains(&uid.as_str())
                        || (frozen.contains(&uid.as_str()) && seen.contains_key(&uid));
                    if seen.get(&uid) != Some(&d) && !refused {
                        g.put(folder.as_deref(), d.clone());
                        seen.insert(uid, d);
                    }
                }
            }
        }
    });
}

fn dashboard(dir: &std::path::Path, path: &str, uid: &str, title: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let d = json!({"uid": uid, "title": title, "panels": [{"id": 1, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
        "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "up", "threshold": 1e3}]}]});
    std::fs::write(p, serde_json::to_string_pretty(&d).unwrap()).unwrap();
}

fn options(dir: &std::path::Path, url: &str, wait: Duration) -> SyncOptions {
    SyncOptions {
        sources: Inputs::dir_or_embedded(Some(dir)),
        namespace: "team".into(),
        prune: false,
        whole_set: true,
        dry_run: false,
        target: Default::default(),
        grafana: GrafanaTarget {
            endpoint: Endpoint::new(
                "Grafana",
                &Some(url.to_string()),
                "kube-prometheus-grafana",
                80,
            ),
            credentials: None,
        },
        grafana_wait: wait,
    }
}

async fn run(c: &MemoryCluster, o: &SyncOptions) -> (Confirmation, ExitCode, Vec<String>) {
    let (conf, code, lines, _) = run_text(c, o).await;
    (conf, code, lines)
}

/// As [`run`], with the report's text (what the command prints).
async fn run_text(
    c: &MemoryCluster,
    o: &SyncOptions,
) -> (Confirmation, ExitCode, Vec<String>, String) {
    let (ui, lines) = Ui::capture();
    let r = sync::run(o, &Deps::new(c, &ui)).await.unwrap();
    let lines = lines.lock().unwrap().clone();
    (
        r.report.grafana.clone(),
        r.exit_code(),
        lines,
        r.report.text(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_waits_until_grafana_serves_each_dashboard_in_its_folder() {
    let c = cluster(chart_sidecar());
    let g = Arc::new(FakeGrafana::start(PASSWORD));
    sidecar(c.clone(), g.clone(), &[], &[]);
    let dir = tempfile::tempdir().unwrap();
    dashboard(
        dir.path(),
        "Cilium/agent.json",
        "cilium-agent-t",
        "Cilium / Agent",
    );
    dashboard(dir.path(), "top.json", "top-t", "Top");
    let (c1, code, lines) = run(&c, &options(dir.path(), &g.url, Duration::from_secs(20))).await;
    let Confirmation::Checked(a) = &c1 else {
        panic!("{c1:?} {lines:?}")
    };
    assert_eq!((a.arrived, a.missing.len()), (2, 0), "{a:?}");
    assert_eq!(code, ExitCode::Ok);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("✓ Grafana serves all 2 in their folders")),
        "{lines:?}"
    );

    // a new version: it has arrived when Grafana serves it (a number Grafana writes back as 1000.0 is the same)
    dashboard(dir.path(), "top.json", "top-t", "Top, renamed");
    let (c2, code, _, printed) =
        run_text(&c, &options(dir.path(), &g.url, Duration::from_secs(20))).await;
    assert!(
        matches!(&c2, Confirmation::Checked(a) if a.arrived == 2 && a.missing.is_empty()),
        "{c2:?}"
    );
    assert_eq!(code, ExitCode::Ok);
    let text = promstack_dashboards::confirm::text(&c2);
    assert!(
        text.starts_with("Grafana serves all 2 synced dashboard(s) as written, in their folders"),
        "{text}"
    );
    // what the command prints: the sync's lines, then Grafana's confirmation
    assert!(
        printed.starts_with(
            "0 created, 1 updated, 1 unchanged, 0 pruned\n\
             Grafana serves all 2 synced dashboard(s) as written, in their folders ("
        ) && printed.ends_with("s)\n"),
        "{printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_did_not_arrive_is_named_with_its_reason() {
    let c = cluster(chart_sidecar());
    let g = Arc::new(FakeGrafana::start(PASSWORD));
    // a dashboard made in Grafana's UI under the same uid, in another folder
    g.put(
        Some("Other"),
        json!({"uid": "clash-t", "title": "Someone else's", "panels": []}),
    );
    sidecar(c.clone(), g.clone(), &["clash-t"], &["frozen-t"]);
    let dir = tempfile::tempdir().unwrap();
    dashboard(dir.path(), "Team/clash.json", "clash-t", "Ours");
    dashboard(dir.path(), "Team/frozen.json", "frozen-t", "Frozen");
    let (_, _, _) = run(&c, &options(dir.path(), &g.url, Duration::from_secs(3))).await;
    dashboard(
        dir.path(),
        "Team/frozen.json",
        "frozen-t",
        "Frozen, changed",
    );
    let (conf, code, _) = run(&c, &options(dir.path(), &g.url, Duration::from_secs(3))).await;
    let Confirmation::Checked(a) = &conf else {
        panic!("{conf:?}")
    };
    assert_eq!(code, ExitCode::CheckFailed);
    let reason = |uid: &str| {
        a.missing
            .iter()
            .find(|m| m.uid == uid)
            .map(|m| m.reason.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        reason("clash-t"),
        "uid clash: Grafana serves `Someone else's` (folder Other) under uid clash-t"
    );
    assert!(
        reason("frozen-t").starts_with("Grafana still serves the version it had before the sync (1, `Frozen`): it did not take the new JSON (its log says why: kubectl -n monitoring logs deploy/kube-prometheus-grafana -c grafana)"),
        "{a:?}"
    );
    assert!(promstack_dashboards::confirm::text(&conf)
        .contains("clash-t `Ours` (Team/clash.json, folder Team): uid clash"));
}

#[tokio::test]
async fn a_sidecar_that_does_not_watch_the_namespace_is_said_without_waiting() {
    let env = json!([{"name": "LABEL", "value": "grafana_dashboard"}, {"name": "FOLDER", "value": "/tmp/dashboards"}]);
    let c = cluster(env);
    let g = FakeGrafana::start(PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    dashboard(dir.path(), "Team/x.json", "x-t", "X");
    let (conf, code, _) = run(&c, &options(dir.path(), &g.url, Duration::from_secs(600))).await;
    let Confirmation::Checked(a) = &conf else {
        panic!("{conf:?}")
    };
    assert_eq!(code, ExitCode::CheckFailed);
    assert_eq!(a.missing[0].reason, "the sidecar (kube-prometheus-grafana/grafana-sc-dashboard) watches NAMESPACE=monitoring, not team");
    assert_eq!(
        (a.arrived, a.missing.len()),
        (0, 1),
        "said at once, not waited for"
    );
}

#[tokio::test]
async fn a_grafana_that_cannot_be_reached_is_said_and_the_sync_succeeds() {
    let c = cluster(chart_sidecar());
    let dir = tempfile::tempdir().unwrap();
    dashboard(dir.path(), "x.json", "x-t", "X");
    let url = format!(
        "http://127.0.0.1:{}",
        promstack_shared::testing::free_port()
    );
    let (conf, code, lines) = run(&c, &options(dir.path(), &url, Duration::from_secs(600))).await;
    assert_eq!(code, ExitCode::Ok);
    let Confirmation::Skipped { reason } = conf else {
        panic!("{conf:?}")
    };
    assert!(
        reason.starts_with("Grafana cannot be reached (cannot reach Grafana at"),
        "{reason}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("! Grafana cannot be reached")),
        "{lines:?}"
    );
    assert!(c
        .peek(&promstack_shared::kube::cluster::ObjRef::new(
            "v1",
            "ConfigMap",
            Some("team"),
            "dashboard-x"
        ))
        .is_some());
}

#[tokio::test]
async fn a_dry_run_and_a_zero_wait_do_not_wait_for_grafana_and_say_why() {
    let c = cluster(chart_sidecar());
    // a Grafana that answers, whose sidecar never copies anything: any wait would be in vain
    let g = FakeGrafana::start(PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    dashboard(dir.path(), "x.json", "x-t", "X");
    let mut dry = options(dir.path(), &g.url, Duration::from_secs(2));
    dry.dry_run = true;
    let (conf, code, _) = run(&c, &dry).await;
    assert_eq!(
        (conf, code),
        (
            Confirmation::Skipped {
                reason: "a dry run writes nothing to wait for".into()
            },
            ExitCode::Ok
        )
    );
    let (conf, code, _) = run(&c, &options(dir.path(), &g.url, Duration::ZERO)).await;
    assert_eq!(
        (conf, code),
        (
            Confirmation::Skipped {
                reason: "--grafana-wait 0: not waiting for Grafana".into()
            },
            ExitCode::Ok
        )
    );
}
