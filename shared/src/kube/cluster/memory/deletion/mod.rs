//! Deletion as the API server does it, for the in-memory cluster: what a DELETE marks instead of
//! removing, what the deletion controllers then remove over time, and the creates refused
//! meanwhile. Modelled on kube-apiserver 1.34 (k8s.io/apiextensions-apiserver and
//! k8s.io/apiserver v0.34):
//!
//! - a CustomResourceDefinition: the first DELETE sets `deletionTimestamp`, adds the finalizer
//!   [`CRD_CLEANUP`] and the condition `Terminating=True` (`InstanceDeletionPending`); the CRD
//!   finalizer controller then says `InstanceDeletionInProgress`, deletes every object of the
//!   CRD's kind (in every namespace, any version), and once none is left removes its finalizer,
//!   and the CRD goes. Meanwhile its objects are still served (get, list, update, delete) and
//!   a create of one, by POST or by a server-side apply that would create it, is refused:
//!   403 `<plural>.<group> "<name>" is forbidden: create not allowed while custom resource
//!   definition is terminating`. A server-side apply of the CRD itself is an update and is
//!   accepted: the CRD stays Terminating (deletionTimestamp and finalizer stay) and goes all the
//!   same;
//! - a Namespace: the first DELETE sets `deletionTimestamp` and `status.phase: Terminating` (the
//!   `kubernetes` finalizer in `spec.finalizers` holds it); the namespace controller deletes
//!   everything in it, then the namespace goes. After each of its rounds it says in the
//!   namespace's five deletion conditions what is left (k8s.io/kubernetes 1.34
//!   pkg/controller/namespace/deletion): `NamespaceContentRemaining` (`Some resources are
//!   remaining: <resource>.<group> has <n> resource instances, ...`) and
//!   `NamespaceFinalizersRemaining` (`Some content in the namespace has finalizers remaining:
//!   <finalizer> in <n> resource instances, ...`) True while there is, and the failures False.
//!   Meanwhile NamespaceLifecycle admission refuses every create in it: 403 `<resource> "<name>"
//!   is forbidden: unable to create new content in namespace <ns> because it is being
//!   terminated`;
//! - any other object with `metadata.finalizers`: marked (`deletionTimestamp`), and gone once
//!   its finalizers are removed.
//!
//! The controllers' pace is the test's to set ([`Pace`]): objects removed per request served, or
//! only when the test steps them.
use super::super::{finalizers_at, is_cluster_scoped, ClusterError, ObjRef};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The finalizer the API server puts on a CRD being deleted until its objects are gone.
pub const CRD_CLEANUP: &str = "customresourcecleanup.apiextensions.k8s.io";

/// How fast the deletion controllers of the in-memory cluster work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Before each request is served, each CRD and namespace being deleted loses up to this many
    /// of its objects; one with none left goes itself. The default is `usize::MAX`: what is
    /// marked by a DELETE is gone by the request after it, as on a quiet API server.
    PerRequest(usize),
    /// Only when the test says so ([`super::MemoryCluster::step_deletions`]).
    Manual,
}

impl Default for Pace {
    fn default() -> Self {
        Pace::PerRequest(usize::MAX)
    }
}

type Objects = BTreeMap<ObjRef, Value>;

fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Marked by a DELETE (what the controllers act on; a seeded namespace that only says
/// `status.phase: Terminating` is refused new content but left as it is).
fn being_deleted(obj: &Value) -> bool {
    obj.pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
}

/// Everything that holds an object back: `metadata.finalizers`, and a namespace's `spec.finalizers`.
fn held(obj: &Value) -> bool {
    !finalizers_at(obj, "/metadata/finalizers").is_empty()
        || !finalizers_at(obj, "/spec/finalizers").is_empty()
}

fn add_finalizer(obj: &mut Value, pointer: &str, name: &str) {
    let mut list = finalizers_at(obj, pointer);
    if !list.iter().any(|f| f == name) {
        list.push(name.into());
    }
    let (parent, field) = pointer.rsplit_once('/').expect("a pointer to a field");
    obj.pointer_mut(parent).expect("the parent exists")[field] = json!(list);
}

fn remove_finalizer(obj: &mut Value, pointer: &str, name: &str) {
    if let Some(list) = obj.pointer_mut(pointer).and_then(Value::as_array_mut) {
        list.retain(|f| f != name);
    }
}

/// A CRD's `Terminating` condition, set as the API server sets it.
fn terminating(crd: &mut Value, status: &str, reason: &str, message: &str) {
    if !crd["status"]["conditions"].is_array() {
        crd["status"]["conditions"] = json!([]);
    }
    let conditions = crd["status"]["conditions"]
        .as_array_mut()
        .expect("an array");
    conditions.retain(|c| c["type"] != "Terminating");
    conditions.push(
        json!({"type": "Terminating", "status": status, "reason": reason,
        "message": message, "lastTransitionTime": now()}),
    );
}

/// A DELETE of `obj`: `true` when it is only marked (a CRD, a namespace, an object with
/// finalizers) and stays for now, `false` when it goes at once.
pub(super) fn mark(obj: &mut Value, kind: &str) -> bool {
    if !being_deleted(obj)
        && (kind == "CustomResourceDefinition" || kind == "Namespace" || held(obj))
    {
        obj["metadata"]["deletionTimestamp"] = json!(now());
    }
    match kind {
        "CustomResourceDefinition" => {
            add_finalizer(obj, "/metadata/finalizers", CRD_CLEANUP);
            let pending = "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon";
            terminating(obj, "True", "InstanceDeletionPending", pending);
            true
        }
        "Namespace" => {
            if obj.pointer("/spec/finalizers").is_none() {
                obj["spec"]["finalizers"] = json!(["kubernetes"]);
            }
            obj["status"]["phase"] = json!("Terminating");
            true
        }
        _ => held(obj),
    }
}

/// The group of an apiVersion (`""` for the core group).
fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Is `r` an object the deletion of `owner` (a CRD, a namespace) removes?
fn belongs_to(owner_ref: &ObjRef, owner: &Value, r: &ObjRef) -> bool {
    match owner_ref.kind.as_str() {
        "Namespace" => {
            !is_cluster_scoped(&r.kind) && r.namespace.as_deref() == Some(owner_ref.name.as_str())
        }
        "CustomResourceDefinition" => {
            owner.pointer("/spec/names/kind").and_then(Value::as_str) == Some(r.kind.as_str())
                && owner.pointer("/spec/group").and_then(Value::as_str)
                    == Some(group_of(&r.api_version))
        }
        _ => false,
    }
}

/// One round of the deletion controllers: each CRD and namespace being deleted loses up to
/// `budget` of its objects (one with finalizers of its own is marked and waits for them); one
/// with none left drops its finalizer. Then every object being deleted that nothing holds goes.
pub(super) fn advance(objects: &mut Objects, budget: usize) {
    let owners: Vec<ObjRef> = objects
        .iter()
        .filter(|(r, o)| {
            being_deleted(o) && matches!(r.kind.as_str(), "Namespace" | "CustomResourceDefinition")
        })
        .map(|(r, _)| r.clone())
        .collect();
    for owner_ref in owners {
        let owner = objects[&owner_ref].clone();
        let contents: Vec<ObjRef> = objects
            .keys()
            .filter(|r| belongs_to(&owner_ref, &owner, r))
            .cloned()
            .collect();
        let mut removed = 0;
        for r in &contents {
            let obj = objects.get_mut(r).expect("listed just now");
            if held(obj) {
                // deleted, and waiting for its own finalizers
                if !being_deleted(obj) {
                    obj["metadata"]["deletionTimestamp"] = json!(now());
                }
            } else if removed < budget {
                objects.remove(r);
                removed += 1;
            }
        }
        let left = contents.iter().any(|r| objects.contains_key(r));
        // what the namespace controller says is left (a CRD says nothing of its objects)
        let remaining: Vec<(String, Vec<String>)> = contents
            .iter()
            .filter(|_| owner_ref.kind == "Namespace")
            .filter_map(|r| objects.get(r).map(|o| (r, o)))
            .map(|(r, o)| {
                let finalizers = finalizers_at(o, "/metadata/finalizers");
                (content_resource(objects, r), finalizers)
            })
            .collect();
        let owner = objects
            .get_mut(&owner_ref)
            .expect("owners stay in this round");
        match (owner_ref.kind.as_str(), left) {
            ("CustomResourceDefinition", true) => {
                let msg = "CustomResource deletion is in progress";
                terminating(owner, "True", "InstanceDeletionInProgress", msg);
            }
            ("CustomResourceDefinition", false) => {
                terminating(
                    owner,
                    "False",
                    "InstanceDeletionCompleted",
                    "removed all instances",
                );
                remove_finalizer(owner, "/metadata/finalizers", CRD_CLEANUP);
            }
            (_, left) => {
                owner["status"]["conditions"] = namespace_conditions(&remaining);
                if !left {
                    remove_finalizer(owner, "/spec/finalizers", "kubernetes");
                }
            }
        }
    }
    objects.retain(|_, o| !being_deleted(o) || held(o));
}

/// A resource as the namespace controller names it in its conditions: `<resource>.<group>`,
/// `pods.` for the core group.
fn content_resource(objects: &Objects, r: &ObjRef) -> String {
    match group_of(&r.api_version) {
        "" => format!("{}.", resource(objects, r)),
        _ => resource(objects, r),
    }
}

/// The namespace controller's five conditions after a round, from what is left in the namespace
/// (each object's resource and finalizers): the content and finalizers remaining True while
/// there are some, the others in their "it worked" form, as `namespaceConditionUpdater` sets them.
fn namespace_conditions(remaining: &[(String, Vec<String>)]) -> Value {
    let mut by_resource: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_finalizer: BTreeMap<&str, usize> = BTreeMap::new();
    for (resource, finalizers) in remaining {
        *by_resource.entry(resource).or_default() += 1;
        for f in finalizers {
            *by_finalizer.entry(f).or_default() += 1;
        }
    }
    let ok = |t: &str, reason: &str, message: &str| json!({"type": t, "status": "False", "reason": reason, "message": message, "lastTransitionTime": now()});
    let listed = |counts: BTreeMap<&str, usize>, how: &str| {
        let mut parts: Vec<String> = counts
            .into_iter()
            .map(|(what, n)| format!("{what} {how} {n} resource instances"))
            .collect();
        parts.sort();
        parts.join(", ")
    };
    let removed = "All content successfully removed";
    let content = match by_resource.is_empty() {
        true => ok("NamespaceContentRemaining", "ContentRemoved", removed),
        false => {
            json!({"type": "NamespaceContentRemaining", "status": "True", "reason": "SomeResourcesRemain",
            "message": format!("Some resources are remaining: {}", listed(by_resource, "has")), "lastTransitionTime": now()})
        }
    };
    let finalizers = match by_finalizer.is_empty() {
        true => ok("NamespaceFinalizersRemaining", "ContentRemoved", removed),
        false => {
            json!({"type": "NamespaceFinalizersRemaining", "status": "True", "reason": "SomeFinalizersRemain",
            "message": format!("Some content in the namespace has finalizers remaining: {}", listed(by_finalizer, "in")), "lastTransitionTime": now()})
        }
    };
    json!([
        ok(
            "NamespaceDeletionDiscoveryFailure",
            "ResourcesDiscovered",
            "All resources successfully discovered"
        ),
        ok(
            "NamespaceDeletionGroupVersionParsingFailure",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed"
        ),
        ok(
            "NamespaceDeletionContentFailure",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization"
        ),
        content,
        finalizers,
    ])
}

/// The resource name the API server says in its errors: `configmaps`, `deployments.apps`, a
/// CRD's `<plural>.<group>`.
fn resource(objects: &Objects, r: &ObjRef) -> String {
    let group = group_of(&r.api_version);
    let plural = crd_of(objects, r)
        .and_then(|crd| crd.pointer("/spec/names/plural").and_then(Value::as_str))
        .map(String::from)
        .unwrap_or_else(|| plural(&r.kind));
    match group {
        "" => plural,
        g => format!("{plural}.{g}"),
    }
}

/// The lower-case plural of a built-in kind, as its resource is named.
fn plural(kind: &str) -> String {
    let k = kind.to_lowercase();
    if let Some(stem) = k
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if k.ends_with('s') || k.ends_with("ch") || k.ends_with('x') {
        format!("{k}es")
    } else {
        format!("{k}s")
    }
}

/// The CRD that serves `r`'s kind, if one does.
fn crd_of<'a>(objects: &'a Objects, r: &ObjRef) -> Option<&'a Value> {
    objects
        .iter()
        .filter(|(k, _)| k.kind == "CustomResourceDefinition")
        .map(|(_, crd)| crd)
        .find(|crd| {
            crd.pointer("/spec/names/kind").and_then(Value::as_str) == Some(r.kind.as_str())
                && crd.pointer("/spec/group").and_then(Value::as_str)
                    == Some(group_of(&r.api_version))
        })
}

/// The API server's answer to a create of `r` (which does not exist yet) while its namespace or
/// its kind's CRD is being deleted; `None` when the create may go ahead.
pub(super) fn refuse_create(objects: &Objects, r: &ObjRef) -> Option<ClusterError> {
    let forbidden = |why: String| ClusterError::Api {
        code: 403,
        message: format!(
            "{} \"{}\" is forbidden: {why}",
            resource(objects, r),
            r.name
        ),
    };
    if let Some(ns) = r
        .namespace
        .as_deref()
        .filter(|_| !is_cluster_scoped(&r.kind))
    {
        let namespace = objects.get(&ObjRef::new("v1", "Namespace", None, ns));
        if namespace.and_then(|n| n.pointer("/status/phase")) == Some(&json!("Terminating")) {
            return Some(forbidden(format!(
                "unable to create new content in namespace {ns} because it is being terminated"
            )));
        }
    }
    let crd = crd_of(objects, r)?;
    let is_terminating = crd
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Terminating" && c["status"] == "True")
        });
    is_terminating.then(|| {
        forbidden("create not allowed while custom resource definition is terminating".into())
    })
}

#[cfg(test)]
mod tests;
