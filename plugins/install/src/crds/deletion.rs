//! CRDs being deleted. A deleted CRD is not gone at once: the API server marks it (Terminating,
//! finalizer `customresourcecleanup.apiextensions.k8s.io`), deletes every object of its kind
//! (hundreds take a while; one with finalizers of its own waits for its controller), and only
//! then removes it. Meanwhile it still looks Established, and no object of its kind can be
//! created: an install that applied the CRD then would see helm fail half-way. So `uninstall
//! --delete-crds` returns only once they are gone, and `install` waits for them before it
//! creates them again; both say what is left while they wait, and on timeout what holds them.
use super::contents::{counted, Served};
use promstack_shared::cluster::{finalizers_at, Cluster, ClusterError, ObjRef};
use promstack_shared::ui::{human_duration, Ui};
use promstack_shared::wait::WaitOptions;
use promstack_shared::Error;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// The first pause between two looks; it doubles up to the wait's interval.
const FIRST_PAUSE: Duration = Duration::from_millis(50);

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

/// Wait until none of `crds` exists, bounded by `opts.timeout`: each look reads them at once and
/// counts the objects each one still has, for the spinner (`deleting 302 ServiceMonitors`). On
/// timeout: a run-time failure (exit 1) naming each CRD still Terminating and what holds it.
pub async fn wait_gone(
    cluster: &dyn Cluster,
    crds: &[ObjRef],
    opts: WaitOptions,
    ui: &Ui,
) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let bar = ui.spinner(&format!("waiting for {} CRDs to be deleted", crds.len()));
    let mut pending: Vec<ObjRef> = crds.to_vec();
    let mut pause = FIRST_PAUSE.min(opts.interval);
    let mut said = false;
    loop {
        match look(cluster, &pending).await {
            Ok(left) if left.is_empty() => {
                bar.finish_and_clear();
                return Ok(start.elapsed());
            }
            Ok(left) => {
                let now = progress(&left, crds.len());
                if !said {
                    ui.step(&format!("waiting for the CRDs to be deleted: {now}"));
                    said = true;
                }
                bar.set_message(now);
                pending = left.iter().map(|l| super::objref(&l.crd)).collect();
                if Instant::now() >= deadline {
                    bar.finish_and_clear();
                    return Err(Error::runtime(timed_out(&left, start.elapsed())).into());
                }
            }
            // 429, 5xx, unreachable: look again, until the deadline
            Err(e) if e.is_transient() || matches!(e, ClusterError::Unreachable(_)) => {
                if Instant::now() >= deadline {
                    bar.finish_and_clear();
                    return Err(Error::runtime(format!(
                        "timed out after {} waiting for the CRDs to be deleted: {e}",
                        human_duration(start.elapsed())
                    ))
                    .into());
                }
            }
            Err(e) => {
                bar.finish_and_clear();
                return Err(
                    Error::runtime(format!("waiting for the CRDs to be deleted: {e}")).into(),
                );
            }
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(opts.interval);
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

/// The timeout: each CRD still Terminating and what holds it (its finalizers, the objects left
/// and their own finalizers, what the API server says in its Terminating condition).
fn timed_out(left: &[Left], waited: Duration) -> String {
    let mut out = format!(
        "timed out after {} waiting for the CRDs to be deleted; still Terminating:",
        human_duration(waited)
    );
    for l in left {
        out.push_str(&format!("\n  {}: {}", l.name(), holders(l).join("; ")));
    }
    let first = left.first().map_or("NAME", Left::name);
    out.push_str(&format!(
        "\nThe API server deletes every object of a CRD's kind before the CRD; an object with finalizers of its own waits for the controller that set them. Wait for them (kubectl wait --for=delete crd/{first} --timeout=10m) or run again with a longer --timeout; nothing else is left to remove."
    ));
    out
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
        .filter(|crd| promstack_shared::cluster::is_terminating(crd))
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
        let left = [Left {
            crd: crd("ServiceMonitor"),
            objects: held,
        }];
        let msg = timed_out(&left, Duration::from_secs(300));
        assert!(msg.starts_with("timed out after 5m00s waiting for the CRDs to be deleted; still Terminating:\n  servicemonitors.monitoring.coreos.com: finalizers customresourcecleanup.apiextensions.k8s.io; 5 ServiceMonitors left (team/o0, team/o1, team/o2, …); held by finalizers of their own: ServiceMonitor team/o0 by example.org/keep; the API server says: InstanceDeletionInProgress: CustomResource deletion is in progress\n"), "{msg}");
        assert!(
            msg.contains("kubectl wait --for=delete crd/servicemonitors.monitoring.coreos.com"),
            "{msg}"
        );
    }
}
