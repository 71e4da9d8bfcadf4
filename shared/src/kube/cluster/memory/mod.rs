//! An in-memory [`Cluster`] for tests: stores objects, injects faults, counts requests.
//!
//! Server-side apply follows the API server's field ownership per manager ([`super::ssa`]): an
//! apply sets what it sends, removes what its manager set before and no longer sends, and answers
//! 409 for a field another manager owns with another value (unless forced); `managedFields` is
//! written as the API server writes it, so code that reads it sees the real shape. Other actors
//! (kubectl, helm, controllers) write with [`MemoryCluster::apply_as`] / [`MemoryCluster::update_as`],
//! or [`MemoryCluster::insert`] for objects nobody owns fields of. Namespaced objects need their
//! namespace to exist, as on a real API server. Applied CustomResourceDefinitions become Established at once. Pods created with
//! `dryRun` pass through a model of Pod Security admission ([`MemoryCluster::pod_security`]),
//! answering 403 with the API server's wording, as a Talos cluster does out of the box.
//! Deleting a CRD, a namespace or an object with finalizers marks it Terminating; the deletion
//! controllers remove what it holds and then it, at a pace the test sets, and creates in a
//! namespace or of a kind being deleted are refused meanwhile ([`deletion`], [`Pace`]).
mod deletion;
mod faults;
mod pod_security;
mod requests;

pub use deletion::{Pace, CRD_CLEANUP};
pub use faults::{Fault, Verb};
use pod_security::PodSecurity;

use super::{
    field_selector_matches, is_cluster_scoped, selector_matches, ApplyOptions, Cluster,
    ClusterError, ClusterInfo, ListQuery, ObjRef,
};
use async_trait::async_trait;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    objects: BTreeMap<ObjRef, Value>,
    faults: Vec<Fault>,
    counts: HashMap<Verb, usize>,
    log: Vec<(Verb, String)>,
    next_rv: u64,
    unreachable: bool,
    journal: Option<std::path::PathBuf>,
    pod_security: Option<PodSecurity>,
    /// Requests under way (inside a delay) by number and what they are (`Get StorageClass`),
    /// the most there were at once, and what was under way each time one started beside others.
    in_flight: Vec<(u64, String)>,
    next_request: u64,
    max_in_flight: usize,
    overlaps: Vec<Vec<String>>,
    /// How fast CRDs and namespaces being deleted lose their objects.
    pace: Pace,
}

/// The in-memory cluster. Cheap to share behind an `Arc`.
pub struct MemoryCluster {
    state: Mutex<State>,
    info: ClusterInfo,
    version: String,
}

impl Default for MemoryCluster {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryCluster {
    pub fn new() -> Self {
        MemoryCluster {
            state: Mutex::new(State::default()),
            info: ClusterInfo {
                context: "memory".into(),
                server: "memory://".into(),
            },
            version: "v1.33.0".into(),
        }
    }

    /// Put an object in place without counting a request (what other actors, e.g. helm, created).
    pub fn insert(&self, obj: Value) {
        let r = ObjRef::of(&obj).expect("seeded objects need apiVersion, kind, name");
        let mut st = self.state.lock().unwrap();
        st.next_rv += 1;
        let mut obj = obj;
        obj["metadata"]["resourceVersion"] = json!(st.next_rv.to_string());
        st.objects.insert(key(&r), obj);
    }

    /// What another field manager's server-side apply did (kubectl apply --server-side, helm 4),
    /// without counting a request: fields owned per manager as [`super::ssa`] models it.
    pub fn apply_as(&self, obj: &Value, manager: &str) -> Result<Value, ClusterError> {
        self.write_as(obj, manager, super::ssa::Operation::Apply { force: false })
    }

    /// What a plain update by another manager did (kubectl label/edit, a controller), without
    /// counting a request: it owns what it set and removes nothing.
    pub fn update_as(&self, obj: &Value, manager: &str) -> Result<Value, ClusterError> {
        self.write_as(obj, manager, super::ssa::Operation::Update)
    }

    fn write_as(
        &self,
        obj: &Value,
        manager: &str,
        op: super::ssa::Operation,
    ) -> Result<Value, ClusterError> {
        let r = ObjRef::of(obj)?;
        let mut st = self.state.lock().unwrap();
        st.next_rv += 1;
        let rv = st.next_rv;
        let k = key(&r);
        let before = st.objects.get(&k);
        if before.is_none() {
            if let Some(refused) = deletion::refuse_create(&st.objects, &r) {
                return Err(refused);
            }
        }
        let mut stored = super::ssa::write(before, obj, manager, op)?;
        if stored.pointer("/metadata/uid").is_none() {
            stored["metadata"]["uid"] = json!(format!("uid-{rv}"));
            stored["metadata"]["creationTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        stored["metadata"]["resourceVersion"] = json!(rv.to_string());
        // a CRD's status is the API server's: kept by writes (a CRD being deleted stays
        // Terminating), its names accepted and Established at once
        if r.kind == "CustomResourceDefinition" {
            let status = before.and_then(|b| b.get("status")).cloned();
            stored["status"] = status.unwrap_or_else(|| json!({"conditions": []}));
            established(&mut stored);
        }
        st.objects.insert(k, stored.clone());
        Ok(stored)
    }

    /// The namespace of a namespaced object, which must exist (404 as the API server answers).
    fn namespace_of<'r>(&self, r: &'r ObjRef) -> Result<Option<&'r str>, ClusterError> {
        let Some(ns) = r
            .namespace
            .as_deref()
            .filter(|_| !is_cluster_scoped(&r.kind))
        else {
            return Ok(None);
        };
        match self.peek(&ObjRef::new("v1", "Namespace", None, ns)) {
            Some(_) => Ok(Some(ns)),
            None => Err(ClusterError::NotFound(format!(
                "namespaces \"{ns}\" not found"
            ))),
        }
    }

