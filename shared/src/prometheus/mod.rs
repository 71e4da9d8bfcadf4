//! Prometheus as the chart deploys it (v3.14): its query language ([`promql`]), its rule files
//! as it checks them ([`rulefmt`]), and the PrometheusRule objects that carry them
//! ([`rule`]), its HTTP API ([`api`]), and which Prometheus, with which features, PromQL is
//! checked for ([`target`]). One home for the upstream project promstack mirrors.
//!
//! Not here: Go's template, regex and duration semantics it shares with Alertmanager (`go/`), the
//! Kubernetes side of a PrometheusRule (apply, prune, sync: `kube/`), and what Grafana does to a
//! query before Prometheus sees it (`grafana/`).
pub mod api;
pub mod promql;
pub mod rule;
pub mod rulefmt;
pub mod target;
