//! Waiting for workloads (Deployments, DaemonSets, StatefulSets): all at once, as
//! [`super::wait_for_all`] does (what is ready is not read again; the pause between rounds grows
//! from 50 ms to the interval, so what is ready in a moment is not waited for a whole interval),
//! and each one that is not ready explained in Kubernetes' own words: after an interval, and every
//! five intervals from then on, one read of each namespace's Warning events ([`crate::kube::diagnose`])
//! says what is new about the workloads still waited for ("FailedCreate: ... violates
//! PodSecurity" instead of only "0/3 pods ready") in a warning line (once for each explanation,
//! so logs without a terminal show it too), the spinner and the timeout error.
use super::{Readiness, WaitError, WaitOptions, FIRST_PAUSE};
use crate::kube::cluster::{Cluster, ObjRef};
use crate::kube::diagnose::Watch;
use crate::terminal::ui::{human_duration, Ui};
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;

/// Explanations come after this many intervals of waiting, then every [`EXPLAIN_EVERY`] intervals.
const EXPLAIN_AFTER: u32 = 1;
const EXPLAIN_EVERY: u32 = 5;

/// One workload to wait for: where it is, what it is called in messages, and when it is ready.
pub struct Workload<'a> {
    pub r: ObjRef,
    pub what: String,
    pub check: Check<'a>,
}

/// When a workload is ready, from the object as read (None: not there).
pub type Check<'a> = Box<dyn Fn(Option<&Value>) -> Readiness + Send + Sync + 'a>;

/// Where each workload's wait stands.
struct State {
    took: Option<Duration>,
    last: String,
    why: Option<String>,
}

impl State {
    fn shown(&self) -> String {
        match &self.why {
            Some(w) => format!("{}; Kubernetes says: {w}", self.last),
            None => self.last.clone(),
        }
    }
}