    /// A create of `r` refused while its namespace or its kind's CRD is being deleted (the API
    /// server's 403). A POST (`post`) is a create whatever exists; an apply only when `r` does
    /// not exist (else it is an update).
    fn refuse_create(&self, r: &ObjRef, post: bool) -> Result<(), ClusterError> {
        let st = self.state.lock().unwrap();
        match !post && st.objects.contains_key(&key(r)) {
            true => Ok(()),
            false => deletion::refuse_create(&st.objects, r).map_or(Ok(()), Err),
        }
    }

    /// Remove an object without counting a request.
    pub fn remove(&self, r: &ObjRef) -> Option<Value> {
        self.state.lock().unwrap().objects.remove(&key(r))
    }

    /// Read an object without counting a request.
    pub fn peek(&self, r: &ObjRef) -> Option<Value> {
        self.state.lock().unwrap().objects.get(&key(r)).cloned()
    }

    /// Every stored object (for assertions).
    pub fn objects(&self) -> Vec<Value> {
        self.state
            .lock()
            .unwrap()
            .objects
            .values()
            .cloned()
            .collect()
    }

    pub fn inject(&self, fault: Fault) {
        self.state.lock().unwrap().faults.push(fault);
    }

    pub fn clear_faults(&self) {
        self.state.lock().unwrap().faults.clear();
    }

    /// How fast the deletion controllers remove what a CRD or namespace being deleted holds
    /// (default: all of it before the next request).
    pub fn set_deletion_pace(&self, pace: Pace) {
        self.state.lock().unwrap().pace = pace;
    }

    /// One round of the deletion controllers, removing up to `budget` objects of each CRD and
    /// namespace being deleted (see [`Pace`]), without counting a request.
    pub fn step_deletions(&self, budget: usize) {
        deletion::advance(&mut self.state.lock().unwrap().objects, budget);
    }

    /// Let the deletion controllers finish: everything being deleted that no finalizer holds is
    /// gone.
    pub fn settle_deletions(&self) {
        let mut st = self.state.lock().unwrap();
        loop {
            let before = st.objects.len();
            deletion::advance(&mut st.objects, usize::MAX);
            if st.objects.len() == before {
                break;
            }
        }
    }

    /// Make every request fail as if the API server could not be reached.
    pub fn set_unreachable(&self, unreachable: bool) {
        self.state.lock().unwrap().unreachable = unreachable;
    }
}

/// A CRD's NamesAccepted and Established conditions True, as the API server's controllers set
/// them moments after it is made.
fn established(crd: &mut Value) {
    if !crd["status"]["conditions"].is_array() {
        crd["status"]["conditions"] = json!([]);
    }
    let conditions = crd["status"]["conditions"]
        .as_array_mut()
        .expect("an array");
    for t in ["NamesAccepted", "Established"] {
        conditions.retain(|c| c["type"] != t);
        conditions.push(json!({"type": t, "status": "True"}));
    }
}

fn key(r: &ObjRef) -> ObjRef {
    let mut k = r.clone();
    if is_cluster_scoped(&k.kind) {
        k.namespace = None;
    }
    k
}

#[async_trait]
impl Cluster for MemoryCluster {
    fn info(&self) -> ClusterInfo {
        self.info.clone()
    }

    async fn server_version(&self) -> Result<String, ClusterError> {
        self.enter(Verb::Version, None, None, "version".into())
            .await?;
        Ok(self.version.clone())
    }

    async fn get(&self, r: &ObjRef) -> Result<Option<Value>, ClusterError> {
        self.enter(Verb::Get, Some(&r.kind), Some(&r.name), r.to_string())
            .await?;
        Ok(self.peek(r))
    }

