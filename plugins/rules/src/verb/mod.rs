//! The verbs of `kubectl promstack rules`, one module each: options made from the flags, one
//! `run` returning a report ([`promstack_shared::terminal::verb`]). validate, lint and test read files
//! only; diff, sync and list reach the cluster through [`Deps`], connected on first use.
pub mod diff;
pub mod diff_backtest;
pub mod lint;
pub mod list;
pub mod sync;
pub mod test;
pub mod validate;

pub use promstack_shared::terminal::verb::Deps;
