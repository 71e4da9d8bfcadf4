//! A namespace being deleted. The first DELETE marks it (`deletionTimestamp`, `status.phase:
//! Terminating`, the `kubernetes` finalizer in `spec.finalizers`); the namespace controller then
//! deletes everything in it, round after round, and only then removes it. After each round it
//! says in the namespace's conditions what is left (k8s.io/kubernetes 1.34,
//! pkg/controller/namespace/deletion): `NamespaceContentRemaining` (`Some resources are remaining:
//! pods. has 3 resource instances, persistentvolumeclaims. has 2 resource instances`),
//! `NamespaceFinalizersRemaining` (`Some content in the namespace has finalizers remaining:
//! kubernetes.io/pvc-protection in 2 resource instances`), and what failed
//! (`NamespaceDeletionContentFailure`, `NamespaceDeletionDiscoveryFailure`,
//! `NamespaceDeletionGroupVersionParsingFailure`). That is what is read here: one request a look,
//! and the API server's own count of everything in the namespace, whatever its kind.
use super::Deleting;
use crate::kube::cluster::{finalizers_at, is_terminating, Cluster, ClusterError, ObjRef};
use async_trait::async_trait;
use serde_json::Value;

/// A namespace being deleted, as last read.
pub struct NamespaceDeletion {
    name: String,
    live: Option<Value>,
}

impl NamespaceDeletion {
    /// Namespace `name`, not read yet.
    pub fn new(name: &str) -> Self {
        NamespaceDeletion {
            name: name.into(),
            live: None,
        }
    }

    /// From the namespace as just read.
    pub fn of(namespace: Value) -> Self {
        NamespaceDeletion {
            name: namespace["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .into(),
            live: Some(namespace),
        }
    }

    fn condition(&self, t: &str) -> Option<&Value> {
        self.live
            .as_ref()?
            .pointer("/status/conditions")
            .and_then(Value::as_array)?
            .iter()
            .find(|c| c["type"] == t && c["status"] == "True")
    }

    /// What the namespace controller says is left, by resource (`pods`, `widgets.example.org`):
    /// none when it says nothing is (or nothing yet, or in words it cannot be read by).
    pub fn left(&self) -> Vec<(String, usize)> {
        let Some(message) = self
            .condition("NamespaceContentRemaining")
            .and_then(|c| c["message"].as_str())
        else {
            return vec![];
        };
        let listed = message
            .split_once(": ")
            .map_or(message, |(_, listed)| listed);
        listed
            .split(", ")
            .filter_map(|part| {
                let (resource, count) = part.split_once(" has ")?;
                let n = count.strip_suffix(" resource instances")?.parse().ok()?;
                Some((resource.trim_end_matches('.').to_string(), n))
            })
            .collect()
    }

    /// `namespace monitoring: finalizers kubernetes; 3 objects left (persistentvolumeclaims: 2,
    /// pods: 1); the API server says: NamespaceFinalizersRemaining: ...`.
    fn held_by(&self) -> String {
        let Some(live) = &self.live else {
            return format!("namespace {}", self.name);
        };
        let mut what = Vec::new();
        let mut finalizers = finalizers_at(live, "/spec/finalizers");
        finalizers.extend(finalizers_at(live, "/metadata/finalizers"));
        if !finalizers.is_empty() {
            what.push(format!("finalizers {}", finalizers.join(", ")));
        }
        let left = self.left();
        if !left.is_empty() {
            let kinds: Vec<String> = left.iter().map(|(r, n)| format!("{r}: {n}")).collect();
            what.push(format!(
                "{} left ({})",
                objects(left.iter().map(|(_, n)| n).sum()),
                kinds.join(", ")
            ));
        }
        let said: Vec<String> = live
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|c| c["status"] == "True")
            // the count of what is left is said above, when it could be read
            .filter(|c| c["type"] != "NamespaceContentRemaining" || left.is_empty())
            .map(|c| {
                let t = c["type"].as_str().unwrap_or_default();
                format!("{t}: {}", c["message"].as_str().unwrap_or_default())
            })
            .collect();
        match (
            said.is_empty(),
            live.pointer("/status/conditions").is_some(),
        ) {
            (false, _) => what.push(format!("the API server says: {}", said.join("; "))),
            (true, false) => {
                what.push("the namespace controller has not said what is left yet".into())
            }
            (true, true) => {}
        }
        format!("namespace {}: {}", self.name, what.join("; "))
    }
}

/// `1 object`, `12 objects`.
fn objects(n: usize) -> String {
    match n {
        1 => "1 object".into(),
        n => format!("{n} objects"),
    }
}

#[async_trait]
impl Deleting for NamespaceDeletion {
    fn what(&self) -> String {
        format!("namespace {}", self.name)
    }

    /// Gone once it is not there, or there anew (not Terminating: made again since).
    async fn look(&mut self, cluster: &dyn Cluster) -> Result<bool, ClusterError> {
        let r = ObjRef::new("v1", "Namespace", None, &self.name);
        self.live = cluster.get(&r).await?;
        Ok(!self.live.as_ref().is_some_and(is_terminating))
    }

    fn progress(&self) -> String {
        match self.left().iter().map(|(_, n)| n).sum() {
            0 => format!("deleting namespace {}", self.name),
            n => format!("deleting namespace {}: {} left", self.name, objects(n)),
        }
    }

    fn holders(&self) -> Vec<String> {
        vec![self.held_by()]
    }

    fn why(&self) -> String {
        "The namespace controller deletes everything in a namespace before the namespace; an object with finalizers of its own waits for the controller that set them (a PersistentVolumeClaim for its pod, a custom resource for its operator).".into()
    }

    fn wait_command(&self) -> String {
        format!(
            "kubectl wait --for=delete namespace/{} --timeout=10m",
            self.name
        )
    }
}
