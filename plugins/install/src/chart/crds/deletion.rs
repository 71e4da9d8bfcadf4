//! CRDs being deleted. A deleted CRD is not gone at once: the API server marks it (Terminating,
//! finalizer `customresourcecleanup.apiextensions.k8s.io`), deletes every object of its kind
//! (hundreds take a while; one with finalizers of its own waits for its controller), and only
//! then removes it. Meanwhile it still looks Established, and no object of its kind can be
//! created: an install that applied the CRD then would see helm fail half-way. So `uninstall
//! --delete-crds` returns only once they are gone, and `install` waits for them before it
//! creates them again; both say what is left while they wait, and on timeout what holds them
//! ([`CrdDeletion`], waited for as a namespace is: [`promstack_shared::kube::wait::deletion`]).
use super::contents::{counted, Served};
use async_trait::async_trait;
use promstack_shared::kube::cluster::{finalizers_at, Cluster, ClusterError, ObjRef};
use promstack_shared::kube::wait::deletion::Deleting;
use serde_json::Value;

/// A CRD still there, with the objects of its kind that are left.
struct Left {
    crd: Value,
    objects: Vec<Value>,
}

impl Left {
    fn name(&self) -> &str {
        self.crd["metadata"]["name"].as_str().unwrap_or_default()
    }
    fn kind(&self) -> &str {
        self.crd
            .pointer("/spec/names/kind")
            .and_then(Value::as_str)
            .unwrap_or("object")
    }
}

/// The CRDs of a chart being deleted, for [`promstack_shared::kube::wait::deletion::wait_gone`]: each
/// look reads them at once and counts the objects each one still has (`deleting 302
/// ServiceMonitors (1 of 10 CRDs left)`); on timeout each one still Terminating is named with what
/// holds it.
pub struct CrdDeletion {
    /// How many there were.
    of: usize,
    /// Those still there as last read (all of them before the first look).
    pending: Vec<ObjRef>,
    left: Vec<Left>,
}

impl CrdDeletion {
    pub fn new(crds: &[ObjRef]) -> Self {
        CrdDeletion {
            of: crds.len(),
            pending: crds.to_vec(),
            left: vec![],
        }
    }
}

#[async_trait]
impl Deleting for CrdDeletion {
    fn what(&self) -> String {
        "the CRDs".into()
    }

    async fn look(&mut self, cluster: &dyn Cluster) -> Result<bool, ClusterError> {
        self.left = look(cluster, &self.pending).await?;
        self.pending = self.left.iter().map(|l| super::objref(&l.crd)).collect();
        Ok(self.left.is_empty())
    }

    fn progress(&self) -> String {
        progress(&self.left, self.of)
    }

    fn holders(&self) -> Vec<String> {
        self.left
            .iter()
            .map(|l| format!("{}: {}", l.name(), holders(l).join("; ")))
            .collect()
    }

    fn why(&self) -> String {
        "The API server deletes every object of a CRD's kind before the CRD; an object with finalizers of its own waits for the controller that set them.".into()
    }

    fn wait_command(&self) -> String {
        let first = self.left.first().map_or("NAME", Left::name);
        format!("kubectl wait --for=delete crd/{first} --timeout=10m")
    }
}

/// The CRDs of `refs` still there, each with its objects left (read all at once).
async fn look(cluster: &dyn Cluster, refs: &[ObjRef]) -> Result<Vec<Left>, ClusterError> {
    let reads = futures::future::join_all(refs.iter().map(|r| cluster.get(r))).await;
    let crds: Vec<Value> = reads
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let lists = futures::future::join_all(crds.iter().map(|crd| async move {
        match Served::of(crd) {
            Some(s) => s.objects(cluster).await,
            None => Ok(vec![]),
        }
    }))
    .await;
    crds.into_iter()
        .zip(lists)
        .map(|(crd, objects)| {
            Ok(Left {
                crd,
                objects: objects?,
            })
        })
        .collect()
}

/// `deleting 302 ServiceMonitors, 3 PrometheusRules (2 of 10 CRDs left)`.
fn progress(left: &[Left], of: usize) -> String {
    let objects: Vec<String> = left
        .iter()
        .filter(|l| !l.objects.is_empty())
        .map(|l| counted(l.objects.len(), l.kind()))
        .collect();
    let crds = format!("{} of {of} CRDs left", left.len());
    match objects.is_empty() {
        true => format!("the objects are gone, the API server is removing the CRDs ({crds})"),
        false => format!("deleting {} ({crds})", objects.join(", ")),
    }
}

