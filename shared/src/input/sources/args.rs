//! The flags every rules and dashboards verb takes for its sources, declared once: files and
//! folders as positional arguments and as `-f/--filename` (repeatable, `-` for standard input,
//! as kubectl takes them), and `--dir`. With none, `$PROMSTACK_<SET>_DIR`, else the embedded
//! defaults. Completion offers file names for all three.
use super::input::{Input, Inputs};
use clap::builder::ValueHint;
use clap::Args;
use clap_complete::engine::{
    ArgValueCompleter, CompletionCandidate, PathCompleter, ValueCompleter,
};
use include_dir::Dir;
use std::marker::PhantomData;
use std::path::PathBuf;

/// One kind of source set: its name, files, embedded defaults and folder variable.
pub trait SourceSet: Clone + std::fmt::Debug + Send + Sync + 'static {
    /// `rules`, `dashboards`: the plugin, and what its sources hold.
    const NOUN: &'static str;
    /// The file names read from a folder.
    const EXTS: &'static [&'static str];
    /// The environment variable naming the folder read when no source is given.
    const DIR_ENV: &'static str;
    /// `--dir`'s help.
    const DIR_HELP: &'static str;
    /// Does a folder's `tests/` hold promtool unit tests (not sources)?
    const UNIT_TESTS: bool;
    /// An example of a stream (`helm template ...`) for the verbs' help.
    const STREAM_EXAMPLE: &'static str;
    /// The embedded defaults.
    fn embedded() -> &'static Dir<'static>;
}

/// PrometheusRules and rule files.
#[derive(Debug, Clone)]
pub struct RuleSet;

impl SourceSet for RuleSet {
    const NOUN: &'static str = "rules";
    const EXTS: &'static [&'static str] = &[".yaml", ".yml"];
    const DIR_ENV: &'static str = "PROMSTACK_RULES_DIR";
    const DIR_HELP: &'static str = "A rules folder, the whole set (as a folder given as an argument); without any source: $PROMSTACK_RULES_DIR, else promstack's embedded rules/";
    const UNIT_TESTS: bool = true;
    const STREAM_EXAMPLE: &'static str = "helm template kp ./my-chart";
    fn embedded() -> &'static Dir<'static> {
        &super::RULES
    }
}

/// Grafana dashboards: JSON files, and the sidecar's ConfigMaps and Secrets in YAML.
#[derive(Debug, Clone)]
pub struct DashboardSet;

impl SourceSet for DashboardSet {
    const NOUN: &'static str = "dashboards";
    const EXTS: &'static [&'static str] = &[".json", ".yaml", ".yml"];
    const DIR_ENV: &'static str = "PROMSTACK_DASHBOARDS_DIR";
    const DIR_HELP: &'static str = "A dashboards folder, the whole set (as a folder given as an argument); without any source: $PROMSTACK_DASHBOARDS_DIR, else promstack's embedded dashboards/";
    const UNIT_TESTS: bool = false;
    const STREAM_EXAMPLE: &'static str = "kubectl kustomize overlays/prod";
    fn embedded() -> &'static Dir<'static> {
        &super::DASHBOARDS
    }
}

/// Completion of a source: `-` (standard input) and the paths.
fn paths() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &std::ffi::OsStr| {
        let mut out = PathCompleter::any().complete(current);
        if current.is_empty() || current == "-" {
            out.push(
                CompletionCandidate::new("-").help(Some("standard input: a YAML stream".into())),
            );
        }
        out
    })
}

/// The source flags of one verb. Flatten into its arguments with `#[command(flatten)]`.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs<S: SourceSet> {
    /// Files and folders to read (a folder: every file in it, sub-folders too; `-`: standard input)
    #[arg(value_name = "FILE|DIR", value_hint = ValueHint::AnyPath, add = paths())]
    pub paths: Vec<PathBuf>,

    /// A file, a folder, or `-` for a YAML stream on standard input (repeatable, as kubectl's -f)
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-", value_hint = ValueHint::AnyPath, add = paths())]
    pub filenames: Vec<PathBuf>,

    #[arg(long, value_name = "DIR", help = S::DIR_HELP, value_hint = ValueHint::DirPath)]
    pub dir: Option<PathBuf>,

    #[arg(skip)]
    set: PhantomData<S>,
}

impl<S: SourceSet> Default for SourceArgs<S> {
    fn default() -> Self {
        SourceArgs {
            paths: Vec::new(),
            filenames: Vec::new(),
            dir: None,
            set: PhantomData,
        }
    }
}

impl<S: SourceSet> SourceArgs<S> {
    /// Were any sources named on the command line?
    pub fn given(&self) -> bool {
        !(self.paths.is_empty() && self.filenames.is_empty() && self.dir.is_none())
    }

