//! Faults the in-memory cluster injects: an error (or a delay) on the requests that match a verb,
//! a kind, a name, for a number of times.
use super::super::ClusterError;
use std::time::Duration;

/// The request kinds the in-memory cluster serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Version,
    Get,
    List,
    Apply,
    Delete,
    /// A create with dryRun=All: admission runs, nothing is stored (not a write).
    DryRun,
    /// A server-side apply with dryRun=All (a diff): nothing is stored (not a write).
    DryRunApply,
}

impl Verb {
    pub fn is_write(self) -> bool {
        matches!(self, Verb::Apply | Verb::Delete)
    }
}

/// A fault to inject: which requests it hits, what it does, how often.
#[derive(Debug, Clone)]
pub struct Fault {
    pub verb: Option<Verb>,
    pub kind: Option<String>,
    pub name: Option<String>,
    /// The error to answer with; `None` only delays.
    pub error: Option<ClusterError>,
    /// Wait this long before answering (a slow API server).
    pub delay: Option<Duration>,
    /// How many requests it hits; `None` for all of them.
    pub times: Option<usize>,
    /// Only requests across every namespace (a list with no namespace): RBAC that grants a Role
    /// in one namespace and no ClusterRole answers those with 403 and the namespaced ones.
    pub cluster_wide: bool,
}

impl Fault {
    /// Every matching request fails with this error.
    pub fn error(error: ClusterError) -> Self {
        Fault {
            verb: None,
            kind: None,
            name: None,
            error: Some(error),
            delay: None,
            times: None,
            cluster_wide: false,
        }
    }
    /// An HTTP status from the API server (429, 500, ...).
    pub fn status(code: u16) -> Self {
        let error = match code {
            404 => ClusterError::NotFound("injected".into()),
            409 => ClusterError::Conflict("injected conflict".into()),
            code => ClusterError::Api {
                code,
                message: format!("injected HTTP {code}"),
            },
        };
        Fault::error(error)
    }
    /// Every matching request is slow but succeeds.
    pub fn slow(delay: Duration) -> Self {
        Fault {
            verb: None,
            kind: None,
            name: None,
            error: None,
            delay: Some(delay),
            times: None,
            cluster_wide: false,
        }
    }
    pub fn on(mut self, verb: Verb) -> Self {
        self.verb = Some(verb);
        self
    }
    pub fn kind(mut self, kind: &str) -> Self {
        self.kind = Some(kind.into());
        self
    }
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }
    /// Only lists across every namespace (see [`Fault::cluster_wide`]).
    pub fn cluster_wide(mut self) -> Self {
        self.cluster_wide = true;
        self
    }

    pub(super) fn hits(
        &self,
        verb: Verb,
        kind: Option<&str>,
        name: Option<&str>,
        every_namespace: bool,
    ) -> bool {
        self.times != Some(0)
            && (!self.cluster_wide || every_namespace)
            && self.verb.is_none_or(|v| v == verb)
            && self.kind.as_deref().is_none_or(|k| Some(k) == kind)
            && self.name.as_deref().is_none_or(|n| Some(n) == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::cluster::{ApplyOptions, Cluster, ListQuery, MemoryCluster, ObjRef};
    use serde_json::{json, Value};

    fn secret(ns: &str, name: &str) -> Value {
        json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":name,"namespace":ns,"labels":{"a":"1"}},"data":{"k":"dg=="}})
    }
    #[tokio::test]
    async fn faults_hit_only_matching_requests_and_run_out() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.inject(Fault::status(500).on(Verb::Apply).kind("Secret").times(1));
        let err = c
            .apply(&secret("m", "s"), ApplyOptions::default())
            .await
            .unwrap_err();
        assert!(err.is_transient());
        c.apply(&secret("m", "s"), ApplyOptions::default())
            .await
            .unwrap();
        c.inject(Fault::status(409).on(Verb::Apply));
        assert!(matches!(
            c.apply(&secret("m", "s"), ApplyOptions::default()).await,
            Err(ClusterError::Conflict(_))
        ));
        // a get is not hit by an apply fault
        assert!(c
            .get(&ObjRef::of(&secret("m", "s")).unwrap())
            .await
            .unwrap()
            .is_some());
        c.set_unreachable(true);
        assert!(matches!(
            c.server_version().await,
            Err(ClusterError::Unreachable(_))
        ));
    }

    #[tokio::test]
    async fn a_cluster_wide_fault_hits_lists_across_namespaces_only() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.insert(secret("m", "s"));
        c.inject(Fault::status(403).on(Verb::List).cluster_wide());
        let every = ListQuery::new("v1", "Secret");
        assert!(c.list(&every).await.unwrap_err().is_forbidden());
        assert_eq!(c.list(&every.in_namespace("m")).await.unwrap().len(), 1);
        // a cluster-scoped kind is listed with no namespace, and is not "across namespaces"
        assert_eq!(
            c.list(&ListQuery::new("v1", "Namespace"))
                .await
                .unwrap()
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn lists_filter_by_field_selector() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        for (name, t) in [("a", "Warning"), ("b", "Normal")] {
            c.insert(json!({"apiVersion":"v1","kind":"Event","metadata":{"name":name,"namespace":"m"},"type":t,"involvedObject":{"kind":"DaemonSet","name":"ne"}}));
        }
        let q = ListQuery::new("v1", "Event")
            .in_namespace("m")
            .fields("type=Warning,involvedObject.name=ne");
        let got = c.list(&q).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["metadata"]["name"], "a");
    }

    #[tokio::test(start_paused = true)]
    async fn slow_faults_delay_the_answer() {
        let c = MemoryCluster::new();
        c.inject(Fault::slow(Duration::from_secs(5)).on(Verb::Version));
        let t = tokio::time::Instant::now();
        c.server_version().await.unwrap();
        assert!(t.elapsed() >= Duration::from_secs(5));
    }

    #[tokio::test]
    async fn requests_under_way_together_are_counted() {
        let c = MemoryCluster::new();
        c.inject(Fault::slow(Duration::from_millis(20)));
        let r = ObjRef::new("v1", "Namespace", None, "m");
        c.get(&r).await.unwrap();
        c.get(&r).await.unwrap();
        assert_eq!(c.max_in_flight(), 1, "one after the other");
        assert!(c.overlaps().is_empty());
        let (a, b, d) = tokio::join!(c.get(&r), c.get(&r), c.server_version());
        assert!(a.is_ok() && b.is_ok() && d.is_ok());
        assert_eq!(c.max_in_flight(), 3, "three at once");
        assert_eq!(
            c.overlaps().last().unwrap(),
            &["Get Namespace", "Get Namespace", "Version"]
        );
        c.reset_counts();
        assert_eq!(c.max_in_flight(), 0);
    }
}
