//! The verbs of `kubectl promstack alert-test`, one module each: options made from the flags, one
//! `run` returning a report ([`promstack_shared::terminal::verb`]): [`fire`] (the default: fire a test alert,
//! follow it, clean up) and [`routes`] (which receivers an alert with these labels gets).
pub mod fire;
pub mod routes;

pub use promstack_shared::terminal::verb::Deps;
