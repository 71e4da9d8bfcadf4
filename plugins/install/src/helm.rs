//! helm, the external tool: the version and flags of each major release, the commands we run,
//! and the trait the install flow calls (the real binary here, a fake in orchestration tests).
use async_trait::async_trait;
use promstack_shared::Error;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The chart and where it comes from.
pub const CHART_NAME: &str = "kube-prometheus-stack";
pub const CHART_VERSION: &str = "88.5.3";
pub const CHART_REPO: &str = "https://prometheus-community.github.io/helm-charts";

/// A chart reference as helm takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chart {
    /// From a repository URL (no `helm repo add` needed).
    Repo {
        repo: String,
        name: String,
        version: String,
    },
    /// `repo/name` of a repository the user added, or an `oci://` reference.
    Ref { reference: String, version: String },
    /// A local chart directory or `.tgz` (air-gapped clusters).
    Local(PathBuf),
}

impl Chart {
    /// From `--chart` / `--chart-version`. Local paths must exist.
    pub fn from_flags(chart: Option<&str>, version: Option<&str>) -> Result<Self, Error> {
        let version = version.unwrap_or(CHART_VERSION).to_string();
        let Some(c) = chart else {
            return Ok(Chart::Repo {
                repo: CHART_REPO.into(),
                name: CHART_NAME.into(),
                version,
            });
        };
        let path = Path::new(c);
        let looks_local = c.starts_with('.')
            || c.starts_with('/')
            || c.ends_with(".tgz")
            || c.ends_with(".tar.gz")
            || path.exists();
        if c.starts_with("oci://") || (!looks_local && c.contains('/')) {
            return Ok(Chart::Ref {
                reference: c.into(),
                version,
            });
        }
        if !path.exists() {
            return Err(Error::input(format!(
                "chart {c} not found: pass a chart directory, a .tgz, repo/name, or oci://... with --chart"
            )));
        }
        if path.is_dir() && !path.join("Chart.yaml").is_file() {
            return Err(Error::input(format!(
                "{c} is a directory without Chart.yaml: not a helm chart"
            )));
        }
        Ok(Chart::Local(path.to_path_buf()))
    }

    /// The chart arguments of `helm upgrade/template/show` (chart, then `--repo`/`--version`).
    pub fn args(&self) -> Vec<String> {
        match self {
            Chart::Repo {
                repo,
                name,
                version,
            } => vec![
                name.clone(),
                "--repo".into(),
                repo.clone(),
                "--version".into(),
                version.clone(),
            ],
            Chart::Ref { reference, version } => {
                vec![reference.clone(), "--version".into(), version.clone()]
            }
            Chart::Local(p) => vec![p.display().to_string()],
        }
    }

    /// What to tell people.
    pub fn describe(&self) -> String {
        match self {
            Chart::Repo { name, version, .. } => format!("{name} {version}"),
            Chart::Ref { reference, version } => format!("{reference} {version}"),
            Chart::Local(p) => p.display().to_string(),
        }
    }
}

/// helm's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelmVersion {
    pub major: u32,
    pub full: String,
}

impl HelmVersion {
    /// Parse `v3.17.3` / `v4.1.4`. Only 3 and 4 are supported.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let full = s.trim().to_string();
        let major = full
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .ok_or_else(|| Error::check(format!("cannot read helm's version from `{full}`")))?;
        if !(3..=4).contains(&major) {
            return Err(Error::check(format!("helm {full} is not supported: install helm 3 or 4 (https://helm.sh/docs/intro/install/)")));
        }
        Ok(HelmVersion { major, full })
    }
}

/// A release as `helm list -o json` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReleaseInfo {
    pub name: String,
    pub namespace: String,
    pub revision: String,
    pub status: String,
    pub chart: String,
    #[serde(default)]
    pub app_version: String,
}

