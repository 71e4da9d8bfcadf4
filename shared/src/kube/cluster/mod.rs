//! Cluster access behind one small interface.
//!
//! Objects cross the interface as JSON (`serde_json::Value`) built from typed k8s-openapi
//! structs (see [`to_value`]); the interface itself stays small enough to fake faithfully:
//! get, list by label, server-side apply, delete. Waiting is built on `get` in [`crate::kube::wait`].
//! The in-memory implementation is test support: it exists with the `testing` feature (which the
//! plugins' dev-dependencies turn on), not in an installed plugin.
mod kube_impl;
#[cfg(any(test, feature = "testing"))]
mod memory;
#[cfg(any(test, feature = "testing"))]
mod ssa;
mod writable;

pub use kube_impl::KubeCluster;
pub use writable::{require_writable, Writes};

#[cfg(any(test, feature = "testing"))]
pub use memory::{Fault, MemoryCluster, Pace, Verb, CRD_CLEANUP};

/// The API group and version of CustomResourceDefinitions.
pub const CRD_API: &str = "apiextensions.k8s.io/v1";

/// Is this object being deleted (Terminating)? `metadata.deletionTimestamp` is set; a namespace
/// also says so in `status.phase`.
pub fn is_terminating(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
        || obj.pointer("/status/phase").and_then(Value::as_str) == Some("Terminating")
}

/// An object's finalizers at `pointer`: `/metadata/finalizers`, or a namespace's `/spec/finalizers`.
pub fn finalizers_at(obj: &Value, pointer: &str) -> Vec<String> {
    obj.pointer(pointer)
        .and_then(Value::as_array)
        .map(|f| {
            f.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The label a namespace sets its enforced Pod Security level with.
pub const POD_SECURITY_ENFORCE: &str = "pod-security.kubernetes.io/enforce";

use async_trait::async_trait;
use serde_json::Value;
use std::fmt;

/// Identifies one object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjRef {
    pub fn new(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Self {
        ObjRef {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: namespace.map(Into::into),
            name: name.into(),
        }
    }

    /// The reference of an object given as JSON (apiVersion, kind, metadata.name/namespace).
    pub fn of(obj: &Value) -> Result<Self, ClusterError> {
        let s = |p: &str| obj.pointer(p).and_then(Value::as_str).map(str::to_string);
        match (s("/apiVersion"), s("/kind"), s("/metadata/name")) {
            (Some(api_version), Some(kind), Some(name)) => Ok(ObjRef {
                api_version,
                kind,
                namespace: s("/metadata/namespace"),
                name,
            }),
            _ => Err(ClusterError::Invalid(
                "object needs apiVersion, kind and metadata.name".into(),
            )),
        }
    }
}

impl fmt::Display for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// A list request: all objects of a kind, optionally in one namespace and matching a label
/// selector and a field selector (`type=Warning`, `involvedObject.name=x`: equality only, the
/// fields the API server indexes for the kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
}

impl ListQuery {
    pub fn new(api_version: &str, kind: &str) -> Self {
        ListQuery {
            api_version: api_version.into(),
            kind: kind.into(),
            namespace: None,
            label_selector: None,
            field_selector: None,
        }
    }
    pub fn in_namespace(mut self, ns: &str) -> Self {
        self.namespace = Some(ns.into());
        self
    }
    pub fn labels(mut self, selector: &str) -> Self {
        self.label_selector = Some(selector.into());
        self
    }
    pub fn fields(mut self, selector: &str) -> Self {
        self.field_selector = Some(selector.into());
        self
    }
}

/// Options of a server-side apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Take ownership of fields another manager owns (kubectl's `--force-conflicts`).
    pub force: bool,
}

/// Errors of the cluster interface, classified so callers can branch on them.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ClusterError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict (HTTP 409): {0}")]
    Conflict(String),
    #[error("the cluster does not serve {0}")]
    UnknownKind(String),
    #[error("API error (HTTP {code}): {message}")]
    Api { code: u16, message: String },
    #[error("cannot reach the cluster: {0}")]
    Unreachable(String),
    #[error("invalid object: {0}")]
    Invalid(String),
}

impl ClusterError {
    /// 429 and 5xx: worth retrying.
    pub fn is_transient(&self) -> bool {
        matches!(self, ClusterError::Api { code, .. } if *code == 429 || *code >= 500)
    }
    /// 403: RBAC, or an admission controller (Pod Security, a policy webhook) said no.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, ClusterError::Api { code: 403, .. })
    }
}

