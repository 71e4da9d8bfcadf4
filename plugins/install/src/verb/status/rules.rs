//! The rules group: rule evaluation, Watchdog, what else fires.
use super::{check, Check, Level};
use promstack_shared::prometheus_api::PrometheusApi;
use std::collections::BTreeSet;

/// Rule groups evaluate without errors; Watchdog fires; what else fires.
pub async fn rule_checks(prom: &PrometheusApi) -> Vec<Check> {
    let g = "rules";
    let mut out = Vec::new();
    match prom.api("/api/v1/rules").await {
        Ok(d) => {
            let groups = d["groups"].as_array().cloned().unwrap_or_default();
            let bad: Vec<String> = groups
                .iter()
                .flat_map(|grp| {
                    grp["rules"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |r| (grp["name"].clone(), r))
                })
                .filter(|(_, r)| r["health"] != "ok" && r["health"] != "unknown")
                .map(|(gn, r)| {
                    format!(
                        "{}/{}: {}",
                        gn.as_str().unwrap_or("?"),
                        r["name"].as_str().unwrap_or("?"),
                        r["lastError"].as_str().unwrap_or("")
                    )
                })
                .collect();
            out.push(if bad.is_empty() {
                check(
                    g,
                    "rule evaluation",
                    Level::Ok,
                    format!("{} groups evaluate without errors", groups.len()),
                    None,
                )
            } else {
                check(
                    g,
                    "rule evaluation",
                    Level::Fail,
                    bad.join("; "),
                    Some("kubectl promstack rules validate; fix the expression"),
                )
            });
        }
        Err(e) => out.push(check(g, "rule evaluation", Level::Fail, e, None)),
    }
    match prom.api("/api/v1/alerts").await {
        Ok(d) => {
            let alerts = d["alerts"].as_array().cloned().unwrap_or_default();
            let firing: Vec<String> = alerts
                .iter()
                .filter(|a| a["state"] == "firing")
                .filter_map(|a| a["labels"]["alertname"].as_str().map(String::from))
                .collect();
            out.push(if firing.iter().any(|a| a == "Watchdog") {
                check(
                    g,
                    "Watchdog",
                    Level::Ok,
                    "firing: the alerting pipeline is alive",
                    None,
                )
            } else {
                check(
                    g,
                    "Watchdog",
                    Level::Fail,
                    "not firing",
                    Some("the general.rules group (defaultRules.rules.general) must be loaded"),
                )
            });
            let others: BTreeSet<&String> = firing
                .iter()
                .filter(|a| *a != "Watchdog" && *a != "InfoInhibitor")
                .collect();
            if !others.is_empty() {
                out.push(check(
                    g,
                    "firing alerts",
                    Level::Warn,
                    others.into_iter().cloned().collect::<Vec<_>>().join(", "),
                    Some("see Alertmanager"),
                ));
            }
        }
        Err(e) => out.push(check(g, "Watchdog", Level::Fail, e, None)),
    }
    out
}
