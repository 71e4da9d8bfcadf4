//! status's versions group: Prometheus 3.14 and Alertmanager 0.34 (the real ones) say their
//! versions through their APIs, Grafana through /api/health (the stand-in), the operator through
//! its Deployment's image, the chart through its helm release Secret; the CRDs of the 87.19.2
//! chart (operator 0.92.1) under operator v0.93.1 are a failed check naming what the operator
//! drops, the 88.5.3 chart's are ok.
mod common;
use common::package_crds as chart_crds;
use promstack_install::status::{self, Level, Targets};
use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::grafana::{GrafanaApi, Login};
use promstack_shared::kube::cluster::MemoryCluster;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::terminal::secret::SecretString;
use promstack_shared::testing::{self, grafana::FakeGrafana, needs};
use serde_json::{json, Value};
use std::io::Write;
use std::time::Duration;

fn b64(bytes: Vec<u8>) -> String {
    serde_json::to_value(k8s_openapi::ByteString(bytes))
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// A helm release Secret as helm 3 and 4 write it: base64 of gzipped JSON, base64 again by the API.
fn release(revision: u64, status: &str, version: &str) -> Value {
    let r = json!({"name": "kube-prometheus", "version": revision, "namespace": "monitoring",
        "info": {"status": status}, "chart": {"metadata": {"name": "kube-prometheus-stack", "version": version}}});
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(r.to_string().as_bytes()).unwrap();
    let inner = b64(gz.finish().unwrap());
    json!({"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": format!("sh.helm.release.v1.kube-prometheus.v{revision}"), "namespace": "monitoring",
            "labels": {"owner": "helm", "name": "kube-prometheus", "status": status, "version": revision.to_string()}},
        "data": {"release": b64(inner.into_bytes())}})
}

fn stack(crds: Vec<Value>) -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "kube-prometheus-operator", "namespace": "monitoring", "labels": {"chart": "kube-prometheus-stack-88.5.3"}},
        "spec": {"template": {"spec": {"containers": [{"name": "kube-prometheus-stack",
            "image": "quay.io/prometheus-operator/prometheus-operator:v0.93.1"}]}}}}));
    c.insert(release(1, "superseded", "87.19.2"));
    c.insert(release(2, "deployed", "88.5.3"));
    for crd in crds {
        c.insert(crd);
    }
    c
}

