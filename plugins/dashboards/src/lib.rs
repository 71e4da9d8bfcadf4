//! kubectl-promstack-dashboards as a library: sources and validation ([`validate`], [`vars`]),
//! ConfigMaps and sync (the common crate's [`promstack_shared::sync`]), and [`check`] against a
//! live Prometheus. `main.rs` parses and calls [`run`].
pub mod check;
pub mod cli;
pub mod validate;
pub mod vars;

use cli::{Cli, Command};
use promstack_shared::cli::OutputFormat;
use promstack_shared::cluster::{Cluster, KubeCluster, ListQuery};
use promstack_shared::dashboard::{self, Prepared};
use promstack_shared::sources::{self, SourceFile};
use promstack_shared::sync::{self, Kind};
use promstack_shared::ui::Ui;
use promstack_shared::{output, owned, Error, ExitCode};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use validate::Level;

/// The objects this plugin syncs.
pub const DASHBOARDS: Kind = Kind {
    api_version: "v1",
    kind: "ConfigMap",
    component: dashboard::COMPONENT,
};

/// The dashboard files of a folder, or of the embedded `dashboards/`.
pub fn read(dir: Option<&Path>) -> Result<Vec<SourceFile>, Error> {
    match dir {
        Some(d) => sources::folder(d, &[".json"]),
        None => Ok(sources::embedded(&sources::DASHBOARDS, &[".json"])),
    }
}

/// Prepare every file; the files that cannot even be read as dashboards are errors.
pub fn prepare_all(files: &[SourceFile]) -> (Vec<Prepared>, Vec<validate::Problem>) {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        match dashboard::prepare(f) {
            Ok(p) => ok.push(p),
            Err(message) => problems.push(validate::Problem {
                file: f.path.clone(),
                level: Level::Error,
                panel: None,
                path: String::new(),
                message: message
                    .trim_start_matches(&format!("{}: ", f.path))
                    .to_string(),
            }),
        }
    }
    (ok, problems)
}

/// Everything `validate` finds, sorted: the dashboards themselves, and what the API server would
/// refuse of the ConfigMaps `sync` writes (so `validate` refuses what `sync` would).
pub fn problems(files: &[SourceFile]) -> (Vec<Prepared>, Vec<validate::Problem>) {
    let (prepared, mut problems) = prepare_all(files);
    problems.extend(validate::validate(&prepared));
    problems.extend(object_problems(&prepared));
    problems.sort();
    (prepared, problems)
}

/// The ConfigMap of each dashboard as `sync` builds it: one over a limit, a name two dashboards
/// share, anything the API server refuses (see [`promstack_shared::limits`]).
fn object_problems(prepared: &[Prepared]) -> Vec<validate::Problem> {
    let mut out = Vec::new();
    let mut names: std::collections::BTreeMap<String, String> = Default::default();
    let problem = |p: &Prepared, message: String| validate::Problem {
        file: p.path.clone(),
        level: Level::Error,
        panel: None,
        path: String::new(),
        message,
    };
    for p in prepared {
        // the namespace changes no name or size
        match dashboard::configmap_of(p, "monitoring") {
            Err(e) => out.push(problem(
                p,
                e.trim_start_matches(&format!("{}: ", p.path)).to_string(),
            )),
            Ok(cm) => {
                let name = cm.metadata.name.clone().unwrap_or_default();
                if let Some(first) = names.insert(name.clone(), p.path.clone()) {
                    out.push(problem(
                        p,
                        format!("{first} and this file both become ConfigMap {name}: rename one"),
                    ));
                }
                for m in
                    promstack_shared::limits::problems(&promstack_shared::cluster::to_value(&cm))
                {
                    out.push(problem(p, format!("its ConfigMap {name}: {m}")));
                }
            }
        }
    }
    out
}

