//! The real chart package (`../shared/refdata/charts/kube-prometheus-stack-88.5.3.tgz`, as `helm pull` gives it)
//! without a cluster: the values lint on the whole chart (its subcharts, templates and CRDs) and the image list
//! rendered by the real helm 4. Reported ignored where refdata or helm 4 is missing; in CI they run (and fail on it).
mod common;
use promstack_install::chart::{chart_files, values, values_lint};
use promstack_shared::testing::needs;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The chart package promstack pins.
fn package() -> PathBuf {
    let p =
        promstack_shared::testing::refdata::dir().join("charts/kube-prometheus-stack-88.5.3.tgz");
    assert!(p.is_file(), "{} is missing", p.display());
    p
}

/// The chart's CRDs (refdata/crds: the 10 of operator v0.93.1, those the package carries).
fn crds() -> Vec<Value> {
    let dir = promstack_shared::testing::refdata::dir().join("crds");
    let mut out: Vec<Value> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            serde_yaml::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect();
    out.sort_by_key(|c| c["metadata"]["name"].as_str().map(String::from));
    out
}

/// promstack's own values for both envs are keys the whole chart reads; the two typos are not,
/// each named with file:line and the nearest key.
#[needs(refdata)]
#[test]
fn the_values_lint_on_the_whole_chart_package() {
    let chart = package();
    let facts = chart_files::read(&chart).unwrap();
    assert_eq!(
        (facts.name.as_str(), facts.version.as_str()),
        ("kube-prometheus-stack", "88.5.3")
    );
    for sub in [
        "grafana",
        "kube-state-metrics",
        "prometheus-node-exporter",
        "crds",
    ] {
        assert!(
            facts.subcharts.iter().any(|s| s == sub),
            "{sub} not in {:?}",
            facts.subcharts
        );
    }
    assert_eq!(
        facts.upgrade_notes, None,
        "a package leaves UPGRADE.md out (its .helmignore)"
    );
    let crds = crds();
    assert_eq!(crds.len(), 10);
    let settings = values::OverlaySettings {
        storage_class: "gp3".into(),
        grafana_host: Some("grafana.example.com".into()),
        tls_secret: Some("tls".into()),
        ..Default::default()
    };
    let mut files = Vec::new();
    for env in [values::Env::Local, values::Env::Cloud] {
        files.extend(values::chain(env, vec![], &settings).unwrap());
    }
    assert!(files.len() >= 5, "{} values files", files.len());
    for f in &files {
        let found = values_lint::lint(&f.origin, &f.text, &f.values, &facts, &crds);
        assert!(found.is_empty(), "{}: {found:?}", f.origin);
    }
    let typo = values::parse(
        "typo.yaml",
        "prometheus:\n  prometheusSpec:\n    retension: 7d\ngrafana:\n  adminPasword: x\n",
    )
    .unwrap();
    let found: Vec<String> =
        values_lint::lint(&typo.origin, &typo.text, &typo.values, &facts, &crds)
            .iter()
            .map(ToString::to_string)
            .collect();
    assert_eq!(
        found,
        [
            "typo.yaml:3: `retension` is not a key of prometheus.prometheusSpec; did you mean `retention`?",
            "typo.yaml:5: `adminPasword` is not a key of grafana; did you mean `adminPassword`?"
        ]
    );
}

/// `install images` on the package, rendered by the real helm 4: every image of the stack, at the
/// versions the chart deploys, and the mirror overlay moves each one.
#[needs(refdata, helm4)]
#[test]
fn the_images_of_the_chart_package_and_their_mirror() {
    let chart = package();
    let helm = common::helm(4);
    let cache = tempfile::tempdir().unwrap();
    let out = promstack_shared::testing::output_ok(
        Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-install"))
            .args([
                "images",
                "--registry",
                "mirror.example:5000",
                "-o",
                "json",
                "--chart",
            ])
            .arg(&chart)
            .env("PROMSTACK_HELM", &helm.binary)
            .env("XDG_CACHE_HOME", cache.path())
            .stdin(Stdio::null()),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let images: Vec<&str> = v["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for want in [
        "quay.io/prometheus-operator/prometheus-operator:v0.93.1",
        "quay.io/prometheus-operator/prometheus-config-reloader:v0.93.1",
        "quay.io/prometheus/prometheus:v3.14.0-distroless",
        "quay.io/prometheus/alertmanager:v0.34.0",
        "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0",
        "quay.io/prometheus/node-exporter:v1.12.1-distroless",
    ] {
        assert!(images.contains(&want), "no {want} in {images:?}");
    }
    assert!(
        images
            .iter()
            .any(|i| i.starts_with("docker.io/grafana/grafana:")),
        "{images:?}"
    );
    assert_eq!(
        v["unmirrored"],
        Value::Null,
        "images the overlay does not move: {}",
        v["unmirrored"]
    );
    let mirror = v["mirror"].as_array().unwrap();
    assert_eq!(mirror.len(), images.len());
    assert!(
        mirror
            .iter()
            .all(|m| m.to_string().contains("mirror.example:5000")),
        "{mirror:?}"
    );
}
