//! Why something does not get ready, in Kubernetes' own words: the Warning events of a workload
//! and of the objects behind it. A DaemonSet whose pods admission refuses says `FailedCreate`
//! (`violates PodSecurity "baseline:latest": host namespaces ...`); a pod whose Secret is missing
//! says `FailedMount` (`secret "x" not found`); others say `FailedScheduling`, `BackOff`, ...
//!
//! One list of the namespace's Warning events ([`Warnings::read`]) answers every workload: a
//! workload's problems are those of objects named like it or like its children (a Deployment
//! `x` has ReplicaSets `x-<hash>` and pods `x-<hash>-<id>`; a DaemonSet `x` has pods `x-<id>`).
use crate::kube::cluster::{Cluster, ClusterError, ListQuery};
use k8s_openapi::api::core::v1::Event;
use k8s_openapi::jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One thing Kubernetes reported about an object (its newest Warning event of one reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: String,
    pub name: String,
    pub reason: String,
    pub message: String,
    /// How often it was reported.
    pub count: i32,
    #[serde(skip)]
    pub last_seen: Option<Timestamp>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}: {}",
            self.kind, self.name, self.reason, self.message
        )
    }
}

/// What the API server answers a write of an object changed since it was read (409): a controller
/// that gets it reads again and retries, so its Warning event is no problem.
const RETRIED_CONFLICT: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// The Warning events of a namespace, newest per object and reason.
#[derive(Debug, Clone, Default)]
pub struct Warnings(Vec<Problem>);

/// When an event last happened: the newest of the times it may carry.
fn last_seen(e: &Event) -> Option<Timestamp> {
    [
        e.series
            .as_ref()
            .and_then(|s| s.last_observed_time.as_ref())
            .map(|t| t.0),
        e.event_time.as_ref().map(|t| t.0),
        e.last_timestamp.as_ref().map(|t| t.0),
        e.first_timestamp.as_ref().map(|t| t.0),
        e.metadata.creation_timestamp.as_ref().map(|t| t.0),
    ]
    .into_iter()
    .flatten()
    .max()
}

impl Warnings {
    /// One list request: the Warning events of `ns`, those seen since `since` when given.
    pub async fn read(
        cluster: &dyn Cluster,
        ns: &str,
        since: Option<Timestamp>,
    ) -> Result<Self, ClusterError> {
        let events = cluster
            .list(
                &ListQuery::new("v1", "Event")
                    .in_namespace(ns)
                    .fields("type=Warning"),
            )
            .await?;
        Ok(Self::from_events(&events, since))
    }

    /// From events as the API returns them (others than Warning are left out).
    pub fn from_events(events: &[Value], since: Option<Timestamp>) -> Self {
        let mut newest: BTreeMap<(String, String, String), Problem> = BTreeMap::new();
        for v in events {
            let Ok(e) = serde_json::from_value::<Event>(v.clone()) else {
                continue;
            };
            if e.type_.as_deref() != Some("Warning") {
                continue;
            }
            // a controller's write that lost a race (optimistic concurrency): it retries at once,
            // nothing is wrong
            if e.message
                .as_deref()
                .is_some_and(|m| m.contains(RETRIED_CONFLICT))
            {
                continue;
            }
            let seen = last_seen(&e);
            if let (Some(since), Some(seen)) = (since, seen) {
                if seen < since {
                    continue;
                }
            }
            let p = Problem {
                kind: e.involved_object.kind.clone().unwrap_or_default(),
                name: e.involved_object.name.clone().unwrap_or_default(),
                reason: e.reason.clone().unwrap_or_default(),
                message: e
                    .message
                    .as_deref()
                    .unwrap_or_default()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                count: e
                    .series
                    .as_ref()
                    .map_or(e.count.unwrap_or(1), |s| s.count.unwrap_or(1)),
                last_seen: seen,
            };
            let key = (p.kind.clone(), p.name.clone(), p.reason.clone());
            match newest.get(&key) {
                Some(old) if old.last_seen >= p.last_seen => {}
                _ => {
                    newest.insert(key, p);
                }
            }
        }
        Warnings(newest.into_values().collect())
    }

