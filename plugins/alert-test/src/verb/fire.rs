//! `alert-test` (no subcommand): fire a test alert, prove it reaches Alertmanager and which
//! receivers it routes to, and always clean up: on success, failure, timeout and Ctrl-C/SIGTERM.
use super::Deps;
use crate::alert::{self, Access, AlertReport, Leftovers, Options, Via};
use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::kube::cluster::{require_writable, Writes};
use promstack_shared::kube::endpoint::{Endpoint, Reached};
use promstack_shared::prometheus::api::{HttpAuth, PrometheusApi};
use promstack_shared::prometheus::rule;
use promstack_shared::terminal::cli::interrupted;
use promstack_shared::terminal::verb::Report;
use promstack_shared::{Error, ExitCode};

#[derive(Debug, Clone)]
pub struct FireOptions {
    /// The test itself.
    pub test: Options,
    pub prometheus: Endpoint,
    pub alertmanager: Endpoint,
    /// Credentials for the URLs.
    pub auth: Option<HttpAuth>,
}

/// Reach Prometheus (rule mode: once the namespace and the PrometheusRule CRD are found not being
/// deleted) and Alertmanager, run the test, clean up whatever happens.
pub async fn run(opts: &FireOptions, deps: &Deps<'_>) -> anyhow::Result<AlertReport> {
    let ns = opts.test.namespace.as_str();
    let rule_mode = opts.test.via == Via::Prometheus;
    // rule mode writes a PrometheusRule; without an Alertmanager URL we port-forward: both need
    // the cluster
    let cluster = match rule_mode || opts.alertmanager.needs_cluster() {
        true => Some(deps.cluster().await?),
        false => None,
    };
    if let (true, Some(cluster)) = (rule_mode, cluster) {
        // the rule goes into the namespace: not into one being deleted, nor while its CRD is
        // (exit 3, before anything is written or forwarded)
        let writes = Writes {
            namespace: ns,
            kind: rule::KIND,
            crd: Some(rule::CRD),
            then: "run the test",
        };
        require_writable(cluster, writes).await?;
    }
    // a URL when given, else a port-forward kept open for the whole test
    let am = reach(&opts.alertmanager, cluster, ns, deps).await?;
    let prom = match rule_mode {
        true => Some(reach(&opts.prometheus, cluster, ns, deps).await?),
        false => None,
    };
    let access = Access {
        cluster,
        prometheus: prom
            .as_ref()
            .map(|p| PrometheusApi::new(&p.url, opts.auth.clone()))
            .transpose()?,
        alertmanager: AlertmanagerApi::new(&am.url, opts.auth.clone())?,
    };
    let mut left = Leftovers::default();
    let outcome = tokio::select! {
        r = alert::run(&opts.test, &access, deps.ui, &mut left) => Ok(r),
        sig = interrupted() => {
            deps.ui.fail(&format!("interrupted by {sig}: cleaning up"));
            Err(sig)
        }
    };
    let cleaned = alert::cleanup(&access, &left, opts.test.keep, deps.ui).await;
    match outcome {
        Err(sig) => Err(Error::interrupted(sig, format!("cleanup: {}", cleaned.join("; "))).into()),
        Ok(Err(e)) => Err(anyhow::Error::from(e).context(format!(
            "alert test failed; cleanup: {}",
            cleaned.join("; ")
        ))),
        Ok(Ok(mut report)) => {
            report.cleanup = cleaned;
            Ok(report)
        }
    }
}

/// The endpoint's URL, or a port-forward to its Service (said when made).
async fn reach(
    e: &Endpoint,
    cluster: Option<&dyn promstack_shared::kube::cluster::Cluster>,
    ns: &str,
    deps: &Deps<'_>,
) -> anyhow::Result<Reached> {
    let r = e.reach(cluster, ns).await?;
    if r.forward.is_some() {
        deps.ui.ok(&r.describe(e.what));
    }
    Ok(r)
}

impl Report for AlertReport {
    fn text(&self) -> String {
        alert::text(self)
    }
    /// 3 when the alert did not reach exactly the expected receivers, was suppressed, or its
    /// notification failed.
    fn exit_code(&self) -> ExitCode {
        if self.ok {
            ExitCode::Ok
        } else {
            ExitCode::CheckFailed
        }
    }
}
