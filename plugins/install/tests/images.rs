//! `install images` on a chart with kube-prometheus-stack's image patterns
//! (tests/fixtures/images-chart), rendered by the real helm 3 and helm 4: every image of the render
//! is listed and nothing else; the values and switches are those install uses; the mirror overlay
//! moves every image that honours `global.imageRegistry` and names the one that does not.
mod common;
use promstack_install::chart::values::{self, Env, OverlaySettings};
use promstack_install::helm::{Chart, HelmApi, Release};
use promstack_install::images_verb::{run, ImagesOptions};
use promstack_install::install::ValuesDir;
use promstack_shared::terminal::output::Report;
use promstack_shared::testing::needs;
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

const CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/images-chart");

fn options() -> ImagesOptions {
    ImagesOptions {
        env: Env::Local,
        namespace: "monitoring".into(),
        chart: Chart::Local(CHART.into()),
        user_values: vec![],
        overlay: OverlaySettings {
            storage_class: "local-path".into(),
            admission_webhooks: true,
            ..Default::default()
        },
        registry: None,
        allow_unknown_values: false,
    }
}

/// Every `image:` string of the render, and every config reloader argument: found without
/// knowing what the documents are.
fn scan(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("image", Value::String(s)) if !s.is_empty() => {
                        out.insert(s.clone());
                    }
                    _ => scan(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| scan(x, out)),
        Value::String(s) => {
            if let Some(i) = s.strip_prefix("--prometheus-config-reloader=") {
                out.insert(i.to_string());
            }
        }
        _ => {}
    }
}

