//! Pre-flight against the in-memory cluster: Pod Security as Talos sets it up (enforce baseline
//! everywhere but kube-system), the claims there are, and what Kubernetes says when a workload
//! does not get ready (a second stack in the way: second_stack.rs). Each refusal is exit 3 with
//! nothing written.
mod common;
use common::*;
use promstack_shared::kube::cluster::{ClusterError, Fault, MemoryCluster, ObjRef, Verb};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// A Talos-like cluster: Pod Security admission enforces baseline by default.
fn talos(nodes: usize) -> Arc<MemoryCluster> {
    let c = cluster(nodes);
    c.pod_security("baseline", &["kube-system"]);
    c
}

/// A Talos-like cluster where namespace monitoring exists with these labels, and a helm.
fn talos_with_namespace(labels: Value) -> (Arc<MemoryCluster>, FakeHelm) {
    let c = talos(3);
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring","labels":labels}}));
    let h = FakeHelm::new(c.clone(), 4);
    (c, h)
}

fn namespace(c: &MemoryCluster, name: &str) -> Value {
    c.peek(&ObjRef::new("v1", "Namespace", None, name)).unwrap()
}

#[tokio::test]
async fn on_talos_a_new_namespace_is_made_privileged_for_node_exporter() {
    let c = talos(3);
    let h = FakeHelm::new(c.clone(), 4);
    let out = run(&options(), &c, &h, b"").await.unwrap();
    assert_eq!(
        namespace(&c, "monitoring")["metadata"]["labels"][ENFORCE],
        "privileged"
    );
    let ps = preflight_check(&out, "pod-security");
    assert!(ps.detail.contains("will be created with"), "{}", ps.detail);
    assert_eq!(
        c.count(Verb::DryRun),
        0,
        "a new namespace has nothing to ask yet"
    );
}

#[tokio::test]
async fn an_existing_namespace_without_the_label_gets_it_as_the_first_step_of_the_plan() {
    let (c, h) = talos_with_namespace(json!({"team": "sre"}));
    let mut o = options();
    o.dry_run = true;
    let plan = run(&o, &c, &h, b"").await.unwrap().report;
    assert_eq!(c.writes(), 0);
    assert_eq!(
        c.count(Verb::DryRun),
        1,
        "admission was asked about node-exporter's pod"
    );
    let ps = plan
        .preflight
        .iter()
        .find(|p| p.name == "pod-security")
        .unwrap();
    assert!(
        ps.detail.contains("Talos enforces baseline")
            && ps.detail.contains("violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true)"),
        "{}",
        ps.detail
    );
    let first = &plan.steps[0];
    assert_eq!(first.object, "Namespace monitoring");
    assert_eq!(first.change, promstack_shared::kube::owned::Change::Update);
    assert!(first
        .note
        .as_deref()
        .unwrap()
        .contains("pod-security.kubernetes.io/enforce=privileged"));

    run(&options(), &c, &h, b"").await.unwrap();
    let ns = namespace(&c, "monitoring");
    assert_eq!(ns["metadata"]["labels"][ENFORCE], "privileged");
    assert_eq!(
        ns["metadata"]["labels"]["team"], "sre",
        "the user's labels stay"
    );
}

#[tokio::test]
async fn a_warn_level_someone_else_set_stays_theirs_and_the_rest_is_labelled() {
    let (c, h) = talos_with_namespace(json!({}));
    // `kubectl label namespace monitoring pod-security.kubernetes.io/warn=baseline`, with its own manager
    c.apply_as(
        &json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring","labels":{"pod-security.kubernetes.io/warn":"baseline"}}}),
        "kubectl-label",
    )
    .unwrap();
    run(&options(), &c, &h, b"").await.unwrap();
    let labels = namespace(&c, "monitoring")["metadata"]["labels"].clone();
    assert_eq!(labels[ENFORCE], "privileged");
    assert_eq!(labels["pod-security.kubernetes.io/audit"], "privileged");
    assert_eq!(labels["pod-security.kubernetes.io/warn"], "baseline");
    c.reset_counts();
    run(&options(), &c, &h, b"").await.unwrap();
    assert_eq!(c.writes(), 0, "a re-run writes nothing");
}

