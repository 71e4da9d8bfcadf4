//! `kubectl promstack install`: the flow as named phases.
//!
//! 1. `inputs`: values files, Alertmanager config, password from stdin/generator: all checked
//!    before the cluster is touched (bad input: exit 2, nothing changed);
//! 2. [`preflight`], reads only: a list of named checks (cluster reachable, helm and its major
//!    version, StorageClass, nodes, stuck release, the chart renders, no foreign Prometheus
//!    Operator CRDs, no second stack, mounts, claims, Pod Security), each a small function;
//! 3. `plan`: what would change (namespace, Secrets, CRDs, helm release) as a typed list of
//!    steps; `--dry-run` prints it and stops;
//! 4. `apply`, in order: namespace → Grafana admin Secret → Alertmanager config Secret → CRDs
//!    (server-side, Established) → `helm upgrade --install --skip-crds`;
//! 5. `wait` for the workloads; the summary ([`summary`]). A second run with nothing changed
//!    makes no write and runs no helm upgrade.
mod apply;
mod diff;
mod inputs;
mod plan;
pub mod preflight;
pub mod summary;
mod values_dir;
mod wait;

pub use super::Deps;
pub use preflight::nodes_needed;
pub use values_dir::ValuesDir;

use crate::chart::values::{Env, OverlaySettings};
use crate::helm::Chart;
use crate::stack::grafana::PasswordSource;
use promstack_shared::kube::owned::Change;
use promstack_shared::terminal::output::Report;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Everything the user decided (flags, files).
#[derive(Debug, Clone)]
pub struct InstallOptions {
    pub env: Env,
    pub namespace: String,
    pub chart: Chart,
    pub user_values: Vec<PathBuf>,
    /// StorageClass, Ingress, remote write, webhooks: what the generated overlay carries.
    pub overlay: OverlaySettings,
    pub password: PasswordSource,
    pub grafana_user: String,
    pub rotate_password: bool,
    pub show_password: bool,
    pub alertmanager_config: Option<PathBuf>,
    pub timeout: Duration,
    pub poll_interval: Duration,
    pub dry_run: bool,
    pub recover: bool,
    pub force_upgrade: bool,
    /// Let values keys the chart does not read through, with a warning (refused otherwise).
    pub allow_unknown_values: bool,
    /// Where renders of the chart are kept between runs (None: render every time).
    pub render_cache: Option<crate::chart::render_cache::RenderCache>,
}

impl InstallOptions {
    /// Defaults for `--env` in `namespace` (what the CLI gives without flags).
    pub fn new(env: Env, namespace: &str) -> Self {
        InstallOptions {
            env,
            namespace: namespace.into(),
            chart: Chart::from_flags(None, None).expect("the default chart reference is valid"),
            user_values: vec![],
            overlay: OverlaySettings {
                storage_class: env.storage_class().into(),
                ..Default::default()
            },
            password: PasswordSource::Prompt,
            grafana_user: "admin".into(),
            rotate_password: false,
            show_password: false,
            alertmanager_config: None,
            timeout: Duration::from_secs(600),
            poll_interval: Duration::from_secs(2),
            dry_run: false,
            recover: false,
            force_upgrade: false,
            allow_unknown_values: false,
            render_cache: None,
        }
    }
}

/// One pre-flight check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    /// What the terminal is told once the check has passed (warnings first), if anything.
    #[serde(skip)]
    pub said: Vec<Said>,
}

/// A line for the terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    Ok(String),
    Warn(String),
}

/// One object (or the release) and what happened to it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub object: String,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How to reach Grafana.
#[derive(Debug, Clone, Serialize)]
pub struct GrafanaAccess {
    pub url: String,
    pub user: String,
    pub password_secret: String,
    pub password_command: String,
}

/// Where the time went, in milliseconds: helm's own calls, waiting for the cluster (CRDs,
/// workloads), and the rest, which is install's own work (`bench/README.md`: target < 10% of helm).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub total_ms: u128,
    pub helm_ms: u128,
    pub waiting_ms: u128,
    pub own_ms: u128,
}

/// Adds up the time during which helm runs: calls that overlap (pre-flight runs helm's version,
/// its release list and the render at once) count once.
#[derive(Default)]
struct HelmClock {
    running: std::cell::Cell<usize>,
    since: std::cell::Cell<Option<tokio::time::Instant>>,
    total: std::cell::Cell<Duration>,
}

impl HelmClock {
    async fn time<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        if self.running.get() == 0 {
            self.since.set(Some(tokio::time::Instant::now()));
        }
        self.running.set(self.running.get() + 1);
        let out = f.await;
        self.running.set(self.running.get() - 1);
        if let (0, Some(since)) = (self.running.get(), self.since.get()) {
            self.total.set(self.total.get() + since.elapsed());
            self.since.set(None);
        }
        out
    }

    fn total(&self) -> Duration {
        self.total.get()
    }
}

