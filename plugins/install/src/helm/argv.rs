//! The command lines helm is given, per major version (helm 4 changed flags: `--atomic` became
//! `--rollback-on-failure`, `--wait` takes a strategy, `list --all` is gone). Every one is run
//! through the real helm 3 and helm 4 in tests/real_tools.rs.
use super::{Chart, Release};

use std::path::Path;
use std::time::Duration;

/// Every helm command promstack runs, as data: [`HelmCall::argv`] builds each for helm 3 or 4
/// (the flags that differ: `list --all`, `--atomic`/`--rollback-on-failure`, `--wait`), and the
/// test suite runs every variant ([`HelmCall::examples`]) through the real helm 3 and helm 4.
#[derive(Debug, Clone)]
pub enum HelmCall<'a> {
    /// `helm version --template {{.Version}}`
    Version,
    /// `helm list` of the releases named `name` in `namespace`, or in every namespace (`None`),
    /// whatever their status (helm 3 needs `--all` for `pending-*`; helm 4 lists every status and
    /// has no `--all`).
    Releases {
        name: &'a str,
        namespace: Option<&'a str>,
    },
    /// `helm get values NAME -o json`: the user-supplied values of the deployed release.
    GetValues { name: &'a str, namespace: &'a str },
    /// `helm get manifest NAME`: the objects of the deployed release as rendered (hooks left out).
    GetManifest { name: &'a str, namespace: &'a str },
    /// `helm template`, CRDs included.
    Template(&'a Release),
    /// `helm show chart`: the chart's name and version.
    ShowChart(&'a Chart),
    /// `helm pull` of a chart from a repository (or an OCI registry) into `dest`: fetched once
    /// per install, where `--repo` would fetch the repository's whole index and the chart again
    /// for every helm run (helm 3 and 4 keep neither).
    Pull { chart: &'a Chart, dest: &'a Path },
    /// `helm upgrade --install --skip-crds`, rolled back on failure, waiting for the workloads.
    UpgradeInstall(&'a Release),
    /// `helm rollback NAME --wait`: to the previous revision.
    Rollback {
        name: &'a str,
        namespace: &'a str,
        timeout: Duration,
    },
    /// `helm uninstall NAME --wait`.
    Uninstall {
        name: &'a str,
        namespace: &'a str,
        timeout: Duration,
    },
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs())
}

impl HelmCall<'_> {
    /// The argv (without the binary) for helm `major` (3 or 4).
    pub fn argv(&self, major: u32) -> Vec<String> {
        match self {
            HelmCall::Version => strings(&["version", "--template", "{{.Version}}"]),
            HelmCall::Releases { name, namespace } => {
                let mut a = strings(&["list"]);
                match namespace {
                    Some(ns) => a.extend(strings(&["--namespace", ns])),
                    None => a.push("--all-namespaces".into()),
                }
                if major < 4 {
                    a.push("--all".into());
                }
                a.extend(["--filter".into(), format!("^{name}$")]);
                a.extend(strings(&["--output", "json"]));
                a
            }
            HelmCall::GetValues { name, namespace } => strings(&[
                "get",
                "values",
                name,
                "--namespace",
                namespace,
                "--output",
                "json",
            ]),
            HelmCall::GetManifest { name, namespace } => {
                strings(&["get", "manifest", name, "--namespace", namespace])
            }
            HelmCall::Template(r) => {
                let mut a: Vec<String> = vec!["template".into(), r.name.clone()];
                a.extend(r.chart.args());
                a.extend(strings(&["--namespace", &r.namespace, "--include-crds"]));
                a.extend(values_args(r));
                a
            }
            HelmCall::ShowChart(chart) => {
                let mut a = strings(&["show", "chart"]);
                a.extend(chart.args());
                a
            }
            HelmCall::Pull { chart, dest } => {
                let mut a = strings(&["pull"]);
                a.extend(chart.args());
                a.extend(["--destination".into(), dest.display().to_string()]);
                a
            }
            HelmCall::UpgradeInstall(r) => {
                let mut a: Vec<String> = vec!["upgrade".into(), "--install".into(), r.name.clone()];
                a.extend(r.chart.args());
                a.extend(strings(&["--namespace", &r.namespace, "--skip-crds"]));
                if major >= 4 {
                    a.extend(strings(&["--rollback-on-failure", "--wait=watcher"]));
                } else {
                    a.extend(strings(&["--atomic", "--wait"]));
                }
                a.extend(["--timeout".into(), seconds(r.timeout)]);
                a.extend(values_args(r));
                a
            }
            HelmCall::Rollback {
                name,
                namespace,
                timeout,
            } => release_op("rollback", name, namespace, *timeout, major),
            HelmCall::Uninstall {
                name,
                namespace,
                timeout,
            } => release_op("uninstall", name, namespace, *timeout, major),
        }
    }

    /// One of each call, for `r`: what the argv tests run through the real binaries (a pull only
    /// of a chart that is not local: promstack never pulls a local one). A new variant must be
    /// added here (the match below does not compile without it).
    pub fn examples(r: &Release) -> Vec<HelmCall<'_>> {
        let all = vec![
            HelmCall::Version,
            HelmCall::Releases {
                name: &r.name,
                namespace: Some(&r.namespace),
            },
            HelmCall::Releases {
                name: &r.name,
                namespace: None,
            },
            HelmCall::GetValues {
                name: &r.name,
                namespace: &r.namespace,
            },
            HelmCall::GetManifest {
                name: &r.name,
                namespace: &r.namespace,
            },
            HelmCall::Template(r),
            HelmCall::ShowChart(&r.chart),
            HelmCall::Pull {
                chart: &r.chart,
                dest: Path::new("/tmp"),
            },
            HelmCall::UpgradeInstall(r),
            HelmCall::Rollback {
                name: &r.name,
                namespace: &r.namespace,
                timeout: r.timeout,
            },
            HelmCall::Uninstall {
                name: &r.name,
                namespace: &r.namespace,
                timeout: r.timeout,
            },
        ];
        for c in &all {
            match c {
                HelmCall::Version
                | HelmCall::Releases { .. }
                | HelmCall::GetValues { .. }
                | HelmCall::GetManifest { .. }
                | HelmCall::Template(_)
                | HelmCall::ShowChart(_)
                | HelmCall::Pull { .. }
                | HelmCall::UpgradeInstall(_)
                | HelmCall::Rollback { .. }
                | HelmCall::Uninstall { .. } => {}
            }
        }
        all.into_iter()
            .filter(|c| {
                !matches!(
                    c,
                    HelmCall::Pull {
                        chart: Chart::Local(_),
                        ..
                    }
                )
            })
            .collect()
    }

    /// Does this call need the cluster? (Those that do not succeed without one.)
    pub fn needs_cluster(&self) -> bool {
        !matches!(
            self,
            HelmCall::Version
                | HelmCall::Template(_)
                | HelmCall::ShowChart(_)
                | HelmCall::Pull { .. }
        )
    }

    /// The verb, for messages.
    pub fn verb(&self) -> &'static str {
        match self {
            HelmCall::Version => "version",
            HelmCall::Releases { .. } => "list",
            HelmCall::GetValues { .. } => "get values",
            HelmCall::GetManifest { .. } => "get manifest",
            HelmCall::Template(_) => "template",
            HelmCall::ShowChart(_) => "show chart",
            HelmCall::Pull { .. } => "pull",
            HelmCall::UpgradeInstall(_) => "upgrade --install",
            HelmCall::Rollback { .. } => "rollback",
            HelmCall::Uninstall { .. } => "uninstall",
        }
    }
}

fn values_args(r: &Release) -> Vec<String> {
    r.values_files
        .iter()
        .flat_map(|f| ["--values".to_string(), f.display().to_string()])
        .collect()
}

/// `helm rollback|uninstall NAME --namespace NS --wait --timeout Ns`. Helm 4's `--wait` takes a
/// strategy: `--wait=watcher` says which (a bare `--wait` means the same there).
fn release_op(
    verb: &str,
    name: &str,
    namespace: &str,
    timeout: Duration,
    major: u32,
) -> Vec<String> {
    let wait = if major >= 4 {
        "--wait=watcher"
    } else {
        "--wait"
    };
    let mut a = strings(&[verb, name, "--namespace", namespace, wait, "--timeout"]);
    a.push(seconds(timeout));
    a
}

/// `helm upgrade --install` with the flags of this helm's major version.
pub fn upgrade_args(r: &Release, major: u32) -> Vec<String> {
    HelmCall::UpgradeInstall(r).argv(major)
}