#[tokio::test]
async fn a_namespace_someone_set_to_baseline_stops_the_install_naming_the_label() {
    let (c, h) = talos_with_namespace(json!({ENFORCE: "baseline"}));
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    let text = e.to_string();
    assert!(
        text.contains("enforces Pod Security `baseline`")
            && text.contains("kubectl label namespace monitoring pod-security.kubernetes.io/enforce=privileged --overwrite"),
        "{text}"
    );
}

#[tokio::test]
async fn another_admission_that_refuses_node_exporter_stops_the_install() {
    let (c, h) = talos_with_namespace(json!({ENFORCE: "privileged"}));
    c.inject(Fault::error(ClusterError::Api {
        code: 403,
        message: "admission webhook \"validate.kyverno.svc-fail\" denied the request: policy Pod/monitoring/promstack-preflight-node-exporter for resource violation: disallow-host-namespaces".into(),
    }).on(Verb::DryRun));
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    assert!(
        e.to_string().contains("disallow-host-namespaces")
            && e.to_string().contains("policy exception"),
        "{e}"
    );
}

#[tokio::test]
async fn a_privileged_namespace_passes_and_without_node_exporter_nothing_is_labelled() {
    let (c, h) = talos_with_namespace(json!({ENFORCE: "privileged"}));
    let out = run(&options(), &c, &h, b"").await.unwrap();
    let ps = preflight_check(&out, "pod-security");
    assert!(
        ps.detail.contains("admission accepts node-exporter's pod"),
        "{}",
        ps.detail
    );

    let c = talos(3);
    let h = FakeHelm::new(c.clone(), 4);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("no-node-exporter.yaml");
    std::fs::write(&f, "nodeExporter:\n  enabled: false\n").unwrap();
    let mut o = options();
    o.user_values = vec![f];
    run(&o, &c, &h, b"").await.unwrap();
    assert!(namespace(&c, "monitoring")["metadata"]["labels"]
        .get(ENFORCE)
        .is_none());
}

/// What admission says of node-exporter's pod, by the namespace's label: a privileged namespace
/// that admission accepts is left as it is; one without the label gets it even though admission
/// accepts the pod today; an answer that could not be had (the service account not there yet)
/// stops nothing.
#[tokio::test]
async fn admission_asked_about_node_exporter_in_an_existing_namespace() {
    let (c, h) = talos_with_namespace(json!({ENFORCE: "privileged"}));
    let out = run(&options(), &c, &h, b"").await.unwrap();
    assert_eq!(
        preflight_check(&out, "pod-security").detail,
        "namespace monitoring is pod-security.kubernetes.io/enforce=privileged; admission accepts node-exporter's pod"
    );

    // no Pod Security enforced: admission accepts the pod in a namespace without the label
    let c = cluster(3);
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    let h = FakeHelm::new(c.clone(), 4);
    let out = run(&options(), &c, &h, b"").await.unwrap();
    assert_eq!(
        preflight_check(&out, "pod-security").detail,
        "namespace monitoring gets pod-security.kubernetes.io/enforce=privileged, and warn and audit privileged too (admission accepts node-exporter's pod today; the label keeps it so if the cluster's default changes): node-exporter needs hostNetwork, hostPID, a host port and hostPath volumes, which Pod Security baseline and restricted forbid"
    );
    assert_eq!(
        namespace(&c, "monitoring")["metadata"]["labels"][ENFORCE],
        "privileged"
    );

    let (c, h) = talos_with_namespace(json!({ENFORCE: "privileged"}));
    c.inject(Fault::error(ClusterError::Api {
        code: 403,
        message: "pods \"promstack-preflight-node-exporter\" is forbidden: error looking up service account monitoring/kube-prometheus-prometheus-node-exporter: serviceaccount \"kube-prometheus-prometheus-node-exporter\" not found".into(),
    }).on(Verb::DryRun));
    let out = run(&options(), &c, &h, b"").await.unwrap();
    assert_eq!(
        preflight_check(&out, "pod-security").detail,
        "namespace monitoring is pod-security.kubernetes.io/enforce=privileged (admission could not be asked: API error (HTTP 403): pods \"promstack-preflight-node-exporter\" is forbidden: error looking up service account monitoring/kube-prometheus-prometheus-node-exporter: serviceaccount \"kube-prometheus-prometheus-node-exporter\" not found)"
    );
}

