//! The GitOps export: deterministic, no secret values, and it builds with the real `kubectl kustomize`.
use promstack_install::export::{run as export, ExportOptions};
use promstack_install::values::{Env, OverlaySettings};
use serde_json::Value;
use std::path::PathBuf;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn opts(dir: PathBuf, env: Env) -> ExportOptions {
    ExportOptions {
        dir,
        env,
        namespace: "monitoring".into(),
        overlay: OverlaySettings {
            storage_class: env.storage_class().into(),
            ..Default::default()
        },
        alertmanager_config: None,
        rules_dir: Some(format!("{FIXTURES}/rules").into()),
        dashboards_dir: Some(format!("{FIXTURES}/dashboards").into()),
    }
}

fn kubectl() -> Option<PathBuf> {
    promstack_shared::testing::kubectl_bin()
}

fn read_tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push((
            e.strip_prefix(dir).unwrap().display().to_string(),
            std::fs::read(&e).unwrap(),
        ));
    }
    out.sort();
    out
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

#[test]
fn the_tree_has_every_file_and_is_the_same_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kubernetes/observability/prometheus-stack");
    let report = export(&opts(dir.clone(), Env::Local)).unwrap();
    assert_eq!(
        report.files,
        [
            "additional-rules.yaml",
            "alertmanager-config.yaml",
            "dashboards/configmap-dashboards.yaml",
            "helm-release.yaml",
            "kustomization.yaml",
            "namespace.yaml",
            "values-cloud.yaml",
            "values-local.yaml",
            "values-overlay.yaml",
            "values.yaml",
        ]
    );
    assert_eq!((report.rules, report.dashboards), (3, 2));
    let first = read_tree(&dir);
    export(&opts(dir.clone(), Env::Local)).unwrap();
    assert_eq!(
        first,
        read_tree(&dir),
        "a second export must give identical bytes"
    );
    // values files are the embedded ones, byte for byte
    assert_eq!(
        std::fs::read_to_string(dir.join("values.yaml")).unwrap(),
        promstack_install::values::BASE
    );
    // rule text is carried unchanged (Go templates included)
    let rules = std::fs::read_to_string(dir.join("additional-rules.yaml")).unwrap();
    assert!(
        rules.contains("{{ $labels.instance }}") && rules.contains("{{ $value }}"),
        "{rules}"
    );
}

#[test]
fn no_secret_value_is_written_and_the_grafana_secret_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    export(&opts(tmp.path().to_path_buf(), Env::Local)).unwrap();
    for (name, bytes) in read_tree(tmp.path()) {
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            !text.contains("admin-password:") && !text.contains("adminPassword"),
            "{name} carries a password field"
        );
        assert!(
            !text.contains("kind: Secret\n"),
            "{name} carries a Secret object"
        );
    }
    let k = std::fs::read_to_string(tmp.path().join("kustomization.yaml")).unwrap();
    assert!(
        k.contains("sops --encrypt")
            && k.contains("kubeseal")
            && k.contains("promstack-grafana-admin"),
        "{k}"
    );
}

#[test]
fn bad_sources_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("rules");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("x.yaml"), "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        unknown: 1\n").unwrap();
    let out = tmp.path().join("out");
    let mut o = opts(out.clone(), Env::Local);
    o.rules_dir = Some(bad);
    let err = export(&o).unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 2);
    assert!(err.to_string().contains("x.yaml"), "{err}");
    assert!(!out.exists(), "nothing may be written when an input is bad");
}

fn kustomize(kubectl: &PathBuf, dir: &std::path::Path) -> Vec<Value> {
    let out = std::process::Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    promstack_install::crds::documents(&String::from_utf8(out.stdout).unwrap()).unwrap()
}

#[test]
fn kubectl_kustomize_builds_it() {
    let Some(kubectl) = kubectl() else { return };
    for env in [Env::Local, Env::Cloud] {
        let tmp = tempfile::tempdir().unwrap();
        let mut o = opts(tmp.path().to_path_buf(), env);
        if env == Env::Cloud {
            o.overlay.grafana_host = Some("grafana.example.org".into());
            o.overlay.tls_secret = Some("grafana-tls".into());
        }
        export(&o).unwrap();
        let docs = kustomize(&kubectl, tmp.path());
        let count = |kind: &str| docs.iter().filter(|d| d["kind"] == kind).count();
        assert_eq!(count("Namespace"), 1);
        assert_eq!(count("HelmRepository"), 1);
        assert_eq!(count("HelmRelease"), 1);
        assert_eq!(count("PrometheusRule"), 3);
        let dashboards: Vec<&Value> = docs
            .iter()
            .filter(|d| d["metadata"]["labels"]["grafana_dashboard"] == "1")
            .collect();
        assert_eq!(dashboards.len(), 2);
        assert!(dashboards
            .iter()
            .any(|d| d["metadata"]["annotations"]["grafana_folder"] == "Cilium"));
        assert!(docs
            .iter()
            .all(|d| d["kind"] == "Namespace" || d["metadata"]["namespace"] == "monitoring"));

        let hr = docs.iter().find(|d| d["kind"] == "HelmRelease").unwrap();
        assert_eq!(hr["spec"]["chart"]["spec"]["version"], "88.5.3");
        assert_eq!(hr["spec"]["install"]["crds"], "CreateReplace");
        assert_eq!(hr["spec"]["upgrade"]["crds"], "CreateReplace");
        let keys: Vec<&str> = hr["spec"]["valuesFrom"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["valuesKey"].as_str().unwrap())
            .collect();
        let env_file = format!("values-{}.yaml", env.name());
        assert_eq!(
            keys,
            ["values.yaml", env_file.as_str(), "values-overlay.yaml"]
        );

        // the values ConfigMap carries exactly the files the HelmRelease reads
        let cm = docs
            .iter()
            .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "promstack-values")
            .unwrap();
        for k in &keys {
            assert!(cm["data"][*k].is_string(), "values ConfigMap lacks {k}");
        }
        let overlay = cm["data"]["values-overlay.yaml"].as_str().unwrap();
        assert!(
            overlay.contains(&format!("storageClassName: {}", env.storage_class())),
            "{overlay}"
        );
        // the Alertmanager config Secret comes from the file, under the name the values point at
        let am = docs.iter().find(|d| d["kind"] == "Secret").unwrap();
        assert_eq!(am["metadata"]["name"], "promstack-alertmanager-config");
        assert!(am["data"]["alertmanager.yaml"].is_string());
    }
}
