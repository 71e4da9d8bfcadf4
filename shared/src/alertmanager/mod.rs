//! Alertmanager as the chart deploys it (v0.34): its configuration, checked as it checks it
//! ([`config`]), its matchers ([`matchers`]), its time intervals ([`timeinterval`]) and its HTTP
//! API ([`api`]). One home for the upstream project promstack mirrors.
//!
//! Not here: Go's template, regex and duration semantics it shares with Prometheus (`go/`), and
//! the Secret the install puts its config in (the install plugin).
pub mod api;
pub mod config;
pub mod matchers;
pub mod timeinterval;
