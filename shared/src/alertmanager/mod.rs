//! Alertmanager as the chart deploys it (v0.34): its configuration, checked as it checks it
//! ([`config`]), its matchers ([`matchers`]), and its HTTP API ([`api`]). One home for the
//! upstream project promstack mirrors.
pub mod api;
pub mod config;
pub mod matchers;
pub mod timeinterval;
