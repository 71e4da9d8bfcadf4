//! `install images`: every container image the chart runs with these values, for a mirror in an
//! air-gapped cluster (no cluster needed: the chart is rendered as install renders it). With
//! `--registry`, also the values that point the stack at the mirror, checked by rendering again
//! with them: an image that still comes from elsewhere is said.
use crate::chart::images;
use crate::chart::values::{self, Env, OverlaySettings, ValuesFile, RELEASE};
use crate::helm::{Chart, HelmApi, Pulled, Release};
use crate::verb::install::ValuesDir;
use anyhow::Context as _;
use promstack_shared::terminal::verb::Report;
use promstack_shared::Error;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ImagesOptions {
    pub env: Env,
    pub namespace: String,
    pub chart: Chart,
    pub user_values: Vec<PathBuf>,
    pub overlay: OverlaySettings,
    /// The mirror registry (`registry.example:5000`, or with a path: `registry.example/mirror`).
    pub registry: Option<String>,
    /// Let values keys the chart does not read through, with a warning (refused otherwise).
    pub allow_unknown_values: bool,
}

/// An image and its name in the mirror.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mirrored {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImagesReport {
    pub chart: String,
    pub images: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
    /// The values overlay for the mirror (`-f mirror.yaml`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mirror: Vec<Mirrored>,
    /// Images that, with the overlay, still come from another registry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmirrored: Vec<String>,
}

/// Render the chart with the values (and again with the mirror overlay, when asked). Every key of
/// the values is one the chart reads (as install checks it; warnings go to `ui`).
pub async fn run(
    opts: &ImagesOptions,
    helm: &dyn HelmApi,
    ui: &promstack_shared::terminal::ui::Ui,
) -> anyhow::Result<ImagesReport> {
    let user: Vec<ValuesFile> = opts
        .user_values
        .iter()
        .map(|p| values::load(p))
        .collect::<Result<_, _>>()?;
    let chain = values::chain(opts.env, user, &opts.overlay)?;
    // fetched once: read for the keys it reads, rendered (twice with a mirror)
    let pulled = Pulled::fetch(helm, &opts.chart).await?;
    let chart = pulled.as_ref().map_or(&opts.chart, |p| &p.chart);
    let facts = match chart {
        Chart::Local(path) => crate::chart::chart_files::read(path)?,
        other => anyhow::bail!("{} was not fetched", other.describe()),
    };
    let docs = render(opts, chart, helm, &chain).await?;
    let (check, _) = crate::preflight::values_keys::check(
        &chain,
        &facts,
        &crate::chart::crds::from_rendered(&docs),
        opts.allow_unknown_values,
    )?;
    for said in &check.said {
        if let crate::install::Said::Warn(w) = said {
            ui.warn(w);
        }
    }
    let found = images::of(&docs);
    let mut report = ImagesReport {
        chart: opts.chart.describe(),
        images: found.iter().cloned().collect(),
        registry: opts.registry.clone(),
        overlay: None,
        mirror: vec![],
        unmirrored: vec![],
    };
    let Some(registry) = &opts.registry else {
        return Ok(report);
    };
    let overlay = images::mirror_overlay(registry);
    let mut with_mirror = chain;
    with_mirror.push(ValuesFile {
        origin: "mirror.yaml".into(),
        text: serde_yaml::to_string(&overlay)?,
        values: overlay.clone(),
    });
    let mirrored = images::of(&render(opts, chart, helm, &with_mirror).await?);
    let (pairs, unmirrored) = images::pairs(&found, &mirrored, registry);
    report.mirror = pairs
        .into_iter()
        .map(|(from, to)| Mirrored { from, to })
        .collect();
    report.unmirrored = unmirrored;
    report.overlay = Some(overlay);
    Ok(report)
}

async fn render(
    opts: &ImagesOptions,
    chart: &Chart,
    helm: &dyn HelmApi,
    chain: &[ValuesFile],
) -> anyhow::Result<Vec<Value>> {
    let dir = ValuesDir::write(chain).context("writing the values files for helm")?;
    let release = Release {
        name: RELEASE.into(),
        namespace: opts.namespace.clone(),
        chart: chart.clone(),
        values_files: dir.files.clone(),
        timeout: Duration::from_secs(60),
    };
    let rendered = helm
        .template(&release)
        .await
        .context("the chart does not render with these values")?;
    Ok(crate::chart::crds::documents(&rendered)?)
}

impl Report for ImagesReport {
    /// The images, one a line; with `--registry` a values file: the copies to make as comments,
    /// then the overlay (`> mirror.yaml` keeps it).
    fn text(&self) -> String {
        let Some(overlay) = &self.overlay else {
            return self.images.iter().map(|i| format!("{i}\n")).collect();
        };
        let registry = self.registry.as_deref().unwrap_or_default();
        let mut s = format!(
            "# Values that pull every image of {} from {registry}: save as mirror.yaml, then\n#   kubectl promstack install --chart <the chart .tgz> -f mirror.yaml\n# Copy each image to the mirror first:\n",
            self.chart
        );
        for m in &self.mirror {
            s.push_str(&format!("#   {} -> {}\n", m.from, m.to));
        }
        for u in &self.unmirrored {
            s.push_str(&format!(
                "# WARNING: {u} still comes from its own registry: set its registry in a -f file\n"
            ));
        }
        s.push_str(&serde_yaml::to_string(overlay).unwrap_or_default());
        s
    }
}

/// A `--registry` as a registry host (with an optional port and path), no scheme.
pub fn check_registry(r: &str) -> Result<String, Error> {
    let r = r.trim().trim_end_matches('/');
    let bad = r.is_empty()
        || r.contains("://")
        || r.contains(char::is_whitespace)
        || r.contains('@')
        || r.split('/').next().is_some_and(str::is_empty);
    if bad {
        return Err(Error::input(format!(
            "--registry `{r}` is not a registry: give a host, with a port or path if it has one (registry.example:5000, registry.example/mirror)"
        )));
    }
    Ok(r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_is_a_host_with_an_optional_port_and_path() {
        for ok in [
            "registry.example",
            "registry.example:5000",
            "registry.example/mirror/",
            "localhost:5000",
        ] {
            assert!(check_registry(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_registry("r.example/m/").unwrap(), "r.example/m");
        for bad in [
            "",
            "https://r.example",
            "r example",
            "/mirror",
            "r.example@sha256:x",
        ] {
            assert!(check_registry(bad).is_err(), "{bad}");
        }
    }
}
