//! status's cluster checks against the in-memory cluster: workloads and exposure.
mod common;
use common::*;
use promstack_install::status::{self, Level};
use promstack_shared::kube::cluster::{MemoryCluster, ObjRef};
use serde_json::json;

async fn installed() -> std::sync::Arc<MemoryCluster> {
    let c = cluster(2);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    for (i, node) in ["node-0", "node-1"].iter().enumerate() {
        c.insert(json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":format!("ne-{i}"),"namespace":"monitoring","labels":{"app.kubernetes.io/name":"prometheus-node-exporter"}},
            "spec":{"nodeName":node},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}));
    }
    for kind in ["Prometheus", "Alertmanager"] {
        let name = format!("kube-prometheus-{}", kind.to_lowercase());
        c.insert(json!({"apiVersion":"monitoring.coreos.com/v1","kind":kind,"metadata":{"name":name,"namespace":"monitoring"},
            "status":{"conditions":[{"type":"Available","status":"True"},{"type":"Reconciled","status":"True"}]}}));
    }
    c.insert(json!({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"prometheus-db","namespace":"monitoring"},"status":{"phase":"Bound"}}));
    for svc in ["kube-prometheus-prometheus", "kube-prometheus-alertmanager"] {
        c.insert(json!({"apiVersion":"v1","kind":"Service","metadata":{"name":svc,"namespace":"monitoring"},"spec":{"type":"ClusterIP"}}));
    }
    c
}

fn level(checks: &[status::Check], name: &str) -> Level {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}"))
        .level
}

#[tokio::test]
async fn a_healthy_install_is_all_ok() {
    let c = installed().await;
    let w = status::workload_checks(c.as_ref(), "monitoring").await;
    assert!(w.iter().all(|x| x.level == Level::Ok), "{w:#?}");
    let e = status::exposure_checks(c.as_ref(), "monitoring").await;
    assert!(e.iter().all(|x| x.level == Level::Ok), "{e:#?}");
}

#[tokio::test]
async fn each_workload_problem_is_named() {
    let c = installed().await;
    c.insert(json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"grafana-abc","namespace":"monitoring"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False"}]}}));
    c.remove(&ObjRef::new("v1", "Pod", Some("monitoring"), "ne-1"));
    c.insert(json!({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"alertmanager-db","namespace":"monitoring"},"status":{"phase":"Pending"}}));
    c.remove(&ObjRef::new(
        "apps/v1",
        "StatefulSet",
        Some("monitoring"),
        "alertmanager-kube-prometheus-alertmanager",
    ));
    let w = status::workload_checks(c.as_ref(), "monitoring").await;
    let detail = |n: &str| w.iter().find(|x| x.name == n).unwrap().detail.clone();
    assert_eq!(level(&w, "pods ready"), Level::Fail);
    assert!(detail("pods ready").contains("grafana-abc"));
    assert_eq!(
        level(&w, "DaemonSet kube-prometheus-prometheus-node-exporter"),
        Level::Fail
    );
    assert_eq!(
        detail("DaemonSet kube-prometheus-prometheus-node-exporter"),
        "not running on: node-1"
    );
    assert_eq!(level(&w, "PVCs bound"), Level::Fail);
    assert!(detail("PVCs bound").contains("alertmanager-db (Pending)"));
    assert_eq!(
        level(&w, "StatefulSet alertmanager-kube-prometheus-alertmanager"),
        Level::Fail
    );
    assert_eq!(
        detail("StatefulSet alertmanager-kube-prometheus-alertmanager"),
        "not created yet"
    );
    assert_eq!(level(&w, "Deployment kube-prometheus-grafana"), Level::Ok);
}

#[tokio::test]
async fn exposure_and_a_default_password_fail() {
    let c = installed().await;
    c.insert(json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-prometheus-prometheus","namespace":"monitoring"},"spec":{"type":"NodePort"}}));
    c.insert(json!({"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"am","namespace":"monitoring"},
        "spec":{"rules":[{"http":{"paths":[{"backend":{"service":{"name":"kube-prometheus-alertmanager","port":{"number":9093}}}}]}}]}}));
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"promstack-grafana-admin","namespace":"monitoring"},"data":{"admin-user":"YWRtaW4=","admin-password":"cHJvbS1vcGVyYXRvcg=="}}));
    let e = status::exposure_checks(c.as_ref(), "monitoring").await;
    assert_eq!(level(&e, "Service kube-prometheus-prometheus"), Level::Fail);
    assert_eq!(
        level(&e, "Service kube-prometheus-alertmanager"),
        Level::Fail
    );
    let pw = e.iter().find(|x| x.name == "Grafana password").unwrap();
    assert_eq!(pw.level, Level::Fail);
    assert!(
        !pw.detail.contains("prom-operator"),
        "the password is never printed"
    );
}

