//! The grafana group: health, admin login with our Secret, dashboards, the Cilium folder, the
//! datasource; and the small client it talks through.
use super::{check, get, secret_key, Check, Level};
use crate::values::GRAFANA_SECRET;
use promstack_shared::cluster::{Cluster, ObjRef};
use promstack_shared::secret::SecretString;
use serde_json::Value;

const G: &str = "grafana";

/// A minimal Grafana API client (health, login, search, folders, datasource health).
pub struct GrafanaApi {
    pub base: String,
    pub user: String,
    pub password: SecretString,
    client: reqwest::Client,
}

impl GrafanaApi {
    pub fn new(
        base: &str,
        user: &str,
        password: SecretString,
    ) -> Result<Self, promstack_shared::Error> {
        promstack_shared::prometheus::api::ensure_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|e| promstack_shared::Error::runtime(e.to_string()))?;
        Ok(GrafanaApi {
            base: base.trim_end_matches('/').to_string(),
            user: user.into(),
            password,
            client,
        })
    }

    async fn get(&self, path: &str, auth: bool) -> Result<(u16, Value), String> {
        let mut r = self.client.get(format!("{}{path}", self.base));
        if auth {
            r = r.basic_auth(&self.user, Some(self.password.expose()));
        }
        let resp = r
            .send()
            .await
            .map_err(|e| format!("cannot reach Grafana at {}: {e}", self.base))?;
        let code = resp.status().as_u16();
        Ok((code, resp.json::<Value>().await.unwrap_or(Value::Null)))
    }
}

/// Grafana: health, admin login with the Secret, dashboards, the Cilium folder, the datasource.
/// Once Grafana answers its health, the other checks ask it at the same time.
pub async fn grafana_checks(gr: &GrafanaApi, cilium: bool) -> Vec<Check> {
    let health = match gr.get("/api/health", false).await {
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
            true => Some(cilium_folder_check(gr).await),
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
            format!("HTTP {code} with the password from Secret {GRAFANA_SECRET}"),
            Some("Grafana keeps the password of its first start: restart it, or kubectl promstack install --rotate-grafana-password"),
        ),
        Err(e) => check(G, "admin login", Level::Fail, e, None),
    }
}

async fn dashboards_check(gr: &GrafanaApi) -> Check {
    match gr.get("/api/search?type=dash-db", true).await {
        Ok((200, Value::Array(d))) if !d.is_empty() => check(
            G,
            "dashboards",
            Level::Ok,
            format!("{} dashboards provisioned", d.len()),
            None,
        ),
        Ok((code, _)) => check(
            G,
            "dashboards",
            Level::Fail,
            format!("none found (HTTP {code})"),
            Some("the sidecar picks up ConfigMaps labelled grafana_dashboard: \"1\""),
        ),
        Err(e) => check(G, "dashboards", Level::Fail, e, None),
    }
}

async fn cilium_folder_check(gr: &GrafanaApi) -> Check {
    match gr.get("/api/folders", true).await {
        Ok((200, Value::Array(f))) if f.iter().any(|x| x["title"] == "Cilium") => {
            check(G, "Cilium folder", Level::Ok, "present", None)
        }
        Ok(_) => check(
            G,
            "Cilium folder",
            Level::Fail,
            "absent",
            Some("kubectl promstack dashboards sync"),
        ),
        Err(e) => check(G, "Cilium folder", Level::Fail, e, None),
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

/// The Grafana admin credentials from our Secret; `Err` says why there are none.
pub async fn grafana_credentials(
    cluster: &dyn Cluster,
    ns: &str,
) -> Result<(String, SecretString), String> {
    let s = get(
        cluster,
        &ObjRef::new("v1", "Secret", Some(ns), GRAFANA_SECRET),
    )
    .await?
    .ok_or_else(|| format!("Secret {ns}/{GRAFANA_SECRET} not found"))?;
    match (
        secret_key(&s, "admin-user"),
        secret_key(&s, "admin-password"),
    ) {
        (Some(u), Some(p)) => Ok((u, SecretString::new(p))),
        _ => Err(format!(
            "Secret {ns}/{GRAFANA_SECRET} lacks admin-user/admin-password"
        )),
    }
}