/// Read, prepare and validate; any error is a usage error listing them all (warnings go to the UI).
pub fn load_valid(dir: Option<&Path>, ui: &Ui) -> Result<Vec<Prepared>, Error> {
    let files = read(dir)?;
    let (prepared, problems) = problems(&files);
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.level == Level::Error)
        .map(ToString::to_string)
        .collect();
    for w in problems.iter().filter(|p| p.level == Level::Warning) {
        ui.warn(&w.to_string());
    }
    if errors.is_empty() {
        Ok(prepared)
    } else {
        Err(Error::input(format!(
            "the dashboards are not valid ({} error(s)); nothing was changed:\n  {}",
            errors.len(),
            errors.join("\n  ")
        )))
    }
}

/// The ConfigMaps of prepared dashboards, as JSON for the sync; any too large is an error.
pub fn configmaps(prepared: &[Prepared], ns: &str) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in prepared {
        match dashboard::configmap_of(p, ns) {
            Ok(cm) => out.push(promstack_shared::cluster::to_value(&cm)),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::input(format!(
            "{}; nothing was changed",
            errors.join("\n  ")
        )))
    }
}

#[derive(Serialize)]
struct ValidateReport {
    valid: bool,
    dashboards: usize,
    queries: usize,
    problems: Vec<validate::Problem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub namespace: String,
    pub name: String,
    pub ours: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub keys: Vec<String>,
}

