//! kubectl-promstack-rules as a library: sources ([`load`]), [`validate`], [`lint`], promtool unit
//! tests ([`promtool`]), and diff / sync / prune / list ([`sync`]). `main.rs` parses and calls [`run`].
pub mod cli;
pub mod lint;
pub mod load;
pub mod promtool;
pub mod sync;
pub mod validate;

use cli::{Cli, Command};
use load::Loaded;
use promstack_shared::cli::OutputFormat;
use promstack_shared::cluster::{Cluster, KubeCluster};
use promstack_shared::ui::Ui;
use promstack_shared::{output, Error, ExitCode};
use serde::Serialize;
use std::path::Path;

/// Read, build and validate the sources; any problem is a usage error listing all of them.
pub fn load_valid(dir: Option<&Path>, namespace: &str) -> Result<Loaded, Error> {
    let files = load::read(dir)?;
    let loaded = load::load(files, namespace)
        .map_err(|e| Error::input(format!("the rules are not valid:\n  {}", e.join("\n  "))))?;
    let problems = validate::validate(&loaded);
    if problems.is_empty() {
        Ok(loaded)
    } else {
        Err(Error::input(format!(
            "the rules are not valid ({} problem(s)); nothing was changed:\n  {}",
            problems.len(),
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        )))
    }
}

#[derive(Serialize)]
struct ValidateReport {
    valid: bool,
    objects: usize,
    groups: usize,
    rules: usize,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct LintReport<'a> {
    findings: &'a [lint::Finding],
    errors: usize,
    warnings: usize,
}