/// In a namespace without the label, a Pod Security refusal (403, or 422) is what the label
/// fixes; another admission's refusal is not, and stops the install.
#[tokio::test]
async fn in_a_namespace_without_the_label_only_pod_security_is_fixed_by_it() {
    let refused = |code: u16, message: &str| {
        let c = cluster(3);
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
        c.inject(
            Fault::error(ClusterError::Api {
                code,
                message: message.into(),
            })
            .on(Verb::DryRun),
        );
        let h = FakeHelm::new(c.clone(), 4);
        (c, h)
    };
    let (c, h) = refused(422, "pods \"ne\" is invalid: violates PodSecurity \"baseline:latest\": hostPort (container \"node-exporter\" uses hostPort 9100)");
    let out = run(&options(), &c, &h, b"").await.unwrap();
    assert!(
        preflight_check(&out, "pod-security")
            .detail
            .contains("(without it the cluster's default refuses node-exporter (Talos enforces baseline): pods \"ne\" is invalid: violates PodSecurity"),
        "{}",
        preflight_check(&out, "pod-security").detail
    );
    assert_eq!(
        namespace(&c, "monitoring")["metadata"]["labels"][ENFORCE],
        "privileged"
    );

    let (c, h) = refused(403, "admission webhook \"validate.kyverno.svc-fail\" denied the request: disallow-host-namespaces");
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    assert!(e.to_string().contains("disallow-host-namespaces"), "{e}");

    // no answer to be had (a webhook down): labelled, and the install goes on
    let (c, h) = refused(500, "Internal error occurred: failed calling webhook \"validate.kyverno.svc-fail\": context deadline exceeded");
    let out = run(&options(), &c, &h, b"").await.unwrap();
    assert!(
        preflight_check(&out, "pod-security").detail.contains(
            "(admission could not be asked: API error (HTTP 500): Internal error occurred"
        ),
        "{}",
        preflight_check(&out, "pod-security").detail
    );
}

#[tokio::test]
async fn a_failed_helm_run_says_what_kubernetes_reported() {
    let c = talos(3);
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().fail_upgrade = true;
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(failed_create_event(
        "monitoring",
        "kube-prometheus-prometheus-node-exporter",
    ));
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    let text = format!("{e:#}");
    assert!(
        text.contains("Kubernetes reported while helm waited:")
            && text.contains("DaemonSet kube-prometheus-prometheus-node-exporter: FailedCreate: Error creating: pods")
            && text.contains("violates PodSecurity"),
        "{text}"
    );
}

#[tokio::test]
async fn a_daemonset_that_creates_no_pods_is_named_with_its_reason_not_just_timed_out() {
    let c = cluster(3);
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().refused_daemonset = true;
    let mut o = options();
    o.timeout = Duration::from_millis(300);
    let (res, printed) = run_captured(&o, &c, &h).await;
    let text = format!("{:#}", res.unwrap_err());
    assert!(
        text.contains("timed out")
            && text.contains(
                "Kubernetes says: DaemonSet kube-prometheus-prometheus-node-exporter: FailedCreate"
            )
            && text.contains("violates PodSecurity \"baseline:latest\""),
        "{text}"
    );
    assert!(
        printed.iter().any(|l| l
            .starts_with("! DaemonSet kube-prometheus-prometheus-node-exporter: Kubernetes says")),
        "said while waiting, for logs without a terminal: {printed:?}"
    );
}

/// A claim as the operator's StatefulSet made it, bound.
fn claim(sts: &str, ordinal: u32, class: &str, size: &str) -> Value {
    json!({"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":format!("{sts}-db-{sts}-{ordinal}"),"namespace":"monitoring"},
        "spec":{"storageClassName":class,"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":size}}},
        "status":{"phase":"Bound","capacity":{"storage":size}}})
}

fn cloud_options() -> promstack_install::install::InstallOptions {
    let mut o = options();
    o.env = promstack_install::chart::values::Env::Cloud;
    o.overlay.storage_class = "gp3".into();
    o.overlay.grafana_host = Some("grafana.example.org".into());
    o.overlay.tls_secret = Some("grafana-tls".into());
    o
}

const PROMETHEUS_STS: &str = "prometheus-kube-prometheus-prometheus";

