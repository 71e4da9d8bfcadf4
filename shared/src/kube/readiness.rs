//! When is an object ready: one small function per kind, on the typed k8s-openapi objects (as
//! helm's `pkg/kube/ready.go` does). The install's waits, `status` and the port-forward of every
//! plugin ask here; nothing else decides readiness of a well-known kind.
//!
//! Objects come from the cluster interface as JSON; [`of`] reads them into their type first. The
//! operator's Prometheus and Alertmanager objects have no Rust type: [`conditions`] reads the
//! standard `status.conditions` of any object.
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde_json::Value;

/// The answer of a readiness check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet, with what is missing ("2/3 replicas ready", "not created yet").
    Waiting(String),
}

fn not_created() -> Readiness {
    Readiness::Waiting("not created yet".into())
}

fn stale_spec() -> Readiness {
    Readiness::Waiting("the controller has not seen the latest spec".into())
}

/// Replicated workloads: the controller saw the latest spec, every replica updated and ready.
fn replicas(want: i32, ready: i32, updated: i32, seen: bool) -> Readiness {
    if !seen {
        return stale_spec();
    }
    if ready >= want && updated >= want {
        Readiness::Ready
    } else {
        Readiness::Waiting(format!(
            "{ready}/{want} replicas ready, {updated}/{want} updated"
        ))
    }
}

fn seen(generation: Option<i64>, observed: Option<i64>) -> bool {
    observed.unwrap_or(0) >= generation.unwrap_or(0)
}

pub fn deployment(d: &Deployment) -> Readiness {
    let s = d.status.clone().unwrap_or_default();
    replicas(
        d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        s.ready_replicas.unwrap_or(0),
        s.updated_replicas.unwrap_or(0),
        seen(d.metadata.generation, s.observed_generation),
    )
}

pub fn statefulset(st: &StatefulSet) -> Readiness {
    let s = st.status.clone().unwrap_or_default();
    replicas(
        st.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
        s.ready_replicas.unwrap_or(0),
        s.updated_replicas.unwrap_or(0),
        seen(st.metadata.generation, s.observed_generation),
    )
}

/// A DaemonSet that must run on `nodes` nodes: scheduled on all, every pod updated and ready.
pub fn daemonset(d: &DaemonSet, nodes: usize) -> Readiness {
    let s = d.status.clone().unwrap_or_default();
    if !seen(d.metadata.generation, s.observed_generation) {
        return stale_spec();
    }
    let desired = s.desired_number_scheduled;
    if (desired as i64) < nodes as i64 {
        return Readiness::Waiting(format!(
            "scheduled on {desired} of {nodes} nodes (taints without tolerations?)"
        ));
    }
    let (ready, updated) = (s.number_ready, s.updated_number_scheduled.unwrap_or(0));
    if ready >= desired && updated >= desired && desired > 0 {
        Readiness::Ready
    } else {
        Readiness::Waiting(format!("{ready}/{desired} pods ready"))
    }
}

/// A CRD is ready when the API server serves it (Established).
pub fn crd(c: &CustomResourceDefinition) -> Readiness {
    let established = c
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c.type_ == "Established" && c.status == "True")
        });
    if established {
        Readiness::Ready
    } else {
        Readiness::Waiting("not Established yet".into())
    }
}