impl ReleaseInfo {
    /// pending-install, pending-upgrade, pending-rollback: a previous helm run died half-way.
    pub fn is_stuck(&self) -> bool {
        self.status.starts_with("pending-")
    }
}

/// One `helm upgrade --install` (or `helm template` of the same thing).
#[derive(Debug, Clone)]
pub struct Release {
    pub name: String,
    pub namespace: String,
    pub chart: Chart,
    /// Values files in order; they live in a private temp dir.
    pub values_files: Vec<PathBuf>,
    pub timeout: Duration,
}

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
    /// `helm template`, CRDs included.
    Template(&'a Release),
    /// `helm show chart`: the chart's name and version.
    ShowChart(&'a Chart),
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

    /// One of each call, for `r`: what the argv tests run through the real binaries. A new
    /// variant must be added here (the match below does not compile without it).
    pub fn examples(r: &Release) -> Vec<HelmCall<'_>> {
        let all = [
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
            HelmCall::Template(r),
            HelmCall::ShowChart(&r.chart),
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
                | HelmCall::Template(_)
                | HelmCall::ShowChart(_)
                | HelmCall::UpgradeInstall(_)
                | HelmCall::Rollback { .. }
                | HelmCall::Uninstall { .. } => {}
            }
        }
        all.to_vec()
    }

    /// Does this call need the cluster? (Those that do not succeed without one.)
    pub fn needs_cluster(&self) -> bool {
        !matches!(
            self,
            HelmCall::Version | HelmCall::Template(_) | HelmCall::ShowChart(_)
        )
    }

    /// The verb, for messages.
    pub fn verb(&self) -> &'static str {
        match self {
            HelmCall::Version => "version",
            HelmCall::Releases { .. } => "list",
            HelmCall::GetValues { .. } => "get values",
            HelmCall::Template(_) => "template",
            HelmCall::ShowChart(_) => "show chart",
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

/// The helm operations the install flow needs.
#[async_trait]
pub trait HelmApi: Send + Sync {
    async fn version(&self) -> Result<HelmVersion, Error>;
    /// Releases named `name`, any status: in `namespace`, or in every namespace (`None`).
    async fn releases(
        &self,
        name: &str,
        namespace: Option<&str>,
    ) -> Result<Vec<ReleaseInfo>, Error>;
    /// The release in `namespace`, `None` when there is none (any status).
    async fn release(&self, name: &str, namespace: &str) -> Result<Option<ReleaseInfo>, Error> {
        Ok(self
            .releases(name, Some(namespace))
            .await?
            .into_iter()
            .find(|r| r.name == name && r.namespace == namespace))
    }
    /// The user-supplied values of the deployed release.
    async fn values(&self, name: &str, namespace: &str) -> Result<Value, Error>;
    /// `helm template`, CRDs included.
    async fn template(&self, r: &Release) -> Result<String, Error>;
    /// The chart's `name-version`, as `helm list` shows it in `chart`.
    async fn chart_id(&self, chart: &Chart) -> Result<String, Error>;
    async fn upgrade_install(&self, r: &Release, major: u32) -> Result<(), Error>;
    /// Roll back to the previous revision.
    async fn rollback(&self, name: &str, namespace: &str, timeout: Duration) -> Result<(), Error>;
    async fn uninstall(&self, name: &str, namespace: &str, timeout: Duration) -> Result<(), Error>;
}

/// The real helm binary. Its major version is asked once (`helm version`) and decides the flags.
pub struct Helm {
    pub binary: PathBuf,
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    major: std::sync::OnceLock<u32>,
}

impl Helm {
    pub fn new(binary: PathBuf, kubeconfig: Option<PathBuf>, context: Option<String>) -> Self {
        Helm {
            binary,
            kubeconfig,
            context,
            major: std::sync::OnceLock::new(),
        }
    }

    /// The whole argv of a call (without the binary): the call's own, then `--kubeconfig` and
    /// `--kube-context` of the flags.
    pub fn full_argv(&self, call: &HelmCall<'_>, major: u32) -> Vec<String> {
        let mut a = call.argv(major);
        if let Some(k) = &self.kubeconfig {
            a.extend(["--kubeconfig".into(), k.display().to_string()]);
        }
        if let Some(c) = &self.context {
            a.extend(["--kube-context".into(), c.clone()]);
        }
        a
    }

    async fn major(&self) -> Result<u32, Error> {
        if let Some(m) = self.major.get() {
            return Ok(*m);
        }
        Ok(self.version().await?.major)
    }

    async fn call(&self, call: HelmCall<'_>) -> Result<String, Error> {
        let major = match call {
            HelmCall::Version => 3,
            _ => self.major().await?,
        };
        self.run(call.verb(), &self.full_argv(&call, major)).await
    }

    async fn run(&self, verb: &str, args: &[String]) -> Result<String, Error> {
        let mut cmd = tokio::process::Command::new(&self.binary);
        cmd.args(args)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let out = cmd.output().await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::check(format!(
                    "helm not found ({}): install helm 3 or 4 (https://helm.sh/docs/intro/install/) or pass --helm PATH",
                    self.binary.display()
                ))
            } else {
                Error::runtime(format!("cannot run {}: {e}", self.binary.display()))
            }
        })?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(Error::runtime(format!(
                "helm {verb} failed: {}",
                stderr.trim()
            )))
        }
    }
}

