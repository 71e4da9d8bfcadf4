//! What the live Prometheus runs with: its retention (`/api/v1/status/flags`), evaluation interval
//! and external labels (`/api/v1/status/config`), and the rule groups it runs (`/api/v1/rules`).
use promstack_shared::prometheus::api::PrometheusApi;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Prometheus's retention when its flag is 0 (and no size limit is set): 15 days.
const DEFAULT_RETENTION: Duration = Duration::from_secs(15 * 86400);

#[derive(Debug, Clone, Default)]
pub struct Live {
    pub retention: Option<Duration>,
    pub evaluation_interval: Duration,
    pub external_labels: BTreeMap<String, String>,
    /// The config was read (else the external labels are unknown).
    pub config_read: bool,
    /// `/api/v1/rules`' groups.
    pub groups: Vec<Value>,
}

impl Live {
    /// Read it; a part that cannot be read is left out (its checks then say nothing).
    pub async fn read(api: &PrometheusApi) -> Result<Live, String> {
        let (flags, config, rules) = tokio::join!(
            api.get("/api/v1/status/flags", &[]),
            api.get("/api/v1/status/config", &[]),
            api.get("/api/v1/rules", &[]),
        );
        let flags = flags?;
        let retention = flags["storage.tsdb.retention.time"]
            .as_str()
            .and_then(promstack_shared::go::duration::seconds)
            .map(|s| match s {
                0.0 => DEFAULT_RETENTION,
                s => Duration::from_secs_f64(s),
            });
        let config: Option<serde_yaml::Value> = config.ok().and_then(|c| {
            c["yaml"]
                .as_str()
                .and_then(|y| serde_yaml::from_str(y).ok())
        });
        let config_read = config.is_some();
        let config = config.unwrap_or_default();
        let global = &config["global"];
        let evaluation_interval = global["evaluation_interval"]
            .as_str()
            .and_then(promstack_shared::go::duration::seconds)
            .map_or(Duration::from_secs(60), Duration::from_secs_f64);
        let external_labels = global["external_labels"]
            .as_mapping()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let groups = rules
            .ok()
            .and_then(|r| r["groups"].as_array().cloned())
            .unwrap_or_default();
        Ok(Live {
            retention,
            evaluation_interval,
            external_labels,
            config_read,
            groups,
        })
    }
}
