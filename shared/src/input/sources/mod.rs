//! Rule and dashboard sources: the embedded defaults (`rules/`, `dashboards/`), a user's folders
//! (every file, relative path with `/`, sorted, so what is built from them is deterministic),
//! single files, and YAML streams on standard input. [`args`] declares the flags every rules and
//! dashboards verb takes for them, [`input`] reads what they name, [`stream`] splits a stream
//! into its documents (and a `kind: List` into its items).
use include_dir::{include_dir, Dir};
use std::path::Path;

pub mod args;
pub mod input;
pub mod stream;

pub use args::{DashboardSet, RuleSet, SourceArgs, SourceSet};
pub use input::{Input, Inputs, Read, Summary};

/// `rules/` of the project, embedded at build time.
pub static RULES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../rules");
/// `dashboards/` of the project, embedded at build time.
pub static DASHBOARDS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../dashboards");

/// One source: a file, a stream, or a dashboard inside an object of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// What it is named by: its path in its folder, `/`-separated (`cilium/agent.json`); the file
    /// name of a file given alone; `<stdin>`. Object names, the source annotation and a
    /// dashboard's Grafana folder come from it.
    pub path: String,
    pub text: String,
    /// Where it is, for messages.
    pub place: Place,
}

/// Where a source is, for messages (`file:12`, `<stdin>:document 7:line 412`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Place {
    /// How messages name it when not by its path: a file given alone, as it was given; `<stdin>`.
    pub shown: Option<String>,
    /// For a stream: the 0-based line each of its documents starts on (see
    /// [`stream::documents`]); messages then say `document N:line L`, L the stream's line.
    pub documents: Vec<usize>,
    /// Its first line is line `offset + 1` of what it is in (a dashboard in a ConfigMap).
    pub offset: usize,
    /// The file it was read from (None: embedded, standard input).
    pub file: Option<std::path::PathBuf>,
}

/// What standard input is called in messages and as a source's path.
pub const STDIN: &str = "<stdin>";

impl SourceFile {
    /// A file named by its path, in messages too.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
            place: Place::default(),
        }
    }
    /// The name messages give it (without a line).
    pub fn shown(&self) -> &str {
        self.place.shown.as_deref().unwrap_or(&self.path)
    }
    /// Is it a stream whose documents messages number (standard input)?
    pub fn is_stream(&self) -> bool {
        !self.place.documents.is_empty()
    }
    /// The name messages give the part of it that its line `line` (1-based) is in: the file,
    /// or `<stdin>:document 7`.
    pub fn label(&self, line: usize) -> String {
        let line = line + self.place.offset;
        if !self.is_stream() {
            return self.shown().to_string();
        }
        let n = self
            .place
            .documents
            .partition_point(|&start| start < line.max(1))
            .max(1);
        format!("{}:document {n}", self.shown())
    }
    /// Its line `line` (1-based) as messages give it: `file:12`, `<stdin>:document 7:line 412`.
    pub fn at(&self, line: usize) -> String {
        place(&self.label(line), line + self.place.offset)
    }
    /// Is `label` (one [`SourceFile::label`] gave) a part of this source?
    pub fn holds(&self, label: &str) -> bool {
        label
            .strip_prefix(self.shown())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(":document "))
    }
}

/// A line in what `label` names: `file:12`, or `<stdin>:document 7:line 412` when the label
/// names a document of a stream (the line is the stream's).
pub fn place(label: &str, line: usize) -> String {
    let in_document = label
        .rsplit_once(":document ")
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if in_document {
        format!("{label}:line {line}")
    } else {
        format!("{label}:{line}")
    }
}

