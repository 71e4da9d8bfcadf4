//! What the tests need beside the code (the real tools at the versions users run, the reference
//! data, a platform), and whether each is here: decided in one place, for two readers.
//!
//! - The build script of each crate with tests ([`build_script`]) sets `cfg(missing_<need>)` for
//!   each need that is missing, and `#[needs(..)]` (promstack-testenv-macros) above a test turns
//!   that into `#[ignore = "<why>"]`: `cargo test` prints
//!   `test x ... ignored, promtool 3.14.0 not found: run scripts/test-tools.sh (or set PROMSTACK_PROMTOOL)`.
//!   libtest cannot report a test as skipped once it runs (a test that returns early is `ok`, and
//!   what it prints is captured), so it is decided when the test is built. The build script tells
//!   cargo what to watch (the tool, the folder it would appear in, the variables that name it), so
//!   a tool installed later is seen by the next `cargo test`.
//! - The tests ([`path`], [`require`]) find the same thing the same way, and fail, naming it, when
//!   it is not there: a test runs only where its needs were found, or in CI.
//!
//! In CI ([`in_ci`]) nothing is ignored: a missing tool fails every test that needs it.
//!
//! No dependencies: every crate's build script builds this.
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Whether this is a CI run: `CI` set to anything but empty, `0` or `false` (in any case).
/// GitHub Actions, GitLab CI, CircleCI, Travis CI, Buildkite, Drone and Bitbucket Pipelines set
/// `CI=true`, AppVeyor `CI=True`, Vercel `CI=1`, Woodpecker `CI=woodpecker`; Jenkins, Azure
/// Pipelines and TeamCity set no `CI`: set `CI=true` in their pipelines (`.ci/run` does).
pub fn in_ci() -> bool {
    ci_value(std::env::var_os("CI").as_deref())
}

fn ci_value(v: Option<&OsStr>) -> bool {
    let v = v.map(|v| v.to_string_lossy().trim().to_ascii_lowercase());
    !matches!(v.as_deref(), None | Some("" | "0" | "false"))
}

/// Where a need is looked for (after its variable, which names it instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// `.tools/<path>` of this checkout, where `scripts/test-tools.sh` puts it.
    Tools(&'static str),
    /// A program of this name on PATH (Debian packages).
    OnPath(&'static str),
    /// The reference data: `../shared/refdata` beside the checkout.
    Refdata,
    /// The platform the tests are built for: Linux on x86_64.
    LinuxAmd64,
}

/// Something a test needs.
#[derive(Debug)]
pub struct Need {
    /// What `#[needs(..)]` names; its cfg is `missing_<name>`.
    pub name: &'static str,
    /// What it is, for people.
    pub what: &'static str,
    /// The variable that names it instead of where it is looked for (none for a platform).
    pub env: Option<&'static str>,
    pub at: At,
}

/// Everything a test may need. Prometheus and Alertmanager are never taken from PATH: Debian's
/// (2.42, 0.25) are too old to test against; `scripts/build-peers.sh` builds 3.14.0 and 0.34.0.
pub const NEEDS: &[Need] = &[
    tool(
        "prometheus",
        "Prometheus 3.14.0",
        "PROMSTACK_PROMETHEUS",
        At::Tools("prometheus-v3.14.0/prometheus"),
    ),
    tool(
        "promtool",
        "promtool 3.14.0",
        "PROMSTACK_PROMTOOL",
        At::Tools("prometheus-v3.14.0/promtool"),
    ),
    tool(
        "alertmanager",
        "Alertmanager 0.34.0",
        "PROMSTACK_ALERTMANAGER",
        At::Tools("alertmanager-v0.34.0/alertmanager"),
    ),
    tool(
        "amtool",
        "amtool 0.34.0",
        "PROMSTACK_AMTOOL",
        At::Tools("alertmanager-v0.34.0/amtool"),
    ),
    tool(
        "helm3",
        "helm 3",
        "PROMSTACK_HELM3",
        At::Tools("helm-v3/helm"),
    ),
    tool(
        "helm4",
        "helm 4",
        "PROMSTACK_HELM4",
        At::Tools("helm-v4/helm"),
    ),
    tool(
        "kubectl",
        "kubectl v1.33",
        "PROMSTACK_KUBECTL",
        At::Tools("kubectl-v1.33/kubectl"),
    ),
    tool(
        "node_exporter",
        "node-exporter (prometheus-node-exporter)",
        "PROMSTACK_NODE_EXPORTER",
        At::OnPath("prometheus-node-exporter"),
    ),
    tool(
        "shellcheck",
        "shellcheck",
        "PROMSTACK_SHELLCHECK",
        At::OnPath("shellcheck"),
    ),
    tool("npm", "npm", "PROMSTACK_NPM", At::OnPath("npm")),
    tool(
        "refdata",
        "the reference data",
        "PROMSTACK_REFDATA",
        At::Refdata,
    ),
    Need {
        name: "linux_amd64",
        what: "linux-amd64",
        env: None,
        at: At::LinuxAmd64,
    },
];

const fn tool(name: &'static str, what: &'static str, env: &'static str, at: At) -> Need {
    Need {
        name,
        what,
        env: Some(env),
        at,
    }
}

/// Where a need was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Named by its variable: taken as given (a test fails when it is not there).
    Named(PathBuf),
    /// Found where it is looked for.
    Found(PathBuf),
    /// A platform the tests are built for.
    Here,
    Missing,
}