/// A cloud install into namespace monitoring with these claims, where gp3 grows claims: refused
/// before writing; what it says.
async fn cloud_install_refused(claims: &[Value]) -> String {
    let c = cluster(3);
    c.insert(json!({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"gp3"},"allowVolumeExpansion":true}));
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    for claim in claims {
        c.insert(claim.clone());
    }
    let h = FakeHelm::new(c.clone(), 4);
    let e = run(&cloud_options(), &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    e.to_string()
}

#[tokio::test]
async fn a_local_claim_that_cannot_hold_the_cloud_retention_stops_the_install_with_the_fix() {
    let sts = PROMETHEUS_STS;
    let text = cloud_install_refused(&[
        claim(sts, 0, "local-path", "10Gi"),
        claim(sts, 1, "gp3", "50Gi"),
    ])
    .await;
    assert!(
        text.contains(&format!(
            "Prometheus claim {sts}-db-{sts}-0 holds 10Gi, less than retentionSize 45GB"
        )) && text.contains("StorageClass local-path cannot grow claims")
            && text.contains(&format!(
                "kubectl -n monitoring delete pvc {sts}-db-{sts}-0"
            )),
        "{text}"
    );
    assert!(
        !text.contains(&format!("{sts}-1")),
        "the gp3 claim is fine: {text}"
    );
}

/// A claim too small on a class that can grow claims: the fix is to grow it in place (the classes
/// are read once a claim does not match).
#[tokio::test]
async fn a_claim_too_small_on_a_class_that_grows_claims_is_grown_in_place() {
    let sts = PROMETHEUS_STS;
    let text = cloud_install_refused(&[claim(sts, 0, "gp3", "10Gi")]).await;
    assert!(
        text.contains(&format!(
            "Fix: grow it in place: `kubectl -n monitoring patch pvc {sts}-db-{sts}-0 -p"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn a_claim_on_another_class_that_holds_the_retention_is_said_and_the_install_goes_on() {
    let c = cluster(3);
    c.insert(
        json!({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"gp3"}}),
    );
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(claim(
        "prometheus-kube-prometheus-prometheus",
        0,
        "standard",
        "100Gi",
    ));
    let h = FakeHelm::new(c.clone(), 4);
    let (res, printed) = run_captured(&cloud_options(), &c, &h).await;
    let out = res.unwrap();
    let claims = preflight_check(&out, "claims");
    assert!(
        claims.detail.contains("1 claim(s) stay as they are"),
        "{}",
        claims.detail
    );
    assert!(
        printed.iter().any(|l| l.starts_with("! Prometheus claim")
            && l.contains("StorageClass standard where the values ask gp3")),
        "{printed:?}"
    );
}

#[tokio::test]
async fn the_pre_flight_reads_run_at_the_same_time() {
    let c = talos(3);
    let h = FakeHelm::new(c.clone(), 4);
    // every request takes a while, so the ones under way together can be counted
    c.inject(Fault::slow(Duration::from_millis(20)));
    let mut o = options();
    o.dry_run = true;
    run(&o, &c, &h, b"").await.unwrap();
    // the server version, the StorageClass, the nodes and the namespace at once
    let together = ["Version", "Get StorageClass", "List Node", "Get Namespace"];
    assert!(
        c.overlaps()
            .iter()
            .any(|o| together.iter().all(|r| o.iter().any(|x| x == r))),
        "the pre-flight reads did not run at once: {:?}",
        c.overlaps()
    );
    // and the CRDs as the cluster has them, at once
    assert!(
        c.overlaps().iter().any(|o| o
            .iter()
            .filter(|x| *x == "Get CustomResourceDefinition")
            .count()
            > 1),
        "the CRDs were read one after the other: {:?}",
        c.overlaps()
    );
}

#[tokio::test]
async fn read_at_once_the_checks_still_fail_in_their_order() {
    // no StorageClass and no Ready node: the StorageClass check comes first, as it did one by one
    let c = cluster(0);
    c.remove(&ObjRef::new(
        "storage.k8s.io/v1",
        "StorageClass",
        None,
        "local-path",
    ));
    let h = FakeHelm::new(c.clone(), 4);
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    assert!(e.to_string().contains("`local-path` not found"), "{e}");
    // and an unreachable cluster is said before anything else
    c.set_unreachable(true);
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    assert_eq!(code(&e), 1, "{e:#}");
    assert!(e.to_string().contains("context `memory`"), "{e}");
}