/// The result of an install, for people (text) and pipelines (`-o json|yaml`).
#[derive(Debug, Clone, Serialize)]
pub struct InstallReport {
    pub dry_run: bool,
    pub context: String,
    pub server: String,
    pub namespace: String,
    pub env: Env,
    pub chart: String,
    pub release: String,
    pub helm_version: String,
    pub preflight: Vec<Check>,
    pub steps: Vec<Step>,
    /// The helm command line, values files named by origin (embedded `values/...`, the user's
    /// files, `generated-overlay.yaml`); helm gets private temporary copies. No secret is ever on it.
    pub helm_command: Vec<String>,
    /// True when anything was (or, with --dry-run, would be) changed.
    pub changed: bool,
    pub waited: Vec<String>,
    pub grafana: GrafanaAccess,
    pub timings: Timings,
    /// With --dry-run (and `install diff`): what changes in every object of the release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<crate::release_diff::ReleaseDiff>,
    /// When the chart's version changes: the versions crossed, their notes and values keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<crate::chart::upgrade::ChartUpgrade>,
}

/// An install's result plus what only some outputs show (Debug never shows the password).
#[derive(Debug)]
pub struct InstallOutcome {
    pub report: InstallReport,
    /// With --dry-run: every object that would be applied (Secrets redacted), for `-o yaml`.
    pub rendered: Vec<Value>,
    /// The password, only when `--show-password` asked for it.
    pub shown_password: Option<promstack_shared::terminal::secret::SecretString>,
}

/// Run the install (or, with `dry_run`, plan it).
pub async fn run(opts: &InstallOptions, deps: &Deps<'_>) -> anyhow::Result<InstallOutcome> {
    let started = Instant::now();
    // Kubernetes' events from here on explain what does not get ready (minutes of slack for a
    // client clock ahead of the API server's)
    let since = k8s_openapi::jiff::Timestamp::now() - Duration::from_secs(300);
    let clock = HelmClock::default();
    let mut inputs = inputs::load(opts, deps)?;
    let facts = preflight::run(opts, deps, &inputs, &clock).await?;
    let plan = plan::make(opts, deps, &mut inputs, &facts, &clock).await?;
    let mut report = plan.report(opts, &inputs, &facts);
    report.upgrade =
        crate::chart::upgrade::plan(&facts.existing, &facts.rendered.chart).map(|mut u| {
            // with --allow-unknown-values, the keys of the user's files the new chart does not read
            let promstacks =
                |file: &str| file.starts_with("values/") || file == "generated-overlay.yaml";
            u.values_keys_gone = facts
                .unknown_values
                .iter()
                .filter(|k| !promstacks(&k.file))
                .map(ToString::to_string)
                .collect();
            u
        });
    if opts.dry_run {
        let diff = diff::of_release(opts, deps, &facts, &clock).await?;
        report.changed |= diff.changes();
        report.diff = Some(diff);
        return Ok(InstallOutcome {
            report,
            rendered: plan.rendered(opts, facts),
            shown_password: None,
        });
    }
    let mut waiting = apply::run(opts, deps, &inputs, &facts, &plan, &clock, since).await?;
    let (waited, took) = wait::workloads(opts, deps, &inputs, &facts, since).await?;
    report.waited = waited;
    waiting += took;
    report.timings = Timings::measured(started.elapsed(), clock.total(), waiting);
    let shown_password = match opts.show_password {
        true => inputs.password.take().map(|p| p.value),
        false => None,
    };
    Ok(InstallOutcome {
        report,
        rendered: vec![],
        shown_password,
    })
}

impl Timings {
    fn measured(total: Duration, helm: Duration, waiting: Duration) -> Self {
        let (total_ms, helm_ms, waiting_ms) =
            (total.as_millis(), helm.as_millis(), waiting.as_millis());
        Timings {
            total_ms,
            helm_ms,
            waiting_ms,
            own_ms: total_ms.saturating_sub(helm_ms + waiting_ms),
        }
    }
}

impl Report for InstallReport {
    fn text(&self) -> String {
        summary::render(self, None)
    }
}

/// One step of the plan.
fn step(object: impl Into<String>, change: Change) -> Step {
    Step {
        object: object.into(),
        change,
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn helm_calls_that_overlap_count_once() {
        let clock = HelmClock::default();
        let helm = |ms| clock.time(tokio::time::sleep(Duration::from_millis(ms)));
        tokio::join!(helm(50), helm(30));
        assert_eq!(clock.total(), Duration::from_millis(50));
        helm(20).await;
        assert_eq!(clock.total(), Duration::from_millis(70));
    }
}
