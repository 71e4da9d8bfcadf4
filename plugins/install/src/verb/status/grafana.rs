//! The grafana group: health, admin login with our Secret, the dashboards Grafana serves run as it
//! runs them (the live check of [`promstack_shared::grafana::live`], in summary: empty panels
//! warn, failing queries fail), the Cilium folder, the datasource.
use super::{check, Check, Level};
use promstack_shared::grafana::dashboard;
use promstack_shared::grafana::live::{self, Options};
use promstack_shared::grafana::login::ADMIN_SECRET;
use promstack_shared::kube::cluster::{Cluster, ListQuery};
use promstack_shared::kube::owned;
use serde_json::Value;
use std::time::Duration;

pub use promstack_shared::grafana::GrafanaApi;

const G: &str = "grafana";

/// How far back the live check queries.
const RANGE: Duration = Duration::from_secs(3600);

/// Grafana: health, admin login, dashboards (live), the Cilium folder, the datasource. Once
/// Grafana answers its health, the other checks ask it at the same time. `synced`: whether
/// promstack's dashboards are synced to the cluster (`None`: not known).
pub async fn grafana_checks(gr: &GrafanaApi, cilium: bool, synced: Option<bool>) -> Vec<Check> {
    let health = match gr.health().await {
        Ok((code, h)) => health_check(code, &h),
        Err(e) => {
            return vec![check(
                G,
                "health",
                Level::Fail,
                e,
                Some("--grafana-url or the port-forward"),
            )]
        }
    };
    let folder = async {
        match cilium {
            true => Some(cilium_folder_check(gr, synced).await),
            false => None,
        }
    };
    let (login, dashboards, folder, datasource) = tokio::join!(
        login_check(gr),
        dashboards_check(gr),
        folder,
        datasource_check(gr)
    );
    let mut out = vec![health, login, dashboards];
    out.extend(folder);
    out.push(datasource);
    out
}

fn health_check(code: u16, h: &Value) -> Check {
    if code == 200 && h["database"] == "ok" {
        check(
            G,
            "health",
            Level::Ok,
            format!(
                "Grafana {} up, database ok",
                h["version"].as_str().unwrap_or("?")
            ),
            None,
        )
    } else {
        check(
            G,
            "health",
            Level::Fail,
            format!(
                "HTTP {code}, database {}",
                h["database"].as_str().unwrap_or("?")
            ),
            Some("kubectl -n NS logs deploy/kube-prometheus-grafana"),
        )
    }
}

async fn login_check(gr: &GrafanaApi) -> Check {
    match gr.get("/api/user", true).await {
        Ok((200, u)) => check(
            G,
            "admin login",
            Level::Ok,
            format!("logged in as {}", u["login"].as_str().unwrap_or("?")),
            None,
        ),
        Ok((code, _)) => check(
            G,
            "admin login",
            Level::Fail,
            format!("HTTP {code} with the password from Secret {ADMIN_SECRET}"),
            Some("Grafana keeps the password of its first start: restart it, or kubectl promstack install --rotate-grafana-password"),
        ),
        Err(e) => check(G, "admin login", Level::Fail, e, None),
    }
}

/// Every dashboard Grafana serves, its panel queries run through Grafana over the last hour.
async fn dashboards_check(gr: &GrafanaApi) -> Check {
    let name = "dashboards";
    let r = match live::check(gr, Options::last(RANGE), &|_, _| {}).await {
        Ok(r) => r,
        Err(e) => return check(G, name, Level::Fail, e, None),
    };
    let (level, hint) = if r.dashboards == 0 {
        (
            Level::Fail,
            Some("none served: the sidecar picks up ConfigMaps labelled grafana_dashboard: \"1\""),
        )
    } else if !r.failing().is_empty() {
        (
            Level::Fail,
            Some("kubectl promstack dashboards check --live -n NS names each failing query and Grafana's or Prometheus's error"),
        )
    } else if !r.with_empty_panels().is_empty() {
        (
            Level::Warn,
            Some("kubectl promstack dashboards check --live -n NS names the empty panels (a metric not scraped, a feature not used)"),
        )
    } else {
        (Level::Ok, None)
    };
    check(G, name, level, r.summary(), hint)
}

async fn cilium_folder_check(gr: &GrafanaApi, synced: Option<bool>) -> Check {
    let name = "Cilium folder";
    match gr.get("/api/folders", true).await {
        Ok((200, Value::Array(f))) if f.iter().any(|x| x["title"] == "Cilium") => {
            check(G, name, Level::Ok, "present", None)
        }
        Ok(_) if synced == Some(false) => check(
            G,
            name,
            Level::Warn,
            "absent: promstack's dashboards are not synced yet",
            Some("kubectl promstack dashboards sync"),
        ),
        Ok(_) => check(
            G,
            name,
            Level::Fail,
            "absent",
            Some("kubectl promstack dashboards sync (it waits for the sidecar and says what did not arrive)"),
        ),
        Err(e) => check(G, name, Level::Fail, e, None),
    }
}

async fn datasource_check(gr: &GrafanaApi) -> Check {
    match gr.get("/api/datasources/uid/prometheus/health", true).await {
        Ok((200, h)) if h["status"] == "OK" => check(
            G,
            "Prometheus datasource",
            Level::Ok,
            h["message"].as_str().unwrap_or("OK").to_string(),
            None,
        ),
        Ok((code, h)) => check(
            G,
            "Prometheus datasource",
            Level::Fail,
            format!("HTTP {code}: {}", h["message"].as_str().unwrap_or("?")),
            Some(
                "the datasource uid must be `prometheus` (values: grafana.sidecar.datasources.uid)",
            ),
        ),
        Err(e) => check(G, "Prometheus datasource", Level::Fail, e, None),
    }
}

/// Are any of promstack's dashboard ConfigMaps in the cluster (any namespace)? `None` when
/// that cannot be read.
pub async fn dashboards_synced(cluster: &dyn Cluster) -> Option<bool> {
    let q = ListQuery::new("v1", "ConfigMap").labels(&format!(
        "{},{}",
        owned::selector(dashboard::COMPONENT),
        dashboard::SIDECAR_LABEL
    ));
    cluster.list(&q).await.ok().map(|l| !l.is_empty())
}
