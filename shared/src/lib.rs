//! promstack-shared: what every promstack kubectl plugin needs and nothing plugin-specific.
//!
//! - [`alertmanager`]: Alertmanager 0.34 as the chart runs it: its config checked as it checks it,
//!   its matchers, its API.
//! - [`prometheus`]: Prometheus 3.14 as the chart runs it: PromQL, rule files and
//!   PrometheusRules, its API.
//! - [`grafana`]: Grafana 12 as the chart runs it: its API, template variables and query
//!   interpolation as it does them, the live check of every dashboard it serves, what its
//!   dashboards sidecar watches and the wait for what a sync wrote.
//! - [`cli`]: the global flags every plugin takes (`--kubeconfig`, `--context`, `-n`, `-o`, ...).
//! - [`cluster`]: cluster access behind one small interface ([`cluster::Cluster`]), with the
//!   kube-rs implementation ([`cluster::KubeCluster`]) and an in-memory one for tests
//!   (`cluster::MemoryCluster`, with the `testing` feature) that injects faults and counts requests.
//! - [`endpoint`]: Prometheus, Alertmanager, Grafana: a URL or a port-forward, flags declared once.
//! - [`owned`]: which objects promstack owns (labels) and how they are applied and pruned;
//!   [`fields`]: which fields it owns (server-side apply's managedFields) and what an apply changes.
//! - [`readiness`]: when a Deployment, StatefulSet, DaemonSet, CRD, pod or node is ready (typed).
//! - [`wait`]: polling waits with progress; [`diagnose`]: why a workload is not ready (its Warning events).
//! - [`ui`]: terminal output, colour and TTY detection, progress, prompts.
//! - [`prompt`]: prompts off the runtime thread; the terminal put back when a signal ends one.
//! - [`limits`]: what the API server and the operator refuse of an object (names, labels, sizes).
//! - [`secret`]: secret values that never print, password policy, generation, input.
//! - [`error`]: typed errors and the exit codes they map to.
//! - [`deep`]: recursion over user input that cannot overflow the stack.
pub mod alertmanager;
pub mod cli;
pub mod completion;

pub mod cluster;
pub mod dashboard;
pub mod deep;
pub mod diagnose;
pub mod duration;
pub mod endpoint;
pub mod error;
pub mod fields;
pub mod fuzzing;
pub mod gotemplate;
pub mod grafana;
pub mod limits;
pub mod output;
pub mod owned;
pub mod par;
pub mod prometheus;
pub mod prompt;
pub mod re2;
pub mod readiness;
#[cfg(any(test, feature = "testing"))]
pub mod refdata;
pub mod secret;
pub mod sources;
pub mod suggest;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub mod ui;
pub mod verb;
pub mod wait;
pub mod yaml_depth;
pub mod yaml_path;

pub use error::{exit_code_of, Error, ExitCode, Signal};

/// Field manager used for every server-side apply promstack makes.
pub const FIELD_MANAGER: &str = "promstack";
