//! What the grafana chart's dashboards sidecar (kiwigrid's k8s-sidecar) watches, read from the
//! Grafana Deployment's container env as the sidecar reads it: `LABEL` and `LABEL_VALUE` (any
//! value when unset), `NAMESPACE` (a comma list, `ALL`; unset: Grafana's own), `RESOURCE`
//! (`configmap`, `secret`, `both`; unset: configmap), `FOLDER_ANNOTATION` (unset:
//! `k8s-sidecar-target-directory`). The folder Grafana shows a file in is the last part of the
//! folder annotation (`foldersFromFilesStructure`), General without one.
use crate::kube::cluster::{Cluster, ListQuery};
use serde_json::Value;

/// The sidecar's default folder annotation.
pub const DEFAULT_FOLDER_ANNOTATION: &str = "k8s-sidecar-target-directory";

/// The dashboards sidecar of a Grafana Deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    /// Grafana's namespace (its Service and admin Secret are there too).
    pub namespace: String,
    pub deployment: String,
    pub container: String,
    pub label: String,
    pub label_value: Option<String>,
    /// `None`: every namespace.
    pub namespaces: Option<Vec<String>>,
    pub resource: String,
    pub folder_annotation: String,
}

fn env_of(container: &Value) -> Vec<(String, String)> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_string(),
                e["value"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The dashboards sidecar of the Grafana Deployment (label `app.kubernetes.io/name=grafana`) in
/// `ns`, else in any namespace (by namespace and name): `Ok(None)` when there is none.
pub async fn find(cluster: &dyn Cluster, ns: &str) -> Result<Option<Sidecar>, String> {
    let q = ListQuery::new("apps/v1", "Deployment").labels("app.kubernetes.io/name=grafana");
    let here = cluster
        .list(&q.clone().in_namespace(ns))
        .await
        .map_err(|e| format!("cannot read the Grafana Deployment: {e}"))?;
    if let Some(s) = here.iter().find_map(|d| of_deployment(d, ns)) {
        return Ok(Some(s));
    }
    let mut all = cluster
        .list(&q)
        .await
        .map_err(|e| format!("cannot list the Grafana Deployments: {e}"))?;
    all.sort_by_key(|d| {
        (
            d["metadata"]["namespace"].to_string(),
            d["metadata"]["name"].to_string(),
        )
    });
    Ok(all
        .iter()
        .find_map(|d| of_deployment(d, d["metadata"]["namespace"].as_str().unwrap_or(ns))))
}

/// The dashboards sidecar among a Deployment's containers (the chart's `grafana-sc-dashboard`,
/// else one with `LABEL` whose name says dashboard).
pub fn of_deployment(d: &Value, ns: &str) -> Option<Sidecar> {
    let containers = d["spec"]["template"]["spec"]["containers"].as_array()?;
    let has_label = |c: &&Value| env_of(c).iter().any(|(k, _)| k == "LABEL");
    let c = containers
        .iter()
        .filter(has_label)
        .find(|c| c["name"] == "grafana-sc-dashboard")
        .or_else(|| {
            containers
                .iter()
                .filter(has_label)
                .find(|c| c["name"].as_str().is_some_and(|n| n.contains("dashboard")))
        })?;
    let env = env_of(c);
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let namespaces = get("NAMESPACE")
        .unwrap_or_else(|| ns.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>();
    Some(Sidecar {
        namespace: d["metadata"]["namespace"].as_str().unwrap_or(ns).into(),
        deployment: d["metadata"]["name"].as_str().unwrap_or_default().into(),
        container: c["name"].as_str().unwrap_or_default().into(),
        label: get("LABEL").unwrap_or_default(),
        label_value: get("LABEL_VALUE").filter(|v| !v.is_empty()),
        namespaces: (!namespaces.iter().any(|n| n == "ALL")).then_some(namespaces),
        resource: get("RESOURCE").unwrap_or_else(|| "configmap".into()),
        folder_annotation: get("FOLDER_ANNOTATION")
            .unwrap_or_else(|| DEFAULT_FOLDER_ANNOTATION.into()),
    })
}

impl Sidecar {
    /// Why the sidecar would not pick `object` up (a ConfigMap or Secret); `None`: it would.
    pub fn ignores(&self, object: &Value) -> Option<String> {
        let kind = object["kind"].as_str().unwrap_or_default().to_lowercase();
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let ns = object["metadata"]["namespace"].as_str().unwrap_or_default();
        if !(self.resource == "both" || self.resource == kind) {
            return Some(format!(
                "the sidecar ({}/{}) watches RESOURCE={}, not {kind}s",
                self.deployment, self.container, self.resource
            ));
        }
        if let Some(list) = &self.namespaces {
            if !list.iter().any(|n| n == ns) {
                return Some(format!(
                    "the sidecar ({}/{}) watches NAMESPACE={}, not {ns}",
                    self.deployment,
                    self.container,
                    list.join(",")
                ));
            }
        }
        let value = object["metadata"]["labels"][&self.label].as_str();
        match (value, &self.label_value) {
            (None, _) => Some(format!(
                "{kind} {name} has no label {} (the sidecar's LABEL)",
                self.label
            )),
            (Some(v), Some(want)) if v != want => Some(format!(
                "{kind} {name} has {}={v}; the sidecar wants LABEL_VALUE {want}",
                self.label
            )),
            _ => None,
        }
    }

    /// The folder Grafana will show a ConfigMap's dashboards in: the last part of its folder
    /// annotation as this sidecar reads it, General without one.
    pub fn folder_of(&self, object: &Value) -> String {
        folder_title(
            object["metadata"]["annotations"][&self.folder_annotation]
                .as_str()
                .unwrap_or(""),
        )
    }
}

/// A folder annotation's folder title (its last part; none: General).
pub fn folder_title(annotation: &str) -> String {
    annotation
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("General")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(env: Value) -> Value {
        json!({"metadata": {"name": "kube-prometheus-grafana"}, "spec": {"template": {"spec": {"containers": [
            {"name": "grafana-sc-datasources", "env": [{"name": "LABEL", "value": "grafana_datasource"}]},
            {"name": "grafana-sc-dashboard", "env": env},
            {"name": "grafana"}]}}}})
    }

    fn cm(ns: &str, labels: Value, folder: Option<&str>) -> Value {
        json!({"kind": "ConfigMap", "metadata": {"name": "dashboard-x", "namespace": ns, "labels": labels,
            "annotations": folder.map_or(json!({}), |f| json!({"grafana_folder": f}))}})
    }

    #[test]
    fn what_the_chart_s_sidecar_picks_up_and_where() {
        let d = deployment(
            json!([{"name": "LABEL", "value": "grafana_dashboard"}, {"name": "LABEL_VALUE", "value": "1"},
            {"name": "NAMESPACE", "value": "ALL"}, {"name": "RESOURCE", "value": "both"},
            {"name": "FOLDER_ANNOTATION", "value": "grafana_folder"}, {"name": "FOLDER", "value": "/tmp/dashboards"}]),
        );
        let s = of_deployment(&d, "monitoring").unwrap();
        assert_eq!(
            (s.container.as_str(), s.namespaces.clone()),
            ("grafana-sc-dashboard", None)
        );
        let ours = cm("team", json!({"grafana_dashboard": "1"}), Some("Cilium"));
        assert_eq!(s.ignores(&ours), None);
        assert_eq!(s.folder_of(&ours), "Cilium");
        assert_eq!(s.folder_of(&cm("team", json!({}), None)), "General");
        assert_eq!(folder_title("A/B/"), "B");
        let other = cm("team", json!({"grafana_dashboard": "0"}), None);
        assert!(s.ignores(&other).unwrap().contains("wants LABEL_VALUE 1"));
        // the sidecar's defaults: its own namespace, ConfigMaps, another folder annotation
        let plain = of_deployment(
            &deployment(json!([{"name": "LABEL", "value": "grafana_dashboard"}])),
            "monitoring",
        )
        .unwrap();
        assert!(plain
            .ignores(&ours)
            .unwrap()
            .contains("watches NAMESPACE=monitoring, not team"));
        assert_eq!(plain.folder_annotation, DEFAULT_FOLDER_ANNOTATION);
        assert_eq!(plain.folder_of(&ours), "General");
    }
}
