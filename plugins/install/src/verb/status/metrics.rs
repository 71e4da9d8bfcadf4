//! The metrics group: kube-state-metrics and node-exporter series (every node), Cilium's.
use super::{check, Check, Level};
use promstack_shared::prometheus::api::PrometheusApi;
use std::collections::BTreeSet;

async fn query_labels(
    prom: &PrometheusApi,
    q: &str,
    label: &str,
) -> Result<BTreeSet<String>, String> {
    let d = prom.query(q).await?;
    Ok(d["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["metric"][label].as_str().map(String::from))
        .collect())
}

/// kube-state-metrics and node-exporter series (every node), Cilium series when Cilium runs.
pub async fn metric_checks(prom: &PrometheusApi, nodes: &[String], cilium: bool) -> Vec<Check> {
    let g = "metrics";
    let mut out = Vec::new();
    match prom.query("count(kube_pod_info)").await {
        Ok(d) if d["result"].as_array().is_some_and(|r| !r.is_empty()) => out.push(check(
            g,
            "kube-state-metrics series",
            Level::Ok,
            "kube_pod_info present",
            None,
        )),
        Ok(_) => out.push(check(
            g,
            "kube-state-metrics series",
            Level::Fail,
            "no kube_pod_info",
            Some("is kube-state-metrics scraped? see targets"),
        )),
        Err(e) => out.push(check(g, "kube-state-metrics series", Level::Fail, e, None)),
    }
    match query_labels(prom, "node_uname_info", "nodename").await {
        Ok(seen) => {
            let missing: Vec<&String> = nodes.iter().filter(|n| !seen.contains(*n)).collect();
            out.push(if seen.is_empty() {
                check(
                    g,
                    "node-exporter series",
                    Level::Fail,
                    "no node_uname_info",
                    Some("is node-exporter scraped? see targets"),
                )
            } else if missing.is_empty() {
                check(
                    g,
                    "node-exporter series",
                    Level::Ok,
                    format!("node_uname_info for all {} nodes", nodes.len()),
                    None,
                )
            } else {
                check(
                    g,
                    "node-exporter series",
                    Level::Fail,
                    format!(
                        "no node_uname_info for: {}",
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None,
                )
            });
        }
        Err(e) => out.push(check(g, "node-exporter series", Level::Fail, e, None)),
    }
    if cilium {
        for m in ["cilium_endpoint_state", "hubble_flows_processed_total"] {
            match prom.query(&format!("count({m})")).await {
                Ok(d) if d["result"].as_array().is_some_and(|r| !r.is_empty()) => out.push(check(g, format!("{m} series"), Level::Ok, "present", None)),
                Ok(_) => out.push(check(g, format!("{m} series"), Level::Fail, "absent", Some("enable Cilium's Prometheus metrics and ServiceMonitors (prometheus.serviceMonitor.enabled, hubble.metrics)"))),
                Err(e) => out.push(check(g, format!("{m} series"), Level::Fail, e, None)),
            }
        }
    }
    out
}
