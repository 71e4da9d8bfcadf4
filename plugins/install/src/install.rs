//! `kubectl promstack install`: the whole flow.
//!
//! 1. inputs: values files, Alertmanager config, password from stdin/generator: all checked
//!    before the cluster is touched (bad input: exit 2, nothing changed);
//! 2. pre-flight, reads only: cluster reachable, helm and its major version, StorageClass, nodes,
//!    stuck release, the chart renders, no foreign Prometheus Operator CRDs;
//! 3. plan: what would change (namespace, Secrets, CRDs, helm release); `--dry-run` stops here;
//! 4. writes in order: namespace → Grafana admin Secret → Alertmanager config Secret → CRDs
//!    (server-side, Established) → `helm upgrade --install --skip-crds` → wait for the workloads;
//! 5. summary. A second run with nothing changed makes no write and runs no helm upgrade.
use crate::alertmanager;
use crate::crds::{self, Owner};
use crate::grafana::{self, NewPassword, PasswordSource};
use crate::helm::{Chart, HelmApi, Release, ReleaseInfo};
use crate::preflight;
use crate::values::{self, Env, OverlaySettings, ValuesFile, RELEASE};
use crate::workloads;
use anyhow::Context as _;
use promstack_shared::cluster::{
    to_value, with_retry, ApplyOptions, Cluster, ListQuery, ObjRef, WRITE_ATTEMPTS,
};
use promstack_shared::owned::{self, Change};
use promstack_shared::ui::Ui;
use promstack_shared::wait::{self, WaitOptions};
use promstack_shared::Error;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
        }
    }
}

/// What the cluster and tools are reached through.
pub struct Deps<'a> {
    pub cluster: &'a dyn Cluster,
    pub helm: &'a dyn HelmApi,
    pub ui: &'a Ui,
}

/// One pre-flight check.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
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

/// Adds up the time spent in helm calls.
#[derive(Default)]
struct HelmClock(std::cell::Cell<Duration>);

