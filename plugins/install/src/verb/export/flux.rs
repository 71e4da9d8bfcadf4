//! The Flux objects of the export (source.toolkit.fluxcd.io/v1 HelmRepository,
//! helm.toolkit.fluxcd.io/v2 HelmRelease), typed: the chart pinned, CRDs CreateReplace on install
//! and upgrade, values from the ConfigMap the kustomization generates from the values files.
use super::{grafana_secret_note, ExportOptions, HEADER, HELM_REPOSITORY, VALUES_CONFIGMAP};
use crate::chart::values::RELEASE;
use crate::helm::{CHART_NAME, CHART_REPO, CHART_VERSION};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meta {
    name: String,
    namespace: String,
    labels: BTreeMap<String, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HelmRepository {
    api_version: &'static str,
    kind: &'static str,
    metadata: Meta,
    spec: HelmRepositorySpec,
}

#[derive(Serialize)]
struct HelmRepositorySpec {
    url: String,
    interval: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HelmRelease {
    api_version: &'static str,
    kind: &'static str,
    metadata: Meta,
    spec: HelmReleaseSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HelmReleaseSpec {
    interval: &'static str,
    release_name: String,
    chart: ChartTemplate,
    install: Action,
    upgrade: Action,
    values_from: Vec<ValuesReference>,
}

#[derive(Serialize)]
struct ChartTemplate {
    spec: ChartSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChartSpec {
    chart: String,
    version: String,
    source_ref: SourceRef,
    interval: &'static str,
}

#[derive(Serialize)]
struct SourceRef {
    kind: &'static str,
    name: String,
    namespace: String,
}

#[derive(Serialize)]
struct Action {
    crds: &'static str,
    remediation: Remediation,
}

#[derive(Serialize)]
struct Remediation {
    retries: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ValuesReference {
    kind: &'static str,
    name: String,
    values_key: String,
}

/// `helm-release.yaml`: the Flux HelmRepository and the HelmRelease pinned to the chart version,
/// CRDs CreateReplace on install and upgrade, values from the generated ConfigMap.
pub(super) fn helm_release_file(opts: &ExportOptions, labels: &BTreeMap<String, String>) -> String {
    let ns = opts.namespace.as_str();
    let meta = |name: &str| Meta {
        name: name.into(),
        namespace: ns.into(),
        labels: labels.clone(),
    };
    let values_files = [
        "values.yaml".to_string(),
        format!("values-{}.yaml", opts.env.name()),
        "values-overlay.yaml".to_string(),
    ];
    let repo = HelmRepository {
        api_version: "source.toolkit.fluxcd.io/v1",
        kind: "HelmRepository",
        metadata: meta(HELM_REPOSITORY),
        spec: HelmRepositorySpec {
            url: CHART_REPO.into(),
            interval: "24h",
        },
    };
    let action = || Action {
        crds: "CreateReplace",
        remediation: Remediation { retries: 3 },
    };
    let release = HelmRelease {
        api_version: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: meta(RELEASE),
        spec: HelmReleaseSpec {
            interval: "30m",
            release_name: RELEASE.into(),
            chart: ChartTemplate {
                spec: ChartSpec {
                    chart: CHART_NAME.into(),
                    version: CHART_VERSION.into(),
                    source_ref: SourceRef {
                        kind: "HelmRepository",
                        name: HELM_REPOSITORY.into(),
                        namespace: ns.into(),
                    },
                    interval: "12h",
                },
            },
            install: action(),
            upgrade: action(),
            values_from: values_files
                .iter()
                .map(|k| ValuesReference {
                    kind: "ConfigMap",
                    name: VALUES_CONFIGMAP.into(),
                    values_key: k.clone(),
                })
                .collect(),
        },
    };
    format!(
        "{HEADER}{}---\n{}---\n{}",
        grafana_secret_note(ns),
        serde_yaml::to_string(&repo).expect("typed objects serialise"),
        serde_yaml::to_string(&release).expect("typed objects serialise")
    )
}
