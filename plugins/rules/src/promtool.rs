//! `rules test`: the real `promtool test rules` on the unit tests (`tests/` of a folder, or test
//! files given alone), with PrometheusRule objects unwrapped into plain rule files laid out as
//! they are on disk (so a test's `rule_files:` finds them), by their path from the deepest folder
//! they are all in; the embedded ones by their path in `rules/`.
use crate::load::Loaded;
use promstack_shared::input::sources::SourceFile;
use promstack_shared::Error;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub file: String,
    pub passed: bool,
    pub output: String,
}

/// Where the sources are written for promtool (see the module docs).
pub struct Layout {
    /// The deepest folder every file read from disk is in.
    base: Option<PathBuf>,
}

fn on_disk(f: &SourceFile) -> Option<PathBuf> {
    f.place.file.as_deref()?.canonicalize().ok()
}

impl Layout {
    /// The layout of these sources (rules and tests).
    pub fn of<'a>(files: impl IntoIterator<Item = &'a SourceFile>) -> Self {
        let dirs = files
            .into_iter()
            .filter_map(on_disk)
            .filter_map(|p| p.parent().map(Path::to_path_buf));
        let base = dirs.reduce(|a, b| {
            a.ancestors()
                .find(|anc| b.starts_with(anc))
                .map(Path::to_path_buf)
                .unwrap_or_default()
        });
        Layout { base }
    }

    /// The path `f` is written to: a file's from the base; standard input as `stdin.yaml`; an
    /// embedded one its path.
    pub fn path(&self, f: &SourceFile) -> String {
        if f.is_stream() {
            return "stdin.yaml".into();
        }
        let real = on_disk(f);
        let rel = real
            .as_deref()
            .zip(self.base.as_deref())
            .and_then(|(r, b)| r.strip_prefix(b).ok());
        match rel {
            Some(rel) => rel.to_string_lossy().replace('\\', "/"),
            None => f.path.clone(),
        }
    }
}

/// Write the plain rule files and the unit tests into `dir`.
pub fn stage(dir: &Path, loaded: &Loaded, tests: &[SourceFile]) -> Result<(), Error> {
    let layout = Layout::of(loaded.files.iter().chain(tests));
    let mut by_source: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
        Default::default();
    for (obj, origin) in loaded.objects.iter().zip(&loaded.origins) {
        let groups = serde_json::to_value(&obj.spec.groups).expect("typed groups serialise");
        by_source
            .entry(layout.path(&loaded.files[origin.file]))
            .or_default()
            .extend(groups.as_array().cloned().unwrap_or_default());
    }
    let write = |rel: &str, text: &str| -> Result<(), Error> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::runtime(format!("{}: {e}", parent.display())))?;
        }
        std::fs::write(&p, text).map_err(|e| Error::runtime(format!("{}: {e}", p.display())))
    };
    for (source, groups) in by_source {
        write(
            &source,
            &serde_yaml::to_string(&serde_json::json!({ "groups": groups }))
                .expect("rule groups serialise"),
        )?;
    }
    for t in tests {
        write(&layout.path(t), &t.text)?;
    }
    Ok(())
}

/// Run every unit test file with promtool. `tests` are the files under `tests/`.
pub fn run(
    promtool: &Path,
    loaded: &Loaded,
    tests: &[SourceFile],
) -> Result<Vec<TestResult>, Error> {
    if tests.is_empty() {
        return Err(Error::input(
            "no promtool unit tests found: tests/*.yaml of a rules folder, or test files (with `tests:`) given with the rules",
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| Error::runtime(e.to_string()))?;
    stage(dir.path(), loaded, tests)?;
    let layout = Layout::of(loaded.files.iter().chain(tests));
    // promtool runs in the staging folder: a relative --promtool is the working directory's
    let promtool = match promtool.components().count() > 1 && promtool.is_relative() {
        true => std::path::absolute(promtool).unwrap_or_else(|_| promtool.to_path_buf()),
        false => promtool.to_path_buf(),
    };
    let promtool = promtool.as_path();
    let mut out = Vec::new();
    for t in tests {
        let res = std::process::Command::new(promtool).args(["test", "rules", &layout.path(t)]).current_dir(dir.path()).output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::runtime(format!(
                    "promtool not found ({}): install it (Debian/Ubuntu: apt-get install prometheus; or the Prometheus release tarball) or pass --promtool PATH",
                    promtool.display()
                ))
            } else {
                Error::runtime(format!("cannot run {}: {e}", promtool.display()))
            }
        })?;
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&res.stdout),
            String::from_utf8_lossy(&res.stderr)
        );
        out.push(TestResult {
            file: t.shown().to_string(),
            passed: res.status.success(),
            output: output.trim().to_string(),
        });
    }
    Ok(out)
}

/// The unit test files of a folder (or of the embedded rules/).
pub fn test_files(dir: Option<&Path>) -> Result<Vec<SourceFile>, Error> {
    promstack_shared::input::sources::rule_unit_tests(dir)
}
