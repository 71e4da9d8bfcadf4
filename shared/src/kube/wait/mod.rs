//! Polling waits with progress. Built on [`Cluster::get`] so it works on every implementation:
//! until objects are ready ([`wait_for`], [`wait_for_all`], [`wait_for_workloads`]), or until what
//! is being deleted is gone ([`deletion`]).
use crate::kube::cluster::{Cluster, ClusterError, ObjRef};
use crate::terminal::ui::Ui;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

pub mod deletion;
mod workloads;
pub use crate::kube::readiness::Readiness;
pub use workloads::{wait_for_workloads, Workload};

/// The first pause of a wait that reads again soon ([`wait_for_all`], [`wait_for_workloads`]):
/// it doubles each round up to the wait's interval.
const FIRST_PAUSE: Duration = Duration::from_millis(50);

/// How long and how often.
#[derive(Debug, Clone, Copy)]
pub struct WaitOptions {
    pub timeout: Duration,
    pub interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(600),
            interval: Duration::from_secs(2),
        }
    }
}

/// Why a wait ended without success.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error("timed out after {waited:?} waiting for {what}: {last}")]
    Timeout {
        what: String,
        waited: Duration,
        last: String,
    },
    #[error("waiting for {what}: {source}")]
    Cluster { what: String, source: ClusterError },
}

/// One read judged: `Ok(None)` ready, `Ok(Some(why))` not yet (a transient error (429/5xx,
/// unreachable) is a reason to read again), `Err` an error that ends the wait.
fn judge<F>(
    read: Result<Option<Value>, ClusterError>,
    check: F,
) -> Result<Option<String>, ClusterError>
where
    F: Fn(Option<&Value>) -> Readiness,
{
    match read.map(|o| check(o.as_ref())) {
        Ok(Readiness::Ready) => Ok(None),
        Ok(Readiness::Waiting(why)) => Ok(Some(why)),
        Err(e) if e.is_transient() || matches!(e, ClusterError::Unreachable(_)) => {
            Ok(Some(e.to_string()))
        }
        Err(e) => Err(e),
    }
}

/// Poll `r` until `check` says ready, or the deadline passes. Transient API errors (429/5xx,
/// unreachable) are retried until the deadline; other errors end the wait. A spinner on the
/// terminal shows what is still missing.
pub async fn wait_for<F>(
    cluster: &dyn Cluster,
    r: &ObjRef,
    what: &str,
    check: F,
    opts: WaitOptions,
    ui: &Ui,
) -> Result<Duration, WaitError>
where
    F: Fn(Option<&Value>) -> Readiness,
{
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let bar = ui.spinner(&format!("waiting for {what}"));
    let mut last;
    loop {
        match judge(cluster.get(r).await, &check) {
            Ok(None) => {
                let took = start.elapsed();
                ui.finish(
                    bar,
                    &format!(
                        "{what} ready ({})",
                        crate::terminal::ui::human_duration(took)
                    ),
                );
                return Ok(took);
            }
            Ok(Some(why)) => last = why,
            Err(e) => {
                ui.abandon(bar, &format!("{what}: {e}"));
                return Err(WaitError::Cluster {
                    what: what.into(),
                    source: e,
                });
            }
        }
        bar.set_message(format!("waiting for {what}: {last}"));
        if Instant::now() >= deadline {
            ui.abandon(bar, &format!("{what}: timed out ({last})"));
            return Err(WaitError::Timeout {
                what: what.into(),
                waited: start.elapsed(),
                last,
            });
        }
        tokio::time::sleep(
            opts.interval
                .min(deadline.saturating_duration_since(Instant::now())),
        )
        .await;
    }
}

