//! The workloads an install waits for, with their readiness rules. Helm's own wait misses the
//! StatefulSets the operator creates after helm is done, and cannot tell whether node-exporter
//! runs on every node.
use crate::values::{enabled, RELEASE};
use promstack_shared::cluster::ObjRef;
use promstack_shared::wait::Readiness;
use serde_json::Value;

/// One workload to wait for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    pub kind: &'static str,
    pub name: String,
}

impl Workload {
    pub fn objref(&self, namespace: &str) -> ObjRef {
        ObjRef::new("apps/v1", self.kind, Some(namespace), &self.name)
    }
    pub fn describe(&self) -> String {
        format!("{} {}", self.kind, self.name)
    }
}

/// The workloads of the stack, for the components the merged values turn on.
pub fn expected(values: &Value) -> Vec<Workload> {
    let mut w = vec![Workload {
        kind: "Deployment",
        name: format!("{RELEASE}-operator"),
    }];
    if enabled(values, "grafana") {
        w.push(Workload {
            kind: "Deployment",
            name: format!("{RELEASE}-grafana"),
        });
    }
    if enabled(values, "kubeStateMetrics") {
        w.push(Workload {
            kind: "Deployment",
            name: format!("{RELEASE}-kube-state-metrics"),
        });
    }
    if enabled(values, "nodeExporter") {
        w.push(Workload {
            kind: "DaemonSet",
            name: format!("{RELEASE}-prometheus-node-exporter"),
        });
    }
    if enabled(values, "prometheus") {
        w.push(Workload {
            kind: "StatefulSet",
            name: format!("prometheus-{RELEASE}-prometheus"),
        });
    }
    if enabled(values, "alertmanager") {
        w.push(Workload {
            kind: "StatefulSet",
            name: format!("alertmanager-{RELEASE}-alertmanager"),
        });
    }
    w
}

fn int(v: &Value, p: &str) -> i64 {
    v.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

fn generation_seen(v: &Value) -> bool {
    int(v, "/status/observedGeneration") >= int(v, "/metadata/generation")
}

/// Ready rule for a Deployment or StatefulSet: the controller saw the latest spec, and every
/// replica is updated and ready.
pub fn replicas_ready(obj: Option<&Value>) -> Readiness {
    let Some(o) = obj else {
        return Readiness::Waiting("not created yet".into());
    };
    let want = o
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let ready = int(o, "/status/readyReplicas");
    let updated = int(o, "/status/updatedReplicas");
    if !generation_seen(o) {
        return Readiness::Waiting("the controller has not seen the latest spec".into());
    }
    if ready >= want && updated >= want {
        Readiness::Ready
    } else {
        Readiness::Waiting(format!(
            "{ready}/{want} replicas ready, {updated}/{want} updated"
        ))
    }
}

/// Ready rule for the node-exporter DaemonSet: ready on every one of `nodes` nodes.
pub fn daemonset_ready(obj: Option<&Value>, nodes: usize) -> Readiness {
    let Some(o) = obj else {
        return Readiness::Waiting("not created yet".into());
    };
    let desired = int(o, "/status/desiredNumberScheduled");
    let ready = int(o, "/status/numberReady");
    let updated = int(o, "/status/updatedNumberScheduled");
    if !generation_seen(o) {
        return Readiness::Waiting("the controller has not seen the latest spec".into());
    }
    if desired < nodes as i64 {
        return Readiness::Waiting(format!(
            "scheduled on {desired} of {nodes} nodes (taints without tolerations?)"
        ));
    }
    if ready >= desired && updated >= desired && desired > 0 {
        Readiness::Ready
    } else {
        Readiness::Waiting(format!("{ready}/{desired} pods ready"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_expected_names() {
        let names: Vec<String> = expected(&json!({}))
            .iter()
            .map(Workload::describe)
            .collect();
        assert_eq!(
            names,
            [
                "Deployment kube-prometheus-operator",
                "Deployment kube-prometheus-grafana",
                "Deployment kube-prometheus-kube-state-metrics",
                "DaemonSet kube-prometheus-prometheus-node-exporter",
                "StatefulSet prometheus-kube-prometheus-prometheus",
                "StatefulSet alertmanager-kube-prometheus-alertmanager",
            ]
        );
        assert_eq!(expected(&json!({"grafana": {"enabled": false}})).len(), 5);
    }

    #[test]
    fn replica_rules() {
        assert!(matches!(replicas_ready(None), Readiness::Waiting(_)));
        let ok = json!({"metadata": {"generation": 2}, "spec": {"replicas": 2}, "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2}});
        assert_eq!(replicas_ready(Some(&ok)), Readiness::Ready);
        let stale = json!({"metadata": {"generation": 3}, "spec": {"replicas": 2}, "status": {"observedGeneration": 2, "readyReplicas": 2, "updatedReplicas": 2}});
        assert!(matches!(
            replicas_ready(Some(&stale)),
            Readiness::Waiting(_)
        ));
        let half = json!({"metadata": {"generation": 1}, "spec": {"replicas": 2}, "status": {"observedGeneration": 1, "readyReplicas": 1, "updatedReplicas": 2}});
        assert_eq!(
            replicas_ready(Some(&half)),
            Readiness::Waiting("1/2 replicas ready, 2/2 updated".into())
        );
    }

    #[test]
    fn daemonset_rules() {
        let ds = |desired: i64, ready: i64| json!({"metadata": {"generation": 1}, "status": {"observedGeneration": 1, "desiredNumberScheduled": desired, "numberReady": ready, "updatedNumberScheduled": desired}});
        assert_eq!(daemonset_ready(Some(&ds(3, 3)), 3), Readiness::Ready);
        assert!(
            matches!(daemonset_ready(Some(&ds(2, 2)), 3), Readiness::Waiting(s) if s.contains("2 of 3 nodes"))
        );
        assert!(matches!(
            daemonset_ready(Some(&ds(3, 2)), 3),
            Readiness::Waiting(_)
        ));
    }
}
