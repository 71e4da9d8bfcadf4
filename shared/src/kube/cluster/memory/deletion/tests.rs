//! The deletion model against what kube-apiserver 1.34 does (see the module docs).
use super::*;
use crate::kube::cluster::{ApplyOptions, Cluster, ListQuery, MemoryCluster};

#[test]
fn plurals_are_the_resource_names() {
    for (kind, want) in [
        ("ConfigMap", "configmaps"),
        ("Secret", "secrets"),
        ("Ingress", "ingresses"),
        ("NetworkPolicy", "networkpolicies"),
        ("Gateway", "gateways"),
    ] {
        assert_eq!(plural(kind), want);
    }
}

const CRD: &str = "widgets.example.org";

fn crd_ref() -> ObjRef {
    ObjRef::new(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        CRD,
    )
}

fn widget(ns: &str, name: &str) -> Value {
    json!({"apiVersion": "example.org/v1", "kind": "Widget",
        "metadata": {"name": name, "namespace": ns}, "spec": {"size": 1}})
}

/// A cluster with the Widget CRD (applied: Established) and `n` Widgets in namespace `m`.
async fn widgets(n: usize) -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "m"}}));
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": CRD}, "spec": {"group": "example.org", "scope": "Namespaced",
        "names": {"kind": "Widget", "plural": "widgets"}, "versions": [{"name": "v1", "served": true, "storage": true}]}});
    c.apply(&crd, ApplyOptions::default()).await.unwrap();
    for i in 0..n {
        c.insert(widget("m", &format!("w{i}")));
    }
    c
}

fn condition(c: &MemoryCluster, t: &str) -> Value {
    let crd = c.peek(&crd_ref()).expect("the CRD is there");
    crd["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type"] == t)
        .cloned()
        .unwrap_or(Value::Null)
}

fn count(c: &MemoryCluster) -> usize {
    c.objects().iter().filter(|o| o["kind"] == "Widget").count()
}

#[tokio::test]
async fn a_crd_being_deleted_is_terminating_and_refuses_creates_of_its_kind() {
    let c = widgets(5).await;
    c.set_deletion_pace(Pace::Manual);
    assert!(c.delete(&crd_ref()).await.unwrap());
    let crd = c.peek(&crd_ref()).unwrap();
    assert!(crd["metadata"]["deletionTimestamp"].is_string(), "{crd}");
    assert_eq!(crd["metadata"]["finalizers"], json!([CRD_CLEANUP]));
    let t = condition(&c, "Terminating");
    assert_eq!(
        (t["status"].as_str(), t["reason"].as_str()),
        (Some("True"), Some("InstanceDeletionPending"))
    );
    assert_eq!(
        condition(&c, "Established")["status"],
        "True",
        "still served"
    );
    // its objects are still served, an existing one may be updated, a new one not
    let q = ListQuery::new("example.org/v1", "Widget");
    assert_eq!(c.list(&q).await.unwrap().len(), 5);
    let mut changed = widget("m", "w0");
    changed["spec"]["size"] = json!(2);
    c.apply(&changed, ApplyOptions::default()).await.unwrap();
    let refused = c
        .apply(&widget("m", "new"), ApplyOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        ClusterError::Api {
            code: 403,
            message: "widgets.example.org \"new\" is forbidden: create not allowed while custom resource definition is terminating".into()
        }
    );
    assert!(
        c.dry_run_create(&widget("m", "w1"))
            .await
            .unwrap_err()
            .is_forbidden(),
        "a POST is a create"
    );
    assert!(c
        .apply_as(&widget("m", "helms"), "helm")
        .unwrap_err()
        .is_forbidden());
    // applying the CRD again is an update: accepted, and it stays Terminating
    let again = c.peek(&crd_ref()).unwrap();
    let mut again = json!({"apiVersion": again["apiVersion"], "kind": again["kind"], "metadata": {"name": CRD}, "spec": again["spec"]});
    again["spec"]["names"]["shortNames"] = json!(["wd"]);
    let stored = c.apply(&again, ApplyOptions { force: true }).await.unwrap();
    assert!(stored["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(stored["metadata"]["finalizers"], json!([CRD_CLEANUP]));
    assert_eq!(condition(&c, "Terminating")["status"], "True");
}

#[tokio::test]
async fn the_finalizer_controller_deletes_the_objects_at_the_pace_set_then_the_crd() {
    let c = widgets(5).await;
    let mut held = widget("m", "held");
    held["metadata"]["finalizers"] = json!(["example.org/hold"]);
    c.insert(held.clone());
    c.set_deletion_pace(Pace::Manual);
    c.delete(&crd_ref()).await.unwrap();
    c.step_deletions(2);
    assert_eq!(count(&c), 4);
    assert_eq!(
        condition(&c, "Terminating")["reason"],
        "InstanceDeletionInProgress"
    );
    c.settle_deletions();
    // what has a finalizer of its own is marked and waits for it; so does the CRD
    assert_eq!(count(&c), 1);
    let left = c
        .peek(&ObjRef::new("example.org/v1", "Widget", Some("m"), "held"))
        .unwrap();
    assert!(left["metadata"]["deletionTimestamp"].is_string());
    assert!(c.peek(&crd_ref()).is_some());
    held["metadata"]["finalizers"] = json!([]);
    held["metadata"]["deletionTimestamp"] = left["metadata"]["deletionTimestamp"].clone();
    c.insert(held);
    c.settle_deletions();
    assert_eq!(count(&c), 0);
    assert!(c.peek(&crd_ref()).is_none(), "gone once its objects are");
}

#[tokio::test]
async fn by_default_what_a_delete_marks_is_gone_by_the_next_request() {
    let c = widgets(300).await;
    c.delete(&crd_ref()).await.unwrap();
    assert!(c.peek(&crd_ref()).is_some(), "marked, not removed");
    assert!(c.get(&crd_ref()).await.unwrap().is_none());
    assert_eq!(count(&c), 0);
    // at a pace of N per request, each request served removes N more
    let c = widgets(25).await;
    c.set_deletion_pace(Pace::PerRequest(10));
    c.delete(&crd_ref()).await.unwrap();
    c.server_version().await.unwrap();
    assert_eq!(count(&c), 15);
    c.server_version().await.unwrap();
    c.server_version().await.unwrap();
    assert_eq!(count(&c), 0);
    assert!(c.get(&crd_ref()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_namespace_being_deleted_refuses_new_content_and_goes_with_it() {
    let c = widgets(2).await;
    c.insert(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "m"}}));
    c.set_deletion_pace(Pace::Manual);
    let ns = ObjRef::new("v1", "Namespace", None, "m");
    c.delete(&ns).await.unwrap();
    let live = c.peek(&ns).unwrap();
    assert_eq!(live["status"]["phase"], "Terminating");
    assert_eq!(live["spec"]["finalizers"], json!(["kubernetes"]));
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new", "namespace": "m"}});
    let refused = c.apply(&cm, ApplyOptions::default()).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "API error (HTTP 403): configmaps \"new\" is forbidden: unable to create new content in namespace m because it is being terminated"
    );
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "m"}});
    assert!(c
        .dry_run_create(&deploy)
        .await
        .unwrap_err()
        .to_string()
        .contains("deployments.apps \"d\" is forbidden"));
    let mut old = cm.clone();
    old["metadata"]["name"] = json!("old");
    old["data"] = json!({"a": "1"});
    c.apply(&old, ApplyOptions::default())
        .await
        .expect("an update is not a create");
    c.settle_deletions();
    assert!(c.peek(&ns).is_none());
    assert!(c
        .objects()
        .iter()
        .all(|o| o["metadata"]["namespace"] != "m"));
    assert!(c.peek(&crd_ref()).is_some(), "cluster-scoped objects stay");
}