/// Wait until every workload is ready or the deadline passes; how long each one took, in the
/// order given. Events are read from `since` on (None: all the namespace has). Transient API
/// errors are waited through; any other error ends the wait.
pub async fn wait_for_workloads(
    cluster: &dyn Cluster,
    items: &[Workload<'_>],
    opts: WaitOptions,
    ui: &Ui,
    since: Option<Timestamp>,
) -> Result<Vec<Duration>, WaitError> {
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let names: Vec<&str> = items.iter().map(|w| w.what.as_str()).collect();
    let bar = ui.spinner(&format!("waiting for {}", names.join(", ")));
    let mut states: Vec<State> = items
        .iter()
        .map(|_| State {
            took: None,
            last: "not read yet".into(),
            why: None,
        })
        .collect();
    // one follower of the Warning events for each namespace
    let mut watches: BTreeMap<&str, Watch> = items
        .iter()
        .filter_map(|w| w.r.namespace.as_deref())
        .map(|ns| (ns, Watch::new(since)))
        .collect();
    let mut explain_at = start + opts.interval * EXPLAIN_AFTER;
    let mut pause = FIRST_PAUSE.min(opts.interval);
    loop {
        let pending: Vec<usize> = (0..items.len())
            .filter(|&i| states[i].took.is_none())
            .collect();
        let reads =
            futures::future::join_all(pending.iter().map(|&i| cluster.get(&items[i].r))).await;
        for (&i, read) in pending.iter().zip(reads) {
            let (w, s) = (&items[i], &mut states[i]);
            match super::judge(read, &w.check) {
                Ok(None) => {
                    let took = start.elapsed();
                    s.took = Some(took);
                    let said = format!("{} ready ({})", w.what, human_duration(took));
                    bar.suspend(|| ui.ok(&said));
                }
                Ok(Some(why)) => s.last = why,
                Err(e) => {
                    ui.abandon(bar, &format!("{}: {e}", w.what));
                    let what = w.what.clone();
                    return Err(WaitError::Cluster { what, source: e });
                }
            }
        }
        let pending: Vec<usize> = pending
            .into_iter()
            .filter(|&i| states[i].took.is_none())
            .collect();
        if pending.is_empty() {
            bar.finish_and_clear();
            return Ok(states.into_iter().filter_map(|s| s.took).collect());
        }
        if Instant::now() >= explain_at {
            explain(
                cluster,
                items,
                &pending,
                &mut states,
                &mut watches,
                ui,
                &bar,
            )
            .await;
            explain_at = Instant::now() + opts.interval * EXPLAIN_EVERY;
        }
        let first = &states[pending[0]];
        let more = match pending.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let what = &items[pending[0]].what;
        bar.set_message(format!("waiting for {what}: {}{more}", first.shown()));
        if Instant::now() >= deadline {
            for &i in &pending {
                bar.suspend(|| {
                    ui.fail(&format!(
                        "{}: timed out ({})",
                        items[i].what,
                        states[i].shown()
                    ))
                });
            }
            bar.finish_and_clear();
            return Err(timeout(items, &pending, &states, start.elapsed()));
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(opts.interval);
    }
}

/// One read of the Warning events of each namespace that has a pending workload: what is new
/// about a pending workload is said, and each one's explanation kept for the spinner and errors.
async fn explain(
    cluster: &dyn Cluster,
    items: &[Workload<'_>],
    pending: &[usize],
    states: &mut [State],
    watches: &mut BTreeMap<&str, Watch>,
    ui: &Ui,
    bar: &crate::terminal::ui::ProgressBar,
) {
    for (ns, watch) in watches.iter_mut() {
        let waited_for = |i: &&usize| items[**i].r.namespace.as_deref() == Some(*ns);
        if !pending.iter().any(|i| waited_for(&i)) {
            continue;
        }
        let new = watch.poll(cluster, ns, None).await;
        for &i in pending.iter().filter(waited_for) {
            let (w, s) = (&items[i], &mut states[i]);
            let about = watch.last().about(&w.r.name);
            for p in new.iter().filter(|p| about.contains(p)) {
                bar.suspend(|| ui.warn(&format!("{}: Kubernetes says: {p}", w.what)));
            }
            s.why = watch.last().explain(&w.r.name).or(s.why.take());
        }
    }
}

/// The timeout error: the one workload and what it lacks, or each of them.
fn timeout(
    items: &[Workload<'_>],
    pending: &[usize],
    states: &[State],
    waited: Duration,
) -> WaitError {
    let (what, last) = match pending {
        [i] => (items[*i].what.clone(), states[*i].shown()),
        _ => (
            pending
                .iter()
                .map(|&i| items[i].what.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            pending
                .iter()
                .map(|&i| format!("{}: {}", items[i].what, states[i].shown()))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    WaitError::Timeout { what, waited, last }
}

#[cfg(test)]
mod tests {
    use super::super::tests::ready;
    use super::*;
    use crate::kube::cluster::{Fault, MemoryCluster, Verb};
    use serde_json::json;
    use std::sync::Arc;

    fn ds(name: &str, ready: bool) -> Value {
        json!({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":name,"namespace":"m"},"status":{"ready":ready}})
    }

    fn workloads(names: &[&str]) -> Vec<Workload<'static>> {
        names
            .iter()
            .map(|n| Workload {
                r: ObjRef::new("apps/v1", "DaemonSet", Some("m"), n),
                what: format!("DaemonSet {n}"),
                check: Box::new(ready),
            })
            .collect()
    }

    const OPTS: WaitOptions = WaitOptions {
        timeout: Duration::from_secs(30),
        interval: Duration::from_secs(2),
    };

    #[tokio::test(start_paused = true)]
    async fn all_at_once_and_what_is_ready_soon_is_not_waited_for_an_interval() {
        let c = Arc::new(MemoryCluster::new());
        c.insert(ds("a", true));
        c.insert(ds("b", false));
        let c2 = c.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(120)).await;
            c2.insert(ds("b", true));
            tokio::time::sleep(Duration::from_millis(4000)).await;
            c2.insert(ds("c", true));
        });
        let (ui, lines) = Ui::capture();
        let took = wait_for_workloads(c.as_ref(), &workloads(&["a", "b", "c"]), OPTS, &ui, None)
            .await
            .unwrap();
        // reads at 0, 50, 150, 350, 750, 1550, 3150, 5150 ms: b at the third, c at the last
        // (created at 4120 ms), the pause having grown to the interval
        let ms = |ms| Duration::from_millis(ms);
        assert_eq!(took, [ms(0), ms(150), ms(5150)]);
        assert_eq!(
            c.count(Verb::Get),
            1 + 3 + 8,
            "a and b are not read again once ready"
        );
        assert_eq!(
            *lines.lock().unwrap(),
            [
                "✓ DaemonSet a ready (0ms)",
                "✓ DaemonSet b ready (150ms)",
                "✓ DaemonSet c ready (5s)"
            ]
        );
        // c waited longer than an interval: Kubernetes was asked why once (at 3150 ms), not at every read
        assert_eq!(c.count(Verb::List), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_workload_that_stays_unready_is_explained_by_kubernetes() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.insert(ds("ne", false));
        c.insert(ds("ok", true));
        let event = |name: &str, about: &str, message: &str| {
            json!({"apiVersion":"v1","kind":"Event","metadata":{"name":name,"namespace":"m"},
                "involvedObject":{"kind":"DaemonSet","name":about},"type":"Warning","reason":"FailedCreate",
                "message":message, "lastTimestamp":"2026-11-30T10:00:00Z"})
        };
        c.insert(event("e1", "ne", "Error creating: pods \"ne-abc\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true)"));
        c.insert(event("e2", "elsewhere", "not about what is waited for"));
        let (ui, lines) = Ui::capture();
        let err = wait_for_workloads(&c, &workloads(&["ne", "ok"]), OPTS, &ui, None)
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("timed out after 30s waiting for DaemonSet ne: not ready; Kubernetes says: DaemonSet ne: FailedCreate: Error creating: pods \"ne-abc\" is forbidden: violates PodSecurity"),
            "{text}"
        );
        let warned: Vec<String> = lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("! "))
            .cloned()
            .collect();
        assert_eq!(warned.len(), 1, "said once, not at every poll: {warned:?}");
        assert!(
            warned[0].starts_with("! DaemonSet ne: Kubernetes says: DaemonSet ne: FailedCreate"),
            "{warned:?}"
        );
        // explained at 2 s and every 10 s from then on: 2, 12, 22 s
        assert_eq!(c.count(Verb::List), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_names_every_workload_not_ready_and_what_each_lacks() {
        let c = MemoryCluster::new();
        c.insert(ds("a", false));
        c.insert(ds("b", true));
        let err = wait_for_workloads(&c, &workloads(&["a", "b", "c"]), OPTS, &Ui::silent(), None)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "timed out after 30s waiting for DaemonSet a, DaemonSet c: DaemonSet a: not ready; DaemonSet c: not created yet"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_waited_through_and_a_permanent_one_ends_the_wait() {
        let c = MemoryCluster::new();
        c.insert(ds("a", true));
        c.inject(Fault::status(503).on(Verb::Get).times(2));
        let took = wait_for_workloads(&c, &workloads(&["a"]), OPTS, &Ui::silent(), None)
            .await
            .unwrap();
        assert_eq!(took, [Duration::from_millis(150)]);
        c.inject(Fault::status(403).on(Verb::Get));
        let err = wait_for_workloads(&c, &workloads(&["a"]), OPTS, &Ui::silent(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, WaitError::Cluster { what, .. } if what == "DaemonSet a"),
            "{err}"
        );
    }
}
