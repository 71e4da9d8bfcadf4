//! promstack-shared: what every promstack kubectl plugin needs and nothing plugin-specific.
//!
//! One folder per domain, each saying in its module comment what lives there and what does not:
//!
//! - [`prometheus`]: Prometheus 3.14 as the chart runs it: PromQL, rule files and
//!   PrometheusRules, its API.
//! - [`alertmanager`]: Alertmanager 0.34 as the chart runs it: its config checked as it checks it,
//!   its matchers, its API.
//! - [`grafana`]: Grafana 12 as the chart runs it: dashboards and the sidecar's ConfigMaps, its
//!   API, template variables and query interpolation as it does them, the live check of every
//!   dashboard it serves, what its dashboards sidecar watches and the wait for what a sync wrote.
//! - [`kube`]: cluster access behind one small interface ([`kube::cluster::Cluster`], with an
//!   in-memory API server for tests), which objects and fields promstack owns, sync, readiness,
//!   waits, why a workload is not ready, the API server's limits, the stack's endpoints.
//! - [`terminal`]: the global flags, the verb shape, output formats, UI, prompts, secrets,
//!   completion, suggestions.
//! - [`go`]: Go's `text/template`, RE2 and duration semantics that Prometheus and Alertmanager
//!   share.
//! - [`input`]: what a user's files are read with: the sources of rules and dashboards, YAML
//!   lines and depth, recursion that cannot overflow, a parallel map.
//! - [`error`]: typed errors and the exit codes they map to.
//! - [`testing`]: test support (with the `testing` feature) and the fuzz targets.
pub mod alertmanager;
pub mod error;
pub mod go;
pub mod grafana;
pub mod input;
pub mod kube;
pub mod prometheus;
pub mod terminal;
pub mod testing;

pub use error::{exit_code_of, Error, ExitCode, Signal};

/// Field manager used for every server-side apply promstack makes.
pub const FIELD_MANAGER: &str = "promstack";
