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
mod faults;
mod pod_security;

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
}

/// One request under way; taken off when it ends, or when its future is dropped.
struct InFlight<'a>(&'a Mutex<State>, u64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap()
            .in_flight
            .retain(|(id, _)| *id != self.1);
    }
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
        let mut stored = super::ssa::write(st.objects.get(&k), obj, manager, op)?;
        if stored.pointer("/metadata/uid").is_none() {
            stored["metadata"]["uid"] = json!(format!("uid-{rv}"));
            stored["metadata"]["creationTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        stored["metadata"]["resourceVersion"] = json!(rv.to_string());
        if r.kind == "CustomResourceDefinition" {
            stored["status"] = json!({"conditions": [
                {"type": "NamesAccepted", "status": "True"},
                {"type": "Established", "status": "True"}
            ]});
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

    /// Make every request fail as if the API server could not be reached.
    pub fn set_unreachable(&self, unreachable: bool) {
        self.state.lock().unwrap().unreachable = unreachable;
    }

    /// Requests served of one verb (failed ones included).
    pub fn count(&self, verb: Verb) -> usize {
        *self.state.lock().unwrap().counts.get(&verb).unwrap_or(&0)
    }

    /// All requests served.
    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().counts.values().sum()
    }

    /// Write requests (apply, delete) served.
    pub fn writes(&self) -> usize {
        let st = self.state.lock().unwrap();
        st.counts
            .iter()
            .filter(|(v, _)| v.is_write())
            .map(|(_, n)| n)
            .sum()
    }

    /// The requests served, in order, as `(verb, "Kind ns/name")`.
    pub fn log(&self) -> Vec<(Verb, String)> {
        self.state.lock().unwrap().log.clone()
    }

    /// Also append every request, as `Verb what`, to this file as it is served: for tests that
    /// run a plugin in another process (a pseudo-terminal) and read what it did afterwards, even
    /// when a signal ended it.
    pub fn journal_to(&self, path: impl Into<std::path::PathBuf>) {
        self.state.lock().unwrap().journal = Some(path.into());
    }

    pub fn reset_counts(&self) {
        let mut st = self.state.lock().unwrap();
        st.counts.clear();
        st.log.clear();
        st.max_in_flight = st.in_flight.len();
        st.overlaps.clear();
    }

    /// The most requests that were under way at once (a request is under way while a slow fault
    /// delays it, so inject [`Fault::slow`] to see whether a caller overlaps its requests).
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Each time a request started while others were under way: all of them, as `Verb Kind`
    /// (`Get StorageClass`, `List Node`, `Version`).
    pub fn overlaps(&self) -> Vec<Vec<String>> {
        self.state.lock().unwrap().overlaps.clone()
    }

    async fn enter(
        &self,
        verb: Verb,
        kind: Option<&str>,
        name: Option<&str>,
        what: String,
    ) -> Result<(), ClusterError> {
        self.enter_scoped(verb, kind, name, false, what).await
    }

    /// [`Self::enter`] for a request that may span every namespace (a list without one).
    async fn enter_scoped(
        &self,
        verb: Verb,
        kind: Option<&str>,
        name: Option<&str>,
        every_namespace: bool,
        what: String,
    ) -> Result<(), ClusterError> {
        let (delay, error, id) = {
            let mut st = self.state.lock().unwrap();
            *st.counts.entry(verb).or_default() += 1;
            if let Some(path) = &st.journal {
                use std::io::Write;
                let line = format!("{verb:?} {what}\n");
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .and_then(|mut f| f.write_all(line.as_bytes()))
                    .expect("the journal file can be written");
            }
            st.log.push((verb, what));
            if st.unreachable {
                return Err(ClusterError::Unreachable(
                    "dial tcp: connection refused".into(),
                ));
            }
            let mut delay = None;
            let mut error = None;
            for f in st.faults.iter_mut() {
                if f.hits(verb, kind, name, every_namespace) {
                    if let Some(n) = f.times.as_mut() {
                        *n -= 1;
                    }
                    delay = delay.or(f.delay);
                    if error.is_none() {
                        error = f.error.clone();
                    }
                }
            }
            st.next_request += 1;
            let id = st.next_request;
            let label = format!("{verb:?} {}", kind.unwrap_or_default());
            st.in_flight.push((id, label.trim_end().to_string()));
            st.max_in_flight = st.max_in_flight.max(st.in_flight.len());
            if st.in_flight.len() > 1 {
                let now = st.in_flight.iter().map(|(_, l)| l.clone()).collect();
                st.overlaps.push(now);
            }
            (delay, error, id)
        };
        let under_way = InFlight(&self.state, id);
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        drop(under_way);
        match error {
            Some(e) => Err(e),
            None => Ok(()),
        }
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
        if let Some(ns) = self.namespace_of(&r)? {
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
        let removed = st.objects.remove(&key(r)).is_some();
        if removed && r.kind == "Namespace" {
            st.objects
                .retain(|k, _| k.namespace.as_deref() != Some(&r.name));
        }
        Ok(removed)
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
