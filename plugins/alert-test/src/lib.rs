//! kubectl-promstack-alert-test as a library: the test itself ([`run`]), the offline route tester
//! ([`routes`]), and the command line ([`cli`]). `main.rs` parses and calls [`cli::run`].
pub mod cli;
pub mod routes;
pub mod run;
