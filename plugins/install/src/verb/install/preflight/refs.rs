//! Pre-flight: every Secret and ConfigMap a pod of the stack refers to comes with the install or
//! exists, with the keys it reads. A pod whose reference nothing makes never starts: a missing
//! volume source keeps it in ContainerCreating (`FailedMount`), a missing `env`/`envFrom` source or
//! key in CreateContainerConfigError; helm then waits its whole `--timeout` and rolls back.
//!
//! Read are all the references a pod can make, as the kubelet resolves them: volumes (`secret`,
//! `configMap`, `projected` sources, and the keys their `items` name), `env[].valueFrom`
//! (`secretKeyRef`, `configMapKeyRef`), `envFrom` (`secretRef`, `configMapRef`) of every container
//! and init container, and `imagePullSecrets`, in every workload of the render; and what the
//! operator puts into the StatefulSets it makes of the Prometheus and Alertmanager objects
//! (`spec.secrets`, `spec.configMaps`, `configSecret`, `imagePullSecrets`). A reference marked
//! `optional` is left out, as the kubelet leaves it. Each one missing is named with the object,
//! the reference and the values key that sets it.
use super::super::{Deps, InstallOptions};
use super::passed;
use crate::chart::values::{self, ValuesFile};
use crate::install::Check;
use crate::stack::workloads::pod_spec;
use promstack_shared::kube::cluster::{Cluster, ClusterError, ObjRef};
use promstack_shared::Error;
use serde_json::Value;
use std::collections::BTreeMap;

/// One reference of a pod (or of an operator object) to a Secret or ConfigMap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reference {
    /// `Secret` or `ConfigMap`.
    pub kind: &'static str,
    pub name: String,
    /// The key it reads, where it reads one (`env[].valueFrom`, a volume's `items`).
    pub key: Option<String>,
    /// The object that refers: `Deployment kube-prometheus-grafana`.
    pub by: String,
    /// How: `envFrom of container grafana`, `volume config`, `spec.secrets`.
    pub via: String,
}

fn who(d: &Value) -> String {
    format!(
        "{} {}",
        d["kind"].as_str().unwrap_or_default(),
        d["metadata"]["name"].as_str().unwrap_or_default()
    )
}

fn optional(source: &Value) -> bool {
    source["optional"] == true
}

/// The references of one pod spec.
fn pod_references(spec: &Value, by: &str, out: &mut Vec<Reference>) {
    let mut add = |kind: &'static str, name: Option<&str>, key: Option<&str>, via: String| {
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            out.push(Reference {
                kind,
                name: name.into(),
                key: key.map(String::from),
                by: by.into(),
                via,
            });
        }
    };
    let items = |source: &Value| -> Vec<Option<String>> {
        match source["items"].as_array() {
            Some(items) if !items.is_empty() => items
                .iter()
                .map(|i| i["key"].as_str().map(String::from))
                .collect(),
            _ => vec![None],
        }
    };
    for v in spec["volumes"].as_array().into_iter().flatten() {
        let via = format!("volume {}", v["name"].as_str().unwrap_or_default());
        let mut sources = vec![
            ("Secret", &v["secret"], "secretName"),
            ("ConfigMap", &v["configMap"], "name"),
        ];
        for src in v
            .pointer("/projected/sources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            sources.push(("Secret", &src["secret"], "name"));
            sources.push(("ConfigMap", &src["configMap"], "name"));
        }
        for (kind, source, name_field) in sources {
            if source.is_object() && !optional(source) {
                for key in items(source) {
                    add(
                        kind,
                        source[name_field].as_str(),
                        key.as_deref(),
                        via.clone(),
                    );
                }
            }
        }
    }
    for (list, what) in [
        ("initContainers", "init container"),
        ("containers", "container"),
    ] {
        for c in spec[list].as_array().into_iter().flatten() {
            let container = c["name"].as_str().unwrap_or_default();
            for e in c["env"].as_array().into_iter().flatten() {
                let via = format!(
                    "env {} of {what} {container}",
                    e["name"].as_str().unwrap_or_default()
                );
                for (kind, field) in [("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")]
                {
                    let r = &e["valueFrom"][field];
                    if r.is_object() && !optional(r) {
                        add(kind, r["name"].as_str(), r["key"].as_str(), via.clone());
                    }
                }
            }
            for e in c["envFrom"].as_array().into_iter().flatten() {
                let via = format!("envFrom of {what} {container}");
                for (kind, field) in [("Secret", "secretRef"), ("ConfigMap", "configMapRef")] {
                    let r = &e[field];
                    if r.is_object() && !optional(r) {
                        add(kind, r["name"].as_str(), None, via.clone());
                    }
                }
            }
        }
    }
    for s in spec["imagePullSecrets"].as_array().into_iter().flatten() {
        add(
            "Secret",
            s["name"].as_str(),
            None,
            "imagePullSecrets".into(),
        );
    }
}

