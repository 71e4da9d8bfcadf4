//! Grafana 12 as the chart deploys it, seen from outside: its HTTP API ([`api`]: health, search,
//! dashboards as it serves them, folders, datasources, the datasource proxy), who may log in
//! ([`login`]: the admin Secret promstack makes, or a credentials file), and what its frontend and
//! its Prometheus backend do to a dashboard before a panel's query reaches Prometheus:
//! template variables resolved as a dashboard load resolves them ([`variables`], with the
//! Prometheus datasource's variable queries in [`metric_find`]), queries interpolated with
//! Grafana's formats and the Prometheus datasource's escaping ([`interpolate`]), the interval,
//! step and `$__rate_interval` arithmetic ([`interval`]), and which panels and targets run at all
//! ([`panels`]). [`live`] puts them together: every dashboard Grafana serves, every panel query
//! through the datasource proxy, reported per folder and dashboard. After a sync, [`arrival`]
//! waits until Grafana serves what was written, where the sidecar ([`sidecar`]: what it watches,
//! read from the Grafana Deployment) puts it.
//!
//! Grafana's dashboards as files and as the sidecar's ConfigMaps ([`dashboard`]: label
//! `grafana_dashboard`, folder annotation, one JSON key, minified) are built here too.
//!
//! Not here: the PromQL inside a panel's query, checked as Prometheus checks it (`prometheus/`), and
//! the sync of the ConfigMaps to the cluster (`kube/`).
pub mod api;
pub mod arrival;
pub mod dashboard;
pub mod interpolate;
pub mod interval;
pub mod live;
pub mod login;
pub mod metric_find;
pub mod panels;
pub mod report;
pub mod sidecar;
pub mod variable_kinds;
pub mod variables;

pub use api::{Datasource, GrafanaApi, SearchHit};
pub use login::Login;