impl HelmClock {
    async fn time<T>(&self, f: impl std::future::Future<Output = T>) -> T {
        let start = std::time::Instant::now();
        let out = f.await;
        self.0.set(self.0.get() + start.elapsed());
        out
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
}

/// An install's result plus what only some outputs show (Debug never shows the password).
#[derive(Debug)]
pub struct InstallOutcome {
    pub report: InstallReport,
    /// With --dry-run: every object that would be applied (Secrets redacted), for `-o yaml`.
    pub rendered: Vec<Value>,
    /// The password, only when `--show-password` asked for it.
    pub shown_password: Option<promstack_shared::secret::SecretString>,
}

/// Values files written for helm: a private dir (0700) with 0600 files, removed on drop.
pub struct ValuesDir {
    dir: tempfile::TempDir,
    pub files: Vec<PathBuf>,
}

impl ValuesDir {
    pub fn write(chain: &[ValuesFile]) -> anyhow::Result<Self> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("promstack-values-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir()?;
        let mut files = Vec::new();
        for (i, f) in chain.iter().enumerate() {
            let stem: String = Path::new(&f.origin)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "values.yaml".into())
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let path = dir.path().join(format!("{:02}-{stem}", i + 1));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            opts.open(&path)?.write_all(f.text.as_bytes())?;
            files.push(path);
        }
        Ok(ValuesDir { dir, files })
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

fn step(object: impl Into<String>, change: Change) -> Step {
    Step {
        object: object.into(),
        change,
        note: None,
    }
}

/// Run the install (or, with `dry_run`, plan it).
pub async fn install(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    stdin: &mut dyn std::io::Read,
) -> anyhow::Result<InstallOutcome> {
    let ui = deps.ui;
    let ns = opts.namespace.as_str();
    let started = std::time::Instant::now();
    // Kubernetes' events from here on explain what does not get ready (minutes of slack for a
    // client clock ahead of the API server's)
    let since = k8s_openapi::jiff::Timestamp::now() - Duration::from_secs(300);
    let clock = HelmClock::default();
    let mut waiting = Duration::ZERO;

    // 1. inputs, before anything touches the cluster
    let user: Vec<ValuesFile> = opts
        .user_values
        .iter()
        .map(|p| values::load(p))
        .collect::<Result<_, _>>()?;
    let am_text = alertmanager::load(opts.alertmanager_config.as_deref())?;
    let storage_class = opts.overlay.storage_class.clone();
    let chain = values::chain(opts.env, user, &opts.overlay)?;
    let merged = values::merged(&chain);
    let mut new_password: Option<NewPassword> = match opts.password {
        PasswordSource::Prompt => None,
        ref other => Some(grafana::obtain(other, ui, stdin).await?),
    };
    let vdir = ValuesDir::write(&chain).context("writing the values files for helm")?;
    let release = Release {
        name: RELEASE.into(),
        namespace: ns.into(),
        chart: opts.chart.clone(),
        values_files: vdir.files.clone(),
        timeout: opts.timeout,
    };
    ui.detail(&format!(
        "values files in {} (removed afterwards)",
        vdir.path().display()
    ));

    // 2. pre-flight, reads only
    let info = deps.cluster.info();
    let mut preflight = Vec::new();
    let version = promstack_shared::cluster::reachable(deps.cluster).await?;
    preflight.push(Check {
        name: "cluster",
        ok: true,
        detail: format!("context {} reachable, Kubernetes {version}", info.context),
    });
    ui.ok(&format!(
        "cluster: context {} ({}), Kubernetes {version}",
        info.context, info.server
    ));

    let helm_version = clock.time(deps.helm.version()).await?;
    preflight.push(Check {
        name: "helm",
        ok: true,
        detail: format!("helm {}", helm_version.full),
    });
    ui.ok(&format!("helm {}", helm_version.full));

    let sc = deps
        .cluster
        .get(&ObjRef::new(
            "storage.k8s.io/v1",
            "StorageClass",
            None,
            &storage_class,
        ))
        .await
        .context("reading StorageClasses")?;
    if sc.is_none() {
        let available: Vec<String> = deps
            .cluster
            .list(&ListQuery::new("storage.k8s.io/v1", "StorageClass"))
            .await
            .context("listing StorageClasses")?
            .iter()
            .filter_map(|s| s["metadata"]["name"].as_str().map(String::from))
            .collect();
        return Err(Error::check(format!(
            "StorageClass `{storage_class}` not found (the {} env needs it for the Prometheus and Alertmanager volumes). Available: {}. Create it{}, or pass --storage-class NAME.",
            opts.env.name(),
            if available.is_empty() { "none".into() } else { available.join(", ") },
            if opts.env == Env::Local { " (Talos: install local-path-provisioner)" } else { "" }
        ))
        .into());
    }
    preflight.push(Check {
        name: "storage-class",
        ok: true,
        detail: format!("StorageClass {storage_class} exists"),
    });
    ui.ok(&format!("StorageClass {storage_class}"));

    let nodes = deps
        .cluster
        .list(&ListQuery::new("v1", "Node"))
        .await
        .context("listing nodes")?;
    let ready_nodes = nodes
        .iter()
        .filter_map(|n| promstack_shared::readiness::typed(Some(n)))
        .filter(promstack_shared::readiness::node)
        .count();
    if ready_nodes == 0 {
        return Err(Error::check(format!(
            "no Ready node among {} nodes: nothing can run the stack. Fix the nodes first.",
            nodes.len()
        ))
        .into());
    }
    let needed = nodes_needed(&merged);
    if ready_nodes < needed {
        return Err(Error::check(format!(
            "{ready_nodes} Ready node(s), but the values place {needed} replicas on different nodes (podAntiAffinity: hard): they would never all start. Add nodes, or set podAntiAffinity: soft in a -f file."
        ))
        .into());
    }
    preflight.push(Check {
        name: "nodes",
        ok: true,
        detail: format!("{ready_nodes} of {} nodes Ready", nodes.len()),
    });
    ui.ok(&format!("{ready_nodes} of {} nodes Ready", nodes.len()));

    let (existing, elsewhere) = releases(deps, &clock, ns).await?;
    let mut recover_release: Option<ReleaseInfo> = None;
    if let Some(r) = existing.as_ref().filter(|r| r.is_stuck()) {
        if !opts.recover {
            return Err(Error::check(format!(
                "release {ns}/{RELEASE} is stuck in `{}` (revision {}): a previous helm run did not finish. Run again with --recover to roll it back first.",
                r.status, r.revision
            ))
            .into());
        }
        recover_release = Some(r.clone());
    }
    preflight.push(Check {
        name: "release",
        ok: true,
        detail: match &existing {
            Some(r) => format!("release {RELEASE} revision {} is {}", r.revision, r.status),
            None => format!("release {RELEASE} not installed yet"),
        },
    });

    if let Some(secret) = opts
        .overlay
        .remote_write
        .as_ref()
        .and_then(|rw| rw.secret.as_deref())
    {
        let live = deps
            .cluster
            .get(&ObjRef::new("v1", "Secret", Some(ns), secret))
            .await
            .context("reading the remote-write Secret")?;
        let has = |k: &str| {
            live.as_ref()
                .and_then(|s| s.pointer(&format!("/data/{k}")))
                .is_some()
        };
        if !values::REMOTE_WRITE_KEYS.iter().all(|k| has(k)) {
            return Err(Error::check(format!(
                "remote write: Secret {ns}/{secret} with keys `username` and `password` not found. Create it first: kubectl create namespace {ns}; kubectl -n {ns} create secret generic {secret} --from-literal=username=... --from-literal=password=..."
            ))
            .into());
        }
        preflight.push(Check {
            name: "remote-write",
            ok: true,
            detail: format!("Secret {secret} has the credentials"),
        });
    }

    let bar = ui.spinner(&format!("rendering {}", opts.chart.describe()));
    let rendered = clock.time(deps.helm.template(&release)).await;
    bar.finish_and_clear();
    let docs = crds::documents(&rendered.context("the chart does not render with these values")?)?;
    let crd_objs = crds::from_rendered(&docs);
    let mut foreign = Vec::new();
    let mut crd_live = Vec::new();
    for crd in &crd_objs {
        let live = deps
            .cluster
            .get(&crds::objref(crd))
            .await
            .context("reading CRDs")?;
        if let Owner::Foreign(who) = crds::owner(live.as_ref(), RELEASE, ns) {
            foreign.push(format!("{} ({who})", crds::objref(crd).name));
        }
        crd_live.push(live);
    }
    if !foreign.is_empty() {
        return Err(Error::check(format!(
            "Prometheus Operator CRDs belong to another installation: {}. Two operators fighting over CRDs breaks both: remove that installation, or install into the cluster that has none.",
            foreign.join(", ")
        ))
        .into());
    }
    preflight.push(Check {
        name: "crds",
        ok: true,
        detail: format!("{} CRDs in the chart, none foreign", crd_objs.len()),
    });
    ui.ok(&format!(
        "chart {} renders; {} CRDs, none owned by another installation",
        opts.chart.describe(),
        crd_objs.len()
    ));

    let alone = preflight::second_stack(deps.cluster, ns, &elsewhere, &docs).await?;
    ui.ok(&alone);
    preflight.push(Check {
        name: "second-stack",
        ok: true,
        detail: alone,
    });

    let mounts = preflight::mounts(
        deps.cluster,
        ns,
        &docs,
        &[values::GRAFANA_SECRET, values::ALERTMANAGER_SECRET],
    )
    .await?;
    ui.ok(&mounts);
    preflight.push(Check {
        name: "mounts",
        ok: true,
        detail: mounts,
    });

    let ns_live = deps
        .cluster
        .get(&ObjRef::new("v1", "Namespace", None, ns))
        .await
        .context("reading the namespace")?;
    let claims = preflight::claims(deps.cluster, ns, ns_live.is_some(), &merged, ui).await?;
    ui.ok(&format!("volumes: {claims}"));
    preflight.push(Check {
        name: "claims",
        ok: true,
        detail: claims,
    });
    let pod_security = preflight::pod_security(
        deps.cluster,
        ns,
        ns_live.as_ref(),
        &docs,
        values::enabled(&merged, "nodeExporter"),
    )
    .await?;
    ui.ok(&format!("Pod Security: {}", pod_security.detail(ns)));
    preflight.push(Check {
        name: "pod-security",
        ok: true,
        detail: pod_security.detail(ns),
    });

    // 3. plan
    let ns_obj = to_value(&namespace(ns, &pod_security));
    let ns_change = owned::plan(ns_live.as_ref(), &ns_obj);
    let mut steps = vec![Step {
        object: format!("Namespace {ns}"),
        change: ns_change,
        note: (ns_change != Change::Unchanged && pod_security.labels_namespace()).then(|| {
            format!(
                "label {}={}: {}",
                preflight::ENFORCE_LABEL,
                preflight::PRIVILEGED,
                preflight::WHY_PRIVILEGED
            )
        }),
    }];

    let gsec_ref = ObjRef::new("v1", "Secret", Some(ns), values::GRAFANA_SECRET);
    let gsec_live = if ns_live.is_some() {
        deps.cluster
            .get(&gsec_ref)
            .await
            .context("reading the Grafana admin Secret")?
    } else {
        None
    };
    if let Some(live) = &gsec_live {
        if !opts.rotate_password && !grafana::has_keys(live) {
            return Err(Error::input(format!(
                "Secret {ns}/{} exists but lacks `{}`/`{}`: pass --rotate-grafana-password to write a new password into it",
                values::GRAFANA_SECRET,
                grafana::USER_KEY,
                grafana::PASSWORD_KEY
            ))
            .into());
        }
    }
    let need_password = gsec_live.is_none() || opts.rotate_password;
    if need_password && new_password.is_none() && !opts.dry_run {
        new_password = Some(grafana::obtain(&PasswordSource::Prompt, ui, stdin).await?);
    }
    if !need_password {
        new_password = None;
    }
    let gsec_change = match (&gsec_live, need_password) {
        (None, _) => Change::Create,
        (Some(_), true) => Change::Update,
        (Some(_), false) => Change::Unchanged,
    };
    steps.push(Step {
        object: format!("Secret {ns}/{}", values::GRAFANA_SECRET),
        change: gsec_change,
        note: Some(match (gsec_change, &new_password) {
            (Change::Unchanged, _) => {
                "existing password kept (--rotate-grafana-password replaces it)".into()
            }
            (_, Some(p)) if p.generated => "password generated".into(),
            (_, Some(_)) => "password given".into(),
            (_, None) => "password will be asked for".into(),
        }),
    });
    let gsec_obj = new_password
        .as_ref()
        .map(|p| to_value(&grafana::secret(ns, &opts.grafana_user, &p.value)));

    let am_obj = to_value(&alertmanager::secret(ns, &am_text));
    let am_live = if ns_live.is_some() {
        deps.cluster
            .get(&ObjRef::of(&am_obj)?)
            .await
            .context("reading the Alertmanager config Secret")?
    } else {
        None
    };
    steps.push(step(
        format!("Secret {ns}/{}", values::ALERTMANAGER_SECRET),
        owned::plan(am_live.as_ref(), &am_obj),
    ));

    for (crd, live) in crd_objs.iter().zip(&crd_live) {
        steps.push(step(
            format!("CustomResourceDefinition {}", crds::objref(crd).name),
            owned::plan(live.as_ref(), crd),
        ));
    }

    let helm_change = match &existing {
        None => Change::Create,
        Some(_) if recover_release.is_some() || opts.force_upgrade => Change::Update,
        Some(r) if r.status != "deployed" => Change::Update,
        Some(r) => {
            let same_chart = clock.time(deps.helm.chart_id(&opts.chart)).await? == r.chart;
            let same_values =
                same_chart && clock.time(deps.helm.values(RELEASE, ns)).await? == merged;
            if same_values {
                Change::Unchanged
            } else {
                Change::Update
            }
        }
    };
    // the command as run, with each temporary values file named by where it comes from
    let helm_command = {
        let shown = Release {
            values_files: chain.iter().map(|f| PathBuf::from(&f.origin)).collect(),
            ..release.clone()
        };
        let mut c = vec!["helm".to_string()];
        c.extend(crate::helm::upgrade_args(&shown, helm_version.major));
        c
    };
    steps.push(Step {
        object: format!("helm release {ns}/{RELEASE}"),
        change: helm_change,
        note: recover_release
            .as_ref()
            .map(|r| format!("stuck in {}: recovered first", r.status)),
    });
    let changed = steps.iter().any(|s| s.change != Change::Unchanged);
    let grafana_access = grafana_access(&merged, &nodes, ns, opts);
    let mut report = InstallReport {
        dry_run: opts.dry_run,
        context: info.context.clone(),
        server: info.server.clone(),
        namespace: ns.into(),
        env: opts.env,
        chart: opts.chart.describe(),
        release: RELEASE.into(),
        helm_version: helm_version.full.clone(),
        preflight,
        steps,
        helm_command,
        changed,
        waited: vec![],
        grafana: grafana_access,
        timings: Timings::default(),
    };

    if opts.dry_run {
        let mut rendered = vec![ns_obj];
        rendered.push(grafana::redacted(gsec_obj.unwrap_or_else(|| {
            to_value(&grafana::secret(
                ns,
                &opts.grafana_user,
                &promstack_shared::secret::SecretString::new(String::new()),
            ))
        })));
        rendered.push(grafana::redacted(am_obj));
        rendered.extend(crd_objs);
        rendered.extend(
            docs.into_iter()
                .filter(|d| d["kind"] != "CustomResourceDefinition"),
        );
        return Ok(InstallOutcome {
            report,
            rendered,
            shown_password: None,
        });
    }

    // 4. writes, in order; an error stops everything after it
    let apply = ApplyOptions::default();
    if let Some(r) = &recover_release {
        let bar = ui.spinner(&format!("recovering release stuck in {}", r.status));
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
        ui.ok(&format!("release {RELEASE} recovered from {}", r.status));
    }
    write_step(deps.cluster, &ns_obj, apply, &report.steps[0], ui).await?;
    if let Some(obj) = &gsec_obj {
        with_retry(WRITE_ATTEMPTS, || deps.cluster.apply(obj, apply))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| {
                format!(
                    "writing Secret {ns}/{}; nothing after this step ran",
                    values::GRAFANA_SECRET
                )
            })?;
        ui.ok(&format!(
            "Secret {ns}/{} {}",
            values::GRAFANA_SECRET,
            if gsec_change == Change::Create {
                "created"
            } else {
                "updated (password rotated)"
            }
        ));
    }
    write_step(deps.cluster, &am_obj, apply, &report.steps[2], ui).await?;
    let wait_opts = WaitOptions {
        timeout: opts.timeout,
        interval: opts.poll_interval,
    };
    let crd_start = std::time::Instant::now();
    let crd_changes = crds::apply_and_wait(
        deps.cluster,
        &crd_objs,
        ui,
        WaitOptions {
            timeout: opts.timeout.min(Duration::from_secs(120)),
            interval: opts.poll_interval,
        },
    )
    .await
    .context("applying the CRDs; the helm release was not touched")?;
    waiting += crd_start.elapsed();
    let applied = crd_changes
        .iter()
        .filter(|(_, c)| *c != Change::Unchanged)
        .count();
    ui.ok(&format!(
        "{} CRDs Established ({applied} applied)",
        crd_changes.len()
    ));