/// Run a request again on transient errors (429, 5xx, unreachable): up to `attempts` tries with
/// doubling back-off from 250ms. Other errors return at once.
pub async fn with_retry<T, F, Fut>(attempts: u32, mut f: F) -> Result<T, ClusterError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClusterError>>,
{
    let mut delay = std::time::Duration::from_millis(250);
    let mut tries = 0;
    loop {
        tries += 1;
        match f().await {
            Err(e)
                if tries < attempts
                    && (e.is_transient() || matches!(e, ClusterError::Unreachable(_))) =>
            {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            other => return other,
        }
    }
}

/// Tries a write gets before a transient error is reported.
pub const WRITE_ATTEMPTS: u32 = 3;

/// Who and where: printed in messages so users know which cluster they are touching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub context: String,
    pub server: String,
}

/// A local port forwarded to a Service's pod; the forward stops when this is dropped.
pub struct Forward {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    pub pod: String,
    task: tokio::task::JoinHandle<()>,
}

impl Forward {
    pub(crate) fn new(url: String, pod: String, task: tokio::task::JoinHandle<()>) -> Self {
        Forward { url, pod, task }
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The small interface every plugin uses for cluster access.
#[async_trait]
pub trait Cluster: Send + Sync {
    /// Context name and server URL.
    fn info(&self) -> ClusterInfo;
    /// `GET /version`: the server's gitVersion. Proves the cluster is reachable and we are authenticated.
    async fn server_version(&self) -> Result<String, ClusterError>;
    /// One object, `None` when it does not exist.
    async fn get(&self, r: &ObjRef) -> Result<Option<Value>, ClusterError>;
    /// Objects of a kind, optionally filtered by namespace and label selector.
    async fn list(&self, q: &ListQuery) -> Result<Vec<Value>, ClusterError>;
    /// Server-side apply with field manager [`crate::FIELD_MANAGER`]; returns the object as stored.
    async fn apply(&self, obj: &Value, opts: ApplyOptions) -> Result<Value, ClusterError>;
    /// Delete; `false` when it was already gone.
    async fn delete(&self, r: &ObjRef) -> Result<bool, ClusterError>;
    /// Create with `dryRun=All`: the object goes through defaulting and every admission
    /// controller (Pod Security, policy webhooks, quotas) and is not stored. Returns the object as
    /// it would be stored; a refusal is the API server's error (403 for admission).
    async fn dry_run_create(&self, obj: &Value) -> Result<Value, ClusterError>;
    /// Server-side apply with `dryRun=All`, forced, as field manager `manager`: the object as the
    /// API server would store it after that apply (defaults, mutating webhooks, the fields
    /// `manager` owned before and no longer sends removed), not stored. What `kubectl diff` asks.
    async fn dry_run_apply(&self, obj: &Value, manager: &str) -> Result<Value, ClusterError>;
    /// A loopback port forwarded to `port` of Service `ns/service` (a ready pod behind it), for
    /// as long as the [`Forward`] lives. Only a real cluster has pods to forward to.
    async fn forward(&self, ns: &str, service: &str, _port: u16) -> anyhow::Result<Forward> {
        Err(crate::Error::check(format!(
            "no port-forward to {ns}/{service} on this cluster: pass the URL instead"
        ))
        .into())
    }
}

/// `GET /version` as the first request of a command: the server's gitVersion, or an error that
/// names the context and server and says what to check (a run-time failure, exit 1).
pub async fn reachable(cluster: &dyn Cluster) -> Result<String, crate::Error> {
    cluster.server_version().await.map_err(|e| {
        let info = cluster.info();
        crate::Error::runtime(format!(
            "cannot reach the cluster of context `{}` ({}): {e}. Check --context/--kubeconfig and that the API server is up.",
            info.context, info.server
        ))
    })
}

/// Serialise a typed k8s-openapi object into the JSON the interface takes, with apiVersion and kind set.
pub fn to_value<K>(obj: &K) -> Value
where
    K: k8s_openapi::Resource + serde::Serialize,
{
    let mut v = serde_json::to_value(obj).expect("k8s-openapi objects serialise");
    v["apiVersion"] = Value::String(K::API_VERSION.into());
    v["kind"] = Value::String(K::KIND.into());
    v
}

/// Parse JSON from the interface into a typed object.
pub fn from_value<K: serde::de::DeserializeOwned>(v: &Value) -> Result<K, ClusterError> {
    serde_json::from_value(v.clone()).map_err(|e| ClusterError::Invalid(e.to_string()))
}

/// Kinds that are not namespaced (used by the in-memory cluster and for display).
pub fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "StorageClass"
            | "CustomResourceDefinition"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PersistentVolume"
            | "PriorityClass"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "APIService"
    )
}

/// Does a field selector (`a.b=v,c!=w`: dotted paths into the object, equality only) match?
/// A missing field reads as the empty string, as on the API server.
pub fn field_selector_matches(selector: &str, obj: &Value) -> bool {
    selector
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .all(|term| {
            let field = |path: &str| {
                let pointer: String = path.trim().split('.').map(|p| format!("/{p}")).collect();
                obj.pointer(&pointer)
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .unwrap_or_default()
            };
            if let Some((k, v)) = term.split_once("!=") {
                field(k) != v.trim()
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                field(k) == v.trim()
            } else {
                false
            }
        })
}

