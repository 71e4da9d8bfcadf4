//! Prometheus as the chart deploys it (v3.14): its query language ([`promql`]), its rule files
//! as it checks them ([`rulefmt`]), and the PrometheusRule objects that carry them
//! ([`rule`]), and its HTTP API ([`api`]). One home for the upstream project promstack mirrors.
pub mod api;
pub mod promql;
pub mod rule;
pub mod rulefmt;
pub mod target;