impl Need {
    /// The need `#[needs(..)]` names so.
    pub fn named(name: &str) -> Option<&'static Need> {
        NEEDS.iter().find(|n| n.name == name)
    }

    /// The cfg the build script sets when it is missing.
    pub fn cfg(&self) -> String {
        format!("missing_{}", self.name)
    }

    /// Why a test that needs it does not run here: what is missing, and how to get it.
    pub fn why_missing(&self) -> String {
        let env = self.env.unwrap_or_default();
        match self.at {
            At::Tools(_) | At::OnPath(_) => format!(
                "{} not found: run scripts/test-tools.sh (or set {env})",
                self.what
            ),
            At::Refdata => format!(
                "{} not found at ../shared/refdata beside the project (set {env})",
                self.what
            ),
            At::LinuxAmd64 => "runs on linux-amd64 only".into(),
        }
    }

    /// Where it is: its variable, else where it is looked for.
    pub fn locate(&self) -> Located {
        if let Some(given) = self
            .env
            .and_then(std::env::var_os)
            .filter(|v| !v.is_empty())
        {
            return Located::Named(PathBuf::from(given));
        }
        let found = match self.at {
            At::Tools(rel) => Some(tools_dir().join(rel)).filter(|p| p.is_file()),
            At::OnPath(program) => on_path(program),
            At::Refdata => Some(refdata_default()).filter(|p| p.is_dir()),
            At::LinuxAmd64 => return linux_amd64(),
        };
        found.map_or(Located::Missing, Located::Found)
    }

    /// What cargo watches so that the build script runs again when this need comes or goes:
    /// `rerun-if-…` lines.
    fn watch(&self, located: &Located) -> Vec<String> {
        let mut out: Vec<String> = self
            .env
            .iter()
            .map(|e| format!("rerun-if-env-changed={e}"))
            .collect();
        let mut file = |p: &Path| out.push(format!("rerun-if-changed={}", p.display()));
        match (located, self.at) {
            (Located::Named(p) | Located::Found(p), _) if p.exists() => file(p),
            (Located::Missing, At::Tools(rel)) => {
                // the folder it would appear in: the tool's own if there is one, else .tools,
                // made empty here when there is none so that cargo can watch it
                let own = tools_dir().join(rel);
                let own = own.parent().filter(|d| d.is_dir());
                let _ = std::fs::create_dir_all(tools_dir());
                match own {
                    Some(d) => file(d),
                    None if tools_dir().is_dir() => file(&tools_dir()),
                    None => {}
                }
            }
            (Located::Missing, At::OnPath(_)) => path_dirs().iter().for_each(|d| file(d)),
            // the reference folder beside the project, where it would appear
            (Located::Missing, At::Refdata) => {
                if let Some(beside) = refdata_default().parent().filter(|d| d.is_dir()) {
                    file(beside);
                }
            }
            _ => {}
        }
        if let At::OnPath(_) = self.at {
            out.push("rerun-if-env-changed=PATH".into());
        }
        out
    }
}

