//! Dashboard sources: read (files, folders, streams, or the embedded ones; the dashboards of
//! YAML picked out of the sidecar's objects), prepared, validated as `sync` would need them, and
//! turned into the sidecar's ConfigMaps.
use crate::validate::{self, Level};
use promstack_shared::grafana::dashboard::{self, Prepared};
use promstack_shared::input::sources::{self, DashboardSet, Inputs, SourceFile, Summary};
use promstack_shared::prometheus::promql::Target;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::Error;
use serde_json::Value;
use std::path::Path;

/// The dashboards of some sources, prepared and checked.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// One a dashboard (a file's, or one key of an object's data).
    pub files: Vec<SourceFile>,
    pub prepared: Vec<Prepared>,
    /// Errors and warnings, sorted.
    pub problems: Vec<validate::Problem>,
    /// The paths of the dashboards that came out of a Secret.
    pub in_secrets: Vec<String>,
    /// Which sources were read, and what was in them.
    pub sources: Summary,
}

/// The files of a folder, or of the embedded `dashboards/`: JSON, and YAML that may hold the
/// sidecar's objects.
pub fn read(dir: Option<&Path>) -> Result<Vec<SourceFile>, Error> {
    Ok(sources::input::read::<DashboardSet>(&Inputs::dir_or_embedded(dir))?.files)
}

/// Read what `inputs` name (the embedded dashboards when none), pick the dashboards out of them
/// and check them for `target`: every problem is in [`Loaded::problems`]; only sources that
/// cannot be read at all are an error.
pub fn load(inputs: &Inputs, target: &Target) -> Result<Loaded, Error> {
    let read = sources::input::read::<DashboardSet>(inputs)?;
    let picked = dashboard::pick_all(read.files);
    let (prepared, mut problems) = problems_for(&picked.dashboards, target);
    problems.extend(picked.errors.iter().map(|e| {
        let (file, message) = e.split_once(": ").unwrap_or(("", e));
        error(file, message.to_string())
    }));
    problems.sort();
    Ok(Loaded {
        sources: read
            .summary
            .counted(picked.dashboards.len(), picked.skipped),
        files: picked.dashboards,
        prepared,
        problems,
        in_secrets: picked.in_secrets,
    })
}

/// [`load`], the first line (which sources) and the warnings on `ui`; any error is a usage error
/// listing them all.
pub fn sources_valid(inputs: &Inputs, ui: &Ui, target: &Target) -> Result<Loaded, Error> {
    let loaded = load(inputs, target)?;
    ui.line(&loaded.sources.summary);
    warn_or_refuse(&loaded.problems, ui)?;
    Ok(loaded)
}

/// `sync` and `diff` write dashboards as ConfigMaps: one from a Secret is refused (exit 2), its
/// data is not copied into a ConfigMap.
pub fn refuse_secrets(loaded: &Loaded) -> Result<(), Error> {
    if loaded.in_secrets.is_empty() {
        return Ok(());
    }
    Err(Error::input(format!(
        "{} dashboard(s) come from a Secret ({}): promstack writes dashboards as ConfigMaps and does not copy a Secret's data into one; nothing was changed. Apply the Secret as it is (kubectl apply -f), or give the dashboard as JSON or in a ConfigMap",
        loaded.in_secrets.len(),
        loaded.in_secrets.join(", ")
    )))
}

fn error(file: &str, message: String) -> validate::Problem {
    validate::Problem {
        file: file.to_string(),
        level: Level::Error,
        panel: None,
        path: String::new(),
        message,
    }
}

/// Prepare every file; the files that cannot even be read as dashboards are errors.
pub fn prepare_all(files: &[SourceFile]) -> (Vec<Prepared>, Vec<validate::Problem>) {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for f in files {
        match dashboard::prepare(f) {
            Ok(p) => ok.push(p),
            Err(message) => {
                let shown = f.label(1);
                let message = message
                    .trim_start_matches(&format!("{shown}: "))
                    .to_string();
                problems.push(error(&shown, message))
            }
        }
    }
    (ok, problems)
}

