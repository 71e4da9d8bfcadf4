//! The verbs of `kubectl promstack dashboards`, one module each: options made from the flags, one
//! `run` returning a report ([`promstack_shared::terminal::verb`]). validate reads files only; diff, sync,
//! list and check reach the cluster through [`Deps`], connected on first use; sync and check
//! `--live` reach Grafana too ([`crate::grafana`]).
pub mod check;
pub mod diff;
pub mod list;
pub mod live;
pub mod sync;
pub mod validate;

pub use promstack_shared::terminal::verb::Deps;
