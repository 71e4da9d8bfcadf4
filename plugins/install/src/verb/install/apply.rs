//! Phase 4, the writes, in order: recover a stuck release → namespace → Grafana admin Secret →
//! Alertmanager config Secret → CRDs (server-side, Established) → `helm upgrade --install
//! --skip-crds` (Kubernetes' warnings followed while helm waits). An error stops everything
//! after it and says so.
use super::inputs::Inputs;
use super::plan::{Plan, Planned};
use super::preflight::Facts;
use super::{Deps, HelmClock, InstallOptions};
use crate::chart::crds;
use crate::chart::values::{self, RELEASE};
use crate::helm::Release;
use crate::verb::stage::{self, Stage};
use anyhow::Context as _;
use promstack_shared::kube::cluster::{with_retry, ApplyOptions, Cluster, WRITE_ATTEMPTS};
use promstack_shared::kube::owned::Change;
use promstack_shared::kube::wait::WaitOptions;
use promstack_shared::terminal::ui::Ui;
use std::time::Duration;

/// Make the plan so; the time spent waiting for the CRDs.
pub(super) async fn run(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    facts: &Facts,
    plan: &Plan,
    clock: &HelmClock,
    since: k8s_openapi::jiff::Timestamp,
) -> anyhow::Result<Duration> {
    recover(opts, deps, facts, clock).await?;
    stage::enter(Stage::Writing);
    write(deps.cluster, &plan.namespace, deps.ui, "updated").await?;
    // the Grafana admin Secret only when it has a new password
    if plan.grafana_secret.object.is_some() {
        let updated = "updated (password rotated)";
        write(deps.cluster, &plan.grafana_secret, deps.ui, updated).await?;
    }
    let am = &plan.alertmanager_secret;
    write(deps.cluster, am, deps.ui, "updated").await?;
    let waited = apply_crds(opts, deps, facts).await?;
    stage::enter(Stage::Helm);
    upgrade(opts, deps, inputs, facts, plan, clock, since).await?;
    stage::enter(Stage::Waiting);
    let rotated = plan.grafana_secret.step.change == Change::Update;
    if rotated && facts.existing.is_some() && values::enabled(&inputs.merged, "grafana") {
        restart_grafana(deps.cluster, &opts.namespace).await?;
        deps.ui.ok("Grafana restarted to pick up the new password");
    }
    Ok(waited)
}

/// A release stuck in pending-*: uninstalled (a first install that never finished) or rolled back.
async fn recover(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    facts: &Facts,
    clock: &HelmClock,
) -> anyhow::Result<()> {
    let Some(r) = &facts.recover else {
        return Ok(());
    };
    let ns = opts.namespace.as_str();
    stage::enter(Stage::Helm);
    let bar = deps
        .ui
        .spinner(&format!("recovering release stuck in {}", r.status));
    let res = if r.status == "pending-install" {
        clock
            .time(deps.helm.uninstall(RELEASE, ns, opts.timeout))
            .await
    } else {
        clock
            .time(deps.helm.rollback(RELEASE, ns, opts.timeout))
            .await
    };
    bar.finish_and_clear();
    res.with_context(|| {
        format!(
            "recovering release {ns}/{RELEASE} from {}; nothing else was changed",
            r.status
        )
    })?;
    deps.ui
        .ok(&format!("release {RELEASE} recovered from {}", r.status));
    Ok(())
}

