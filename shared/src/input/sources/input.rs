//! What a rules or dashboards verb reads: the files, folders and standard input the user named,
//! or the embedded defaults when none; and the line that says which ([`Summary`]).
//!
//! A folder is a whole set: every source in it (sub-folders too), each named by its path in
//! the folder, so what is built from it is what a folder built it before, and `--prune` may
//! delete what it no longer makes. A file given alone is named by its file name (as if it were
//! alone in a folder) and, like a stream, is a selection: `--prune` is refused for it unless the
//! user says the selection is the whole set. Standard input is read only when `-` is named.
use super::{args::SourceSet, folder, stream, Place, SourceFile, STDIN};
use crate::Error;
use serde::Serialize;
use std::io::{IsTerminal, Read as _};
use std::path::{Path, PathBuf};

/// One source the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `--dir DIR` (or its environment variable): must be a folder.
    Dir(PathBuf),
    /// A file or a folder, as a positional argument or `-f`.
    Path(PathBuf),
    /// `-`: standard input.
    Stdin,
}

impl Input {
    fn shown(&self) -> String {
        match self {
            Input::Dir(p) | Input::Path(p) => p.display().to_string(),
            Input::Stdin => STDIN.into(),
        }
    }
}

/// What a verb reads: the sources named, in order; none: the embedded defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub given: Vec<Input>,
}

impl Inputs {
    /// The embedded defaults.
    pub fn embedded() -> Self {
        Inputs::default()
    }
    /// One folder (`--dir DIR`).
    pub fn dir(dir: impl Into<PathBuf>) -> Self {
        Inputs {
            given: vec![Input::Dir(dir.into())],
        }
    }
    /// `--dir DIR` when given, else the embedded defaults.
    pub fn dir_or_embedded(dir: Option<&Path>) -> Self {
        dir.map_or_else(Inputs::embedded, Inputs::dir)
    }
    /// Files and folders, as positional arguments.
    pub fn paths<P: Into<PathBuf>>(paths: impl IntoIterator<Item = P>) -> Self {
        Inputs {
            given: paths.into_iter().map(|p| Input::Path(p.into())).collect(),
        }
    }
}

/// Which sources were read, and what was found in them: the first line of a verb's output
/// (stderr) and the `sources` field of its `-o json|yaml` report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// That line, for people.
    pub summary: String,
    /// The sources as named (`-` is `<stdin>`); empty for the embedded defaults.
    pub inputs: Vec<String>,
    pub embedded: bool,
    /// Folders (or the embedded defaults) only: what they do not make is no source's any more,
    /// and `--prune` may delete it. Files and streams are a selection.
    pub whole_set: bool,
    /// Files read (standard input not counted).
    pub files: usize,
    pub stdin: bool,
    /// Rules or dashboards found.
    pub found: usize,
    /// Objects of other kinds in the sources, skipped.
    pub skipped: usize,
    #[serde(skip)]
    noun: &'static str,
}

impl Summary {
    /// With what was found in the sources: `found` rules or dashboards, `skipped` other objects.
    pub fn counted(mut self, found: usize, skipped: usize) -> Self {
        self.found = found;
        self.skipped = skipped;
        self.summary = self.line();
        self
    }

    /// `rules: the embedded defaults (12 rules in 3 files); pass files, folders or -f - for your
    /// own`, `dashboards: <stdin> (3 dashboards in the standard input; 12 other objects skipped)`.
    pub fn line(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        let what = match self.embedded {
            true => "the embedded defaults".to_string(),
            false => self.inputs.join(", "),
        };
        let files = (self.files > 0).then(|| plural(self.files, "file", "files"));
        let stdin = self.stdin.then(|| "the standard input".to_string());
        let inside: Vec<String> = files.into_iter().chain(stdin).collect();
        let noun1 = self.noun.strip_suffix('s').unwrap_or(self.noun);
        let mut counts = plural(self.found, noun1, self.noun);
        if !inside.is_empty() {
            counts.push_str(&format!(" in {}", inside.join(" and ")));
        }
        if self.skipped > 0 {
            counts.push_str(&format!(
                "; {} skipped",
                plural(self.skipped, "other object", "other objects")
            ));
        }
        let hint = match self.embedded {
            true => "; pass files, folders or -f - for your own",
            false => "",
        };
        format!("{}: {what} ({counts}){hint}", self.noun)
    }
}

/// The sources read: the files (one a stream for standard input), the unit tests among them
/// (rules only: what promtool runs), and the summary (to be [`Summary::counted`]).
#[derive(Debug, Clone, Default)]
pub struct Read {
    pub files: Vec<SourceFile>,
    pub tests: Vec<SourceFile>,
    pub summary: Summary,
}

