//! Pod Security admission, as the API server runs it on pods created with `dryRun`: the
//! baseline checks the stack's pods meet, answered with the API server's 403 and wording.
use super::super::{ClusterError, ObjRef, POD_SECURITY_ENFORCE};
use super::MemoryCluster;
use serde_json::Value;

/// Pod Security admission as an AdmissionConfiguration sets it: the level enforced where a
/// namespace has no `pod-security.kubernetes.io/enforce` label, and exempt namespaces.
#[derive(Debug, Clone)]
pub(super) struct PodSecurity {
    default_level: String,
    exempt: Vec<String>,
}

impl MemoryCluster {
    /// Enforce Pod Security admission on pods: `default_level` (`baseline`, `restricted`) where a
    /// namespace has no enforce label, none in `exempt` namespaces. Talos sets up every cluster
    /// with `baseline` and kube-system exempt.
    pub fn pod_security(&self, default_level: &str, exempt: &[&str]) {
        self.state.lock().unwrap().pod_security = Some(PodSecurity {
            default_level: default_level.into(),
            exempt: exempt.iter().map(|s| s.to_string()).collect(),
        });
    }

    /// What Pod Security admission says of this pod in namespace `ns`: `None` when it is
    /// admitted, else the API server's 403.
    pub(super) fn admit_pod(&self, ns: &str, pod: &Value) -> Option<ClusterError> {
        let ps = self.state.lock().unwrap().pod_security.clone()?;
        if ps.exempt.iter().any(|e| e == ns) {
            return None;
        }
        let namespace = self.peek(&ObjRef::new("v1", "Namespace", None, ns));
        let level = namespace
            .as_ref()
            .and_then(|n| n.pointer("/metadata/labels"))
            .and_then(|l| l.get(POD_SECURITY_ENFORCE))
            .and_then(Value::as_str)
            .unwrap_or(&ps.default_level)
            .to_string();
        if level == "privileged" {
            return None;
        }
        let violations = baseline_violations(&pod["spec"]);
        if violations.is_empty() {
            return None;
        }
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        Some(ClusterError::Api {
            code: 403,
            message: format!(
                "pods \"{name}\" is forbidden: violates PodSecurity \"{level}:latest\": {}",
                violations.join(", ")
            ),
        })
    }
}

/// The checks of the Pod Security Standards' baseline level that the stack's pods meet (host
/// namespaces, hostPath volumes, host ports, privileged containers), in the API server's order
/// (by check id) and words. Restricted forbids all of these too.
fn baseline_violations(spec: &Value) -> Vec<String> {
    fn plural<'a>(one: &'a str, many: &'a str, n: usize) -> &'a str {
        if n == 1 {
            one
        } else {
            many
        }
    }
    fn quoted(names: &[String]) -> String {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
    let name = |v: &Value| v["name"].as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    let hosts: Vec<String> = ["hostNetwork", "hostPID", "hostIPC"]
        .iter()
        .filter(|k| spec[**k] == true)
        .map(|k| format!("{k}=true"))
        .collect();
    if !hosts.is_empty() {
        out.push(format!("host namespaces ({})", hosts.join(", ")));
    }
    let host_paths: Vec<String> = spec["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v.get("hostPath").is_some())
        .map(name)
        .collect();
    if !host_paths.is_empty() {
        out.push(format!(
            "hostPath volumes ({} {})",
            plural("volume", "volumes", host_paths.len()),
            quoted(&host_paths)
        ));
    }
    let containers: Vec<&Value> = ["initContainers", "containers"]
        .iter()
        .filter_map(|k| spec[*k].as_array())
        .flatten()
        .collect();
    let mut port_users = Vec::new();
    let mut ports = std::collections::BTreeSet::new();
    for c in &containers {
        let used: Vec<i64> = c["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["hostPort"].as_i64().filter(|p| *p != 0))
            .collect();
        if !used.is_empty() {
            port_users.push(name(c));
            ports.extend(used.iter().map(i64::to_string));
        }
    }
    if !port_users.is_empty() {
        let ports: Vec<String> = ports.into_iter().collect();
        out.push(format!(
            "hostPort ({} {} {} {} {})",
            plural("container", "containers", port_users.len()),
            quoted(&port_users),
            plural("uses", "use", port_users.len()),
            plural("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ));
    }
    let privileged: Vec<String> = containers
        .iter()
        .filter(|c| c.pointer("/securityContext/privileged") == Some(&Value::Bool(true)))
        .map(|c| name(c))
        .collect();
    if !privileged.is_empty() {
        out.push(format!(
            "privileged ({} {} must not set securityContext.privileged=true)",
            plural("container", "containers", privileged.len()),
            quoted(&privileged)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::kube::cluster::{
        Cluster, ClusterError, MemoryCluster, ObjRef, POD_SECURITY_ENFORCE,
    };
    use serde_json::{json, Value};

    fn node_exporter_pod(ns: &str) -> Value {
        json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":"ne","namespace":ns},"spec":{
            "hostNetwork": true, "hostPID": true,
            "containers": [{"name": "node-exporter", "ports": [{"containerPort": 9100, "hostPort": 9100}]}],
            "volumes": [{"name": "proc", "hostPath": {"path": "/proc"}}, {"name": "sys", "hostPath": {"path": "/sys"}}]}})
    }

    #[tokio::test]
    async fn pod_security_refuses_host_access_below_privileged_as_the_api_server_words_it() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kube-system"}}));
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"p","labels":{POD_SECURITY_ENFORCE:"privileged"}}}));
        // without Pod Security configured, everything is admitted
        c.dry_run_create(&node_exporter_pod("m")).await.unwrap();
        c.pod_security("baseline", &["kube-system"]);
        let err = c.dry_run_create(&node_exporter_pod("m")).await.unwrap_err();
        assert_eq!(
            err,
            ClusterError::Api {
                code: 403,
                message: "pods \"ne\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volumes \"proc\", \"sys\"), hostPort (container \"node-exporter\" uses hostPort 9100)".into()
            }
        );
        assert!(err.is_forbidden());
        c.dry_run_create(&node_exporter_pod("p")).await.unwrap();
        c.dry_run_create(&node_exporter_pod("kube-system"))
            .await
            .unwrap();
        assert!(matches!(
            c.dry_run_create(&node_exporter_pod("absent")).await,
            Err(ClusterError::NotFound(_))
        ));
        assert_eq!(c.writes(), 0, "a dry run stores nothing");
        assert!(c
            .peek(&ObjRef::of(&node_exporter_pod("p")).unwrap())
            .is_none());
    }
}
