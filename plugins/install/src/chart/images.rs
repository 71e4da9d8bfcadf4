//! The container images a render of the chart runs, for air-gapped clusters: every container,
//! init container and ephemeral container of the rendered workloads, the images the operator's
//! objects name (Prometheus, Alertmanager, ThanosRuler, PrometheusAgent: their `image`, the
//! Thanos sidecar's, their extra containers'), and the config reloader the operator injects
//! (its `--prometheus-config-reloader` argument). And the values that point the stack at a mirror.
use crate::stack::workloads::pod_spec;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const OPERATOR_API: &str = "monitoring.coreos.com/";
const RELOADER_ARG: &str = "--prometheus-config-reloader=";

/// Every image the rendered documents run, sorted, each once.
pub fn of(docs: &[Value]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in docs {
        if let Some(spec) = pod_spec(d) {
            containers(spec, &mut out);
        }
        let operand = d["apiVersion"]
            .as_str()
            .is_some_and(|a| a.starts_with(OPERATOR_API))
            && matches!(
                d["kind"].as_str(),
                Some("Prometheus" | "Alertmanager" | "ThanosRuler" | "PrometheusAgent")
            );
        if operand {
            let spec = &d["spec"];
            out.extend(image(&spec["image"]));
            out.extend(image(&spec["thanos"]["image"]));
            containers(spec, &mut out);
        }
    }
    out
}

/// The images of a pod spec's (or an operator object's) containers, and the config reloader an
/// operator container is told to inject.
fn containers(spec: &Value, out: &mut BTreeSet<String>) {
    for key in ["initContainers", "containers", "ephemeralContainers"] {
        for c in spec[key].as_array().into_iter().flatten() {
            out.extend(image(&c["image"]));
            let args = c["args"].as_array().into_iter().flatten();
            out.extend(
                args.filter_map(Value::as_str)
                    .filter_map(|a| a.strip_prefix(RELOADER_ARG))
                    .filter(|i| !i.is_empty())
                    .map(String::from),
            );
        }
    }
}

fn image(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// The values that make the chart pull every image from `registry`: the chart's and its
/// subcharts' `global.imageRegistry`, and the registries the operator uses for what an object
/// leaves to its defaults.
pub fn mirror_overlay(registry: &str) -> Value {
    json!({
        "global": {"imageRegistry": registry},
        "prometheusOperator": {
            "prometheusDefaultBaseImageRegistry": registry,
            "alertmanagerDefaultBaseImageRegistry": registry
        }
    })
}

/// The image without its registry (`quay.io/prometheus/prometheus:v3` → `prometheus/prometheus:v3`);
/// an image without one (Docker Hub) as it is.
pub fn path(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            rest
        }
        _ => image,
    }
}

/// Source images and what they are called in the mirror, matched by their path; and those of
/// `mirrored` (the render with the overlay) that do not come from `registry`.
pub fn pairs(
    source: &BTreeSet<String>,
    mirrored: &BTreeSet<String>,
    registry: &str,
) -> (Vec<(String, String)>, Vec<String>) {
    let prefix = format!("{}/", registry.trim_end_matches('/'));
    let mut pairs = Vec::new();
    let mut unmirrored = Vec::new();
    for m in mirrored {
        match m.strip_prefix(&prefix) {
            Some(rest) => {
                let from = source
                    .iter()
                    .find(|s| path(s) == rest || s.as_str() == rest);
                pairs.push((from.cloned().unwrap_or_else(|| rest.to_string()), m.clone()));
            }
            None => unmirrored.push(m.clone()),
        }
    }
    (pairs, unmirrored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_of_every_kind_of_workload_and_operator_object() {
        let docs = vec![
            json!({"kind": "Deployment", "spec": {"template": {"spec": {
                "initContainers": [{"image": "docker.io/library/busybox:1.37"}],
                "containers": [{"image": "quay.io/prometheus-operator/prometheus-operator:v0.90.0",
                    "args": ["--kubelet-service=kube-system/x", "--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:v0.90.0"]}]}}}}),
            json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "a/b:1"}]}}}}}}),
            json!({"kind": "Pod", "spec": {"containers": [{"image": "c:2"}], "ephemeralContainers": [{"image": "d:3"}]}}),
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus", "spec": {
                "image": "quay.io/prometheus/prometheus:v3.14.0", "thanos": {"image": "quay.io/thanos/thanos:v0.42.4"},
                "containers": [{"name": "prometheus"}]}}),
            json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Alertmanager", "spec": {"image": ""}}),
            json!({"kind": "ConfigMap", "data": {"image": "not-an-image"}}),
        ];
        let got: Vec<String> = of(&docs).into_iter().collect();
        assert_eq!(
            got,
            [
                "a/b:1",
                "c:2",
                "d:3",
                "docker.io/library/busybox:1.37",
                "quay.io/prometheus-operator/prometheus-config-reloader:v0.90.0",
                "quay.io/prometheus-operator/prometheus-operator:v0.90.0",
                "quay.io/prometheus/prometheus:v3.14.0",
                "quay.io/thanos/thanos:v0.42.4",
            ]
        );
    }

    #[test]
    fn mirror_names_keep_the_path() {
        assert_eq!(
            path("quay.io/prometheus/prometheus:v3"),
            "prometheus/prometheus:v3"
        );
        assert_eq!(path("localhost:5000/a/b:1"), "a/b:1");
        assert_eq!(path("grafana/grafana:13"), "grafana/grafana:13");
        let source: BTreeSet<String> = [
            "quay.io/prometheus/prometheus:v3".into(),
            "grafana/grafana:13".into(),
        ]
        .into();
        let mirrored: BTreeSet<String> = [
            "mirror:5000/prometheus/prometheus:v3".into(),
            "mirror:5000/grafana/grafana:13".into(),
            "docker.io/stubborn:1".into(),
        ]
        .into();
        let (pairs, stray) = pairs(&source, &mirrored, "mirror:5000");
        assert_eq!(
            pairs,
            [
                (
                    "grafana/grafana:13".to_string(),
                    "mirror:5000/grafana/grafana:13".to_string()
                ),
                (
                    "quay.io/prometheus/prometheus:v3".to_string(),
                    "mirror:5000/prometheus/prometheus:v3".to_string()
                ),
            ]
        );
        assert_eq!(stray, ["docker.io/stubborn:1"]);
    }
}
