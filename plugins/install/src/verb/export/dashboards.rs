//! The dashboards in the tree: each as its JSON file under `dashboards/` (as provisioning wants
//! it: what `dashboards sync` puts into its ConfigMap, pretty-printed, so people edit JSON in git),
//! and the configMapGenerator entry that makes the very ConfigMap `dashboards sync` writes from it
//! (name, key, the sidecar label, the folder and source annotations, one a dashboard).
use super::kustomize::{Generator, GeneratorOptions};
use promstack_shared::grafana::dashboard;
use promstack_shared::input::sources::SourceFile;
use promstack_shared::Error;

/// A dashboard of the tree: its path in the tree and its text.
pub(super) struct DashboardFile {
    pub path: String,
    pub text: String,
}

/// Every dashboard's file and generator; every problem is reported, nothing is half made.
pub(super) fn files(
    sources: &[SourceFile],
    ns: &str,
) -> Result<(Vec<DashboardFile>, Vec<Generator>), Error> {
    // what sync would refuse (a name two dashboards share, one too big), all at once
    dashboard::build(sources, ns)
        .map_err(|e| Error::input(format!("dashboards are not valid:\n  {}", e.join("\n  "))))?;
    let mut files = Vec::new();
    let mut generators = Vec::new();
    let mut errors = Vec::new();
    for f in sources {
        let prepared = dashboard::prepare(f).map_err(Error::input)?;
        let cm = dashboard::configmap_of(&prepared, ns).map_err(Error::input)?;
        let text =
            serde_json::to_string_pretty(&prepared.value).expect("JSON values serialise") + "\n";
        if text.len() > dashboard::MAX_BYTES {
            errors.push(format!(
                "{}: {} bytes as the tree's JSON, more than a ConfigMap holds (1 MiB): split the dashboard",
                f.path,
                text.len()
            ));
            continue;
        }
        let path = format!("dashboards/{}", prepared.path);
        let key = cm
            .data
            .unwrap_or_default()
            .into_keys()
            .next()
            .unwrap_or_default();
        generators.push(Generator {
            name: cm.metadata.name.unwrap_or_default(),
            files: vec![format!("{key}={path}")],
            options: Some(GeneratorOptions {
                labels: cm.metadata.labels.unwrap_or_default(),
                annotations: cm.metadata.annotations.unwrap_or_default(),
                ..Default::default()
            }),
        });
        files.push(DashboardFile { path, text });
    }
    if !errors.is_empty() {
        return Err(Error::input(format!(
            "dashboards are not valid:\n  {}",
            errors.join("\n  ")
        )));
    }
    Ok((files, generators))
}
