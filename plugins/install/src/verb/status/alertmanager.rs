//! The alertmanager group: its cluster, and the config it runs against ours.
use super::{check, get, secret_key, Check, Level};
use crate::chart::values::ALERTMANAGER_SECRET;
use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::kube::cluster::{Cluster, ObjRef};

/// Alertmanager: its cluster is ready, and the config it runs is the one in our Secret.
pub async fn alertmanager_checks(am: &AlertmanagerApi, our_config: Option<&str>) -> Vec<Check> {
    let g = "alertmanager";
    let status = match am.status().await {
        Ok(s) => s,
        Err(e) => {
            return vec![check(
                g,
                "Alertmanager",
                Level::Fail,
                e,
                Some("is Alertmanager reachable? --alertmanager-url or the port-forward"),
            )]
        }
    };
    let mut out = Vec::new();
    let cluster = status["cluster"]["status"].as_str().unwrap_or("?");
    out.push(match cluster {
        "ready" => check(
            g,
            "cluster",
            Level::Ok,
            format!(
                "ready, {} peer(s)",
                status["cluster"]["peers"].as_array().map_or(0, Vec::len)
            ),
            None,
        ),
        "disabled" => check(
            g,
            "cluster",
            Level::Ok,
            "clustering disabled (single instance)",
            None,
        ),
        other => check(
            g,
            "cluster",
            Level::Fail,
            format!("status {other}"),
            Some("the replicas cannot gossip: check the Alertmanager pods' logs"),
        ),
    });
    if let Some(ours) = our_config {
        let live = status["config"]["original"].as_str().unwrap_or_default();
        out.push(match config_differences(ours, live) {
            Ok(d) if d.is_empty() => check(
                g,
                "config",
                Level::Ok,
                format!("the loaded config is the one in Secret {ALERTMANAGER_SECRET}"),
                None,
            ),
            Ok(d) => check(
                g,
                "config",
                Level::Warn,
                format!(
                    "the loaded config differs from Secret {ALERTMANAGER_SECRET}: {}",
                    d.join("; ")
                ),
                Some("AlertmanagerConfig objects merged in, or the operator has not reloaded yet"),
            ),
            Err(e) => check(g, "config", Level::Fail, e, None),
        });
    }
    out
}

/// Differences that matter between our config and the loaded one (the common crate's
/// Alertmanager model decides).
pub fn config_differences(ours: &str, live: &str) -> Result<Vec<String>, String> {
    promstack_shared::alertmanager::config::routing::differences(ours, live)
}

/// Our Alertmanager config, from our Secret: `Ok(None)` when there is no such Secret (a stack
/// configured otherwise), `Err` when it cannot be read.
pub async fn our_alertmanager_config(
    cluster: &dyn Cluster,
    ns: &str,
) -> Result<Option<String>, String> {
    Ok(get(
        cluster,
        &ObjRef::new("v1", "Secret", Some(ns), ALERTMANAGER_SECRET),
    )
    .await?
    .and_then(|s| secret_key(&s, "alertmanager.yaml")))
}