/// What holds one CRD back.
fn holders(l: &Left) -> Vec<String> {
    let mut what = Vec::new();
    let finalizers = finalizers_at(&l.crd, "/metadata/finalizers");
    if !finalizers.is_empty() {
        what.push(format!("finalizers {}", finalizers.join(", ")));
    }
    if !l.objects.is_empty() {
        let names: Vec<String> = l.objects.iter().take(3).map(name_of).collect();
        let more = if l.objects.len() > 3 { ", …" } else { "" };
        what.push(format!(
            "{} left ({}{more})",
            counted(l.objects.len(), l.kind()),
            names.join(", ")
        ));
    }
    let held: Vec<String> = l
        .objects
        .iter()
        .filter_map(|o| {
            let f = finalizers_at(o, "/metadata/finalizers");
            (!f.is_empty()).then(|| format!("{} {} by {}", l.kind(), name_of(o), f.join(", ")))
        })
        .collect();
    if !held.is_empty() {
        what.push(format!(
            "held by finalizers of their own: {}",
            held.join(", ")
        ));
    }
    if let Some(said) = condition(&l.crd) {
        what.push(format!("the API server says: {said}"));
    }
    what
}

fn name_of(o: &Value) -> String {
    match o.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) => format!(
            "{ns}/{}",
            o["metadata"]["name"].as_str().unwrap_or_default()
        ),
        None => o["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    }
}

/// The CRD's Terminating condition: `InstanceDeletionInProgress: CustomResource deletion is in progress`.
fn condition(crd: &Value) -> Option<String> {
    let c = crd
        .pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c["type"] == "Terminating")?;
    Some(format!(
        "{}: {}",
        c["reason"].as_str().unwrap_or_default(),
        c["message"].as_str().unwrap_or_default()
    ))
}

/// The CRDs among `live` that are being deleted.
pub fn terminating(live: &[Option<Value>]) -> Vec<ObjRef> {
    live.iter()
        .flatten()
        .filter(|crd| promstack_shared::kube::cluster::is_terminating(crd))
        .map(super::objref)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd(kind: &str) -> Value {
        json!({"metadata": {"name": format!("{}s.monitoring.coreos.com", kind.to_lowercase()),
            "deletionTimestamp": "2026-01-01T00:00:00Z",
            "finalizers": ["customresourcecleanup.apiextensions.k8s.io"]},
            "spec": {"names": {"kind": kind}},
            "status": {"conditions": [{"type": "Terminating", "status": "True", "reason": "InstanceDeletionInProgress", "message": "CustomResource deletion is in progress"}]}})
    }

    fn objects(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| json!({"metadata": {"name": format!("o{i}"), "namespace": "team"}}))
            .collect()
    }

    #[test]
    fn progress_counts_what_is_left_to_delete() {
        let left = [
            Left {
                crd: crd("ServiceMonitor"),
                objects: objects(302),
            },
            Left {
                crd: crd("PrometheusRule"),
                objects: objects(3),
            },
            Left {
                crd: crd("Probe"),
                objects: vec![],
            },
        ];
        assert_eq!(
            progress(&left, 10),
            "deleting 302 ServiceMonitors, 3 PrometheusRules (3 of 10 CRDs left)"
        );
        assert_eq!(
            progress(&left[2..], 10),
            "the objects are gone, the API server is removing the CRDs (1 of 10 CRDs left)"
        );
    }

    #[test]
    fn a_timeout_names_each_crd_and_what_holds_it() {
        let mut held = objects(5);
        held[0]["metadata"]["finalizers"] = json!(["example.org/keep"]);
        let d = CrdDeletion {
            of: 10,
            pending: vec![],
            left: vec![Left {
                crd: crd("ServiceMonitor"),
                objects: held,
            }],
        };
        assert_eq!(d.holders(), ["servicemonitors.monitoring.coreos.com: finalizers customresourcecleanup.apiextensions.k8s.io; 5 ServiceMonitors left (team/o0, team/o1, team/o2, …); held by finalizers of their own: ServiceMonitor team/o0 by example.org/keep; the API server says: InstanceDeletionInProgress: CustomResource deletion is in progress"]);
        assert_eq!(
            d.wait_command(),
            "kubectl wait --for=delete crd/servicemonitors.monitoring.coreos.com --timeout=10m"
        );
    }
}
