//! Grafana dashboard JSON → ConfigMaps for the Grafana sidecar: label `grafana_dashboard: "1"`,
//! folder from the sub-folder (annotation `grafana_folder`), data key `<name>.json`, JSON minified.
use crate::owned;
use crate::prometheus_rule::SOURCE_ANNOTATION;
use crate::sources::{object_name, SourceFile};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

pub const COMPONENT: &str = "dashboards";
pub const SIDECAR_LABEL: &str = "grafana_dashboard";
pub const FOLDER_ANNOTATION: &str = "grafana_folder";
/// A ConfigMap holds at most 1 MiB.
pub const MAX_BYTES: usize = 1024 * 1024;

/// The ConfigMap of one dashboard file.
pub fn configmap(f: &SourceFile, namespace: &str) -> Result<ConfigMap, String> {
    let value: serde_json::Value = serde_json::from_str(&f.text)
        .map_err(|e| format!("{}:{}:{}: invalid JSON: {e}", f.path, e.line(), e.column()))?;
    if !value.is_object() {
        return Err(format!("{}: a dashboard is a JSON object", f.path));
    }
    let minified = serde_json::to_string(&value).expect("JSON values serialise");
    if minified.len() > MAX_BYTES {
        return Err(format!("{}: {} bytes after minifying, more than a ConfigMap holds (1 MiB): split the dashboard", f.path, minified.len()));
    }
    let file_name = f.path.rsplit('/').next().unwrap_or(&f.path);
    let key = format!("{}.json", object_name("", file_name));
    let mut labels = owned::labels(COMPONENT);
    labels.insert(SIDECAR_LABEL.into(), "1".into());
    let mut annotations = BTreeMap::from([(SOURCE_ANNOTATION.to_string(), f.path.clone())]);
    if let Some((folder, _)) = f.path.rsplit_once('/') {
        annotations.insert(FOLDER_ANNOTATION.into(), folder.to_string());
    }
    Ok(ConfigMap {
        metadata: ObjectMeta {
            name: Some(object_name("dashboard-", &f.path)),
            namespace: Some(namespace.into()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(key, minified)])),
        ..Default::default()
    })
}

/// The ConfigMaps of all dashboard files; every problem is reported.
pub fn build(files: &[SourceFile], namespace: &str) -> Result<Vec<ConfigMap>, Vec<String>> {
    let mut out: Vec<ConfigMap> = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match configmap(f, namespace) {
            Ok(cm) if out.iter().any(|o| o.metadata.name == cm.metadata.name) => {
                errors.push(format!(
                    "{}: two dashboards map to the ConfigMap name {}",
                    f.path,
                    cm.metadata.name.unwrap_or_default()
                ))
            }
            Ok(cm) => out.push(cm),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dashboard_in_a_folder() {
        let f = SourceFile {
            path: "Cilium/agent overview.json".into(),
            text: "{\n  \"title\": \"Cilium Agent\",\n  \"uid\": \"cilium-agent\"\n}\n".into(),
        };
        let cm = configmap(&f, "monitoring").unwrap();
        assert_eq!(
            cm.metadata.name.as_deref(),
            Some("dashboard-cilium-agent-overview")
        );
        assert_eq!(cm.metadata.labels.as_ref().unwrap()[SIDECAR_LABEL], "1");
        assert_eq!(
            cm.metadata.annotations.as_ref().unwrap()[FOLDER_ANNOTATION],
            "Cilium"
        );
        assert_eq!(
            cm.data.as_ref().unwrap()["agent-overview.json"],
            r#"{"title":"Cilium Agent","uid":"cilium-agent"}"#
        );
    }

    #[test]
    fn bad_json_and_size() {
        let err = configmap(
            &SourceFile {
                path: "x.json".into(),
                text: "{\n  \"a\": ,\n}".into(),
            },
            "m",
        )
        .unwrap_err();
        assert!(err.starts_with("x.json:2:"), "{err}");
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_BYTES));
        assert!(configmap(
            &SourceFile {
                path: "big.json".into(),
                text: big
            },
            "m"
        )
        .unwrap_err()
        .contains("1 MiB"));
        assert!(configmap(
            &SourceFile {
                path: "list.json".into(),
                text: "[]".into()
            },
            "m"
        )
        .is_err());
    }
}
