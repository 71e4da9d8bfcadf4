//! `rules test`: the real `promtool test rules` on the unit tests (`tests/` of a folder, or test
//! files given alone), with PrometheusRule objects unwrapped into plain rule files at the same
//! relative paths (so `rule_files:` works): a folder's by their path in it, a file given alone
//! where it was given.
use crate::load::Loaded;
use promstack_shared::sources::SourceFile;
use promstack_shared::Error;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub file: String,
    pub passed: bool,
    pub output: String,
}

/// Where a source is written for promtool: its path in its folder; a file given alone where it
/// was given when that is a relative path inside the working directory (else by its name);
/// standard input as `stdin.yaml`.
pub fn stage_path(f: &SourceFile) -> String {
    use std::path::Component;
    if f.is_stream() {
        return "stdin.yaml".into();
    }
    let Some(shown) = &f.place.shown else {
        return f.path.clone();
    };
    let parts: Option<Vec<String>> = Path::new(shown)
        .components()
        .filter(|c| *c != Component::CurDir)
        .map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.map_or_else(|| f.path.clone(), |p| p.join("/"))
}

/// Write the plain rule files and the unit tests into `dir`.
pub fn stage(dir: &Path, loaded: &Loaded, tests: &[SourceFile]) -> Result<(), Error> {
    let mut by_source: std::collections::BTreeMap<String, Vec<serde_json::Value>> =
        Default::default();
    for (obj, origin) in loaded.objects.iter().zip(&loaded.origins) {
        let groups = serde_json::to_value(&obj.spec.groups).expect("typed groups serialise");
        by_source
            .entry(stage_path(&loaded.files[origin.file]))
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
        write(&stage_path(t), &t.text)?;
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
    let mut out = Vec::new();
    for t in tests {
        let res = std::process::Command::new(promtool).args(["test", "rules", &stage_path(t)]).current_dir(dir.path()).output().map_err(|e| {
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
    promstack_shared::sources::rule_unit_tests(dir)
}