/// Dashboard ConfigMaps (those with the sidecar label) in the namespace or everywhere.
pub async fn list(cluster: &dyn Cluster, ns: Option<&str>) -> anyhow::Result<Vec<ListItem>> {
    let mut q = ListQuery::new("v1", "ConfigMap").labels(dashboard::SIDECAR_LABEL);
    if let Some(ns) = ns {
        q = q.in_namespace(ns);
    }
    let mut items: Vec<ListItem> = cluster
        .list(&q)
        .await
        .map_err(|e| anyhow::anyhow!("listing ConfigMaps: {e}"))?
        .iter()
        .map(|o| ListItem {
            namespace: o["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .into(),
            name: sync::name_of(o),
            ours: owned::is_ours_for(o, dashboard::COMPONENT),
            folder: o
                .pointer("/metadata/annotations/grafana_folder")
                .and_then(Value::as_str)
                .map(String::from),
            source: o
                .pointer("/metadata/annotations/promstack.io~1source")
                .and_then(Value::as_str)
                .map(String::from),
            keys: o["data"]
                .as_object()
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(items)
}

/// Sync after checking the namespace exists.
pub async fn sync_dashboards(
    cluster: &dyn Cluster,
    objects: &[Value],
    ns: &str,
    prune: bool,
    dry_run: bool,
    ui: &Ui,
) -> anyhow::Result<sync::SyncReport> {
    promstack_shared::sync::require_namespace(cluster, ns).await?;
    sync::sync(cluster, DASHBOARDS, objects, ns, prune, dry_run, ui).await
}

/// Run the parsed command line. Results to stdout, messages to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::from_args(&cli.global);
    let ns = cli.global.namespace.clone();
    let fmt = cli.global.output;
    match &cli.command {
        Command::Validate { sources } => {
            let files = read(sources.dir.as_deref())?;
            let (prepared, problems) = problems(&files);
            let errors = problems.iter().filter(|p| p.level == Level::Error).count();
            let report = ValidateReport {
                valid: errors == 0,
                dashboards: prepared.len(),
                queries: prepared.iter().map(|p| validate::queries(p).len()).sum(),
                problems,
            };
            output::print_result(fmt, &report, || {
                let mut s: String = report.problems.iter().map(|p| format!("{p}\n")).collect();
                s.push_str(&if report.valid {
                    format!(
                        "valid: {} dashboards, {} queries\n",
                        report.dashboards, report.queries
                    )
                } else {
                    format!("{errors} error(s)\n")
                });
                s
            })?;
            Ok(if report.valid {
                ExitCode::Ok
            } else {
                ExitCode::Usage
            })
        }
        Command::Diff { sources, exit_code } => {
            let objects = configmaps(&load_valid(sources.dir.as_deref(), &ui)?, &ns)?;
            let cluster = KubeCluster::from_args(&cli.global).await?;
            let diffs = sync::diff(&cluster, DASHBOARDS, &objects, &ns).await?;
            promstack_shared::sync::print_diffs(fmt, &diffs, *exit_code)
        }
        Command::Sync {
            sources,
            prune,
            dry_run,
        } => {
            let objects = configmaps(&load_valid(sources.dir.as_deref(), &ui)?, &ns)?;
            if *dry_run && fmt == OutputFormat::Yaml {
                print!("{}", output::yaml_stream(&objects)?);
                return Ok(ExitCode::Ok);
            }
            let cluster = KubeCluster::from_args(&cli.global).await?;
            let report = sync_dashboards(&cluster, &objects, &ns, *prune, *dry_run, &ui).await?;
            output::print_result(fmt, &report, || sync::report_text(&report, "ConfigMap"))?;
            Ok(ExitCode::Ok)
        }
        Command::List { all_namespaces } => {
            let cluster = KubeCluster::from_args(&cli.global).await?;
            let items = list(
                &cluster,
                if *all_namespaces {
                    None
                } else {
                    Some(ns.as_str())
                },
            )
            .await?;
            output::print_result(fmt, &items, || {
                let mut s = format!(
                    "{:<20} {:<50} {:<5} {:<14} SOURCE\n",
                    "NAMESPACE", "NAME", "OURS", "FOLDER"
                );
                for i in &items {
                    s.push_str(&format!(
                        "{:<20} {:<50} {:<5} {:<14} {}\n",
                        i.namespace,
                        i.name,
                        if i.ours { "yes" } else { "no" },
                        i.folder.as_deref().unwrap_or("-"),
                        i.source.as_deref().unwrap_or("-")
                    ));
                }
                s
            })?;
            Ok(ExitCode::Ok)
        }
        Command::Check {
            sources,
            prometheus,
            range,
            require_data,
        } => {
            if range.is_zero() {
                return Err(Error::input("--range must be more than 0, like 1h").into());
            }
            let range = range.as_secs_f64();
            let prepared = load_valid(sources.dir.as_deref(), &ui)?;
            // a URL when given, else a port-forward held open for the whole check
            let endpoint = prometheus.endpoint();
            let cluster = match endpoint.needs_cluster() {
                true => Some(KubeCluster::from_args(&cli.global).await?),
                false => None,
            };
            let reached = endpoint
                .reach(cluster.as_ref().map(|c| c as &dyn Cluster), &ns)
                .await?;
            ui.ok(&reached.describe("Prometheus"));
            let url = reached.url.clone();
            let api = promstack_shared::prometheus_api::PrometheusApi::new(&url, None)?;

            let reports =
                check::check(&api, &prepared, std::time::Duration::from_secs_f64(range)).await;
            let errors: usize = reports.iter().map(|r| r.errors.len()).sum();
            let empty: usize = reports.iter().map(|r| r.empty.len()).sum();
            output::print_result(fmt, &reports, || {
                let mut s = String::new();
                for r in &reports {
                    s.push_str(&format!(
                        "{} ({}): {}/{} queries with data ({:.0}%)\n",
                        r.title,
                        r.file,
                        r.with_data,
                        r.queries,
                        r.share_with_data * 100.0
                    ));
                    for e in &r.errors {
                        s.push_str(&format!(
                            "  ERROR panel `{}` ({}): {}\n",
                            e.panel,
                            e.path,
                            e.error.as_deref().unwrap_or("")
                        ));
                    }
                    for e in &r.empty {
                        s.push_str(&format!("  no data: panel `{}` ({})\n", e.panel, e.path));
                    }
                }
                s.push_str(&format!(
                    "{errors} query error(s), {empty} quer(ies) without data\n"
                ));
                s
            })?;
            Ok(if errors > 0 || (*require_data && empty > 0) {
                ExitCode::CheckFailed
            } else {
                ExitCode::Ok
            })
        }
    }
}