/// Is the pod's Ready condition true?
pub fn pod(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Running and Ready: a pod that can take a port-forward.
pub fn pod_serving(p: &Pod) -> bool {
    p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running") && pod(p)
}

/// Is the claim bound to a volume?
pub fn pvc(c: &k8s_openapi::api::core::v1::PersistentVolumeClaim) -> bool {
    c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
}

/// Is the node's Ready condition true?
pub fn node(n: &Node) -> bool {
    n.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// The standard `status.conditions` of any object: `Some(true)` for a condition of this type
/// that is True, `Some(false)` for one that is not, `None` when there is none.
pub fn conditions(obj: &Value, type_: &str) -> Option<bool> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
        .map(|c| c["status"] == "True")
}

/// An object of the cluster interface read into its type, or `None` (absent or not that type).
pub fn typed<K: serde::de::DeserializeOwned>(obj: Option<&Value>) -> Option<K> {
    obj.and_then(|o| serde_json::from_value(o.clone()).ok())
}

/// Readiness of an object of a well-known kind as the cluster interface returns it (`None`: not
/// created yet); `nodes` is how many nodes a DaemonSet must cover.
pub fn of(kind: &str, obj: Option<&Value>, nodes: usize) -> Readiness {
    if obj.is_none() {
        return not_created();
    }
    let unreadable = || Readiness::Waiting(format!("not a {kind} this client can read"));
    match kind {
        "Deployment" => typed(obj).map_or_else(unreadable, |d| deployment(&d)),
        "StatefulSet" => typed(obj).map_or_else(unreadable, |s| statefulset(&s)),
        "DaemonSet" => typed(obj).map_or_else(unreadable, |d| daemonset(&d, nodes)),
        "CustomResourceDefinition" => typed(obj).map_or_else(unreadable, |c| crd(&c)),
        _ => Readiness::Waiting(format!("no readiness rule for {kind}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn apps(kind: &str, v: Value) -> Value {
        let mut o = v;
        o["apiVersion"] = json!("apps/v1");
        o["kind"] = json!(kind);
        o["metadata"]["name"] = json!("x");
        o
    }

    #[test]
    fn replica_rules() {
        assert!(
            matches!(of("Deployment", None, 0), Readiness::Waiting(s) if s == "not created yet")
        );
        let ok = apps(
            "Deployment",
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}}, "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2}}),
        );
        assert_eq!(of("Deployment", Some(&ok), 0), Readiness::Ready);
        let stale = apps(
            "Deployment",
            json!({"metadata": {"generation": 3}, "spec": {"replicas": 2, "selector": {}, "template": {}}, "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2}}),
        );
        assert!(matches!(
            of("Deployment", Some(&stale), 0),
            Readiness::Waiting(_)
        ));
        let half = apps(
            "StatefulSet",
            json!({"metadata": {"generation": 1}, "spec": {"replicas": 2, "selector": {}, "template": {}, "serviceName": "s"}, "status": {"observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 2, "replicas": 2}}),
        );
        assert_eq!(
            of("StatefulSet", Some(&half), 0),
            Readiness::Waiting("1/2 replicas ready, 2/2 updated".into())
        );
    }

    #[test]
    fn daemonset_rules() {
        let ds = |desired: i64, ready: i64| {
            apps(
                "DaemonSet",
                json!({"metadata": {"generation": 1}, "spec": {"selector": {}, "template": {}}, "status": {"observedGeneration": 1, "desiredNumberScheduled": desired, "numberReady": ready, "updatedNumberScheduled": desired, "currentNumberScheduled": desired, "numberMisscheduled": 0}}),
            )
        };
        assert_eq!(of("DaemonSet", Some(&ds(3, 3)), 3), Readiness::Ready);
        assert!(
            matches!(of("DaemonSet", Some(&ds(2, 2)), 3), Readiness::Waiting(s) if s.contains("2 of 3 nodes"))
        );
        assert!(matches!(
            of("DaemonSet", Some(&ds(3, 2)), 3),
            Readiness::Waiting(_)
        ));
    }

    #[test]
    fn crds_pods_nodes_and_conditions() {
        let crd = |status: &str| {
            json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "a.b"},
            "spec": {"group": "b", "names": {"kind": "A", "plural": "a"}, "scope": "Namespaced", "versions": []},
            "status": {"conditions": [{"type": "Established", "status": status}]}})
        };
        assert_eq!(
            of("CustomResourceDefinition", Some(&crd("True")), 0),
            Readiness::Ready
        );
        assert!(matches!(
            of("CustomResourceDefinition", Some(&crd("False")), 0),
            Readiness::Waiting(_)
        ));
        let p: Pod = serde_json::from_value(json!({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})).unwrap();
        assert!(pod(&p) && pod_serving(&p));
        let n: Node = serde_json::from_value(
            json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
        )
        .unwrap();
        assert!(!node(&n));
        let c: k8s_openapi::api::core::v1::PersistentVolumeClaim =
            serde_json::from_value(json!({"status": {"phase": "Pending"}})).unwrap();
        assert!(!pvc(&c));
        let prom = json!({"status": {"conditions": [{"type": "Reconciled", "status": "True"}, {"type": "Available", "status": "False"}]}});
        assert_eq!(conditions(&prom, "Reconciled"), Some(true));
        assert_eq!(conditions(&prom, "Available"), Some(false));
        assert_eq!(conditions(&prom, "Paused"), None);
    }
}
