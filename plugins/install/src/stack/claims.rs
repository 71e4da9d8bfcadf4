//! The volumes of Prometheus and Alertmanager against the values. A StatefulSet keeps the
//! PersistentVolumeClaims it made whatever its template says later: after `--env local` then
//! `--env cloud` (or any change of size or StorageClass), replica 0 stays on its old small claim.
//! A claim smaller than Prometheus's `retentionSize` means a disk that fills up (a failure); another
//! class or access mode is a warning. Each says what will not change and how to fix it.
use crate::chart::values::RELEASE;
use serde::Serialize;
use serde_json::Value;

/// What the values ask of one StatefulSet's volumes.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub what: &'static str,
    pub statefulset: String,
    pub storage_class: Option<String>,
    pub size: Option<String>,
    pub access_modes: Vec<String>,
    /// Prometheus's `retentionSize` (what the volume must hold), in bytes.
    pub needs_bytes: Option<f64>,
    pub needs: Option<String>,
}

/// The volumes the merged values ask for (Prometheus and Alertmanager, where they have storage).
pub fn wanted(merged: &Value) -> Vec<Wanted> {
    let one = |what: &'static str, sts: String, spec: &str, retention: Option<&str>| {
        let t = merged.pointer(spec)?;
        let s = |p: &str| t.pointer(p).and_then(Value::as_str).map(String::from);
        let needs = retention
            .and_then(|r| merged.pointer(r))
            .and_then(Value::as_str)
            .map(String::from);
        Some(Wanted {
            what,
            statefulset: sts,
            storage_class: s("/storageClassName"),
            size: s("/resources/requests/storage"),
            access_modes: t["accessModes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str().map(String::from))
                .collect(),
            needs_bytes: needs.as_deref().and_then(prometheus_bytes),
            needs,
        })
    };
    [
        one(
            "Prometheus",
            format!("prometheus-{RELEASE}-prometheus"),
            "/prometheus/prometheusSpec/storageSpec/volumeClaimTemplate/spec",
            Some("/prometheus/prometheusSpec/retentionSize"),
        ),
        one(
            "Alertmanager",
            format!("alertmanager-{RELEASE}-alertmanager"),
            "/alertmanager/alertmanagerSpec/storage/volumeClaimTemplate/spec",
            None,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The volumes the operator's objects ask for (status reads these from the cluster: the
/// Prometheus and Alertmanager objects, as the values made them).
pub fn wanted_from_operands(
    prometheus: Option<&Value>,
    alertmanager: Option<&Value>,
) -> Vec<Wanted> {
    let as_values = serde_json::json!({
        "prometheus": {"prometheusSpec": {
            "retentionSize": prometheus.and_then(|p| p.pointer("/spec/retentionSize")),
            "storageSpec": prometheus.and_then(|p| p.pointer("/spec/storage")),
        }},
        "alertmanager": {"alertmanagerSpec": {
            "storage": alertmanager.and_then(|a| a.pointer("/spec/storage")),
        }},
    });
    wanted(&as_values)
}

/// A Kubernetes quantity (`10Gi`, `500M`, `1.5T`) in bytes.
pub fn quantity_bytes(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (num, unit) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        _ => return None,
    };
    Some(n * mult)
}

/// A Prometheus byte size (`retentionSize`: `45GB`, `512MB`; powers of 1024, as Prometheus reads them).
pub fn prometheus_bytes(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let pow = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        .iter()
        .position(|u| *u == unit)?;
    Some(n * 1024f64.powi(pow as i32))
}

/// One claim that does not match the values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    pub claim: String,
    /// Fail: the claim cannot hold what the values keep on it; else a warning.
    pub fails: bool,
    pub what: String,
    pub fix: String,
}

/// The claims of a StatefulSet: `<template>-<statefulset>-<ordinal>`.
fn claims_of<'a>(pvcs: &'a [Value], sts: &str) -> Vec<&'a Value> {
    let mid = format!("-{sts}-");
    pvcs.iter()
        .filter(|p| {
            let n = p["metadata"]["name"].as_str().unwrap_or_default();
            n.rsplit_once(&mid)
                .is_some_and(|(_, ord)| !ord.is_empty() && ord.chars().all(|c| c.is_ascii_digit()))
        })
        .collect()
}

/// Can claims of this StorageClass grow in place?
fn expandable(classes: &[Value], class: &str) -> bool {
    classes
        .iter()
        .find(|c| c["metadata"]["name"] == class)
        .is_some_and(|c| c["allowVolumeExpansion"] == true)
}

