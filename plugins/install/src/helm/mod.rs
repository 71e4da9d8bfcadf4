//! helm, the external tool: the version and flags of each major release, the commands we run,
//! and the trait the install flow calls (the real binary in `binary`, a fake in orchestration
//! tests); the command lines themselves in `argv`.
mod argv;
mod binary;

pub use argv::{upgrade_args, HelmCall};
pub use binary::Helm;

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

/// A chart from a repository or a registry, fetched once ([`HelmCall::Pull`]) for the helm runs
/// that follow: helm 3 and 4 fetch the repository's whole index (megabytes for
/// prometheus-community) and the chart again for every run given `--repo`, and keep neither. The
/// private folder goes with the value.
pub struct Pulled {
    _dir: tempfile::TempDir,
    /// The file, as a local chart.
    pub chart: Chart,
}

impl Pulled {
    /// `chart` fetched into a private folder; `None` for a local chart (nothing to fetch).
    pub async fn fetch(helm: &dyn HelmApi, chart: &Chart) -> anyhow::Result<Option<Pulled>> {
        use anyhow::Context as _;
        if matches!(chart, Chart::Local(_)) {
            return Ok(None);
        }
        let dir = tempfile::Builder::new()
            .prefix("promstack-chart-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()
            .context("making a private folder for the chart")?;
        let file = helm
            .pull(chart, dir.path())
            .await
            .with_context(|| format!("fetching the chart {}", chart.describe()))?;
        Ok(Some(Pulled {
            _dir: dir,
            chart: Chart::Local(file),
        }))
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
    /// The objects of the deployed release as helm rendered them (`helm get manifest`); `None`
    /// when there is no such release.
    async fn manifest(&self, name: &str, namespace: &str) -> Result<Option<String>, Error>;
    /// `helm template`, CRDs included.
    async fn template(&self, r: &Release) -> Result<String, Error>;
    /// `helm pull` of a chart from a repository or a registry into the folder `dest`; the chart
    /// file it wrote there.
    async fn pull(&self, chart: &Chart, dest: &Path) -> Result<PathBuf, Error>;
    /// The chart's `name-version`, as `helm list` shows it in `chart`.
    async fn chart_id(&self, chart: &Chart) -> Result<String, Error>;
    async fn upgrade_install(&self, r: &Release, major: u32) -> Result<(), Error>;
    /// Roll back to the previous revision.
    async fn rollback(&self, name: &str, namespace: &str, timeout: Duration) -> Result<(), Error>;
    async fn uninstall(&self, name: &str, namespace: &str, timeout: Duration) -> Result<(), Error>;
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