/// Everything `validate` finds, sorted: the dashboards themselves, and what the API server would
/// refuse of the ConfigMaps `sync` writes (so `validate` refuses what `sync` would).
pub fn problems(files: &[SourceFile]) -> (Vec<Prepared>, Vec<validate::Problem>) {
    problems_for(files, &Target::default())
}

/// [`problems`], the panel queries read as `target` reads them.
pub fn problems_for(
    files: &[SourceFile],
    target: &Target,
) -> (Vec<Prepared>, Vec<validate::Problem>) {
    let (prepared, mut problems) = prepare_all(files);
    problems.extend(validate::validate(&prepared, target));
    problems.extend(object_problems(&prepared));
    problems.sort();
    (prepared, problems)
}

/// The ConfigMap of each dashboard as `sync` builds it: one over a limit, a name two dashboards
/// share, anything the API server refuses (see [`promstack_shared::kube::limits`]).
fn object_problems(prepared: &[Prepared]) -> Vec<validate::Problem> {
    let mut out = Vec::new();
    let mut names: std::collections::BTreeMap<String, String> = Default::default();
    let problem = |p: &Prepared, message: String| error(&p.shown, message);
    for p in prepared {
        // the namespace changes no name or size
        match dashboard::configmap_of(p, "monitoring") {
            Err(e) => out.push(problem(
                p,
                e.trim_start_matches(&format!("{}: ", p.shown)).to_string(),
            )),
            Ok(cm) => {
                let name = cm.metadata.name.clone().unwrap_or_default();
                if let Some(first) = names.insert(name.clone(), p.shown.clone()) {
                    out.push(problem(
                        p,
                        format!("{first} and this file both become ConfigMap {name}: rename one"),
                    ));
                }
                for m in promstack_shared::kube::limits::problems(
                    &promstack_shared::kube::cluster::to_value(&cm),
                ) {
                    out.push(problem(p, format!("its ConfigMap {name}: {m}")));
                }
            }
        }
    }
    out
}

/// Read a folder (or the embedded dashboards), prepare and validate; any error is a usage error
/// listing them all (warnings go to the UI).
pub fn valid(dir: Option<&Path>, ui: &Ui) -> Result<Vec<Prepared>, Error> {
    valid_for(dir, ui, &Target::default())
}

/// [`valid`] for a target Prometheus.
pub fn valid_for(dir: Option<&Path>, ui: &Ui, target: &Target) -> Result<Vec<Prepared>, Error> {
    let loaded = load(&Inputs::dir_or_embedded(dir), target)?;
    warn_or_refuse(&loaded.problems, ui)?;
    Ok(loaded.prepared)
}

/// Dashboards already picked, prepared and validated for `target`; any error is a usage error
/// listing them all (warnings go to the UI).
pub fn valid_files(files: &[SourceFile], ui: &Ui, target: &Target) -> Result<Vec<Prepared>, Error> {
    let (prepared, problems) = problems_for(files, target);
    warn_or_refuse(&problems, ui)?;
    Ok(prepared)
}

/// The warnings among `problems` on `ui`; a usage error listing the errors, if there is one.
fn warn_or_refuse(problems: &[validate::Problem], ui: &Ui) -> Result<(), Error> {
    for w in problems.iter().filter(|p| p.level == Level::Warning) {
        ui.warn(&w.to_string());
    }
    refuse_errors(problems)
}

/// A usage error listing every error among `problems`, if there is one.
pub fn refuse_errors(problems: &[validate::Problem]) -> Result<(), Error> {
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.level == Level::Error)
        .map(ToString::to_string)
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    Err(Error::input(format!(
        "the dashboards are not valid ({} error(s)); nothing was changed:\n  {}",
        errors.len(),
        errors.join("\n  ")
    )))
}

/// The ConfigMaps of prepared dashboards, as JSON for the sync; any too large is an error.
pub fn configmaps(prepared: &[Prepared], ns: &str) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in prepared {
        match dashboard::configmap_of(p, ns) {
            Ok(cm) => out.push(promstack_shared::kube::cluster::to_value(&cm)),
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
