//! Where Prometheus, Alertmanager and Grafana are reached: the URL when one is given, else a
//! port-forward to their Service in the stack's namespace, held open for as long as the
//! [`Reached`] lives. Each endpoint's flags are declared once, here, with their help and
//! environment variables; every plugin that talks to one flattens them into its command line.
use crate::kube::cluster::{Cluster, Forward};
use clap::Args;

/// `--prometheus-url` / `--prometheus-service`.
#[derive(Debug, Clone, Args)]
pub struct PrometheusArgs {
    /// Prometheus base URL (default: a port-forward to --prometheus-service)
    #[arg(
        long,
        value_name = "URL",
        env = "PROMSTACK_PROMETHEUS_URL",
        global = true
    )]
    pub prometheus_url: Option<String>,
    /// The Prometheus Service to port-forward to when no URL is given (port 9090, in -n)
    #[arg(
        long,
        value_name = "NAME",
        default_value = "kube-prometheus-prometheus",
        global = true
    )]
    pub prometheus_service: String,
}

/// `--alertmanager-url` / `--alertmanager-service`.
#[derive(Debug, Clone, Args)]
pub struct AlertmanagerArgs {
    /// Alertmanager base URL (default: a port-forward to --alertmanager-service)
    #[arg(
        long,
        value_name = "URL",
        env = "PROMSTACK_ALERTMANAGER_URL",
        global = true
    )]
    pub alertmanager_url: Option<String>,
    /// The Alertmanager Service to port-forward to when no URL is given (port 9093, in -n)
    #[arg(
        long,
        value_name = "NAME",
        default_value = "kube-prometheus-alertmanager",
        global = true
    )]
    pub alertmanager_service: String,
}

/// `--grafana-url` / `--grafana-service`.
#[derive(Debug, Clone, Args)]
pub struct GrafanaArgs {
    /// Grafana base URL (default: a port-forward to --grafana-service)
    #[arg(long, value_name = "URL", env = "PROMSTACK_GRAFANA_URL", global = true)]
    pub grafana_url: Option<String>,
    /// The Grafana Service to port-forward to when no URL is given (port 80, in -n)
    #[arg(
        long,
        value_name = "NAME",
        default_value = "kube-prometheus-grafana",
        global = true
    )]
    pub grafana_service: String,
    /// A file holding user:password to log in to Grafana with (default: the admin Secret promstack-grafana-admin in Grafana's namespace)
    #[arg(
        long,
        value_name = "FILE",
        env = "PROMSTACK_GRAFANA_CREDENTIALS_FILE",
        global = true
    )]
    pub grafana_credentials_file: Option<std::path::PathBuf>,
}

/// One endpoint: a URL, or the Service and port to forward to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub what: &'static str,
    pub url: Option<String>,
    pub service: String,
    pub port: u16,
}

impl PrometheusArgs {
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::new(
            "Prometheus",
            &self.prometheus_url,
            &self.prometheus_service,
            9090,
        )
    }
}

impl AlertmanagerArgs {
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::new(
            "Alertmanager",
            &self.alertmanager_url,
            &self.alertmanager_service,
            9093,
        )
    }
}

impl GrafanaArgs {
    pub fn endpoint(&self) -> Endpoint {
        Endpoint::new("Grafana", &self.grafana_url, &self.grafana_service, 80)
    }
}

/// A reached endpoint: the URL to use, and the port-forward behind it (if any), which stops
/// when this is dropped.
pub struct Reached {
    pub url: String,
    pub forward: Option<Forward>,
}

impl std::fmt::Debug for Reached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reached").field("url", &self.url).finish()
    }
}

impl Reached {
    /// How it was reached, for people.
    pub fn describe(&self, what: &str) -> String {
        match &self.forward {
            Some(f) => format!("{what}: port-forward to pod {} on {}", f.pod, f.url),
            None => format!("{what}: {}", self.url),
        }
    }
}

impl Endpoint {
    pub fn new(what: &'static str, url: &Option<String>, service: &str, port: u16) -> Self {
        Endpoint {
            what,
            url: url.clone(),
            service: service.into(),
            port,
        }
    }

    /// Does reaching it need the cluster (no URL given)?
    pub fn needs_cluster(&self) -> bool {
        self.url.is_none()
    }

    /// The URL, or a port-forward to the Service in `ns`.
    pub async fn reach(&self, cluster: Option<&dyn Cluster>, ns: &str) -> anyhow::Result<Reached> {
        if let Some(u) = &self.url {
            return Ok(Reached {
                url: u.clone(),
                forward: None,
            });
        }
        let Some(cluster) = cluster else {
            return Err(crate::Error::input(format!(
                "{} needs a URL or the cluster to port-forward to",
                self.what
            ))
            .into());
        };
        let f = cluster.forward(ns, &self.service, self.port).await?;
        Ok(Reached {
            url: f.url.clone(),
            forward: Some(f),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        p: PrometheusArgs,
        #[command(flatten)]
        a: AlertmanagerArgs,
    }

    #[tokio::test]
    async fn a_url_is_used_as_given_and_without_one_the_cluster_forwards() {
        let cli = Cli::try_parse_from(["x", "--prometheus-url", "http://prom:9090"]).unwrap();
        let p = cli.p.endpoint();
        assert!(!p.needs_cluster());
        assert_eq!(p.reach(None, "m").await.unwrap().url, "http://prom:9090");
        let a = cli.a.endpoint();
        assert_eq!(
            (a.service.as_str(), a.port),
            ("kube-prometheus-alertmanager", 9093)
        );
        let c = crate::kube::cluster::MemoryCluster::new();
        let err = a.reach(Some(&c), "m").await.unwrap_err();
        assert!(
            err.to_string()
                .contains("no port-forward to m/kube-prometheus-alertmanager"),
            "{err}"
        );
        assert!(a
            .reach(None, "m")
            .await
            .unwrap_err()
            .to_string()
            .contains("needs a URL"));
    }
}
