//! The workloads an install waits for, with their readiness rules. Helm's own wait misses the
//! StatefulSets the operator creates after helm is done, and cannot tell whether node-exporter
//! runs on every node.
use crate::chart::values::{enabled, RELEASE};
use promstack_shared::kube::cluster::ObjRef;
use promstack_shared::kube::wait::Readiness;
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

/// The workloads of the stack, for the components the merged values turn on (the operator
/// always), in the order they are waited for.
pub fn expected(values: &Value) -> Vec<Workload> {
    let all = [
        (None, "Deployment", format!("{RELEASE}-operator")),
        (Some("grafana"), "Deployment", format!("{RELEASE}-grafana")),
        (
            Some("kubeStateMetrics"),
            "Deployment",
            format!("{RELEASE}-kube-state-metrics"),
        ),
        (
            Some("nodeExporter"),
            "DaemonSet",
            format!("{RELEASE}-prometheus-node-exporter"),
        ),
        (
            Some("prometheus"),
            "StatefulSet",
            format!("prometheus-{RELEASE}-prometheus"),
        ),
        (
            Some("alertmanager"),
            "StatefulSet",
            format!("alertmanager-{RELEASE}-alertmanager"),
        ),
    ];
    all.into_iter()
        .filter(|(component, _, _)| component.is_none_or(|c| enabled(values, c)))
        .map(|(_, kind, name)| Workload { kind, name })
        .collect()
}

/// Is it ready? (The common crate's readiness rules; a DaemonSet must cover `nodes` nodes.)
pub fn ready(kind: &str, obj: Option<&Value>, nodes: usize) -> Readiness {
    promstack_shared::kube::readiness::of(kind, obj, nodes)
}

/// The pod spec inside a rendered workload (Deployment, DaemonSet, StatefulSet, Job, CronJob,
/// Pod), if it has one.
pub fn pod_spec(doc: &Value) -> Option<&Value> {
    match doc["kind"].as_str()? {
        "Pod" => doc.get("spec"),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => doc.pointer("/spec/template/spec"),
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
}
