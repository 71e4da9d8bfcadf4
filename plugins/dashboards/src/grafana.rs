//! Reaching the stack's Grafana from this plugin: its namespace is the Grafana Deployment's (in
//! `-n`, else wherever the chart's Grafana runs), its URL `--grafana-url` or a port-forward to
//! `--grafana-service` there, its login `--grafana-credentials-file` or the admin Secret there,
//! checked with `/api/user` before anything else is asked.
use promstack_shared::grafana::api::DEFAULT_TIMEOUT;
use promstack_shared::grafana::sidecar::{self, Sidecar};
use promstack_shared::grafana::{login, GrafanaApi};
use promstack_shared::kube::cluster::Cluster;
use promstack_shared::kube::endpoint::{Endpoint, Reached};
use std::path::PathBuf;

/// Where Grafana is and who to log in as (the flags).
#[derive(Debug, Clone)]
pub struct GrafanaTarget {
    pub endpoint: Endpoint,
    pub credentials: Option<PathBuf>,
}

impl GrafanaTarget {
    pub fn of(args: &promstack_shared::kube::endpoint::GrafanaArgs) -> Self {
        GrafanaTarget {
            endpoint: args.endpoint(),
            credentials: args.grafana_credentials_file.clone(),
        }
    }

    /// Does reaching it need the cluster (no URL, or no credentials file)?
    pub fn needs_cluster(&self) -> bool {
        self.endpoint.needs_cluster() || self.credentials.is_none()
    }
}

/// A Grafana logged in to, the port-forward behind it (held while this lives), and its sidecar.
pub struct Connected {
    pub api: GrafanaApi,
    pub reached: Reached,
    pub sidecar: Option<Sidecar>,
    /// Grafana's namespace.
    pub namespace: String,
}

impl Connected {
    /// Where Grafana's own log is, for people.
    pub fn log_hint(&self) -> String {
        let deployment = self
            .sidecar
            .as_ref()
            .map_or("kube-prometheus-grafana", |s| s.deployment.as_str());
        format!(
            "its log says why: kubectl -n {} logs deploy/{deployment} -c grafana",
            self.namespace
        )
    }
}

/// Reach Grafana and log in; `Err` says why it could not.
pub async fn connect(
    target: &GrafanaTarget,
    cluster: Option<&dyn Cluster>,
    ns: &str,
) -> Result<Connected, String> {
    let sidecar = match cluster {
        Some(c) => sidecar::find(c, ns).await?,
        None => None,
    };
    let namespace = sidecar
        .as_ref()
        .map_or(ns, |s| s.namespace.as_str())
        .to_string();
    let reached = target
        .endpoint
        .reach(cluster, &namespace)
        .await
        .map_err(|e| e.to_string())?;
    let login = login::resolve(target.credentials.as_deref(), cluster, &namespace).await?;
    let api =
        GrafanaApi::new(&reached.url, Some(login), DEFAULT_TIMEOUT).map_err(|e| e.to_string())?;
    match api.get("/api/user", true).await? {
        (200, _) => Ok(Connected {
            api,
            reached,
            sidecar,
            namespace,
        }),
        (code, body) => Err(format!(
            "Grafana at {} refused the login as {}: HTTP {code} {}",
            reached.url,
            api.user().unwrap_or("?"),
            body["message"].as_str().unwrap_or("")
        )),
    }
}