/// Read the sources of `S` that `inputs` name (the embedded defaults when none). A file inside a
/// folder also named is read once, as the folder's.
pub fn read<S: SourceSet>(inputs: &Inputs) -> Result<Read, Error> {
    let mut read = Read {
        summary: Summary {
            inputs: inputs.given.iter().map(Input::shown).collect(),
            embedded: inputs.given.is_empty(),
            whole_set: true,
            noun: S::NOUN,
            ..Default::default()
        },
        ..Default::default()
    };
    if inputs.given.is_empty() {
        for f in super::embedded(S::embedded(), S::EXTS) {
            add::<S>(&mut read, f, true);
        }
        return Ok(read);
    }
    let folders: Vec<PathBuf> = inputs
        .given
        .iter()
        .filter_map(|i| match i {
            Input::Dir(p) | Input::Path(p) if p.is_dir() => p.canonicalize().ok(),
            _ => None,
        })
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for input in &inputs.given {
        read_one::<S>(input, &folders, &mut seen, &mut read)?;
    }
    read.summary.summary = read.summary.line();
    Ok(read)
}

fn read_one<S: SourceSet>(
    input: &Input,
    folders: &[PathBuf],
    seen: &mut std::collections::BTreeSet<PathBuf>,
    read: &mut Read,
) -> Result<(), Error> {
    match input {
        Input::Stdin if read.summary.stdin => {
            return Err(Error::input("`-` (standard input) is named twice"))
        }
        Input::Stdin => {
            read.summary.stdin = true;
            read.summary.whole_set = false;
            let f = stdin(S::NOUN)?;
            add::<S>(read, f, false);
        }
        Input::Dir(p) if !p.is_dir() => {
            return Err(Error::input(format!(
                "--dir {}: not a folder{}",
                p.display(),
                if p.exists() {
                    " (pass a file without --dir)"
                } else {
                    ""
                }
            )))
        }
        Input::Dir(p) | Input::Path(p) if p.is_dir() => {
            if !seen.insert(p.canonicalize().unwrap_or_else(|_| p.clone())) {
                return Ok(());
            }
            for f in folder(p, S::EXTS)? {
                add::<S>(read, f, true);
            }
        }
        Input::Dir(p) | Input::Path(p) => {
            let f = file(p)?;
            // a pipe (`<(helm template ...)`) has no path to compare: it is read as it is
            let real = p.canonicalize().unwrap_or_else(|_| p.clone());
            let in_folder = folders.iter().any(|d| real.starts_with(d));
            if in_folder || !seen.insert(real) {
                return Ok(());
            }
            read.summary.whole_set = false;
            add::<S>(read, f, false);
        }
    }
    Ok(())
}

/// A source into the files or, for rules, the unit tests: those under `tests/` of a folder, and
/// every file that is one (its top level has `tests:`).
fn add<S: SourceSet>(read: &mut Read, f: SourceFile, in_folder: bool) {
    let test = S::UNIT_TESTS
        && ((in_folder && super::is_rule_unit_test(&f.path))
            || (!f.is_stream() && is_unit_test(&f.text)));
    match test {
        true => read.tests.push(f),
        false => {
            read.summary.files += usize::from(!f.is_stream());
            read.files.push(f)
        }
    }
}

/// A promtool unit test file: its top level has `tests:` (and no `groups:`).
fn is_unit_test(text: &str) -> bool {
    stream::documents(text)
        .first()
        .is_some_and(|d| stream::head(&d.text).is_ok_and(|h| h.has("tests") && !h.has("groups")))
}

/// A file given alone: named by its file name, shown as given.
fn file(p: &Path) -> Result<SourceFile, Error> {
    let text = std::fs::read_to_string(p)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", p.display())))?;
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string());
    Ok(SourceFile {
        path: name,
        text,
        place: Place {
            shown: Some(p.display().to_string()),
            file: Some(p.to_path_buf()),
            ..Default::default()
        },
    })
}