#[async_trait]
impl HelmApi for Helm {
    async fn version(&self) -> Result<HelmVersion, Error> {
        let v = HelmVersion::parse(&self.call(HelmCall::Version).await?)?;
        let _ = self.major.set(v.major);
        Ok(v)
    }

    async fn releases(
        &self,
        name: &str,
        namespace: Option<&str>,
    ) -> Result<Vec<ReleaseInfo>, Error> {
        let out = self.call(HelmCall::Releases { name, namespace }).await?;
        let list: Vec<ReleaseInfo> = serde_json::from_str(out.trim())
            .map_err(|e| Error::runtime(format!("cannot read `helm list` output: {e}")))?;
        Ok(list.into_iter().filter(|r| r.name == name).collect())
    }

    async fn values(&self, name: &str, namespace: &str) -> Result<Value, Error> {
        let out = self.call(HelmCall::GetValues { name, namespace }).await?;
        match serde_json::from_str(out.trim())
            .map_err(|e| Error::runtime(format!("cannot read `helm get values` output: {e}")))?
        {
            Value::Null => Ok(Value::Object(Default::default())),
            v => Ok(v),
        }
    }

    async fn template(&self, r: &Release) -> Result<String, Error> {
        self.call(HelmCall::Template(r)).await
    }

    async fn chart_id(&self, chart: &Chart) -> Result<String, Error> {
        let out = self.call(HelmCall::ShowChart(chart)).await?;
        #[derive(Deserialize)]
        struct Meta {
            name: String,
            version: String,
        }
        let m: Meta = serde_yaml::from_str(&out)
            .map_err(|e| Error::runtime(format!("cannot read `helm show chart` output: {e}")))?;
        Ok(format!("{}-{}", m.name, m.version))
    }

    async fn upgrade_install(&self, r: &Release, major: u32) -> Result<(), Error> {
        self.run(
            "upgrade --install",
            &self.full_argv(&HelmCall::UpgradeInstall(r), major),
        )
        .await
        .map(|_| ())
    }

    async fn rollback(&self, name: &str, namespace: &str, timeout: Duration) -> Result<(), Error> {
        self.call(HelmCall::Rollback {
            name,
            namespace,
            timeout,
        })
        .await
        .map(|_| ())
    }