    /// Every problem, by kind and name.
    pub fn all(&self) -> &[Problem] {
        &self.0
    }

    /// The problems of a workload `name`: of the object itself and of its children (objects
    /// named `name-...`: its ReplicaSets and pods).
    pub fn about(&self, name: &str) -> Vec<&Problem> {
        let child = format!("{name}-");
        self.0
            .iter()
            .filter(|p| p.name == name || p.name.starts_with(&child))
            .collect()
    }

    /// The problems of a workload as one line, newest first, or `None`.
    pub fn explain(&self, name: &str) -> Option<String> {
        let mut found = self.about(name);
        if found.is_empty() {
            return None;
        }
        found.sort_by_key(|p| std::cmp::Reverse(p.last_seen));
        Some(
            found
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// Which object said what: a problem's identity while its message changes (a DaemonSet's
/// FailedCreate names a new random pod each time).
type Key = (String, String, String);

fn key(p: &Problem) -> Key {
    (p.kind.clone(), p.name.clone(), p.reason.clone())
}

/// Follows a namespace's Warning events while something waits, and says each problem once: when
/// it was there in two reads in a row, so that a passing one (a claim not bound for a second) is
/// not reported as a fault.
#[derive(Debug, Default)]
pub struct Watch {
    since: Option<Timestamp>,
    previous: std::collections::BTreeSet<Key>,
    said: std::collections::BTreeSet<Key>,
    last: Warnings,
}

impl Watch {
    /// Follow what happens from `since` on.
    pub fn new(since: Option<Timestamp>) -> Self {
        Watch {
            since,
            ..Default::default()
        }
    }

    /// Read the events again (one list request); the problems of `only` (a workload, see
    /// [`Warnings::about`]), or of anything, that are worth saying now. A failed read says nothing.
    pub async fn poll(
        &mut self,
        cluster: &dyn Cluster,
        ns: &str,
        only: Option<&str>,
    ) -> Vec<Problem> {
        let Ok(w) = Warnings::read(cluster, ns, self.since).await else {
            return vec![];
        };
        let current: Vec<Problem> = match only {
            Some(name) => w.about(name).into_iter().cloned().collect(),
            None => w.all().to_vec(),
        };
        let keys: std::collections::BTreeSet<Key> = current.iter().map(key).collect();
        let new: Vec<Problem> = current
            .into_iter()
            .filter(|p| self.previous.contains(&key(p)) && !self.said.contains(&key(p)))
            .collect();
        self.said.extend(new.iter().map(key));
        self.previous = keys;
        self.last = w;
        new
    }

    /// What the last read found.
    pub fn last(&self) -> &Warnings {
        &self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::cluster::MemoryCluster;
    use serde_json::json;

    /// An event as the API server stores it (core/v1, as a controller records it).
    pub fn event(kind: &str, name: &str, reason: &str, message: &str, at: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{name}.{reason}.{at}"), "namespace": "m"},
            "involvedObject": {"kind": kind, "name": name, "namespace": "m"},
            "type": "Warning", "reason": reason, "message": message, "count": 4,
            "firstTimestamp": at, "lastTimestamp": at})
    }

    #[tokio::test]
    async fn a_workload_is_explained_by_its_own_and_its_childrens_warnings() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.insert(event("DaemonSet", "ne", "FailedCreate", "Error creating: pods \"ne-x\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)", "2026-11-30T10:00:00Z"));
        c.insert(event(
            "DaemonSet",
            "ne",
            "FailedCreate",
            "older",
            "2026-11-30T09:00:00Z",
        ));
        c.insert(event("Pod", "op-5d9f-abcde", "FailedMount", "MountVolume.SetUp failed for volume \"tls-secret\" : secret \"kube-prometheus-admission\" not found", "2026-11-30T10:01:00Z"));
        c.insert(event(
            "Pod",
            "operand-1",
            "BackOff",
            "unrelated",
            "2026-11-30T10:01:00Z",
        ));
        let mut normal = event(
            "Pod",
            "op-5d9f-abcde",
            "Scheduled",
            "fine",
            "2026-11-30T10:01:00Z",
        );
        normal["type"] = json!("Normal");
        c.insert(normal);
        let w = Warnings::read(&c, "m", None).await.unwrap();
        assert_eq!(
            w.all().len(),
            3,
            "newest per object and reason, Warnings only"
        );
        assert_eq!(
            w.explain("ne").unwrap(),
            "DaemonSet ne: FailedCreate: Error creating: pods \"ne-x\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)"
        );
        assert_eq!(
            w.explain("op").unwrap(),
            "Pod op-5d9f-abcde: FailedMount: MountVolume.SetUp failed for volume \"tls-secret\" : secret \"kube-prometheus-admission\" not found"
        );
        assert_eq!(w.about("operand-1").len(), 1);
        assert!(w.explain("grafana").is_none());
        // only what happened since a moment
        let since: Timestamp = "2026-11-30T10:00:30Z".parse().unwrap();
        let recent = Warnings::read(&c, "m", Some(since)).await.unwrap();
        assert!(recent.explain("ne").is_none());
        assert!(recent.explain("op").is_some());
    }

    #[tokio::test]
    async fn a_watch_says_a_problem_once_when_it_stays() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        let mut w = Watch::new(None);
        c.insert(event(
            "DaemonSet",
            "ne",
            "FailedCreate",
            "pods \"ne-a\" is forbidden",
            "2026-11-30T10:00:00Z",
        ));
        assert!(
            w.poll(&c, "m", None).await.is_empty(),
            "seen once: maybe passing"
        );
        // the controller tries again: a new pod name, the same problem
        c.insert(event(
            "DaemonSet",
            "ne",
            "FailedCreate",
            "pods \"ne-b\" is forbidden",
            "2026-11-30T10:00:10Z",
        ));
        let said = w.poll(&c, "m", None).await;
        assert_eq!(said.len(), 1);
        assert_eq!(said[0].message, "pods \"ne-b\" is forbidden");
        assert!(w.poll(&c, "m", None).await.is_empty(), "said once");
        assert!(w.last().explain("ne").is_some());
        assert!(w.poll(&c, "m", Some("grafana")).await.is_empty());
    }