/// Wait for every object of `refs` at once: each round reads those not ready yet together, the
/// pause between rounds growing from 50 ms to `opts.interval` (what becomes ready in a moment, a
/// CRD becoming Established, is not waited for a whole interval). One spinner names what is
/// still missing, and is cleared at the end: the caller says what was done; errors as [`wait_for`].
pub async fn wait_for_all<F>(
    cluster: &dyn Cluster,
    refs: &[ObjRef],
    what: &str,
    check: F,
    opts: WaitOptions,
    ui: &Ui,
) -> Result<Duration, WaitError>
where
    F: Fn(Option<&Value>) -> Readiness,
{
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let bar = ui.spinner(&format!("waiting for {what}"));
    let mut pending: Vec<&ObjRef> = refs.iter().collect();
    let mut pause = FIRST_PAUSE.min(opts.interval);
    loop {
        let reads = futures::future::join_all(pending.iter().map(|r| cluster.get(r))).await;
        let mut still = Vec::new();
        let mut last = String::new();
        for (r, read) in pending.iter().zip(reads) {
            match judge(read, &check) {
                Ok(None) => {}
                Ok(Some(why)) => {
                    last = format!("{}: {why}", r.name);
                    still.push(*r);
                }
                Err(e) => {
                    ui.abandon(bar, &format!("{what}: {e}"));
                    let what = format!("{what} ({})", r.name);
                    return Err(WaitError::Cluster { what, source: e });
                }
            }
        }
        pending = still;
        if pending.is_empty() {
            bar.finish_and_clear();
            return Ok(start.elapsed());
        }
        bar.set_message(format!(
            "waiting for {what}: {} to go; {last}",
            pending.len()
        ));
        if Instant::now() >= deadline {
            ui.abandon(bar, &format!("{what}: timed out ({last})"));
            return Err(WaitError::Timeout {
                what: what.into(),
                waited: start.elapsed(),
                last,
            });
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(opts.interval);
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::kube::cluster::{Fault, MemoryCluster, Verb};
    use serde_json::json;
    use std::sync::Arc;

    /// `status.ready` of a test object: true, false, or not there.
    pub(super) fn ready(o: Option<&Value>) -> Readiness {
        match o
            .and_then(|o| o.pointer("/status/ready"))
            .and_then(Value::as_bool)
        {
            Some(true) => Readiness::Ready,
            Some(false) => Readiness::Waiting("not ready".into()),
            None => Readiness::Waiting("not created yet".into()),
        }
    }

    fn obj(ready: bool) -> Value {
        json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"m"},"status":{"ready":ready}})
    }

    #[tokio::test(start_paused = true)]
    async fn waits_until_ready_through_transient_errors() {
        let c = Arc::new(MemoryCluster::new());
        c.inject(Fault::status(503).on(Verb::Get).times(2));
        let c2 = c.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            c2.insert(obj(false));
            tokio::time::sleep(Duration::from_secs(10)).await;
            c2.insert(obj(true));
        });
        let r = ObjRef::new("v1", "ConfigMap", Some("m"), "x");
        let took = wait_for(
            c.as_ref(),
            &r,
            "x",
            ready,
            WaitOptions::default(),
            &Ui::silent(),
        )
        .await
        .unwrap();
        assert!(took >= Duration::from_secs(20));
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_the_last_reason() {
        let c = MemoryCluster::new();
        c.insert(obj(false));
        let r = ObjRef::new("v1", "ConfigMap", Some("m"), "x");
        let opts = WaitOptions {
            timeout: Duration::from_secs(30),
            interval: Duration::from_secs(2),
        };
        let err = wait_for(&c, &r, "x", ready, opts, &Ui::silent())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, WaitError::Timeout { last, .. } if last == "not ready"),
            "{err}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_permanent_error_ends_the_wait() {
        let c = MemoryCluster::new();
        c.inject(Fault::status(403).on(Verb::Get));
        let r = ObjRef::new("v1", "ConfigMap", Some("m"), "x");
        let err = wait_for(&c, &r, "x", ready, WaitOptions::default(), &Ui::silent())
            .await
            .unwrap_err();
        assert!(matches!(err, WaitError::Cluster { .. }));
    }

    #[tokio::test(start_paused = true)]
    async fn all_at_once_and_what_is_ready_soon_is_not_waited_for_an_interval() {
        let c = Arc::new(MemoryCluster::new());
        c.insert(obj(true));
        let y = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"y","namespace":"m"},"status":{"ready":false}});
        c.insert(y.clone());
        let c2 = c.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(120)).await;
            let mut ready = y;
            ready["status"]["ready"] = json!(true);
            c2.insert(ready);
        });
        let refs = [
            ObjRef::new("v1", "ConfigMap", Some("m"), "x"),
            ObjRef::new("v1", "ConfigMap", Some("m"), "y"),
        ];
        let opts = WaitOptions {
            timeout: Duration::from_secs(30),
            interval: Duration::from_secs(2),
        };
        let took = wait_for_all(c.as_ref(), &refs, "both", ready, opts, &Ui::silent())
            .await
            .unwrap();
        // reads at 0, 50, 150 ms: ready at the third, long before one interval
        assert_eq!(took, Duration::from_millis(150));
        assert_eq!(
            c.count(Verb::Get),
            2 + 1 + 1,
            "x is not read again once ready"
        );
        let err = wait_for_all(
            c.as_ref(),
            &[ObjRef::new("v1", "ConfigMap", Some("m"), "z")],
            "z",
            ready,
            opts,
            &Ui::silent(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&err, WaitError::Timeout { last, .. } if last.contains("z: not created yet")),
            "{err}"
        );
    }
}
