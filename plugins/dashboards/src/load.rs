//! Dashboard sources: read (a folder or the embedded ones), prepared, validated as `sync` would
//! need them, and turned into the sidecar's ConfigMaps.
use crate::validate::{self, Level};
use promstack_shared::dashboard::{self, Prepared};
use promstack_shared::prometheus::promql::Target;
use promstack_shared::sources::{self, SourceFile};
use promstack_shared::ui::Ui;
use promstack_shared::Error;
use serde_json::Value;
use std::path::Path;

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
pub fn valid(dir: Option<&Path>, ui: &Ui) -> Result<Vec<Prepared>, Error> {
    valid_for(dir, ui, &Target::default())
}

/// [`valid`] for a target Prometheus.
pub fn valid_for(dir: Option<&Path>, ui: &Ui, target: &Target) -> Result<Vec<Prepared>, Error> {
    valid_files(&read(dir)?, ui, target)
}

/// [`valid_for`] of files already read.
pub fn valid_files(files: &[SourceFile], ui: &Ui, target: &Target) -> Result<Vec<Prepared>, Error> {
    let (prepared, problems) = problems_for(files, target);
    for w in problems.iter().filter(|p| p.level == Level::Warning) {
        ui.warn(&w.to_string());
    }
    refuse_errors(&problems)?;
    Ok(prepared)
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