async fn rendered_images(h: &dyn HelmApi, o: &ImagesOptions) -> BTreeSet<String> {
    let user = o
        .user_values
        .iter()
        .map(|p| values::load(p).unwrap())
        .collect();
    let chain = values::chain(o.env, user, &o.overlay).unwrap();
    let dir = ValuesDir::write(&chain).unwrap();
    let r = Release {
        name: values::RELEASE.into(),
        namespace: o.namespace.clone(),
        chart: o.chart.clone(),
        values_files: dir.files.clone(),
        timeout: Duration::from_secs(60),
    };
    let docs = promstack_install::chart::crds::documents(&h.template(&r).await.unwrap()).unwrap();
    let mut out = BTreeSet::new();
    docs.iter().for_each(|d| scan(d, &mut out));
    out
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn every_image_of_the_render_and_nothing_else() {
    for major in [3, 4] {
        let h = common::helm(major);
        let report = run(
            &options(),
            &h,
            &promstack_shared::terminal::ui::Ui::silent(),
        )
        .await
        .unwrap();
        let listed: BTreeSet<String> = report.images.iter().cloned().collect();
        assert_eq!(
            listed,
            rendered_images(&h, &options()).await,
            "helm {major}"
        );
        assert_eq!(
            report.images,
            [
                "docker.io/grafana/grafana:13.0.1",
                "docker.io/library/busybox:1.37.0",
                "ghcr.io/jkroepke/kube-webhook-certgen:1.8.7",
                "quay.io/kiwigrid/k8s-sidecar:2.1.2",
                "quay.io/prometheus-operator/prometheus-config-reloader:v0.90.0",
                "quay.io/prometheus-operator/prometheus-operator:v0.90.0",
                "quay.io/prometheus/alertmanager:v0.34.0",
                "quay.io/prometheus/node-exporter:v1.10.2@sha256:3f1cdb3b3f5d4e0a0b8b6d5a8e4c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c",
                "quay.io/prometheus/prometheus:v3.14.0-distroless",
            ],
            "helm {major}"
        );
        assert_eq!(
            report.text(),
            report
                .images
                .iter()
                .map(|i| format!("{i}\n"))
                .collect::<String>(),
            "text: one image a line"
        );
    }
}

#[needs(helm4)]
#[tokio::test]
async fn the_values_and_switches_are_installs() {
    let h = common::helm(4);
    // --no-admission-webhooks: no certificate Job, so no certgen image
    let mut o = options();
    o.overlay.admission_webhooks = false;
    let report = run(&o, &h, &promstack_shared::terminal::ui::Ui::silent())
        .await
        .unwrap();
    assert!(
        !report.images.iter().any(|i| i.contains("certgen")),
        "{:?}",
        report.images
    );
    // a -f file: a Thanos sidecar, node-exporter off
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("extra.yaml");
    std::fs::write(&file, "prometheus:\n  prometheusSpec:\n    thanos:\n      objectStorageConfig: {}\nnodeExporter:\n  enabled: false\n").unwrap();
    let mut o = options();
    o.user_values = vec![file];
    let report = run(&o, &h, &promstack_shared::terminal::ui::Ui::silent())
        .await
        .unwrap();
    assert!(
        report
            .images
            .contains(&"quay.io/thanos/thanos:v0.42.4".to_string()),
        "{:?}",
        report.images
    );
    assert!(!report.images.iter().any(|i| i.contains("node-exporter")));
    assert_eq!(
        report.images.iter().cloned().collect::<BTreeSet<_>>(),
        rendered_images(&h, &o).await
    );
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn the_mirror_overlay_moves_every_image_and_names_the_one_it_cannot() {
    for major in [3, 4] {
        let h = common::helm(major);
        let mut o = options();
        o.registry = Some("mirror.example:5000/promstack".into());
        let report = run(&o, &h, &promstack_shared::terminal::ui::Ui::silent())
            .await
            .unwrap();
        assert!(
            report.unmirrored.is_empty(),
            "helm {major}: {:?}",
            report.unmirrored
        );
        assert_eq!(report.mirror.len(), report.images.len());
        for m in &report.mirror {
            assert!(report.images.contains(&m.from), "{m:?}");
            assert!(m.to.starts_with("mirror.example:5000/promstack/"), "{m:?}");
        }
        // what it prints is a values file: with it, the render pulls only from the mirror
        let dir = tempfile::tempdir().unwrap();
        let mirror = dir.path().join("mirror.yaml");
        std::fs::write(&mirror, report.text()).unwrap();
        let mut with = options();
        with.user_values = vec![mirror];
        let pulled = rendered_images(&h, &with).await;
        assert!(
            pulled
                .iter()
                .all(|i| i.starts_with("mirror.example:5000/promstack/")),
            "helm {major}: {pulled:?}"
        );
    }
    // an image the chart writes without global.imageRegistry is named, not hidden
    let h = common::helm(4);
    let dir = tempfile::tempdir().unwrap();
    let on = dir.path().join("on.yaml");
    std::fs::write(&on, "stubborn:\n  enabled: true\n").unwrap();
    let mut o = options();
    o.user_values = vec![on];
    o.registry = Some("mirror.example:5000".into());
    let report = run(&o, &h, &promstack_shared::terminal::ui::Ui::silent())
        .await
        .unwrap();
    assert_eq!(report.unmirrored, ["docker.io/library/busybox:stable"]);
    assert!(report
        .text()
        .contains("WARNING: docker.io/library/busybox:stable still comes from its own registry"));
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn with_a_mirror_a_chart_from_a_repository_is_fetched_once_for_both_renders() {
    for major in [3, 4] {
        let h = common::helm(major);
        let repo = common::ChartRepo::of(&h.binary, CHART);
        let mut o = options();
        o.chart = repo.chart();
        let plain = run(&o, &h, &promstack_shared::terminal::ui::Ui::silent())
            .await
            .unwrap();
        o.registry = Some("mirror.example:5000".into());
        let mirrored = run(&o, &h, &promstack_shared::terminal::ui::Ui::silent())
            .await
            .unwrap();
        assert_eq!(mirrored.images, plain.images);
        assert_eq!(mirrored.mirror.len(), plain.images.len());
        // one render without a mirror: helm's own fetch; two with one: one pull
        assert_eq!(
            (repo.count("/index.yaml"), repo.count(&repo.file())),
            (2, 2),
            "helm {major}"
        );
    }
}

#[needs(helm4)]
#[test]
fn the_binary_lists_them_without_a_cluster() {
    let helm = promstack_shared::testing::tool("helm4");
    let out = promstack_shared::testing::output_ok(
        std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-install"))
            .args([
                "images",
                "--chart",
                CHART,
                "--registry",
                "mirror.example:5000",
                "-o",
                "json",
            ])
            .env("PROMSTACK_HELM", &helm)
            .env("KUBECONFIG", "/nonexistent"),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["images"].as_array().unwrap().len(), 9);
    assert_eq!(
        v["overlay"]["global"]["imageRegistry"],
        "mirror.example:5000"
    );
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-install"))
        .args(["images", "--chart", CHART, "--registry", "https://mirror"])
        .env("PROMSTACK_HELM", &helm)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
