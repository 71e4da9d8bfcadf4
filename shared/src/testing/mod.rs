//! Test support, and nothing an installed plugin runs.
//!
//! - With the `testing` cargo feature (the plugins' dev-dependencies turn it on): the real
//!   Prometheus-family daemons on loopback, killed when dropped (Prometheus 3.14 and
//!   Alertmanager 0.34 as `scripts/build-peers.sh` builds them, node-exporter, a webhook sink), a
//!   Grafana stand-in (`grafana`), the tools the tests run (`tool`), the harness's e2e helpers,
//!   and where the reference data is (`refdata`). A test that needs a tool is marked `#[needs(..)]`:
//!   reported ignored where it is missing, run (and failing) in CI.
//! - Always: what each fuzz target does with an input ([`fuzzing`]), which the fuzz crate
//!   (`fuzz/`, built without the feature) and `tests/fuzz_corpus.rs` both call.
//!
//! The in-memory cluster is not here: it is the cluster interface's fake, in
//! [`crate::kube::cluster`].
pub mod fuzzing;

#[cfg(any(test, feature = "testing"))]
mod daemons;
#[cfg(any(test, feature = "testing"))]
mod e2e;
#[cfg(any(test, feature = "testing"))]
pub mod grafana;
#[cfg(any(test, feature = "testing"))]
pub mod refdata;
#[cfg(any(test, feature = "testing"))]
mod rng;
#[cfg(any(test, feature = "testing"))]
mod tools;

#[cfg(any(test, feature = "testing"))]
pub use daemons::*;
#[cfg(any(test, feature = "testing"))]
pub use e2e::*;
#[cfg(any(test, feature = "testing"))]
pub use promstack_testenv::{in_ci, require};
/// `#[needs(promtool, ...)]` above a test: ignored, with the reason, where one is missing (outside CI).
#[cfg(any(test, feature = "testing"))]
pub use promstack_testenv_macros::needs;
#[cfg(any(test, feature = "testing"))]
pub use rng::Rng;
#[cfg(any(test, feature = "testing"))]
pub use tools::{copy_executable, output_fed, output_ok, tool, tool_of_version, write_executable};