/// Does a label selector of the form `k=v,k2=v2,k3` (equality and existence only) match these labels?
pub fn selector_matches(selector: &str, labels: Option<&serde_json::Map<String, Value>>) -> bool {
    selector
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .all(|term| {
            let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
            if let Some((k, v)) = term.split_once("!=") {
                get(k.trim()) != Some(v.trim())
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                get(k.trim()) == Some(v.trim())
            } else if let Some(k) = term.strip_prefix('!') {
                get(k).is_none()
            } else {
                get(term).is_some()
            }
        })
}

/// Does a `LabelSelector` object (matchLabels, matchExpressions, as in a Prometheus's
/// `ruleSelector`) select these labels? `None` or null selects nothing, `{}` everything, and a
/// selector the API server would refuse (an unknown operator) nothing. Matching is kube's
/// [`kube::core::Selector`].
pub fn label_selector_selects(
    selector: Option<&Value>,
    labels: &std::collections::BTreeMap<String, String>,
) -> bool {
    use kube::core::{Selector, SelectorExt};
    let Some(sel) = selector.filter(|s| !s.is_null()) else {
        return false;
    };
    serde_json::from_value::<k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>(
        sel.clone(),
    )
    .ok()
    .and_then(|s| Selector::try_from(s).ok())
    .is_some_and(|s| s.matches(labels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_match_equality_inequality_and_existence() {
        let labels = json!({"a": "1", "b": "2"});
        let l = labels.as_object();
        assert!(selector_matches("a=1", l));
        assert!(selector_matches("a==1,b=2", l));
        assert!(!selector_matches("a=2", l));
        assert!(selector_matches("a!=2", l));
        assert!(selector_matches("b", l));
        assert!(!selector_matches("c", l));
        assert!(selector_matches("!c", l));
        assert!(!selector_matches("a", None));
        assert!(selector_matches("", None));
    }

    #[test]
    fn label_selector_objects_match_as_kube_does() {
        let l = std::collections::BTreeMap::from([
            ("release".to_string(), "kube-prometheus".to_string()),
            ("team".to_string(), "sre".to_string()),
        ]);
        assert!(label_selector_selects(Some(&json!({})), &l));
        assert!(!label_selector_selects(None, &l));
        assert!(!label_selector_selects(Some(&Value::Null), &l));
        assert!(label_selector_selects(
            Some(&json!({"matchLabels": {"release": "kube-prometheus"}})),
            &l
        ));
        assert!(!label_selector_selects(
            Some(&json!({"matchLabels": {"release": "other"}})),
            &l
        ));
        assert!(label_selector_selects(
            Some(
                &json!({"matchExpressions": [{"key": "team", "operator": "In", "values": ["sre", "db"]}]})
            ),
            &l
        ));
        assert!(!label_selector_selects(
            Some(
                &json!({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["sre"]}]})
            ),
            &l
        ));
        assert!(label_selector_selects(
            Some(&json!({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]})),
            &l
        ));
        assert!(!label_selector_selects(
            Some(&json!({"matchExpressions": [{"key": "x", "operator": "Exists"}]})),
            &l
        ));
        assert!(!label_selector_selects(
            Some(&json!({"matchExpressions": [{"key": "x", "operator": "Near"}]})),
            &l
        ));
    }

    #[test]
    fn field_selectors_match_dotted_paths() {
        let ev = json!({"type": "Warning", "involvedObject": {"kind": "DaemonSet", "name": "ne"}, "count": 3});
        assert!(field_selector_matches("type=Warning", &ev));
        assert!(field_selector_matches(
            "involvedObject.kind=DaemonSet,involvedObject.name==ne",
            &ev
        ));
        assert!(!field_selector_matches("involvedObject.name=other", &ev));
        assert!(field_selector_matches("reason!=FailedCreate", &ev));
        assert!(
            field_selector_matches("reason=", &ev),
            "missing reads as empty"
        );
        assert!(field_selector_matches("count=3", &ev));
        assert!(!field_selector_matches("nonsense", &ev));
    }

    #[test]
    fn objref_of_reads_the_identity_and_rejects_incomplete_objects() {
        let r = ObjRef::of(
            &json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"m"}}),
        )
        .unwrap();
        assert_eq!(r, ObjRef::new("v1", "Secret", Some("m"), "s"));
        assert_eq!(r.to_string(), "Secret m/s");
        assert!(ObjRef::of(&json!({"kind":"Secret"})).is_err());
    }

    #[test]
    fn to_value_sets_api_version_and_kind() {
        let ns = k8s_openapi::api::core::v1::Namespace {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("monitoring".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let v = to_value(&ns);
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(v["kind"], "Namespace");
        assert_eq!(v["metadata"]["name"], "monitoring");
    }
}
