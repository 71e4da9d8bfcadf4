//! The wait for what is being deleted, on the in-memory cluster's namespace controller.
use super::*;
use crate::kube::cluster::{MemoryCluster, ObjRef, Pace};
use serde_json::{json, Value};

fn cm(ns: &str, name: &str, meta: Value) -> Value {
    let mut o = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}});
    let m = o["metadata"].as_object_mut().unwrap();
    m.extend(meta.as_object().unwrap().clone());
    o
}

/// Namespace `m` with `n` ConfigMaps, deleted: Terminating, the controller at `pace`.
async fn deleted(n: usize, pace: Pace) -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "m"}}));
    for i in 0..n {
        c.insert(cm("m", &format!("c{i:02}"), json!({})));
    }
    c.set_deletion_pace(pace);
    c.delete(&ObjRef::new("v1", "Namespace", None, "m"))
        .await
        .unwrap();
    c
}

fn namespace() -> Vec<Box<dyn Deleting>> {
    vec![Box::new(NamespaceDeletion::new("m"))]
}

fn opts(timeout_ms: u64) -> WaitOptions {
    WaitOptions {
        timeout: Duration::from_millis(timeout_ms),
        interval: Duration::from_millis(100),
    }
}

#[tokio::test(start_paused = true)]
async fn the_wait_says_what_is_left_in_the_namespace_and_returns_once_it_is_gone() {
    let c = deleted(12, Pace::PerRequest(4)).await;
    let (ui, lines) = Ui::capture();
    wait_gone(&c, namespace(), opts(60_000), &ui).await.unwrap();
    assert!(c.peek(&ObjRef::new("v1", "Namespace", None, "m")).is_none());
    let lines = lines.lock().unwrap().clone();
    assert_eq!(
        lines,
        ["• waiting for namespace m to be deleted: deleting namespace m: 8 objects left"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_namespace_made_anew_ends_the_wait() {
    let c = deleted(1, Pace::Manual).await;
    c.remove(&ObjRef::new("v1", "Namespace", None, "m"));
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "m"}}));
    let took = wait_gone(&c, namespace(), opts(60_000), &Ui::silent())
        .await
        .unwrap();
    assert_eq!(took, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_timeout_names_what_holds_the_namespace() {
    let c = deleted(3, Pace::PerRequest(usize::MAX)).await;
    c.insert(cm("m", "held", json!({"finalizers": ["example.org/keep"]})));
    let e = wait_gone(&c, namespace(), opts(500), &Ui::silent())
        .await
        .unwrap_err();
    assert_eq!(e.exit_code().code(), 1);
    assert_eq!(
        e.to_string(),
        "timed out after 500ms waiting for namespace m to be deleted; still Terminating:\n  \
         namespace m: finalizers kubernetes; 1 object left (configmaps: 1); the API server says: \
         NamespaceFinalizersRemaining: Some content in the namespace has finalizers remaining: \
         example.org/keep in 1 resource instances\n\
         The namespace controller deletes everything in a namespace before the namespace; an object \
         with finalizers of its own waits for the controller that set them (a PersistentVolumeClaim \
         for its pod, a custom resource for its operator).\n\
         Wait for them (kubectl wait --for=delete namespace/m --timeout=10m) or run again with a \
         longer --timeout."
    );
}

#[test]
fn what_holds_a_namespace_is_read_from_its_conditions() {
    let ns = json!({"metadata": {"name": "monitoring", "deletionTimestamp": "2026-01-01T00:00:00Z",
            "finalizers": ["example.org/ns"]},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Terminating", "conditions": [
            {"type": "NamespaceDeletionDiscoveryFailure", "status": "False", "reason": "ResourcesDiscovered", "message": "All resources successfully discovered"},
            {"type": "NamespaceDeletionContentFailure", "status": "True", "reason": "ContentDeletionFailed",
                "message": "Failed to delete all resource types, 1 remaining: Internal error occurred: failed calling webhook"},
            {"type": "NamespaceContentRemaining", "status": "True", "reason": "SomeResourcesRemain",
                "message": "Some resources are remaining: persistentvolumeclaims. has 2 resource instances, pods. has 10 resource instances"},
            {"type": "NamespaceFinalizersRemaining", "status": "True", "reason": "SomeFinalizersRemain",
                "message": "Some content in the namespace has finalizers remaining: kubernetes.io/pvc-protection in 2 resource instances"}]}});
    let d = NamespaceDeletion::of(ns);
    assert_eq!(
        d.left(),
        [
            ("persistentvolumeclaims".to_string(), 2),
            ("pods".to_string(), 10)
        ]
    );
    assert_eq!(
        d.progress(),
        "deleting namespace monitoring: 12 objects left"
    );
    assert_eq!(
        d.holders(),
        ["namespace monitoring: finalizers kubernetes, example.org/ns; 12 objects left \
          (persistentvolumeclaims: 2, pods: 10); the API server says: NamespaceDeletionContentFailure: \
          Failed to delete all resource types, 1 remaining: Internal error occurred: failed calling \
          webhook; NamespaceFinalizersRemaining: Some content in the namespace has finalizers \
          remaining: kubernetes.io/pvc-protection in 2 resource instances"]
    );
    // just deleted: the controller has said nothing yet
    let fresh = NamespaceDeletion::of(
        json!({"metadata": {"name": "m"}, "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Terminating"}}),
    );
    assert_eq!(fresh.progress(), "deleting namespace m");
    assert_eq!(
        fresh.holders(),
        ["namespace m: finalizers kubernetes; the namespace controller has not said what is left yet"]
    );
}