/// Files of an embedded folder whose names end with one of `exts`.
pub fn embedded(dir: &Dir<'static>, exts: &[&str]) -> Vec<SourceFile> {
    fn walk(d: &Dir<'static>, exts: &[&str], out: &mut Vec<SourceFile>) {
        for f in d.files() {
            let p = f.path().to_string_lossy().replace('\\', "/");
            if exts.iter().any(|e| p.ends_with(e)) {
                if let Some(text) = f.contents_utf8() {
                    out.push(SourceFile::new(p, text));
                }
            }
        }
        for sub in d.dirs() {
            walk(sub, exts, out);
        }
    }
    let mut out = Vec::new();
    walk(dir, exts, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Files of a user's folder whose names end with one of `exts` (hidden files and folders skipped).
pub fn folder(root: &Path, exts: &[&str]) -> Result<Vec<SourceFile>, crate::Error> {
    fn walk(
        root: &Path,
        dir: &Path,
        exts: &[&str],
        out: &mut Vec<SourceFile>,
    ) -> Result<(), crate::Error> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            crate::Error::input(format!("cannot read folder {}: {e}", dir.display()))
        })?;
        for entry in entries {
            let entry =
                entry.map_err(|e| crate::Error::input(format!("{}: {e}", dir.display())))?;
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, exts, out)?;
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                if exts.iter().any(|e| rel.ends_with(e)) {
                    let text = std::fs::read_to_string(&path).map_err(|e| {
                        crate::Error::input(format!("cannot read {}: {e}", path.display()))
                    })?;
                    let mut f = SourceFile::new(rel, text);
                    f.place.file = Some(path.clone());
                    out.push(f);
                }
            }
        }
        Ok(())
    }
    if !root.is_dir() {
        return Err(crate::Error::input(format!(
            "{} is not a folder",
            root.display()
        )));
    }
    let mut out = Vec::new();
    walk(root, root, exts, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// kustomize's own file in a folder (`kustomization.yaml`): not a source, whether or not it says
/// its apiVersion and kind; skipped as another object.
pub fn is_kustomization(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// promtool unit tests live beside the rules in `tests/`; they are not rules.
pub fn is_rule_unit_test(path: &str) -> bool {
    path.starts_with("tests/") || path.contains("/tests/")
}

fn rule_sources(dir: Option<&Path>, unit_tests: bool) -> Result<Vec<SourceFile>, crate::Error> {
    let exts = [".yaml", ".yml"];
    let files = match dir {
        Some(d) => folder(d, &exts)?,
        None => embedded(&RULES, &exts),
    };
    Ok(files
        .into_iter()
        .filter(|f| is_rule_unit_test(&f.path) == unit_tests)
        .collect())
}

/// The rule files of a folder, or of the embedded `rules/`: `*.yaml`/`*.yml`, unit tests excluded.
pub fn rule_files(dir: Option<&Path>) -> Result<Vec<SourceFile>, crate::Error> {
    rule_sources(dir, false)
}

/// The promtool unit test files of a folder, or of the embedded `rules/` (those under `tests/`).
pub fn rule_unit_tests(dir: Option<&Path>) -> Result<Vec<SourceFile>, crate::Error> {
    rule_sources(dir, true)
}

/// A Kubernetes object name (DNS-1123 subdomain, at most 63 characters here) from a file path.
pub fn object_name(prefix: &str, path: &str) -> String {
    let stem = path.rsplit_once('.').map_or(path, |(s, _)| s);
    let mut name: String = format!("{prefix}{stem}")
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_matches('-');
    name[..name.len().min(63)].trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_name_the_file_or_the_document_of_a_stream() {
        assert_eq!(place("a.yaml", 4), "a.yaml:4");
        assert_eq!(
            place("<stdin>:document 7", 412),
            "<stdin>:document 7:line 412"
        );
        assert_eq!(place("my:document x.yaml", 2), "my:document x.yaml:2");
        let mut f = SourceFile::new("node.json", "{}");
        f.place = Place {
            shown: Some(STDIN.into()),
            documents: vec![0, 10, 20],
            offset: 11,
            file: None,
        };
        assert_eq!(f.at(1), "<stdin>:document 2:line 12");
        assert!(f.holds("<stdin>:document 3") && f.holds("<stdin>") && !f.holds("<stdin>x"));
    }

    #[test]
    fn names_are_valid_object_names() {
        assert_eq!(object_name("", "node.yaml"), "node");
        assert_eq!(
            object_name("dashboard-", "Cilium/Agent Overview.json"),
            "dashboard-cilium-agent-overview"
        );
        assert_eq!(object_name("", "__x__.yaml"), "x");
        assert_eq!(object_name("", &"a".repeat(100)).len(), 63);
    }

    #[test]
    fn folders_are_read_sorted_and_filtered() {
        let d = tempfile_dir();
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::create_dir_all(d.join(".git")).unwrap();
        std::fs::write(d.join("b.yaml"), "b").unwrap();
        std::fs::write(d.join("sub/a.yaml"), "a").unwrap();
        std::fs::write(d.join("notes.md"), "x").unwrap();
        std::fs::write(d.join(".git/x.yaml"), "x").unwrap();
        let files = folder(&d, &[".yaml"]).unwrap();
        assert_eq!(
            files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
            ["b.yaml", "sub/a.yaml"]
        );
        assert!(folder(&d.join("nope"), &[".yaml"]).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("promstack-sources-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn rule_unit_tests_are_not_rules() {
        assert!(
            is_rule_unit_test("tests/node_test.yaml")
                && is_rule_unit_test("team/tests/x.yaml")
                && !is_rule_unit_test("node.yaml")
        );
        let rules = rule_files(None).unwrap();
        let tests = rule_unit_tests(None).unwrap();
        assert!(rules.iter().all(|f| !f.path.starts_with("tests/")));
        assert!(tests.iter().all(|f| f.path.starts_with("tests/")));
        assert_eq!(
            rules.len() + tests.len(),
            embedded(&RULES, &[".yaml", ".yml"]).len()
        );
    }

    #[test]
    fn the_embedded_folders_are_there() {
        // README.md is not a source; whatever *.yaml/*.json the folders hold is
        assert!(embedded(&RULES, &[".md"])
            .iter()
            .any(|f| f.path == "README.md"));
        assert!(embedded(&DASHBOARDS, &[".md"])
            .iter()
            .any(|f| f.path == "README.md"));
    }
}
