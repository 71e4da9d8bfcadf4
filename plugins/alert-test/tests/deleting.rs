//! Rule mode against a namespace or a PrometheusRule CRD being deleted (an `install uninstall
//! --delete-namespace`/`--delete-crds` not finished yet), on the in-memory cluster: refused
//! (exit 3) before the temporary rule is written or anything is forwarded, as `rules sync`
//! refuses; Alertmanager and Prometheus are never asked (their URLs answer nothing).
mod common;
use promstack_alert_test::alert::{Options, Via};
use promstack_alert_test::verb::fire::{self, FireOptions};
use promstack_shared::kube::cluster::{Cluster, MemoryCluster, ObjRef, Pace, Verb};
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::Deps;
use std::time::Duration;

const CRD: &str = "prometheusrules.monitoring.coreos.com";

fn options() -> FireOptions {
    // nothing listens on port 1: a request to either would fail with another error
    let nowhere = Some("http://127.0.0.1:1".to_string());
    FireOptions {
        test: Options {
            via: Via::Prometheus,
            namespace: "monitoring".into(),
            alertname: "PromstackTestAlert".into(),
            severity: "warning".into(),
            labels: vec![],
            for_: "0s".into(),
            expect: vec![],
            wait_delivery: false,
            timeout: Duration::from_secs(5),
            keep: false,
        },
        prometheus: Endpoint::new("Prometheus", &nowhere, "unused", 9090),
        alertmanager: Endpoint::new("Alertmanager", &nowhere, "unused", 9093),
        auth: None,
    }
}

/// Namespace monitoring and the PrometheusRule CRD (applied: Established), the controllers
/// standing still.
async fn cluster() -> MemoryCluster {
    let c = common::cluster_with_the_rule_crd().await;
    c.set_deletion_pace(Pace::Manual);
    c
}

async fn fire(c: &MemoryCluster, o: &FireOptions) -> anyhow::Error {
    let ui = Ui::silent();
    fire::run(o, &Deps::new(c, &ui)).await.unwrap_err()
}

#[tokio::test]
async fn a_namespace_being_deleted_is_refused_before_the_rule_is_written() {
    let c = cluster().await;
    c.delete(&ObjRef::new("v1", "Namespace", None, "monitoring"))
        .await
        .unwrap();
    c.reset_counts();
    let e = fire(&c, &options()).await;
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    assert_eq!(
        e.to_string(),
        "namespace monitoring is being deleted (Terminating): the API server refuses anything new in it and deletes what is there. Nothing was written. Wait until it is gone (kubectl wait --for=delete namespace/monitoring --timeout=5m), then install the stack again and run the test, or pick another namespace with -n."
    );
    assert_eq!(c.writes(), 0);
    assert_eq!(
        c.count(Verb::Get),
        2,
        "the namespace and the CRD, nothing else"
    );
}

#[tokio::test]
async fn a_rule_crd_being_deleted_is_refused_before_the_rule_is_written() {
    let c = cluster().await;
    let crd = ObjRef::new(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        CRD,
    );
    c.delete(&crd).await.unwrap();
    c.reset_counts();
    let e = fire(&c, &options()).await;
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with("CRD prometheusrules.monitoring.coreos.com is being deleted (Terminating): the API server refuses every new PrometheusRule until it is gone, and deletes every PrometheusRule in the cluster before that (promstack's too). Nothing was written."),
        "{msg}"
    );
    assert!(
        msg.contains("install the stack again (kubectl promstack install), then run the test."),
        "{msg}"
    );
    assert_eq!(c.writes(), 0);
    assert!(!c.objects().iter().any(|o| o["kind"] == "PrometheusRule"));
}

#[tokio::test]
async fn with_neither_being_deleted_the_test_goes_on_to_reach_prometheus() {
    let c = cluster().await;
    let mut o = options();
    o.test.timeout = Duration::from_millis(300);
    c.reset_counts();
    let e = fire(&c, &o).await;
    // past the check: the rule is applied (and deleted again), and the test fails on Prometheus
    // (nothing on port 1)
    assert!(!e.to_string().contains("being deleted"), "{e}");
    assert_eq!(c.count(Verb::Apply), 1, "{e}");
    assert!(!c.objects().iter().any(|o| o["kind"] == "PrometheusRule"));
}