    #[test]
    fn a_controllers_lost_race_is_no_problem() {
        let w = Warnings::from_events(
            &[
                event("Endpoints", "ne", "FailedToUpdateEndpoint", "Failed to update endpoint m/ne: Operation cannot be fulfilled on endpoints \"ne\": the object has been modified; please apply your changes to the latest version and try again", "2026-01-01T00:00:00Z"),
                event("Pod", "p", "FailedMount", "secret \"s\" not found", "2026-01-01T00:00:00Z"),
            ],
            None,
        );
        let reasons: Vec<&str> = w.all().iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(reasons, ["FailedMount"]);
    }

    #[test]
    fn events_of_the_new_api_carry_their_time_in_event_time_and_series() {
        let ev = json!({"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"m"},
            "involvedObject":{"kind":"StatefulSet","name":"s"},"type":"Warning","reason":"FailedCreate",
            "message":"create Pod s-0 failed", "eventTime":"2026-11-30T10:00:00.000000Z",
            "series":{"count":7,"lastObservedTime":"2026-11-30T11:00:00.000000Z"}});
        let w = Warnings::from_events(&[ev], Some("2026-11-30T10:30:00Z".parse().unwrap()));
        assert_eq!(w.all().len(), 1);
        assert_eq!(w.all()[0].count, 7);
    }
}