/// Run the parsed command line. Results to stdout, messages to stderr.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::from_args(&cli.global);
    let ns = cli.global.namespace.clone();
    let fmt = cli.global.output;
    match &cli.command {
        Command::Validate { sources } => {
            let files = load::read(sources.dir.as_deref())?;
            let (loaded, mut problems) = match load::load(files, &ns) {
                Ok(l) => {
                    let p = validate::validate(&l)
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                    (Some(l), p)
                }
                Err(e) => (None, e),
            };
            problems.sort();
            let rules = loaded.as_ref().map_or(0, |l| l.each_rule().count());
            let report = ValidateReport {
                valid: problems.is_empty(),
                objects: loaded.as_ref().map_or(0, |l| l.objects.len()),
                groups: loaded
                    .as_ref()
                    .map_or(0, |l| l.objects.iter().map(|o| o.spec.groups.len()).sum()),
                rules,
                problems,
            };
            output::print_result(fmt, &report, || {
                let mut s: String = report.problems.iter().map(|p| format!("{p}\n")).collect();
                s.push_str(&if report.valid {
                    format!(
                        "valid: {} PrometheusRules, {} groups, {} rules\n",
                        report.objects, report.groups, report.rules
                    )
                } else {
                    format!("{} problem(s)\n", report.problems.len())
                });
                s
            })?;
            Ok(if report.valid {
                ExitCode::Ok
            } else {
                ExitCode::Usage
            })
        }
        Command::Lint {
            sources,
            scrape_interval,
            fail_on,
        } => {
            if scrape_interval.is_zero() {
                return Err(Error::input("--scrape-interval must be more than 0, like 30s").into());
            }
            let loaded = load_valid(sources.dir.as_deref(), &ns)?;
            let findings = lint::lint(&loaded, *scrape_interval);
            let errors = findings
                .iter()
                .filter(|f| f.severity == lint::Severity::Error)
                .count();
            let report = LintReport {
                findings: &findings,
                errors,
                warnings: findings.len() - errors,
            };
            output::print_result(fmt, &report, || {
                let mut s: String = findings.iter().map(|f| format!("{f}\n")).collect();
                s.push_str(&format!(
                    "{} error(s), {} warning(s)\n",
                    report.errors, report.warnings
                ));
                s
            })?;
            Ok(if findings.iter().any(|f| f.severity >= *fail_on) {
                ExitCode::CheckFailed
            } else {
                ExitCode::Ok
            })
        }
        Command::Test { sources, promtool } => {
            let loaded = load_valid(sources.dir.as_deref(), &ns)?;
            let tests = promtool::test_files(sources.dir.as_deref())?;
            let results = promtool::run(promtool, &loaded, &tests)?;
            let failed = results.iter().filter(|r| !r.passed).count();
            output::print_result(fmt, &results, || {
                let mut s = String::new();
                for r in &results {
                    s.push_str(&format!(
                        "{} {}\n",
                        if r.passed { "PASS" } else { "FAIL" },
                        r.file
                    ));
                    if !r.passed {
                        s.push_str(&format!("{}\n", r.output));
                    }
                }
                s.push_str(&format!(
                    "{} passed, {} failed\n",
                    results.len() - failed,
                    failed
                ));
                s
            })?;
            Ok(if failed == 0 {
                ExitCode::Ok
            } else {
                ExitCode::CheckFailed
            })
        }
        Command::Diff { sources, exit_code } => {
            let loaded = load_valid(sources.dir.as_deref(), &ns)?;
            let cluster = KubeCluster::from_args(&cli.global).await?;
            let diffs = sync::diff(&cluster, &loaded.objects, &ns).await?;
            promstack_shared::sync::print_diffs(fmt, &diffs, *exit_code)
        }
        Command::Sync(a) => {
            let mut loaded = load_valid(a.sources.dir.as_deref(), &ns)?;
            for obj in &mut loaded.objects {
                obj.metadata
                    .labels
                    .get_or_insert_with(Default::default)
                    .extend(a.labels.iter().cloned());
            }
            if a.dry_run && fmt == OutputFormat::Yaml {
                let objects: Vec<serde_json::Value> =
                    loaded.objects.iter().map(sync::to_json).collect();
                print!("{}", output::yaml_stream(&objects)?);
                return Ok(ExitCode::Ok);
            }
            let cluster = KubeCluster::from_args(&cli.global).await?;
            let report = sync_with_check(
                &cluster,
                &loaded,
                &ns,
                a.prune,
                a.dry_run,
                !a.no_selector_check,
                &ui,
            )
            .await?;
            output::print_result(fmt, &report, || sync_text(&report))?;
            Ok(ExitCode::Ok)
        }
        Command::List { all_namespaces } => {
            let cluster = KubeCluster::from_args(&cli.global).await?;
            let items = sync::list(
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
                    "{:<20} {:<40} {:<5} {:>6} {:>6}  SOURCE\n",
                    "NAMESPACE", "NAME", "OURS", "GROUPS", "RULES"
                );
                for i in &items {
                    s.push_str(&format!(
                        "{:<20} {:<40} {:<5} {:>6} {:>6}  {}\n",
                        i.namespace,
                        i.name,
                        if i.ours { "yes" } else { "no" },
                        i.groups,
                        i.rules,
                        i.source.as_deref().unwrap_or("-")
                    ));
                }
                s
            })?;
            Ok(ExitCode::Ok)
        }
    }
}

/// Selection check (unless disabled), then sync.
pub async fn sync_with_check(
    cluster: &dyn Cluster,
    loaded: &Loaded,
    ns: &str,
    prune: bool,
    dry_run: bool,
    check: bool,
    ui: &Ui,
) -> anyhow::Result<sync::SyncReport> {
    promstack_shared::sync::require_namespace(cluster, ns).await?;
    if check {
        if let Some(first) = loaded.objects.first() {
            let labels = first.metadata.labels.clone().unwrap_or_default();
            let selecting = sync::selection_check(cluster, ns, &labels).await?;
            ui.ok(&format!(
                "rules will be loaded by Prometheus {}",
                selecting.join(", ")
            ));
        }
    }
    sync::sync(cluster, &loaded.objects, ns, prune, dry_run, ui).await
}

pub fn sync_text(r: &sync::SyncReport) -> String {
    promstack_shared::sync::report_text(r, "PrometheusRule")
}