#[tokio::test]
async fn an_object_with_finalizers_is_marked_and_goes_once_they_are_removed() {
    let c = widgets(0).await;
    let mut w = widget("m", "w");
    w["metadata"]["finalizers"] = json!(["example.org/hold"]);
    c.insert(w.clone());
    let r = ObjRef::of(&w).unwrap();
    assert!(c.delete(&r).await.unwrap());
    let marked = c.get(&r).await.unwrap().expect("held by its finalizer");
    assert!(marked["metadata"]["deletionTimestamp"].is_string());
    let mut released = marked.clone();
    released["metadata"]["finalizers"] = json!([]);
    c.insert(released);
    assert!(c.get(&r).await.unwrap().is_none());
    // without finalizers, a delete removes at once
    c.insert(widget("m", "plain"));
    c.delete(&ObjRef::new("example.org/v1", "Widget", Some("m"), "plain"))
        .await
        .unwrap();
    assert_eq!(count(&c), 0);
}

/// The namespace controller's condition `t` of namespace `m`, as `(status, message)`.
fn ns_condition(c: &MemoryCluster, t: &str) -> (String, String) {
    let ns = c.peek(&ObjRef::new("v1", "Namespace", None, "m")).unwrap();
    let found = ns["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["type"] == t)
        .cloned()
        .unwrap_or_else(|| panic!("no {t} in {ns}"));
    let s = |k: &str| found[k].as_str().unwrap().to_string();
    (s("status"), s("message"))
}

#[tokio::test]
async fn a_namespace_being_deleted_says_what_is_left_in_it_as_the_namespace_controller_does() {
    let c = widgets(2).await;
    c.insert(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "held", "namespace": "m", "finalizers": ["example.org/keep"]}}));
    c.set_deletion_pace(Pace::Manual);
    let ns = ObjRef::new("v1", "Namespace", None, "m");
    c.delete(&ns).await.unwrap();
    assert!(
        c.peek(&ns).unwrap()["status"]["conditions"].is_null(),
        "nothing said before the controller's first round"
    );
    c.step_deletions(1);
    assert_eq!(
        ns_condition(&c, "NamespaceContentRemaining"),
        ("True".into(), "Some resources are remaining: configmaps. has 1 resource instances, widgets.example.org has 1 resource instances".into())
    );
    assert_eq!(
        ns_condition(&c, "NamespaceFinalizersRemaining"),
        ("True".into(), "Some content in the namespace has finalizers remaining: example.org/keep in 1 resource instances".into())
    );
    assert_eq!(
        ns_condition(&c, "NamespaceDeletionContentFailure"),
        (
            "False".into(),
            "All content successfully deleted, may be waiting on finalization".into()
        )
    );
    let conditions = c.peek(&ns).unwrap()["status"]["conditions"].clone();
    let types: Vec<&str> = conditions
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "NamespaceDeletionDiscoveryFailure",
            "NamespaceDeletionGroupVersionParsingFailure",
            "NamespaceDeletionContentFailure",
            "NamespaceContentRemaining",
            "NamespaceFinalizersRemaining"
        ]
    );
    c.step_deletions(1);
    assert_eq!(
        ns_condition(&c, "NamespaceContentRemaining").1,
        "Some resources are remaining: configmaps. has 1 resource instances"
    );
    // its controller lets go: then nothing is left, and the namespace goes
    let cm = ObjRef::new("v1", "ConfigMap", Some("m"), "held");
    let mut released = c.peek(&cm).unwrap();
    released["metadata"]["finalizers"] = json!([]);
    c.insert(released);
    c.step_deletions(1);
    assert!(c.peek(&ns).is_none());
}