#[tokio::test]
async fn a_stuck_pod_and_a_daemonset_without_pods_are_named_with_what_kubernetes_says() {
    let c = installed().await;
    // the operator's pod waits for a Secret nobody creates (webhooks off, TLS on: helm-charts#6586)
    c.insert(json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"kube-prometheus-operator-5d9f6c-x2x4q","namespace":"monitoring"},
        "status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"}]}}));
    c.insert(json!({"apiVersion":"v1","kind":"Event","metadata":{"name":"op.failedmount","namespace":"monitoring"},
        "involvedObject":{"kind":"Pod","name":"kube-prometheus-operator-5d9f6c-x2x4q","namespace":"monitoring"},
        "type":"Warning","reason":"FailedMount","count":9,"lastTimestamp":"2026-11-30T10:00:00Z",
        "message":"MountVolume.SetUp failed for volume \"tls-secret\" : secret \"kube-prometheus-admission\" not found"}));
    c.insert(json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"kube-prometheus-operator","namespace":"monitoring","generation":1},
        "spec":{"replicas":1,"selector":{},"template":{}},"status":{"observedGeneration":1,"readyReplicas":0,"updatedReplicas":1}}));
    // node-exporter: Pod Security refuses every pod
    c.remove(&ObjRef::new("v1", "Pod", Some("monitoring"), "ne-0"));
    c.remove(&ObjRef::new("v1", "Pod", Some("monitoring"), "ne-1"));
    c.insert(failed_create_event(
        "monitoring",
        "kube-prometheus-prometheus-node-exporter",
    ));
    let w = status::workload_checks(c.as_ref(), "monitoring").await;
    let detail = |n: &str| w.iter().find(|x| x.name == n).unwrap().detail.clone();
    assert!(
        detail("pods ready").contains("kube-prometheus-operator-5d9f6c-x2x4q (Pending: Pod kube-prometheus-operator-5d9f6c-x2x4q: FailedMount: MountVolume.SetUp failed for volume \"tls-secret\" : secret \"kube-prometheus-admission\" not found)"),
        "{}",
        detail("pods ready")
    );
    assert!(
        detail("Deployment kube-prometheus-operator")
            .contains("secret \"kube-prometheus-admission\" not found"),
        "{}",
        detail("Deployment kube-prometheus-operator")
    );
    let ds = detail("DaemonSet kube-prometheus-prometheus-node-exporter");
    assert!(
        ds.starts_with("not running on: node-0, node-1; Kubernetes says: DaemonSet kube-prometheus-prometheus-node-exporter: FailedCreate: Error creating: pods")
            && ds.contains("violates PodSecurity \"baseline:latest\""),
        "{ds}"
    );
}

#[tokio::test]
async fn unreadable_events_are_said_not_hidden() {
    use promstack_shared::kube::cluster::{Fault, Verb};
    let c = installed().await;
    c.inject(Fault::status(403).on(Verb::List).kind("Event"));
    let w = status::workload_checks(c.as_ref(), "monitoring").await;
    let ev = w.iter().find(|x| x.name == "events").unwrap();
    assert_eq!(ev.level, Level::Warn);
    assert!(ev.detail.contains("403"), "{}", ev.detail);
}

/// A 403 as the API server words it for this read.
fn forbidden(verb: &str, resource: &str) -> promstack_shared::kube::cluster::ClusterError {
    promstack_shared::kube::cluster::ClusterError::Api {
        code: 403,
        message: format!("{resource} is forbidden: User \"viewer\" cannot {verb} resource \"{resource}\" in the namespace \"monitoring\""),
    }
}