    async fn list(&self, q: &ListQuery) -> Result<Vec<Value>, ClusterError> {
        self.enter_scoped(
            Verb::List,
            Some(&q.kind),
            None,
            q.namespace.is_none() && !is_cluster_scoped(&q.kind),
            format!(
                "{} {:?} {:?} {:?}",
                q.kind, q.namespace, q.label_selector, q.field_selector
            ),
        )
        .await?;
        let st = self.state.lock().unwrap();
        Ok(st
            .objects
            .iter()
            .filter(|(r, _)| r.api_version == q.api_version && r.kind == q.kind)
            .filter(|(r, _)| {
                q.namespace.is_none() || is_cluster_scoped(&r.kind) || r.namespace == q.namespace
            })
            .filter(|(_, o)| {
                q.label_selector.as_deref().is_none_or(|s| {
                    selector_matches(s, o.pointer("/metadata/labels").and_then(Value::as_object))
                })
            })
            .filter(|(_, o)| {
                q.field_selector
                    .as_deref()
                    .is_none_or(|s| field_selector_matches(s, o))
            })
            .map(|(_, o)| o.clone())
            .collect())
    }

    async fn apply(&self, obj: &Value, opts: ApplyOptions) -> Result<Value, ClusterError> {
        let r = ObjRef::of(obj)?;
        self.enter(Verb::Apply, Some(&r.kind), Some(&r.name), r.to_string())
            .await?;
        if !is_cluster_scoped(&r.kind) && r.namespace.is_none() {
            return Err(ClusterError::Invalid(format!(
                "{} needs metadata.namespace",
                r.kind
            )));
        }
        self.namespace_of(&r)?;
        self.write_as(
            obj,
            crate::FIELD_MANAGER,
            super::ssa::Operation::Apply { force: opts.force },
        )
    }

    async fn dry_run_create(&self, obj: &Value) -> Result<Value, ClusterError> {
        let r = ObjRef::of(obj)?;
        self.enter(Verb::DryRun, Some(&r.kind), Some(&r.name), r.to_string())
            .await?;
        let ns = self.namespace_of(&r)?;
        // admission: NamespaceLifecycle and a terminating CRD's before Pod Security
        self.refuse_create(&r, true)?;
        if let Some(ns) = ns {
            if r.kind == "Pod" {
                if let Some(refusal) = self.admit_pod(ns, obj) {
                    return Err(refusal);
                }
            }
        }
        if self.peek(&r).is_some() {
            return Err(ClusterError::Conflict(format!(
                "{} \"{}\" already exists",
                r.kind.to_lowercase(),
                r.name
            )));
        }
        Ok(obj.clone())
    }

    async fn dry_run_apply(&self, obj: &Value, manager: &str) -> Result<Value, ClusterError> {
        let r = ObjRef::of(obj)?;
        self.enter(
            Verb::DryRunApply,
            Some(&r.kind),
            Some(&r.name),
            r.to_string(),
        )
        .await?;
        self.namespace_of(&r)?;
        self.refuse_create(&r, false)?;
        let stored = self.peek(&r);
        super::ssa::write(
            stored.as_ref(),
            obj,
            manager,
            super::ssa::Operation::Apply { force: true },
        )
    }

    async fn delete(&self, r: &ObjRef) -> Result<bool, ClusterError> {
        self.enter(Verb::Delete, Some(&r.kind), Some(&r.name), r.to_string())
            .await?;
        let mut st = self.state.lock().unwrap();
        st.next_rv += 1;
        let rv = st.next_rv;
        let k = key(r);
        let Some(obj) = st.objects.get_mut(&k) else {
            return Ok(false);
        };
        if deletion::mark(obj, &r.kind) {
            obj["metadata"]["resourceVersion"] = json!(rv.to_string());
        } else {
            st.objects.remove(&k);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(ns: &str, name: &str) -> Value {
        json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":name,"namespace":ns,"labels":{"a":"1"}},"data":{"k":"dg=="}})
    }

    #[tokio::test]
    async fn apply_needs_the_namespace_then_applies_and_counts() {
        let c = MemoryCluster::new();
        let err = c
            .apply(&secret("m", "s"), ApplyOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(err, ClusterError::NotFound(_)));
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.apply(&secret("m", "s"), ApplyOptions::default())
            .await
            .unwrap();
        let stored = c
            .apply(
                &json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"m","labels":{"a":"1"}},"data":{"j":"dw=="}}),
                ApplyOptions::default(),
            )
            .await
            .unwrap();
        // server-side apply: the manager stopped sending data.k, so the apply removed it
        assert!(stored["data"].get("k").is_none(), "{stored}");
        assert_eq!(stored["data"]["j"], "dw==");
        assert_eq!(c.count(Verb::Apply), 3);
        assert_eq!(c.writes(), 3);
        let listed = c
            .list(
                &ListQuery::new("v1", "Secret")
                    .in_namespace("m")
                    .labels("a=1"),
            )
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert!(c
            .list(&ListQuery::new("v1", "Secret").labels("a=2"))
            .await
            .unwrap()
            .is_empty());
        assert!(c
            .delete(&ObjRef::of(&secret("m", "s")).unwrap())
            .await
            .unwrap());
        assert!(!c
            .delete(&ObjRef::of(&secret("m", "s")).unwrap())
            .await
            .unwrap());
        assert_eq!(c.writes(), 5);
    }
}
