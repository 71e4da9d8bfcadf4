//! Waiting for what is being deleted and goes only once what it holds is gone. A deleted CRD
//! (the API server deletes every object of its kind first) or namespace (the namespace
//! controller deletes everything in it first) stays Terminating meanwhile, and nothing new of its
//! kind, or in it, can be created: what deleted it waits until it is gone, and so does what is to
//! create it again. One wait for any of them at once ([`wait_gone`]): each look reads them all
//! together and says what is left (`deleting namespace monitoring: 12 objects left; deleting 302
//! ServiceMonitors (1 of 10 CRDs left)`); on timeout, a run-time failure (exit 1) naming each one
//! still Terminating and what holds it. How each sort is read and what holds it is told is its
//! own ([`Deleting`]): a namespace's is [`namespace`], the CRDs' the install plugin's.
pub mod namespace;

pub use namespace::NamespaceDeletion;

use super::{WaitOptions, FIRST_PAUSE};
use crate::kube::cluster::{Cluster, ClusterError};
use crate::terminal::ui::{human_duration, Ui};
use crate::Error;
use async_trait::async_trait;
use std::time::Duration;
use tokio::time::Instant;

/// Objects of one sort being deleted (a namespace, the CRDs of a chart), read together.
#[async_trait]
pub trait Deleting: Send + Sync {
    /// What they are, in a message: `namespace monitoring`, `the CRDs`.
    fn what(&self) -> String;
    /// Read them again and keep what is left; `true` once they are gone.
    async fn look(&mut self, cluster: &dyn Cluster) -> Result<bool, ClusterError>;
    /// What is left as last read, for the progress line: `deleting namespace monitoring: 12
    /// objects left`.
    fn progress(&self) -> String;
    /// Each one still Terminating as last read, with what holds it: `namespace monitoring:
    /// finalizers kubernetes; ...`.
    fn holders(&self) -> Vec<String>;
    /// What holds such an object back, in a sentence (for the timeout).
    fn why(&self) -> String;
    /// How to wait for them by hand: `kubectl wait --for=delete namespace/monitoring --timeout=10m`.
    fn wait_command(&self) -> String;
}

/// Wait until everything of `deleting` is gone, bounded by `opts.timeout`, reading all of it at
/// once each round (the pause growing from 50 ms to `opts.interval`); said once as a step with
/// what is left, then on the spinner. Transient errors (429, 5xx, unreachable) are read through
/// until the deadline; on timeout, a run-time failure naming each one still Terminating and what
/// holds it. Returns how long it took.
pub async fn wait_gone(
    cluster: &dyn Cluster,
    deleting: Vec<Box<dyn Deleting>>,
    opts: WaitOptions,
    ui: &Ui,
) -> Result<Duration, Error> {
    let start = Instant::now();
    let deadline = start + opts.timeout;
    let what = whats(&deleting);
    let bar = ui.spinner(&format!("waiting for {what} to be deleted"));
    let mut pending = deleting;
    let mut pause = FIRST_PAUSE.min(opts.interval);
    let mut said = false;
    loop {
        let looks = futures::future::join_all(pending.iter_mut().map(|d| d.look(cluster))).await;
        let mut failed = None;
        let mut still = Vec::new();
        for (d, look) in pending.into_iter().zip(looks) {
            match look {
                Ok(true) => {}
                Ok(false) => still.push(d),
                Err(e) => {
                    still.push(d);
                    failed = failed.or(Some(e));
                }
            }
        }
        pending = still;
        match failed {
            None if pending.is_empty() => {
                bar.finish_and_clear();
                return Ok(start.elapsed());
            }
            // 429, 5xx, unreachable: look again, until the deadline
            Some(e) if !(e.is_transient() || matches!(e, ClusterError::Unreachable(_))) => {
                bar.finish_and_clear();
                return Err(Error::runtime(format!(
                    "waiting for {what} to be deleted: {e}"
                )));
            }
            Some(e) if Instant::now() >= deadline => {
                bar.finish_and_clear();
                return Err(Error::runtime(format!(
                    "timed out after {} waiting for {what} to be deleted: {e}",
                    human_duration(start.elapsed())
                )));
            }
            Some(_) => {}
            None => {
                let now = progress(&pending);
                if !said {
                    ui.step(&format!("waiting for {what} to be deleted: {now}"));
                    said = true;
                }
                bar.set_message(now);
                if Instant::now() >= deadline {
                    bar.finish_and_clear();
                    return Err(Error::runtime(timed_out(&pending, start.elapsed())));
                }
            }
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(opts.interval);
    }
}

/// `namespace monitoring and the CRDs`.
fn whats(deleting: &[Box<dyn Deleting>]) -> String {
    let whats: Vec<String> = deleting.iter().map(|d| d.what()).collect();
    whats.join(" and ")
}

/// What is left of each, for the step and the spinner.
pub fn progress(deleting: &[Box<dyn Deleting>]) -> String {
    let each: Vec<String> = deleting.iter().map(|d| d.progress()).collect();
    each.join("; ")
}

/// The timeout: each one still Terminating and what holds it, why such objects wait, and how to
/// wait for them.
fn timed_out(left: &[Box<dyn Deleting>], waited: Duration) -> String {
    let mut out = format!(
        "timed out after {} waiting for {} to be deleted; still Terminating:",
        human_duration(waited),
        whats(left)
    );
    for line in left.iter().flat_map(|d| d.holders()) {
        out.push_str(&format!("\n  {line}"));
    }
    for d in left {
        out.push_str(&format!("\n{}", d.why()));
    }
    let commands: Vec<String> = left.iter().map(|d| d.wait_command()).collect();
    out.push_str(&format!(
        "\nWait for them ({}) or run again with a longer --timeout.",
        commands.join("; ")
    ));
    out
}

#[cfg(test)]
mod tests;
