//! The rules group: rule evaluation, Watchdog, what else fires.
use super::{check, Check, Level};
use promstack_shared::prometheus::api::PrometheusApi;
use serde_json::Value;
use std::collections::BTreeSet;

const G: &str = "rules";

/// Rule groups evaluate without errors; Watchdog fires; what else fires.
pub async fn rule_checks(prom: &PrometheusApi) -> Vec<Check> {
    let (rules, alerts) = tokio::join!(prom.api("/api/v1/rules"), prom.api("/api/v1/alerts"));
    let mut out = vec![match rules {
        Ok(d) => evaluation_check(&d),
        Err(e) => check(G, "rule evaluation", Level::Fail, e, None),
    }];
    match alerts {
        Ok(d) => out.extend(alert_checks(&d)),
        Err(e) => out.push(check(G, "Watchdog", Level::Fail, e, None)),
    }
    out
}

/// Every rule of every group healthy (or not evaluated yet), from `/api/v1/rules`.
fn evaluation_check(d: &Value) -> Check {
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
    if bad.is_empty() {
        check(
            G,
            "rule evaluation",
            Level::Ok,
            format!("{} groups evaluate without errors", groups.len()),
            None,
        )
    } else {
        check(
            G,
            "rule evaluation",
            Level::Fail,
            bad.join("; "),
            Some("kubectl promstack rules validate; fix the expression"),
        )
    }
}

/// Watchdog fires (the pipeline is alive); the other firing alerts, as a warning. From
/// `/api/v1/alerts`.
fn alert_checks(d: &Value) -> Vec<Check> {
    let alerts = d["alerts"].as_array().cloned().unwrap_or_default();
    let firing: Vec<String> = alerts
        .iter()
        .filter(|a| a["state"] == "firing")
        .filter_map(|a| a["labels"]["alertname"].as_str().map(String::from))
        .collect();
    let mut out = vec![if firing.iter().any(|a| a == "Watchdog") {
        check(
            G,
            "Watchdog",
            Level::Ok,
            "firing: the alerting pipeline is alive",
            None,
        )
    } else {
        check(
            G,
            "Watchdog",
            Level::Fail,
            "not firing",
            Some("the general.rules group (defaultRules.rules.general) must be loaded"),
        )
    }];
    let others: BTreeSet<&String> = firing
        .iter()
        .filter(|a| *a != "Watchdog" && *a != "InfoInhibitor")
        .collect();
    if !others.is_empty() {
        out.push(check(
            G,
            "firing alerts",
            Level::Warn,
            others.into_iter().cloned().collect::<Vec<_>>().join(", "),
            Some("see Alertmanager"),
        ));
    }
    out
}
