//! `kustomization.yaml`, typed: the resources, the ConfigMaps and the Secret kustomize generates
//! from the files of the tree (the values files for Flux, one ConfigMap a dashboard JSON, the
//! Alertmanager config), and how to add the Grafana admin Secret.
use super::{grafana_secret_note, Format, HEADER, VALUES_CONFIGMAP};
use crate::chart::values;
use crate::stack::alertmanager;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization {
    api_version: &'static str,
    kind: &'static str,
    namespace: String,
    resources: Vec<String>,
    config_map_generator: Vec<Generator>,
    secret_generator: Vec<Generator>,
    generator_options: GeneratorOptions,
}

/// One generated ConfigMap or Secret: its files (`key=path` or `path`) and its own labels and
/// annotations.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Generator {
    pub name: String,
    pub files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<GeneratorOptions>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GeneratorOptions {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_name_suffix_hash: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The kustomization: `dashboards` are the dashboard ConfigMaps' generators.
pub(super) fn file(
    ns: &str,
    labels: &BTreeMap<String, String>,
    format: Format,
    dashboards: Vec<Generator>,
) -> String {
    let ours = |name: &str, files: Vec<String>| Generator {
        name: name.into(),
        files,
        options: Some(GeneratorOptions {
            labels: labels.clone(),
            ..Default::default()
        }),
    };
    let mut resources = vec!["namespace.yaml".to_string()];
    let mut config_maps = Vec::new();
    if format == Format::Flux {
        resources.push("helm-release.yaml".into());
        let files = [
            "values.yaml",
            "values-local.yaml",
            "values-cloud.yaml",
            "values-overlay.yaml",
        ];
        config_maps.push(ours(VALUES_CONFIGMAP, files.map(String::from).to_vec()));
    }
    resources.push("additional-rules.yaml".into());
    config_maps.extend(dashboards);
    let am_file = format!("{}=alertmanager-config.yaml", alertmanager::CONFIG_KEY);
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        namespace: ns.into(),
        resources,
        config_map_generator: config_maps,
        secret_generator: vec![ours(values::ALERTMANAGER_SECRET, vec![am_file])],
        // HelmRelease.valuesFrom, alertmanagerSpec.configSecret and `dashboards sync` name these
        // objects; kustomize does not rewrite those references, so the names stay fixed
        generator_options: GeneratorOptions {
            disable_name_suffix_hash: true,
            ..Default::default()
        },
    };
    format!(
        "{HEADER}{}{}",
        grafana_secret_note(ns),
        serde_yaml::to_string(&kustomization).expect("typed objects serialise")
    )
}