#[tokio::test]
async fn no_check_passes_on_a_read_that_failed() {
    use promstack_shared::kube::cluster::{Fault, Verb};
    // (request refused, the check that must say so, at what level)
    let cases: Vec<(Fault, &str, Level)> = vec![
        (
            Fault::error(forbidden("list", "ingresses"))
                .on(Verb::List)
                .kind("Ingress"),
            "Service kube-prometheus-prometheus",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("list", "ingresses"))
                .on(Verb::List)
                .kind("Ingress"),
            "Service kube-prometheus-alertmanager",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("get", "services"))
                .on(Verb::Get)
                .kind("Service"),
            "Service kube-prometheus-prometheus",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("get", "secrets"))
                .on(Verb::Get)
                .kind("Secret"),
            "Grafana password",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("list", "pods"))
                .on(Verb::List)
                .kind("Pod"),
            "pods ready",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("list", "pods"))
                .on(Verb::List)
                .kind("Pod"),
            "DaemonSet kube-prometheus-prometheus-node-exporter",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("list", "nodes"))
                .on(Verb::List)
                .kind("Node"),
            "nodes",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("get", "deployments"))
                .on(Verb::Get)
                .kind("Deployment")
                .name("kube-prometheus-grafana"),
            "Deployment kube-prometheus-grafana",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("get", "prometheuses"))
                .on(Verb::Get)
                .kind("Prometheus"),
            "Prometheus kube-prometheus-prometheus",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("get", "statefulsets"))
                .on(Verb::Get)
                .kind("StatefulSet"),
            "StatefulSet prometheus-kube-prometheus-prometheus",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("list", "persistentvolumeclaims"))
                .on(Verb::List)
                .kind("PersistentVolumeClaim"),
            "PVCs bound",
            Level::Fail,
        ),
        (
            Fault::error(forbidden("list", "events"))
                .on(Verb::List)
                .kind("Event"),
            "events",
            Level::Warn,
        ),
        (
            Fault::error(forbidden("get", "daemonsets"))
                .on(Verb::Get)
                .kind("DaemonSet")
                .name("cilium"),
            "Cilium",
            Level::Warn,
        ),
    ];
    for (fault, name, want) in cases {
        let c = installed().await;
        c.inject(fault.clone());
        let t = status::Targets {
            cluster: Some(c.as_ref()),
            prometheus: None,
            alertmanager: None,
            grafana: None,
        };
        let r = status::status(&t, "monitoring").await;
        let found = r
            .checks
            .iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("no check {name} after {fault:?}: {:#?}", r.checks));
        assert_eq!(found.level, want, "{name}: {found:?}");
        assert!(
            found.detail.contains("forbidden: User \"viewer\" cannot"),
            "{name} does not say why it could not look: {}",
            found.detail
        );
        assert!(
            !r.healthy || want == Level::Warn,
            "{name}: a failed read left the stack healthy"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert!(
            json["checks"].to_string().contains("forbidden"),
            "-o json carries the cause"
        );
    }
}

#[tokio::test]
async fn an_endpoint_that_cannot_be_reached_is_a_failed_group_not_a_missing_one() {
    let c = installed().await;
    let t = status::Targets {
        cluster: Some(c.as_ref()),
        prometheus: Some(Err(
            "no port-forward to monitoring/kube-prometheus-prometheus: no ready pod".into(),
        )),
        alertmanager: Some(Err(
            "no port-forward to monitoring/kube-prometheus-alertmanager: no ready pod".into(),
        )),
        grafana: Some(Err(
            "no Grafana admin credentials to log in with: Secret not found".into(),
        )),
    };
    let r = status::status(&t, "monitoring").await;
    assert!(!r.healthy);
    for (group, name) in [
        ("targets", "Prometheus"),
        ("alertmanager", "Alertmanager"),
        ("grafana", "Grafana"),
    ] {
        let x = r
            .checks
            .iter()
            .find(|x| x.group == group && x.name == name)
            .unwrap();
        assert_eq!(x.level, Level::Fail);
        assert!(x.detail.contains("no "), "{}", x.detail);
    }
}

#[tokio::test]
async fn claims_that_do_not_match_the_operators_objects_are_named() {
    let c = installed().await;
    // the Prometheus object asks for 50Gi gp3 and keeps 45GB; its claim 0 is a 10Gi local-path one
    c.insert(json!({"apiVersion":"monitoring.coreos.com/v1","kind":"Prometheus","metadata":{"name":"kube-prometheus-prometheus","namespace":"monitoring"},
        "spec":{"retentionSize":"45GB","storage":{"volumeClaimTemplate":{"spec":{"storageClassName":"gp3","accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"50Gi"}}}}}},
        "status":{"conditions":[{"type":"Available","status":"True"},{"type":"Reconciled","status":"True"}]}}));
    let sts = "prometheus-kube-prometheus-prometheus";
    for (ord, class, size) in [(0, "local-path", "10Gi"), (1, "standard", "60Gi")] {
        c.insert(json!({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":format!("{sts}-db-{sts}-{ord}"),"namespace":"monitoring"},
            "spec":{"storageClassName":class,"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":size}}},"status":{"phase":"Bound","capacity":{"storage":size}}}));
    }
    let w = status::workload_checks(c.as_ref(), "monitoring").await;
    let get = |n: String| {
        w.iter()
            .find(|x| x.name == n)
            .unwrap_or_else(|| panic!("no {n}: {w:#?}"))
            .clone()
    };
    let zero = get(format!("claim {sts}-db-{sts}-0"));
    assert_eq!(zero.level, Level::Fail);
    assert!(
        zero.detail.contains("less than retentionSize 45GB"),
        "{}",
        zero.detail
    );
    let one = get(format!("claim {sts}-db-{sts}-1"));
    assert_eq!(one.level, Level::Warn);
    assert!(
        one.detail
            .contains("StorageClass standard where the values ask gp3"),
        "{}",
        one.detail
    );
    assert_eq!(level(&w, "PVCs bound"), Level::Ok, "bound, yet not right");
}