#[needs(prometheus, alertmanager, refdata)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_runs_and_crds_older_than_the_operator() {
    let (prom_bin, am_bin, old, new) = (
        testing::tool("prometheus"),
        testing::tool("alertmanager"),
        chart_crds("87.19.2"),
        chart_crds("88.5.3"),
    );
    let prom = testing::prometheus(&prom_bin, &[], "");
    let am = testing::alertmanager(
        &am_bin,
        "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n",
    );
    let g = FakeGrafana::start("correct-horse-battery");
    let login = Login {
        user: "admin".into(),
        password: SecretString::new("correct-horse-battery".into()),
    };
    let targets = |c| Targets {
        cluster: Some(c),
        prometheus: Some(Ok(PrometheusApi::new(&prom.url(), None).unwrap())),
        alertmanager: Some(Ok(AlertmanagerApi::new(&am.url(), None).unwrap())),
        grafana: Some(Ok(GrafanaApi::new(
            &g.url,
            Some(login.clone()),
            Duration::from_secs(15),
        )
        .unwrap())),
    };

    // the chart's own CRDs: every version check ok
    let c = stack(new);
    let (v, checks) = status::version_checks(&targets(&c), "monitoring").await;
    let names: Vec<(&str, Level)> = checks.iter().map(|c| (c.name.as_str(), c.level)).collect();
    assert_eq!(
        names,
        [
            ("Prometheus", Level::Ok),
            ("Alertmanager", Level::Ok),
            ("operator", Level::Ok),
            ("Grafana", Level::Ok),
            ("chart", Level::Ok),
            ("CRDs", Level::Ok)
        ],
        "{checks:#?}"
    );
    assert_eq!(
        (
            v.prometheus.as_deref(),
            v.alertmanager.as_deref(),
            v.operator.as_deref(),
            v.grafana.as_deref(),
            v.chart.as_deref()
        ),
        (
            Some("3.14.0"),
            Some("0.34.0"),
            Some("v0.93.1"),
            Some("12.3.0"),
            Some("88.5.3")
        )
    );
    assert_eq!(v.crds.len(), 10);
    assert!(v.crds.values().all(|x| x == "0.93.1"));
    assert_eq!(
        checks[4].detail,
        "kube-prometheus-stack 88.5.3 (helm release kube-prometheus, revision 2)"
    );
    assert_eq!(
        checks[5].detail,
        "10 CRDs at operator 0.93.1, the operator's v0.93.1"
    );

    // 87.19.2's CRDs kept by a plain helm upgrade: failed, naming the fields, saying the fix
    let c = stack(old);
    let r = status::status(&targets(&c), "monitoring").await;
    let crds = r
        .checks
        .iter()
        .find(|c| c.group == "versions" && c.name == "CRDs")
        .unwrap();
    assert_eq!(crds.level, Level::Fail, "{crds:#?}");
    assert!(
        crds.detail.starts_with("10 of 10 CRDs are older than the operator v0.93.1: alertmanagerconfigs.monitoring.coreos.com at 0.92.1")
            && crds.detail.contains("Prometheus spec.tsdb.chunkEncoding")
            && crds.detail.contains("AlertmanagerConfig spec.receivers[].slackConfigs[].updateMessage, spec.receivers[].snsConfigs[].useAWSHTTPClient"),
        "{}",
        crds.detail
    );
    assert!(crds
        .hint
        .as_deref()
        .unwrap()
        .contains("kubectl promstack install applies the chart's CRDs server-side"));
    assert!(!r.healthy);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["versions"]["operator"], "v0.93.1");
    assert_eq!(
        json["versions"]["crds"]["prometheuses.monitoring.coreos.com"],
        "0.92.1"
    );
    assert!(status::text(&r).contains("versions\n"));
}

#[tokio::test]
async fn what_cannot_be_read_is_unknown_not_wrong() {
    let c = MemoryCluster::new();
    let t = Targets {
        cluster: Some(&c),
        prometheus: Some(Ok(PrometheusApi::new(
            &format!("http://127.0.0.1:{}", testing::free_port()),
            None,
        )
        .unwrap())),
        alertmanager: None,
        grafana: None,
    };
    let (v, checks) = status::version_checks(&t, "monitoring").await;
    let by = |n: &str| checks.iter().find(|c| c.name == n).unwrap();
    assert_eq!(by("Prometheus").level, Level::Warn);
    assert!(by("Prometheus")
        .detail
        .starts_with("unknown: cannot reach Prometheus"));
    assert_eq!(
        (by("operator").level, by("operator").detail.as_str()),
        (
            Level::Warn,
            "unknown: no Deployment monitoring/kube-prometheus-operator"
        )
    );
    assert_eq!(
        by("chart").detail,
        "unknown: no deployed helm release kube-prometheus in monitoring"
    );
    assert_eq!(by("CRDs").level, Level::Fail, "no CRDs at all");
    assert_eq!(v, status::Versions::default());
}

#[tokio::test]
async fn without_a_readable_release_the_operator_s_chart_label_says_the_chart() {
    let c = stack(vec![]);
    c.remove(&promstack_shared::kube::cluster::ObjRef::new(
        "v1",
        "Secret",
        Some("monitoring"),
        "sh.helm.release.v1.kube-prometheus.v2",
    ));
    let t = Targets {
        cluster: Some(&c),
        prometheus: None,
        alertmanager: None,
        grafana: None,
    };
    let (v, checks) = status::version_checks(&t, "monitoring").await;
    let chart = checks.iter().find(|c| c.name == "chart").unwrap();
    assert_eq!(
        (chart.level, chart.detail.as_str()),
        (
            Level::Ok,
            "kube-prometheus-stack-88.5.3 (the label of Deployment monitoring/kube-prometheus-operator)"
        )
    );
    assert_eq!(v.chart.as_deref(), Some("88.5.3"));
}
