//! Writing where something is being deleted. A namespace being deleted refuses anything new in it
//! (NamespaceLifecycle admission) and a CRD being deleted every new object of its kind, and both
//! delete what is there once its turn comes: a command that wrote into one would be refused
//! half-way and see the rest deleted. So a command that writes objects into a namespace checks
//! both before its first write ([`require_writable`]): `rules sync`, `dashboards sync`, the
//! alert test's temporary PrometheusRule.
use super::{is_terminating, Cluster, ObjRef, CRD_API};
use crate::Error;
use serde_json::Value;

/// Where a command writes: objects of `kind` (of CRD `crd`, for a custom kind) in `namespace`.
#[derive(Debug, Clone, Copy)]
pub struct Writes<'a> {
    pub namespace: &'a str,
    pub kind: &'a str,
    pub crd: Option<&'a str>,
    /// What the user runs again once it is gone: `sync`, `run the test`.
    pub then: &'a str,
}

/// Before the first write: the namespace exists (else exit 2, saying how to get one), and neither
/// it nor the kind's CRD is being deleted (else exit 3, saying how to wait). Both are read at
/// once; nothing is written either way.
pub async fn require_writable(cluster: &dyn Cluster, w: Writes<'_>) -> anyhow::Result<()> {
    let ns = w.namespace;
    let ns_ref = ObjRef::new("v1", "Namespace", None, ns);
    let crd_ref = w
        .crd
        .map(|name| ObjRef::new(CRD_API, "CustomResourceDefinition", None, name));
    let (namespace, crd) = futures::join!(cluster.get(&ns_ref), async {
        match &crd_ref {
            Some(r) => cluster.get(r).await,
            None => Ok(None),
        }
    });
    let namespace = namespace.map_err(|e| anyhow::anyhow!("reading namespace {ns}: {e}"))?;
    let Some(namespace) = namespace else {
        return Err(Error::input(format!("namespace {ns} does not exist: install the stack first (kubectl promstack install) or pick one with -n")).into());
    };
    let then = w.then;
    if is_terminating(&namespace) {
        return Err(Error::check(format!(
            "namespace {ns} is being deleted (Terminating): the API server refuses anything new in it and deletes what is there. Nothing was written. Wait until it is gone (kubectl wait --for=delete namespace/{ns} --timeout=5m), then install the stack again and {then}, or pick another namespace with -n."
        ))
        .into());
    }
    let crd = crd.map_err(|e| anyhow::anyhow!("reading the {} CRD: {e}", w.kind))?;
    if let (Some(crd), Some(name)) = (crd.filter(is_terminating), w.crd) {
        let what = w.kind;
        return Err(Error::check(format!(
            "CRD {name} is being deleted (Terminating): the API server refuses every new {what} until it is gone, and deletes every {what} in the cluster before that (promstack's too). Nothing was written. Wait until it is gone (kubectl wait --for=delete crd/{name} --timeout=5m), install the stack again (kubectl promstack install), then {then}.{}",
            held_by(&crd)
        ))
        .into());
    }
    Ok(())
}

/// What a CRD being deleted waits for, as its `Terminating` condition says, if it says anything.
fn held_by(crd: &Value) -> String {
    crd.pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Terminating"))
        .and_then(|c| c["message"].as_str())
        .map(|m| format!(" (the API server says: {m})"))
        .unwrap_or_default()
}