    if helm_change == Change::Unchanged {
        ui.ok(&format!(
            "release {RELEASE}: chart and values unchanged, helm upgrade skipped"
        ));
    } else {
        let bar = ui.spinner(&format!(
            "helm upgrade --install {RELEASE} ({})",
            opts.chart.describe()
        ));
        let res = clock
            .time(upgrade_watched(
                deps,
                &release,
                helm_version.major,
                since,
                opts.poll_interval * 3,
                &bar,
            ))
            .await;
        bar.finish_and_clear();
        res?;
        ui.ok(&format!(
            "release {RELEASE} {}",
            if existing.is_some() {
                "upgraded"
            } else {
                "installed"
            }
        ));
    }
    if gsec_change == Change::Update && existing.is_some() && values::enabled(&merged, "grafana") {
        restart_grafana(deps.cluster, ns).await?;
        ui.ok("Grafana restarted to pick up the new password");
    }

    for w in workloads::expected(&merged) {
        let r = w.objref(ns);
        let ready = |o: Option<&Value>| workloads::ready(w.kind, o, ready_nodes);
        let took = wait::wait_for_workload(
            deps.cluster,
            &r,
            &w.describe(),
            ready,
            wait_opts,
            ui,
            Some(since),
        )
        .await?;
        waiting += took;
        report.waited.push(format!(
            "{} ready after {}",
            w.describe(),
            promstack_shared::ui::human_duration(took)
        ));
    }

