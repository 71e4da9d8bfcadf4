//! Kubernetes: everything promstack asks of or tells an API server, for any kind of object.
//!
//! - [`cluster`]: cluster access behind one small interface ([`cluster::Cluster`]), with the
//!   kube-rs implementation and an in-memory API server for tests (`cluster::MemoryCluster`, with
//!   the `testing` feature) that injects faults and counts requests.
//! - [`owned`]: which objects promstack owns (labels) and how they are applied and pruned;
//!   [`fields`]: which fields it owns (server-side apply's managedFields) and what an apply changes;
//!   [`sync`]: one sync of wanted objects against the cluster (plan, apply, prune, diff).
//! - [`readiness`]: when a Deployment, StatefulSet, DaemonSet, CRD, pod or node is ready (typed);
//!   [`wait`]: polling waits with progress; [`diagnose`]: why a workload is not ready (its Warning
//!   events).
//! - [`limits`]: what the API server and the operator refuse of an object (names, labels, sizes).
//! - [`endpoint`]: a Service of the stack reached by its URL or a port-forward, and the flags that
//!   say which.
//!
//! Not here: what Prometheus, Alertmanager or Grafana make of an object's contents (their own
//! folders), and the terminal (`terminal/`). This folder knows no upstream project's semantics.
pub mod cluster;
pub mod diagnose;
pub mod endpoint;
pub mod fields;
pub mod limits;
pub mod owned;
pub mod readiness;
pub mod sync;
pub mod wait;
