//! The verbs of `kubectl promstack install`, one module each, in helm's `pkg/action` shape: an
//! options struct the command line maps its flags to, the dependencies it reaches the world
//! through, and one `run(opts, deps)` that returns a report ([`promstack_shared::output::Report`]).
pub mod status;
