//! Pre-flight against the in-memory cluster: another kube-prometheus-stack in the way (a release
//! of the same name in another namespace, or the chart's objects outside the namespace owned by
//! another release) is refused with exit 3, nothing written; our own release and objects are not.
mod common;
use common::*;
use promstack_install::helm::ReleaseInfo;
use promstack_shared::kube::cluster::ObjRef;
use serde_json::json;

fn release_in(ns: &str) -> ReleaseInfo {
    ReleaseInfo {
        name: "kube-prometheus".into(),
        namespace: ns.into(),
        revision: "3".into(),
        status: "deployed".into(),
        chart: "kube-prometheus-stack-88.5.3".into(),
        app_version: "v0.93.1".into(),
    }
}

#[tokio::test]
async fn a_stack_in_another_namespace_is_refused_at_pre_flight() {
    let c = cluster(3);
    let h = FakeHelm::new(c.clone(), 4);
    h.state
        .lock()
        .unwrap()
        .elsewhere
        .push(release_in("monitoring"));
    for dry_run in [true, false] {
        let mut o = options();
        o.namespace = "other".into();
        o.dry_run = dry_run;
        let e = run(&o, &c, &h, b"").await.unwrap_err();
        assert_refused_before_writing(&c, &h, &e);
        let text = e.to_string();
        assert!(
            text.contains("namespace monitoring")
                && text.contains("kubectl promstack install uninstall -n monitoring")
                && text.contains("-n monitoring`"),
            "{text}"
        );
    }
    assert!(c
        .peek(&ObjRef::new("v1", "Namespace", None, "other"))
        .is_none());
}

#[tokio::test]
async fn cluster_wide_objects_of_another_release_are_refused_even_when_helm_cannot_list_it() {
    let c = cluster(3);
    c.insert(json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{
        "name":"kube-prometheus-grafana-clusterrole",
        "annotations":{"meta.helm.sh/release-name":"kube-prometheus","meta.helm.sh/release-namespace":"monitoring"}}}));
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().forbid_all_namespaces = true;
    let mut o = options();
    o.namespace = "other".into();
    let (res, printed) = run_captured(&o, &c, &h).await;
    let e = res.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    assert!(
        e.to_string().contains(
            "ClusterRole kube-prometheus-grafana-clusterrole (release monitoring/kube-prometheus)"
        ),
        "{e}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains("cannot list helm releases in other namespaces")),
        "{printed:?}"
    );
}

/// Only a `forbidden` helm list falls back to the namespace alone; any other failure is the
/// install's, before anything is written.
#[tokio::test]
async fn a_helm_list_that_fails_otherwise_stops_the_install() {
    let c = cluster(3);
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().fail_list = true;
    let (res, printed) = run_captured(&options(), &c, &h).await;
    let e = res.unwrap_err();
    assert!(
        format!("{e:#}").contains("helm list failed: Error: Kubernetes cluster unreachable"),
        "{e:#}"
    );
    assert_eq!((c.writes(), h.count("upgrade"), h.count("list")), (0, 0, 1));
    assert!(
        !printed
            .iter()
            .any(|l| l.contains("cannot list helm releases")),
        "{printed:?}"
    );
}

/// The chart's objects in kube-system (the Services it scrapes the control plane through) are
/// another stack's too when another release owns them.
#[tokio::test]
async fn objects_of_another_release_in_kube_system_are_refused() {
    let c = cluster(3);
    c.insert(json!({"apiVersion":"v1","kind":"Service","metadata":{
        "name":"kube-prometheus-coredns", "namespace":"kube-system",
        "annotations":{"meta.helm.sh/release-name":"kube-prometheus","meta.helm.sh/release-namespace":"monitoring"}}}));
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().forbid_all_namespaces = true;
    let mut o = options();
    o.namespace = "other".into();
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    assert!(
        e.to_string().contains(
            "Service kube-system/kube-prometheus-coredns (release monitoring/kube-prometheus)"
        ),
        "{e}"
    );
}

#[tokio::test]
async fn our_own_release_and_objects_are_no_second_stack() {
    let c = cluster(3);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    assert!(c
        .peek(&ObjRef::new(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            None,
            "kube-prometheus-grafana-clusterrole"
        ))
        .is_some());
    // a hook's ClusterRole left behind without helm's annotations is no second stack either
    assert!(c
        .peek(&ObjRef::new(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            None,
            "kube-prometheus-admission"
        ))
        .is_some_and(|r| r["metadata"].get("annotations").is_none()));
    let again = run(&options(), &c, &h, b"").await.unwrap();
    assert!(!again.report.changed);
}