/// The checkout this crate is part of.
fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `.tools/` of this checkout.
pub fn tools_dir() -> PathBuf {
    root().join(".tools")
}

fn refdata_default() -> PathBuf {
    root().join("../shared/refdata")
}

/// The folders of PATH a program could appear in (absolute ones outside this checkout: its own
/// `target/` changes with every build).
fn path_dirs() -> Vec<PathBuf> {
    let root = root();
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.is_absolute() && d.is_dir() && !d.starts_with(&root))
        .collect()
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// The platform the tests are built for: a build script reads the target cargo gives it, a test
/// the one it was built for.
fn linux_amd64() -> Located {
    let target =
        |var: &str, built: &'static str| std::env::var(var).unwrap_or_else(|_| built.to_string());
    let os = target("CARGO_CFG_TARGET_OS", std::env::consts::OS);
    let arch = target("CARGO_CFG_TARGET_ARCH", std::env::consts::ARCH);
    if (os.as_str(), arch.as_str()) == ("linux", "x86_64") {
        Located::Here
    } else {
        Located::Missing
    }
}

/// What a test needs, or a panic that says why it is missing: in CI every test runs, and one
/// outside CI runs only where its needs were found when it was built.
#[track_caller]
fn located(name: &str) -> Located {
    let need = Need::named(name).unwrap_or_else(|| panic!("no need named {name}"));
    match need.locate() {
        Located::Missing => panic!(
            "{}: {}",
            need.why_missing(),
            if in_ci() {
                "in CI a missing tool fails the tests that need it"
            } else {
                "a test that needs it is marked #[needs(..)] and ignored where it is missing (built before it went? build again)"
            }
        ),
        Located::Named(p) if !p.exists() => panic!(
            "{}={} (the {} to test with) does not exist",
            need.env.unwrap_or_default(),
            p.display(),
            need.what
        ),
        l => l,
    }
}

/// The path of what test needs (a tool's binary, the refdata folder).
///
/// # Panics
/// When it is missing, or its variable names nothing (see [`located`]).
#[track_caller]
pub fn path(name: &str) -> PathBuf {
    match located(name) {
        Located::Named(p) | Located::Found(p) => p,
        l => panic!("{name} has no path: {l:?}"),
    }
}

/// That a need without a path (a platform) is met.
///
/// # Panics
/// When it is not (see [`located`]).
#[track_caller]
pub fn require(name: &str) {
    located(name);
}

/// The build script of a crate whose tests name `needs` with `#[needs(..)]`: declares every
/// `missing_<need>` cfg, sets it for each of `needs` that is missing (never in CI), and says what
/// to watch so that it runs again when one comes or goes.
///
/// # Panics
/// On a need that does not exist.
pub fn build_script(needs: &[&str]) {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    for n in NEEDS {
        println!("cargo::rustc-check-cfg=cfg({})", n.cfg());
    }
    let ci = in_ci();
    for name in needs {
        let need = Need::named(name).unwrap_or_else(|| panic!("no need named {name}"));
        let located = need.locate();
        for line in need.watch(&located) {
            println!("cargo::{line}");
        }
        if located == Located::Missing && !ci {
            println!("cargo::rustc-cfg={}", need.cfg());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_ci_value_but_false_and_0_is_ci() {
        for on in ["true", "True", "1", "woodpecker", "yes"] {
            assert!(ci_value(Some(OsStr::new(on))), "{on}");
        }
        for off in ["", "0", "false", "FALSE", " false "] {
            assert!(!ci_value(Some(OsStr::new(off))), "{off:?}");
        }
        assert!(!ci_value(None));
    }

    #[test]
    fn every_need_says_how_to_get_it() {
        assert_eq!(
            Need::named("promtool").unwrap().why_missing(),
            "promtool 3.14.0 not found: run scripts/test-tools.sh (or set PROMSTACK_PROMTOOL)"
        );
        assert_eq!(
            Need::named("refdata").unwrap().why_missing(),
            "the reference data not found at ../shared/refdata beside the project (set PROMSTACK_REFDATA)"
        );
        assert!(Need::named("promtools").is_none());
        let mut names: Vec<&str> = NEEDS.iter().map(|n| n.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), NEEDS.len(), "names are unique");
    }
}
