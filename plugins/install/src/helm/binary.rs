//! The real helm binary behind [`HelmApi`].
use super::{Chart, HelmApi, HelmCall, HelmVersion, Release, ReleaseInfo};
use async_trait::async_trait;
use promstack_shared::Error;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

    async fn manifest(&self, name: &str, namespace: &str) -> Result<Option<String>, Error> {
        match self.call(HelmCall::GetManifest { name, namespace }).await {
            Ok(out) => Ok(Some(out)),
            Err(e) if e.to_string().contains("release: not found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn template(&self, r: &Release) -> Result<String, Error> {
        self.call(HelmCall::Template(r)).await
    }

    async fn pull(&self, chart: &Chart, dest: &Path) -> Result<PathBuf, Error> {
        self.call(HelmCall::Pull { chart, dest }).await?;
        let pulled: Vec<PathBuf> = std::fs::read_dir(dest)
            .map_err(|e| Error::runtime(format!("reading {}: {e}", dest.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "tgz"))
            .collect();
        match <[PathBuf; 1]>::try_from(pulled) {
            Ok([file]) => Ok(file),
            Err(found) => Err(Error::runtime(format!(
                "helm pull {} left {} chart files in {}, not one",
                chart.describe(),
                found.len(),
                dest.display()
            ))),
        }
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