    async fn uninstall(&self, name: &str, namespace: &str, timeout: Duration) -> Result<(), Error> {
        self.call(HelmCall::Uninstall {
            name,
            namespace,
            timeout,
        })
        .await
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> Release {
        Release {
            name: "kube-prometheus".into(),
            namespace: "monitoring".into(),
            chart: Chart::from_flags(None, None).unwrap(),
            values_files: vec!["/tmp/x/01.yaml".into(), "/tmp/x/02.yaml".into()],
            timeout: Duration::from_secs(600),
        }
    }

    #[test]
    fn helm_3_and_4_get_their_own_flags() {
        let v3 = upgrade_args(&release(), 3);
        assert!(v3.contains(&"--atomic".to_string()) && v3.contains(&"--wait".to_string()));
        assert!(!v3.iter().any(|a| a.contains("rollback-on-failure")));
        let v4 = upgrade_args(&release(), 4);
        assert!(
            v4.contains(&"--rollback-on-failure".to_string())
                && v4.contains(&"--wait=watcher".to_string())
        );
        assert!(!v4.contains(&"--atomic".to_string()));
        for a in [&v3, &v4] {
            assert!(a.contains(&"--skip-crds".to_string()));
            assert!(a.windows(2).any(|w| w == ["--version", CHART_VERSION]));
            assert!(a.windows(2).any(|w| w == ["--repo", CHART_REPO]));
            let files: Vec<_> = a
                .windows(2)
                .filter(|w| w[0] == "--values")
                .map(|w| w[1].clone())
                .collect();
            assert_eq!(
                files,
                ["/tmp/x/01.yaml", "/tmp/x/02.yaml"],
                "values keep their order"
            );
        }
    }

    #[test]
    fn versions() {
        assert_eq!(HelmVersion::parse("v3.17.3\n").unwrap().major, 3);
        assert_eq!(HelmVersion::parse("v4.1.4").unwrap().major, 4);
        assert!(HelmVersion::parse("v2.16.0").is_err());
        assert!(HelmVersion::parse("garbage").is_err());
    }

    #[test]
    fn chart_flags() {
        assert!(matches!(
            Chart::from_flags(Some("prometheus-community/kube-prometheus-stack"), None).unwrap(),
            Chart::Ref { .. }
        ));
        assert!(matches!(
            Chart::from_flags(Some("oci://ghcr.io/x/y"), Some("1.0.0")).unwrap(),
            Chart::Ref { .. }
        ));
        let err = Chart::from_flags(Some("./no-such-chart"), None).unwrap_err();
        assert_eq!(err.exit_code(), promstack_shared::ExitCode::Usage);
        let err = Chart::from_flags(Some("/nope/chart.tgz"), None).unwrap_err();
        assert!(err.to_string().contains("not found"));
        let dir = tempfile::tempdir().unwrap();
        assert!(Chart::from_flags(Some(dir.path().to_str().unwrap()), None)
            .unwrap_err()
            .to_string()
            .contains("Chart.yaml"));
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/chart");
        assert_eq!(
            Chart::from_flags(Some(fixture), None).unwrap(),
            Chart::Local(fixture.into())
        );
    }

    #[tokio::test]
    async fn a_missing_helm_is_a_failed_check_that_says_how_to_get_it() {
        let h = Helm::new("/nonexistent/helm".into(), None, None);
        let err = h.version().await.unwrap_err();
        assert_eq!(err.exit_code(), promstack_shared::ExitCode::CheckFailed);
        assert!(
            err.to_string().contains("helm.sh") && err.to_string().contains("--helm"),
            "{err}"
        );
    }

    #[test]
    fn stuck_releases() {
        let mut r: ReleaseInfo = serde_json::from_str(r#"{"name":"kube-prometheus","namespace":"monitoring","revision":"2","updated":"x","status":"pending-upgrade","chart":"kube-prometheus-stack-88.5.3","app_version":"v0.93.1"}"#).unwrap();
        assert!(r.is_stuck());
        r.status = "deployed".into();
        assert!(!r.is_stuck());
    }
}