/// Every reference of the render's pods and of the operator's Prometheus and Alertmanager objects
/// (see the module docs), sorted, each once.
pub fn references(docs: &[Value]) -> Vec<Reference> {
    let mut out = Vec::new();
    for d in docs {
        let by = who(d);
        if let Some(spec) = pod_spec(d) {
            pod_references(spec, &by, &mut out);
        }
        let operator_made = d["apiVersion"]
            .as_str()
            .is_some_and(|a| a.starts_with("monitoring.coreos.com/"))
            && matches!(d["kind"].as_str(), Some("Prometheus" | "Alertmanager"));
        if operator_made {
            let spec = &d["spec"];
            let mut add = |kind: &'static str, name: Option<&str>, via: &str| {
                if let Some(name) = name.filter(|n| !n.is_empty()) {
                    out.push(Reference {
                        kind,
                        name: name.into(),
                        key: None,
                        by: by.clone(),
                        via: via.into(),
                    });
                }
            };
            for s in spec["secrets"].as_array().into_iter().flatten() {
                add("Secret", s.as_str(), "spec.secrets");
            }
            for c in spec["configMaps"].as_array().into_iter().flatten() {
                add("ConfigMap", c.as_str(), "spec.configMaps");
            }
            add("Secret", spec["configSecret"].as_str(), "spec.configSecret");
            for s in spec["imagePullSecrets"].as_array().into_iter().flatten() {
                add("Secret", s["name"].as_str(), "spec.imagePullSecrets");
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Secrets the chart makes at install time without rendering them: its certificate Job
/// (`kube-webhook-certgen create --secret-name=X`, a helm hook) and cert-manager Certificates.
fn made_at_install(docs: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for d in docs {
        if d["kind"] == "Certificate" {
            out.extend(d["spec"]["secretName"].as_str().map(String::from));
        }
        let Some(spec) = pod_spec(d) else { continue };
        for c in spec["containers"].as_array().into_iter().flatten() {
            let args: Vec<&str> = c["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (i, a) in args.iter().enumerate() {
                if let Some(n) = a.strip_prefix("--secret-name=") {
                    out.push(n.to_string());
                } else if *a == "--secret-name" {
                    out.extend(args.get(i + 1).map(|n| n.to_string()));
                }
            }
        }
    }
    out
}

/// The values keys that set `name`: every string of the chain's files equal to it, as
/// `path (file)`, the user's files first.
pub fn values_keys(chain: &[ValuesFile], name: &str) -> Vec<String> {
    fn walk(v: &Value, path: &str, name: &str, out: &mut Vec<String>) {
        match v {
            Value::String(s) if s == name => out.push(path.to_string()),
            Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(x, &p, name, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"), name, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for f in chain.iter().rev() {
        let mut paths = Vec::new();
        walk(&f.values, "", name, &mut paths);
        out.extend(paths.into_iter().map(|p| format!("{p} ({})", f.origin)));
    }
    out
}

/// The keys a Secret or ConfigMap holds (live or rendered).
fn has_key(obj: &Value, key: &str) -> bool {
    ["data", "stringData", "binaryData"]
        .iter()
        .any(|f| obj[*f].get(key).is_some())
}

/// What the pods refer to is there or comes with the install (see the module docs).
pub(super) async fn references_check(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    docs: &[Value],
    chain: &[ValuesFile],
) -> anyhow::Result<Check> {
    let ours = [values::GRAFANA_SECRET, values::ALERTMANAGER_SECRET];
    let found = missing(deps.cluster, &opts.namespace, docs, &ours, chain).await?;
    Ok(passed("mounts", found.clone(), Some(found)))
}

/// Does every Secret and ConfigMap the stack's pods refer to exist with the keys they read, or
/// come with the install (the chart renders it, promstack writes it, the chart's Job makes it)?
/// Refused (exit 3) naming each missing one, with the values key that names it.
pub async fn missing(
    cluster: &dyn Cluster,
    ns: &str,
    docs: &[Value],
    ours: &[&str],
    chain: &[ValuesFile],
) -> Result<String, Error> {
    let refs = references(docs);
    let rendered = |kind: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
    };
    let made = made_at_install(docs);
    let comes_blind = |r: &Reference| {
        r.kind == "Secret" && (ours.contains(&r.name.as_str()) || made.contains(&r.name))
    };
    // each object not in the render read once, all at once
    let to_read: std::collections::BTreeSet<(&str, &str)> = refs
        .iter()
        .filter(|r| rendered(r.kind, &r.name).is_none() && !comes_blind(r))
        .map(|r| (r.kind, r.name.as_str()))
        .collect();
    let objrefs: Vec<ObjRef> = to_read
        .iter()
        .map(|(kind, name)| ObjRef::new("v1", kind, Some(ns), name))
        .collect();
    let reads = futures::future::join_all(objrefs.iter().map(|r| cluster.get(r))).await;
    let mut live: BTreeMap<(&str, &str), Option<Value>> = BTreeMap::new();
    for ((kind, name), read) in to_read.iter().zip(reads) {
        match read {
            Ok(v) => live.insert((kind, name), v),
            Err(ClusterError::NotFound(_)) => live.insert((kind, name), None),
            Err(e) => return Err(Error::runtime(format!("reading {kind} {ns}/{name}: {e}"))),
        };
    }
    let mut problems = Vec::new();
    for r in &refs {
        if comes_blind(r) {
            continue;
        }
        let obj = rendered(r.kind, &r.name).or_else(|| {
            live.get(&(r.kind, r.name.as_str()))
                .and_then(Option::as_ref)
        });
        let why = match (obj, &r.key) {
            (None, _) => "which neither the chart, promstack nor the cluster has".to_string(),
            (Some(o), Some(k)) if !has_key(o, k) => format!("which has no key `{k}`"),
            _ => continue,
        };
        let key = r
            .key
            .as_ref()
            .map(|k| format!(" key `{k}`"))
            .unwrap_or_default();
        let set_by = match values_keys(chain, &r.name).as_slice() {
            [] => " (no values file names it: the chart's own default or template)".to_string(),
            keys => format!(" (set by {})", keys.join(", ")),
        };
        problems.push(format!(
            "{} ({}) needs {} {ns}/{}{key}{set_by}, {why}",
            r.by, r.via, r.kind, r.name
        ));
    }
    let objects: std::collections::BTreeSet<(&str, &str)> =
        refs.iter().map(|r| (r.kind, r.name.as_str())).collect();
    if problems.is_empty() {
        return Ok(format!(
            "the {} Secrets and ConfigMaps the pods refer to come with the install or exist",
            objects.len()
        ));
    }
    let webhook_hint = if problems.iter().any(|p| p.contains("-admission ")) {
        " The operator mounts its admission webhooks' TLS Secret while prometheusOperator.tls.enabled is true, and only the webhooks' certificate Job makes it (upstream helm-charts#6586): turn both off together (--no-admission-webhooks does), or keep the webhooks on."
    } else {
        ""
    };
    Err(Error::check(format!(
        "{}: the pod would never start, and helm would wait until its --timeout and roll back.{webhook_hint} Create it first, or change the values that name it.",
        problems.join(";\n  ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_reference_a_pod_can_make_is_read_and_optional_ones_are_left_out() {
        let deploy = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"g"},"spec":{"template":{"spec":{
            "imagePullSecrets":[{"name":"pull"}],
            "volumes":[
                {"name":"a","secret":{"secretName":"vs"}},
                {"name":"b","configMap":{"name":"vc","items":[{"key":"k1","path":"p"}]}},
                {"name":"c","secret":{"secretName":"opt","optional":true}},
                {"name":"d","projected":{"sources":[{"secret":{"name":"ps"}},{"configMap":{"name":"pc","optional":true}}]}},
                {"name":"e","emptyDir":{}},
                {"name":"f","secret":{"secretName":"all-keys","items":[]}}],
            "initContainers":[{"name":"init","envFrom":[{"configMapRef":{"name":"ic"}}]}],
            "containers":[{"name":"main",
                "env":[{"name":"X","valueFrom":{"secretKeyRef":{"name":"es","key":"x"}}},
                       {"name":"Y","valueFrom":{"configMapKeyRef":{"name":"ec","key":"y","optional":true}}},
                       {"name":"Z","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
                "envFrom":[{"secretRef":{"name":"efs"}},{"configMapRef":{"name":"efc","optional":true}}]}]}}}});
        let prom = json!({"apiVersion":"monitoring.coreos.com/v1","kind":"Prometheus","metadata":{"name":"p"},
            "spec":{"secrets":["s1"],"configMaps":["c1"],"imagePullSecrets":[{"name":"pp"}]}});
        let am = json!({"apiVersion":"monitoring.coreos.com/v1","kind":"Alertmanager","metadata":{"name":"a"},"spec":{"configSecret":"amc"}});
        // a kind of the same name in another API group, and another of the operator's kinds: not
        // read as the operator's Prometheus
        let other = json!({"apiVersion":"example.org/v1","kind":"Prometheus","metadata":{"name":"x"},"spec":{"secrets":["theirs"]}});
        let monitor = json!({"apiVersion":"monitoring.coreos.com/v1","kind":"ServiceMonitor","metadata":{"name":"m"},"spec":{"secrets":["none"]}});
        let got: Vec<String> = references(&[deploy, prom, am, other, monitor])
            .iter()
            .map(|r| format!("{} {} {:?} | {} | {}", r.kind, r.name, r.key, r.by, r.via))
            .collect();
        assert_eq!(
            got,
            [
                "ConfigMap c1 None | Prometheus p | spec.configMaps",
                "ConfigMap ic None | Deployment g | envFrom of init container init",
                "ConfigMap vc Some(\"k1\") | Deployment g | volume b",
                "Secret all-keys None | Deployment g | volume f",
                "Secret amc None | Alertmanager a | spec.configSecret",
                "Secret efs None | Deployment g | envFrom of container main",
                "Secret es Some(\"x\") | Deployment g | env X of container main",
                "Secret pp None | Prometheus p | spec.imagePullSecrets",
                "Secret ps None | Deployment g | volume d",
                "Secret pull None | Deployment g | imagePullSecrets",
                "Secret s1 None | Prometheus p | spec.secrets",
                "Secret vs None | Deployment g | volume a",
            ]
        );
    }

    /// Secrets made during the install: a cert-manager Certificate's, and what a container's
    /// `--secret-name` (either form) makes (the webhooks' certificate Job).
    #[test]
    fn what_the_install_makes_itself() {
        let cert = json!({"kind":"Certificate","spec":{"secretName":"cert-tls"}});
        let job = json!({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},"spec":{"template":{"spec":{
            "containers":[{"name":"create","args":["create","--host=x","--secret-name","made","--namespace=m","--secret-name=also"]}]}}}});
        assert_eq!(made_at_install(&[cert, job]), ["cert-tls", "made", "also"]);
    }

    #[test]
    fn the_values_keys_that_name_a_value_the_users_files_first() {
        let chain = vec![
            values::parse("values/values.yaml", "grafana:\n  envFromSecret: x\n").unwrap(),
            values::parse(
                "typo.yaml",
                "grafana:\n  envFromSecret: x\nprometheus:\n  prometheusSpec:\n    secrets: [a, x]\n",
            )
            .unwrap(),
        ];
        assert_eq!(
            values_keys(&chain, "x"),
            [
                "grafana.envFromSecret (typo.yaml)",
                "prometheus.prometheusSpec.secrets[1] (typo.yaml)",
                "grafana.envFromSecret (values/values.yaml)"
            ]
        );
        assert!(values_keys(&chain, "nowhere").is_empty());
    }
}
