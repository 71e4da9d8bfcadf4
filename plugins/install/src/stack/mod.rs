//! The parts the stack consists of and what the install knows of them beyond the chart: the
//! Alertmanager configuration Secret ([`alertmanager`]), the Grafana admin Secret ([`grafana`]),
//! the volumes of Prometheus and Alertmanager against the values ([`claims`]), and the workloads an
//! install waits for, with their readiness rules ([`workloads`]).
//!
//! Not here: what Alertmanager, Prometheus or Grafana accept (the common crate's `alertmanager`,
//! `prometheus` and `grafana`), and the chart and its values ([`crate::chart`]).
pub mod alertmanager;
pub mod claims;
pub mod grafana;
pub mod workloads;
