//! The real stack the alert tests run against: Alertmanager 0.34 and Prometheus 3.14 (as
//! scripts/build-peers.sh builds them) on loopback, a webhook sink recording deliveries, and (rule
//! mode) an in-memory cluster whose PrometheusRule writes are mirrored into Prometheus's rule
//! folder with a reload, as the operator's config-reloader does. A test that starts it is marked
//! `#[needs(alertmanager)]`, and `#[needs(alertmanager, prometheus)]` with Prometheus.
#![allow(dead_code)]
use async_trait::async_trait;
use promstack_alert_test::alert::{Options, Via};
use promstack_shared::kube::cluster::{
    ApplyOptions, Cluster, ClusterError, ClusterInfo, ListQuery, MemoryCluster, ObjRef,
};
use promstack_shared::testing::{self, Daemon, WebhookSink};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

pub fn am_config(sink: &WebhookSink) -> String {
    format!(
        r#"route:
  receiver: default
  group_by: [alertname, promstack_test_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
    - matchers: ['severity="warning"']
      receiver: team
    - matchers: ['severity="slow"']
      receiver: team
      group_wait: 1h
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [inhibit_group]
receivers:
  - name: default
  - name: pager
    webhook_configs: [{{url: '{}', send_resolved: true}}]
  - name: team
    webhook_configs: [{{url: '{}', send_resolved: true}}]
"#,
        sink.url("/pager"),
        sink.url("/team")
    )
}

pub struct Stack {
    pub sink: WebhookSink,
    pub am: Daemon,
    pub prom: Option<Daemon>,
    pub rules_dir: PathBuf,
}

pub fn stack(with_prometheus: bool) -> Stack {
    let am_bin = testing::tool("alertmanager");
    let prom_bin = with_prometheus.then(|| testing::tool("prometheus"));
    let sink = WebhookSink::start();
    let am = testing::alertmanager(&am_bin, &am_config(&sink));
    let rules = tempfile::tempdir().unwrap().keep();
    let prom = prom_bin.map(|b| {
        let extra = format!("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{}']\nrule_files:\n  - {}/*.yaml\n", am.port, rules.display());
        testing::prometheus(&b, &[], &extra)
    });
    Stack {
        sink,
        am,
        prom,
        rules_dir: rules,
    }
}

/// The in-memory cluster, with PrometheusRules mirrored to Prometheus's rule files.
pub struct Mirror {
    pub inner: MemoryCluster,
    pub dir: PathBuf,
    pub reload: String,
}

impl Mirror {
    fn reload(&self) {
        let _ = std::process::Command::new("curl")
            .args(["-s", "-X", "POST", &self.reload])
            .output();
    }
}

#[async_trait]
impl Cluster for Mirror {
    fn info(&self) -> ClusterInfo {
        self.inner.info()
    }
    async fn server_version(&self) -> Result<String, ClusterError> {
        self.inner.server_version().await
    }
    async fn get(&self, r: &ObjRef) -> Result<Option<Value>, ClusterError> {
        self.inner.get(r).await
    }
    async fn list(&self, q: &ListQuery) -> Result<Vec<Value>, ClusterError> {
        self.inner.list(q).await
    }
    async fn apply(&self, obj: &Value, o: ApplyOptions) -> Result<Value, ClusterError> {
        let stored = self.inner.apply(obj, o).await?;
        if stored["kind"] == "PrometheusRule" {
            let file = self.dir.join(format!(
                "{}.yaml",
                stored["metadata"]["name"].as_str().unwrap()
            ));
            std::fs::write(
                file,
                serde_yaml::to_string(&json!({"groups": stored["spec"]["groups"]})).unwrap(),
            )
            .unwrap();
            self.reload();
        }
        Ok(stored)
    }
    async fn delete(&self, r: &ObjRef) -> Result<bool, ClusterError> {
        let gone = self.inner.delete(r).await?;
        if r.kind == "PrometheusRule" {
            let _ = std::fs::remove_file(self.dir.join(format!("{}.yaml", r.name)));
            self.reload();
        }
        Ok(gone)
    }
    async fn dry_run_create(&self, obj: &Value) -> Result<Value, ClusterError> {
        self.inner.dry_run_create(obj).await
    }
    async fn dry_run_apply(&self, obj: &Value, manager: &str) -> Result<Value, ClusterError> {
        self.inner.dry_run_apply(obj, manager).await
    }
}

/// Namespace monitoring and the PrometheusRule CRD (applied: Established), as the stack has them.
pub async fn cluster_with_the_rule_crd() -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}}));
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "prometheusrules.monitoring.coreos.com"},
        "spec": {"group": "monitoring.coreos.com", "scope": "Namespaced",
            "names": {"kind": "PrometheusRule", "plural": "prometheusrules"},
            "versions": [{"name": "v1", "served": true, "storage": true}]}});
    c.apply(&crd, ApplyOptions::default()).await.unwrap();
    c
}

pub fn options(via: Via, severity: &str) -> Options {
    Options {
        via,
        namespace: "monitoring".into(),
        alertname: "PromstackTestAlert".into(),
        severity: severity.into(),
        labels: vec![],
        for_: "0s".into(),
        expect: vec![],
        wait_delivery: false,
        timeout: Duration::from_secs(60),
        keep: false,
    }
}
