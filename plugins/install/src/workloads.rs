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

/// Is it ready? (The common crate's readiness rules; a DaemonSet must cover `nodes` nodes.)
pub fn ready(kind: &str, obj: Option<&Value>, nodes: usize) -> Readiness {
    promstack_shared::readiness::of(kind, obj, nodes)
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
}
