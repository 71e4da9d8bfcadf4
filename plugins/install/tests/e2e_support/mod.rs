//! Helpers of the install e2e suite: what the cluster has, and what admission says; the stack's
//! endpoints, promstack's dashboards synced and status asked ([`stack`]).
pub mod stack;

use super::E2e;
use promstack_shared::kube::cluster::{Cluster, KubeCluster, ListQuery};
use serde_json::Value;

pub fn storage_class(rt: &tokio::runtime::Runtime, c: &KubeCluster) -> String {
    let scs = rt
        .block_on(c.list(&ListQuery::new("storage.k8s.io/v1", "StorageClass")))
        .unwrap();
    let name = |s: &Value| s["metadata"]["name"].as_str().unwrap().to_string();
    scs.iter()
        .find(|s| s["metadata"]["name"] == "local-path")
        .or_else(|| {
            scs.iter().find(|s| {
                s.pointer("/metadata/annotations/storageclass.kubernetes.io~1is-default-class")
                    .and_then(Value::as_str)
                    == Some("true")
            })
        })
        .or(scs.first())
        .map(name)
        .expect("the e2e cluster has no StorageClass: install local-path-provisioner")
}

/// Admission neither warns of nor audits node-exporter's pod in the namespace (Talos warns and
/// audits at `restricted`, and helm prints each warning): the namespace's warn and audit levels are
/// privileged, and a server-side dry-run create of the pod gets no `Warning:` from the API server.
pub fn no_pod_security_warning(e: &E2e, namespace: &str) {
    let live_ns = e.get("v1", "Namespace", None, namespace).unwrap();
    for level in ["warn", "audit"] {
        assert_eq!(
            live_ns["metadata"]["labels"][format!("pod-security.kubernetes.io/{level}")],
            "privileged",
            "{level}"
        );
    }
    let ds = e
        .get(
            "apps/v1",
            "DaemonSet",
            Some(namespace),
            "kube-prometheus-prometheus-node-exporter",
        )
        .expect("node-exporter's DaemonSet");
    let pod = serde_json::json!({"apiVersion":"v1","kind":"Pod",
        "metadata":{"name":"promstack-e2e-warning-probe","namespace":namespace},
        "spec": ds["spec"]["template"]["spec"]});
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), pod.to_string()).unwrap();
    let out = promstack_shared::testing::kubectl(
        &e.kubeconfig,
        &[
            "create",
            "--dry-run=server",
            "-f",
            file.path().to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("PodSecurity") && !stderr.contains("Warning"),
        "admission warned: {stderr}"
    );
}