/// Every claim of the wanted StatefulSets that does not match them, with how to fix it.
pub fn compare(wanted: &[Wanted], pvcs: &[Value], classes: &[Value], ns: &str) -> Vec<Mismatch> {
    let mut out = Vec::new();
    for w in wanted {
        for pvc in claims_of(pvcs, &w.statefulset) {
            let name = pvc["metadata"]["name"].as_str().unwrap_or_default();
            let class = pvc["spec"]["storageClassName"].as_str().unwrap_or_default();
            let size = pvc
                .pointer("/status/capacity/storage")
                .or_else(|| pvc.pointer("/spec/resources/requests/storage"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let bytes = quantity_bytes(size);
            let replace = format!(
                "replace it: scale {what} to fewer replicas or delete pod {pod}, `kubectl -n {ns} delete pvc {name}` (its data goes), and the operator makes a new claim",
                what = w.what,
                pod = name.rsplit_once(&format!("-{}-", w.statefulset)).map_or(String::new(), |(_, o)| format!("{}-{o}", w.statefulset)),
            );
            let grow = |to: &str| {
                if expandable(classes, class) {
                    format!("grow it in place: `kubectl -n {ns} patch pvc {name} -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{to}\"}}}}}}}}'`")
                } else {
                    format!("StorageClass {class} cannot grow claims (allowVolumeExpansion), so {replace}")
                }
            };
            if let (Some(have), Some(need)) = (bytes, w.needs_bytes) {
                if have < need {
                    out.push(Mismatch {
                        claim: name.into(),
                        fails: true,
                        what: format!(
                            "{} claim {name} holds {size}, less than retentionSize {}: that {} will fill its disk",
                            w.what,
                            w.needs.as_deref().unwrap_or("?"),
                            w.what
                        ),
                        fix: grow(w.size.as_deref().unwrap_or(size)),
                    });
                    continue;
                }
            }
            let mut what = Vec::new();
            if let (Some(want), Some(have)) = (w.size.as_deref().and_then(quantity_bytes), bytes) {
                if have < want {
                    what.push(format!(
                        "{size} where the values ask {}",
                        w.size.as_deref().unwrap_or("?")
                    ));
                }
            }
            if let Some(want) = w.storage_class.as_deref().filter(|c| *c != class) {
                what.push(format!("StorageClass {class} where the values ask {want}"));
            }
            let modes: Vec<String> = pvc["spec"]["accessModes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str().map(String::from))
                .collect();
            if !w.access_modes.is_empty() && modes != w.access_modes {
                what.push(format!(
                    "access modes {} where the values ask {}",
                    modes.join(","),
                    w.access_modes.join(",")
                ));
            }
            if !what.is_empty() {
                let class_differs = w.storage_class.as_deref().is_some_and(|c| c != class);
                out.push(Mismatch {
                    claim: name.into(),
                    fails: false,
                    what: format!(
                        "{} claim {name} stays as it is: {}",
                        w.what,
                        what.join("; ")
                    ),
                    fix: if class_differs {
                        replace
                    } else {
                        grow(w.size.as_deref().unwrap_or(size))
                    },
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_in_both_units() {
        assert_eq!(quantity_bytes("10Gi"), Some(10.0 * 1024f64.powi(3)));
        assert_eq!(quantity_bytes("500M"), Some(5e8));
        assert_eq!(quantity_bytes("1.5Ti"), Some(1.5 * 1024f64.powi(4)));
        assert_eq!(quantity_bytes("ten"), None);
        assert_eq!(prometheus_bytes("45GB"), Some(45.0 * 1024f64.powi(3)));
        assert_eq!(prometheus_bytes("512MB"), Some(512.0 * 1024f64.powi(2)));
        assert_eq!(prometheus_bytes("45G"), None);
    }

    fn pvc(name: &str, class: &str, size: &str) -> Value {
        json!({"metadata": {"name": name}, "spec": {"storageClassName": class, "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}}}, "status": {"phase": "Bound", "capacity": {"storage": size}}})
    }

    #[test]
    fn a_local_claim_under_a_cloud_install_is_named_with_its_fix() {
        let cloud = json!({"prometheus": {"prometheusSpec": {"retentionSize": "45GB", "storageSpec": {"volumeClaimTemplate": {"spec":
            {"storageClassName": "gp3", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}}}}}}});
        let w = wanted(&cloud);
        assert_eq!(w.len(), 1);
        let pvcs = [
            pvc(
                "prometheus-kube-prometheus-prometheus-db-prometheus-kube-prometheus-prometheus-0",
                "local-path",
                "10Gi",
            ),
            pvc(
                "prometheus-kube-prometheus-prometheus-db-prometheus-kube-prometheus-prometheus-1",
                "gp3",
                "50Gi",
            ),
            pvc("someone-elses-data", "local-path", "1Gi"),
        ];
        let classes = [
            json!({"metadata": {"name": "local-path"}}),
            json!({"metadata": {"name": "gp3"}, "allowVolumeExpansion": true}),
        ];
        let m = compare(&w, &pvcs, &classes, "monitoring");
        assert_eq!(m.len(), 1, "{m:#?}");
        assert!(m[0].fails);
        assert!(
            m[0].what
                .contains("holds 10Gi, less than retentionSize 45GB"),
            "{}",
            m[0].what
        );
        assert!(
            m[0].fix.contains("local-path cannot grow claims") && m[0].fix.contains("delete pvc"),
            "{}",
            m[0].fix
        );
        // big enough but on another class: a warning
        let pvcs = [pvc(
            "prometheus-kube-prometheus-prometheus-db-prometheus-kube-prometheus-prometheus-0",
            "local-path",
            "60Gi",
        )];
        let m = compare(&w, &pvcs, &classes, "monitoring");
        assert!(
            !m[0].fails
                && m[0]
                    .what
                    .contains("StorageClass local-path where the values ask gp3"),
            "{m:#?}"
        );
        // the right class, too small for the values but enough for retention: grow it in place
        let pvcs = [pvc(
            "prometheus-kube-prometheus-prometheus-db-prometheus-kube-prometheus-prometheus-0",
            "gp3",
            "46Gi",
        )];
        let m = compare(&w, &pvcs, &classes, "monitoring");
        assert!(
            m[0].fix.contains("kubectl -n monitoring patch pvc") && m[0].fix.contains("50Gi"),
            "{m:#?}"
        );
    }
}