/// Apply one planned object unless it is unchanged; `updated` is what is said of an update.
async fn write(
    cluster: &dyn Cluster,
    planned: &Planned,
    ui: &Ui,
    updated: &str,
) -> anyhow::Result<()> {
    let step = &planned.step;
    let Some(obj) = planned
        .object
        .as_ref()
        .filter(|_| step.change != Change::Unchanged)
    else {
        ui.detail(&format!("{} unchanged", step.object));
        return Ok(());
    };
    with_retry(WRITE_ATTEMPTS, || {
        cluster.apply(obj, ApplyOptions::default())
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
    .with_context(|| format!("writing {}; nothing after this step ran", step.object))?;
    ui.ok(&format!(
        "{} {}",
        step.object,
        if step.change == Change::Create {
            "created"
        } else {
            updated
        }
    ));
    Ok(())
}

/// The chart's CRDs, server-side, each waited for until Established (at most 2 minutes).
async fn apply_crds(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    facts: &Facts,
) -> anyhow::Result<Duration> {
    let start = std::time::Instant::now();
    let wait = WaitOptions {
        timeout: opts.timeout.min(Duration::from_secs(120)),
        interval: opts.poll_interval,
    };
    crds::apply_and_wait(
        deps.cluster,
        &facts.rendered.crds,
        &facts.rendered.crds_live,
        deps.ui,
        wait,
    )
    .await
    .context("applying the CRDs; the helm release was not touched")?;
    Ok(start.elapsed())
}

/// `helm upgrade --install`, unless chart and values are those the release runs with.
async fn upgrade(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    facts: &Facts,
    plan: &Plan,
    clock: &HelmClock,
    since: k8s_openapi::jiff::Timestamp,
) -> anyhow::Result<()> {
    if plan.release.change == Change::Unchanged {
        deps.ui.ok(&format!(
            "release {RELEASE}: chart and values unchanged, helm upgrade skipped"
        ));
        return Ok(());
    }
    let bar = deps.ui.spinner(&format!(
        "helm upgrade --install {RELEASE} ({})",
        opts.chart.describe()
    ));
    let every = opts.poll_interval * 3;
    let release = Release {
        chart: facts.chart(opts).clone(),
        ..inputs.release.clone()
    };
    let res = clock
        .time(upgrade_watched(
            deps,
            &release,
            facts.helm.major,
            since,
            every,
            &bar,
        ))
        .await;
    bar.finish_and_clear();
    res?;
    deps.ui.ok(&format!(
        "release {RELEASE} {}",
        if facts.existing.is_some() {
            "upgraded"
        } else {
            "installed"
        }
    ));
    Ok(())
}

/// `helm upgrade --install` while Kubernetes' Warning events of the namespace are followed: a
/// problem that stays (a DaemonSet whose pods admission refuses, a pod whose Secret is missing)
/// is said while helm still waits, and a failed upgrade names them all instead of only helm's
/// "context deadline exceeded".
async fn upgrade_watched(
    deps: &Deps<'_>,
    release: &Release,
    major: u32,
    since: k8s_openapi::jiff::Timestamp,
    every: Duration,
    bar: &promstack_shared::terminal::ui::ProgressBar,
) -> anyhow::Result<()> {
    let ns = release.namespace.as_str();
    let mut watch = promstack_shared::kube::diagnose::Watch::new(Some(since));
    let upgrade = deps.helm.upgrade_install(release, major);
    tokio::pin!(upgrade);
    let every = every.max(Duration::from_millis(10));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let res = loop {
        tokio::select! {
            res = &mut upgrade => break res,
            _ = tick.tick() => {
                for p in watch.poll(deps.cluster, ns, None).await {
                    bar.suspend(|| deps.ui.warn(&format!("Kubernetes says: {p}")));
                }
            }
        }
    };
    let Err(e) = res else { return Ok(()) };
    let mut what = String::from("helm upgrade --install failed (helm rolled the release back)");
    // one more look: a problem that came after the last tick, or before the first one
    watch.poll(deps.cluster, ns, None).await;
    let problems = watch.last().all();
    if !problems.is_empty() {
        what.push_str(". Kubernetes reported while helm waited:");
        for p in problems {
            what.push_str(&format!("\n    {p}"));
        }
    }
    Err(anyhow::Error::from(e).context(what))
}

async fn restart_grafana(cluster: &dyn Cluster, ns: &str) -> anyhow::Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let patch = serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": format!("{RELEASE}-grafana"), "namespace": ns},
        "spec": {"template": {"metadata": {"annotations": {"promstack.io/password-rotated-at": now.to_string()}}}}
    });
    with_retry(WRITE_ATTEMPTS, || {
        cluster.apply(&patch, ApplyOptions::default())
    })
    .await
    .map_err(|e| anyhow::anyhow!("restarting Grafana after the password rotation: {e}"))?;
    Ok(())
}