/// Standard input, read whole: refused when it is a terminal (nothing is piped in, and reading
/// would wait for typing).
fn stdin(noun: &str) -> Result<SourceFile, Error> {
    let mut input = std::io::stdin();
    if input.is_terminal() {
        return Err(Error::input(format!(
            "`-` reads the standard input, which is a terminal here: pipe a stream in (helm template ... | kubectl promstack {noun} validate -f -), or name files and folders"
        )));
    }
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(format!("cannot read the standard input: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Error::input(format!("the standard input is not UTF-8 text: {e}")))?;
    Ok(stream_file(text))
}

/// What `-` reads, from its text: a stream, and a selection (for a caller that has the text).
pub fn from_stream<S: SourceSet>(text: String) -> Read {
    let mut read = Read {
        summary: Summary {
            inputs: vec![STDIN.into()],
            stdin: true,
            noun: S::NOUN,
            ..Default::default()
        },
        ..Default::default()
    };
    add::<S>(&mut read, stream_file(text), false);
    read.summary.summary = read.summary.line();
    read
}

/// Standard input's text as a source: a stream whose documents messages number.
pub fn stream_file(text: String) -> SourceFile {
    let documents = stream::starts(&text);
    SourceFile {
        path: STDIN.into(),
        place: Place {
            shown: Some(STDIN.into()),
            documents: if documents.is_empty() {
                vec![0]
            } else {
                documents
            },
            ..Default::default()
        },
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::sources::{DashboardSet, RuleSet};

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("rules/team")).unwrap();
        std::fs::create_dir_all(d.path().join("rules/tests")).unwrap();
        std::fs::write(d.path().join("rules/a.yaml"), "groups: []\n").unwrap();
        std::fs::write(d.path().join("rules/team/b.yml"), "groups: []\n").unwrap();
        std::fs::write(
            d.path().join("rules/tests/a_test.yaml"),
            "rule_files: [../a.yaml]\ntests: []\n",
        )
        .unwrap();
        std::fs::write(d.path().join("extra.yaml"), "groups: []\n").unwrap();
        std::fs::write(
            d.path().join("x_test.yaml"),
            "rule_files: [extra.yaml]\ntests: []\n",
        )
        .unwrap();
        d
    }

    #[test]
    fn folders_are_whole_sets_files_a_selection_named_by_their_name() {
        let d = tree();
        let (rules, extra) = (d.path().join("rules"), d.path().join("extra.yaml"));
        let whole = read::<RuleSet>(&Inputs::paths([&rules])).unwrap();
        let names: Vec<&str> = whole.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(names, ["a.yaml", "team/b.yml"]);
        assert_eq!(whole.tests.len(), 1);
        assert!(whole.summary.whole_set && !whole.summary.embedded);
        assert_eq!(whole.summary.files, 2, "unit tests are not rule files");
        // a file alone: its name, shown as given; with a folder: a selection
        let mixed = read::<RuleSet>(&Inputs::paths([
            &rules,
            &extra,
            &d.path().join("x_test.yaml"),
        ]))
        .unwrap();
        let last = mixed.files.last().unwrap();
        assert_eq!(
            (last.path.as_str(), last.shown()),
            ("extra.yaml", extra.to_str().unwrap())
        );
        assert_eq!(mixed.tests.len(), 2, "a test file given alone is a test");
        assert!(!mixed.summary.whole_set);
        // a file inside a folder also given is read once, as the folder's (still a whole set)
        let inner = read::<RuleSet>(&Inputs::paths([
            rules.join("a.yaml"),
            rules.clone(),
            rules.clone(),
        ]))
        .unwrap();
        assert_eq!(inner.files.len(), 2);
        assert!(inner.summary.whole_set);
    }

    #[test]
    fn what_cannot_be_read_is_bad_input() {
        let d = tree();
        let missing = read::<RuleSet>(&Inputs::paths([d.path().join("nope.yaml")])).unwrap_err();
        assert!(missing.to_string().contains("nope.yaml"), "{missing}");
        assert_eq!(missing.exit_code(), crate::ExitCode::Usage);
        let dir = read::<RuleSet>(&Inputs::dir(d.path().join("extra.yaml"))).unwrap_err();
        assert!(dir.to_string().contains("not a folder"), "{dir}");
        let twice = Inputs {
            given: vec![Input::Stdin, Input::Stdin],
        };
        assert!(read::<RuleSet>(&twice)
            .unwrap_err()
            .to_string()
            .contains("named twice"));
    }

    #[test]
    fn the_line_says_which_sources_and_what_was_in_them() {
        let embedded = read::<RuleSet>(&Inputs::embedded()).unwrap();
        assert!(embedded.summary.embedded && embedded.summary.whole_set);
        let n = embedded.files.len();
        assert_eq!(
            embedded.summary.clone().counted(12, 0).summary,
            format!("rules: the embedded defaults (12 rules in {n} files); pass files, folders or -f - for your own")
        );
        let s = from_stream::<DashboardSet>("a: 1\n".into());
        assert!(s.summary.stdin && !s.summary.whole_set);
        assert_eq!(
            s.summary.counted(1, 12).summary,
            "dashboards: <stdin> (1 dashboard in the standard input; 12 other objects skipped)"
        );
        let f = &from_stream::<RuleSet>("a: 1\n---\nb: 2\n".into()).files[0];
        assert_eq!(
            (f.at(3), f.label(1)),
            (
                "<stdin>:document 2:line 3".into(),
                "<stdin>:document 1".into()
            )
        );
    }
}