    let total = started.elapsed();
    let helm_time = clock.0.get();
    let (total_ms, helm_ms, waiting_ms) = (
        total.as_millis(),
        helm_time.as_millis(),
        waiting.as_millis(),
    );
    report.timings = Timings {
        total_ms,
        helm_ms,
        waiting_ms,
        own_ms: total_ms.saturating_sub(helm_ms + waiting_ms),
    };
    let shown_password = if opts.show_password {
        new_password.map(|p| p.value)
    } else {
        None
    };
    drop(vdir);
    Ok(InstallOutcome {
        report,
        rendered: vec![],
        shown_password,
    })
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
    bar: &promstack_shared::ui::ProgressBar,
) -> anyhow::Result<()> {
    let ns = release.namespace.as_str();
    let mut watch = promstack_shared::diagnose::Watch::new(Some(since));
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

/// The namespace as promstack applies it: its labels, and the Pod Security level node-exporter needs.
fn namespace(ns: &str, ps: &preflight::PodSecurity) -> k8s_openapi::api::core::v1::Namespace {
    let mut labels = owned::labels(crate::COMPONENT);
    if ps.labels_namespace() {
        labels.insert(
            preflight::ENFORCE_LABEL.into(),
            preflight::PRIVILEGED.into(),
        );
    }
    k8s_openapi::api::core::v1::Namespace {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(ns.into()),
            labels: Some(labels),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The release in `ns`, and releases of the same name in other namespaces (a second stack). Where
/// releases of other namespaces may not be listed, only `ns` is asked (and the cluster-wide
/// objects still tell of a second stack).
async fn releases(
    deps: &Deps<'_>,
    clock: &HelmClock,
    ns: &str,
) -> anyhow::Result<(Option<ReleaseInfo>, Vec<ReleaseInfo>)> {
    let all = match clock.time(deps.helm.releases(RELEASE, None)).await {
        Ok(all) => all,
        Err(e) if e.to_string().contains("forbidden") => {
            deps.ui.warn(&format!(
                "cannot list helm releases in other namespaces ({e}); looking in {ns} only"
            ));
            clock.time(deps.helm.releases(RELEASE, Some(ns))).await?
        }
        Err(e) => return Err(e.into()),
    };
    let (here, elsewhere): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| r.namespace == ns);
    Ok((here.into_iter().next(), elsewhere))
}

async fn write_step(
    cluster: &dyn Cluster,
    obj: &Value,
    apply: ApplyOptions,
    planned: &Step,
    ui: &Ui,
) -> anyhow::Result<()> {
    if planned.change == Change::Unchanged {
        ui.detail(&format!("{} unchanged", planned.object));
        return Ok(());
    }
    with_retry(WRITE_ATTEMPTS, || cluster.apply(obj, apply))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("writing {}; nothing after this step ran", planned.object))?;
    ui.ok(&format!(
        "{} {}",
        planned.object,
        if planned.change == Change::Create {
            "created"
        } else {
            "updated"
        }
    ));
    Ok(())
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

/// The most replicas the values require on distinct nodes (hard anti-affinity).
pub fn nodes_needed(merged: &Value) -> usize {
    [
        (
            "/prometheus/prometheusSpec/replicas",
            "/prometheus/prometheusSpec/podAntiAffinity",
        ),
        (
            "/alertmanager/alertmanagerSpec/replicas",
            "/alertmanager/alertmanagerSpec/podAntiAffinity",
        ),
    ]
    .iter()
    .filter(|(_, aa)| merged.pointer(aa).and_then(Value::as_str) == Some("hard"))
    .map(|(r, _)| merged.pointer(r).and_then(Value::as_u64).unwrap_or(1) as usize)
    .max()
    .unwrap_or(1)
}

fn grafana_access(
    merged: &Value,
    nodes: &[Value],
    ns: &str,
    opts: &InstallOptions,
) -> GrafanaAccess {
    let g = &merged["grafana"];
    let url = if g["ingress"]["enabled"].as_bool() == Some(true) {
        let host = g["ingress"]["hosts"][0]
            .as_str()
            .unwrap_or("<ingress host>");
        let scheme = if g["ingress"]["tls"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
        {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    } else if g["service"]["type"] == "NodePort" {
        let ip = nodes
            .iter()
            .flat_map(|n| {
                n.pointer("/status/addresses")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find(|a| a["type"] == "InternalIP")
            .and_then(|a| a["address"].as_str().map(String::from))
            .unwrap_or_else(|| "<node-ip>".into());
        format!(
            "http://{ip}:{}",
            g["service"]["nodePort"].as_u64().unwrap_or(30300)
        )
    } else {
        format!("kubectl -n {ns} port-forward svc/{RELEASE}-grafana 3000:80, then http://localhost:3000")
    };
    GrafanaAccess {
        url,
        user: opts.grafana_user.clone(),
        password_secret: values::GRAFANA_SECRET.into(),
        password_command: format!(
            "kubectl -n {ns} get secret {} -o jsonpath='{{.data.admin-password}}' | base64 -d",
            values::GRAFANA_SECRET
        ),
    }
}