    /// What to read: the sources named, in order (`--dir` first, then the arguments, then `-f`);
    /// none named: the folder of `$PROMSTACK_<SET>_DIR` if set, else the embedded defaults.
    pub fn inputs(&self) -> Inputs {
        self.inputs_with(std::env::var_os(S::DIR_ENV).filter(|v| !v.is_empty()))
    }

    /// [`SourceArgs::inputs`] with the environment variable's value given.
    pub fn inputs_with(&self, env_dir: Option<std::ffi::OsString>) -> Inputs {
        let named = |p: &PathBuf| match p.as_os_str() == "-" {
            true => Input::Stdin,
            false => Input::Path(p.clone()),
        };
        let mut given: Vec<Input> = self.dir.iter().cloned().map(Input::Dir).collect();
        given.extend(self.paths.iter().chain(&self.filenames).map(named));
        if given.is_empty() {
            given.extend(env_dir.map(|d| Input::Dir(d.into())));
        }
        Inputs { given }
    }

    /// [`SourceArgs::inputs`] only when sources were named on the command line (`list`: none
    /// lists what is in the cluster).
    pub fn named(&self) -> Option<Inputs> {
        self.given().then(|| self.inputs_with(None))
    }
}

/// The examples under each verb's `--help`: files, a folder, a stream, each followed by its
/// `extra` flags (`["", "--prune", "--whole-set --prune"]` for sync).
pub fn examples<S: SourceSet>(verb: &str, extra: [&str; 3]) -> String {
    let cmd = format!("kubectl promstack {} {verb}", S::NOUN);
    let (file, dir, what) = match (S::NOUN, verb) {
        ("rules", "test") => (
            "rules/node.yaml rules/tests/node_test.yaml",
            "rules/",
            "its PrometheusRules",
        ),
        ("rules", _) => (
            "rules/node.yaml rules/apps.yaml",
            "rules/",
            "its PrometheusRules",
        ),
        _ => (
            "dashboards/node.json",
            "dashboards/",
            "its ConfigMaps and Secrets labelled grafana_dashboard: \"1\"",
        ),
    };
    let with = |args: &str, extra: &str| match extra {
        "" => format!("{cmd} {args}"),
        e => format!("{cmd} {args} {e}"),
    };
    let mut lines = vec![
        (with(file, extra[0]), "files".to_string()),
        (with(dir, extra[1]), "a folder: the whole set".to_string()),
        (
            format!("{} | {}", S::STREAM_EXAMPLE, with("-f -", extra[2])),
            format!("a YAML stream: {what}, every other object skipped"),
        ),
    ];
    if verb == "test" {
        // promtool's rule_files: name files, so a stream's rules cannot be tested
        lines.pop();
    }
    let width = lines.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut out = format!(
        "Sources (none: ${}, else the embedded defaults; the first line on stderr says which were read):",
        S::DIR_ENV
    );
    for (command, comment) in lines {
        out.push_str(&format!("\n  {command:<width$}  # {comment}"));
    }
    if verb == "test" {
        out.push_str("\nA unit test names its rule files (rule_files:): give the tests with the files they name (a test file given alone is one with `tests:`), or their folder; a stream's rules (-f -) cannot be named so.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        sources: SourceArgs<RuleSet>,
    }

    #[test]
    fn positional_f_and_dir_in_order_and_the_variable_only_without_them() {
        let cli =
            Cli::try_parse_from(["x", "a.yaml", "-f", "-", "--dir", "d", "-f", "b/"]).unwrap();
        let got = cli.sources.inputs_with(Some("env".into())).given;
        assert_eq!(
            got,
            [
                Input::Dir("d".into()),
                Input::Path("a.yaml".into()),
                Input::Stdin,
                Input::Path("b/".into())
            ]
        );
        let none = Cli::try_parse_from(["x"]).unwrap();
        assert_eq!(
            none.sources.inputs_with(Some("env".into())).given,
            [Input::Dir("env".into())]
        );
        assert!(none.sources.inputs_with(None).given.is_empty());
        assert!(none.sources.named().is_none());
        assert!(cli.sources.named().is_some());
    }

    #[test]
    fn the_help_names_the_variable_and_shows_each_form() {
        let help = examples::<RuleSet>("sync", ["", "--prune", "--whole-set --prune"]);
        assert!(help.contains("$PROMSTACK_RULES_DIR"), "{help}");
        assert!(
            help.contains("rules sync rules/node.yaml rules/apps.yaml "),
            "{help}"
        );
        assert!(help.contains("rules sync rules/ --prune "), "{help}");
        assert!(
            help.contains("| kubectl promstack rules sync -f - --whole-set --prune  #"),
            "{help}"
        );
        let test = examples::<RuleSet>("test", [""; 3]);
        assert!(
            !test.contains("-f -  #") && test.contains("rule_files"),
            "{test}"
        );
    }
}
