//! The GitOps export: deterministic, no secret values, and it builds with the real `kubectl kustomize`.
use promstack_install::chart::values::{Env, OverlaySettings};
use promstack_install::export::{run as export, ExportOptions, Format};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::testing::needs;
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
        format: Format::Flux,
        repo_url: None,
        repo_path: None,
    }
}

fn kubectl() -> PathBuf {
    promstack_shared::testing::tool("kubectl")
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
    let report = export(&opts(dir.clone(), Env::Local), &Ui::silent()).unwrap();
    assert_eq!(
        report.files,
        [
            "additional-rules.yaml",
            "alertmanager-config.yaml",
            "dashboards/Cilium/agent.json",
            "dashboards/overview.json",
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
    export(&opts(dir.clone(), Env::Local), &Ui::silent()).unwrap();
    assert_eq!(
        first,
        read_tree(&dir),
        "a second export must give identical bytes"
    );
    // values files are the embedded ones, byte for byte
    assert_eq!(
        std::fs::read_to_string(dir.join("values.yaml")).unwrap(),
        promstack_install::chart::values::BASE
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
    export(&opts(tmp.path().to_path_buf(), Env::Local), &Ui::silent()).unwrap();
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
    let err = export(&o, &Ui::silent()).unwrap_err();
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
    promstack_install::chart::crds::documents(&String::from_utf8(out.stdout).unwrap()).unwrap()
}

#[needs(kubectl)]
#[test]
fn kubectl_kustomize_builds_it() {
    let kubectl = kubectl();
    for env in [Env::Local, Env::Cloud] {
        let tmp = tempfile::tempdir().unwrap();
        let mut o = opts(tmp.path().to_path_buf(), env);
        if env == Env::Cloud {
            o.overlay.grafana_host = Some("grafana.example.org".into());
            o.overlay.tls_secret = Some("grafana-tls".into());
        }
        export(&o, &Ui::silent()).unwrap();
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

#[needs(kubectl)]
#[test]
fn the_dashboards_are_json_in_git_and_kustomize_makes_what_sync_writes() {
    let kubectl = kubectl();
    let tmp = tempfile::tempdir().unwrap();
    export(&opts(tmp.path().to_path_buf(), Env::Local), &Ui::silent()).unwrap();
    // the JSON people edit: pretty, the dashboard as provisioning wants it
    let agent = std::fs::read_to_string(tmp.path().join("dashboards/Cilium/agent.json")).unwrap();
    assert!(agent.starts_with("{\n  \""), "{agent}");
    let docs = kustomize(&kubectl, tmp.path());
    // what `dashboards sync` writes for the same files
    let files = promstack_shared::input::sources::folder(
        std::path::Path::new(&format!("{FIXTURES}/dashboards")),
        &[".json"],
    )
    .unwrap();
    let synced = promstack_shared::grafana::dashboard::build(&files, "monitoring").unwrap();
    assert_eq!(synced.len(), 2);
    for want in synced {
        let want = serde_json::to_value(&want).unwrap();
        let name = &want["metadata"]["name"];
        let got = docs
            .iter()
            .find(|d| d["kind"] == "ConfigMap" && &d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("kustomize made no ConfigMap {name}"));
        for field in ["namespace", "labels", "annotations"] {
            assert_eq!(
                got["metadata"][field], want["metadata"][field],
                "{name}: {field}"
            );
        }
        let (key, text) = want["data"].as_object().unwrap().iter().next().unwrap();
        let as_json = |v: &Value| serde_json::from_str::<Value>(v.as_str().unwrap()).unwrap();
        assert_eq!(as_json(&got["data"][key]), as_json(text), "{name}: {key}");
        assert_eq!(got["data"].as_object().unwrap().len(), 1);
    }
    assert!(
        !tmp.path()
            .join("dashboards/configmap-dashboards.yaml")
            .exists(),
        "no pre-rendered ConfigMaps: kustomize makes them"
    );
}

#[needs(kubectl)]
#[test]
fn argo_cd_gets_an_application_of_the_chart_and_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let mut o = opts(tmp.path().join("out"), Env::Cloud);
    o.overlay.grafana_host = Some("grafana.example.org".into());
    o.overlay.tls_secret = Some("grafana-tls".into());
    o.format = Format::Argocd;
    let err = export(&o, &Ui::silent()).unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&err).code(), 2);
    assert!(err.to_string().contains("--repo-url"), "{err}");
    assert!(
        !tmp.path().join("out").exists(),
        "nothing written on bad input"
    );

    o.repo_url = Some("https://git.example.org/platform/cluster.git".into());
    o.repo_path = Some("kubernetes/observability/prometheus-stack".into());
    let report = export(&o, &Ui::silent()).unwrap();
    assert!(report.files.contains(&"application.yaml".to_string()));
    assert!(!report.files.contains(&"helm-release.yaml".to_string()));
    let text = std::fs::read_to_string(tmp.path().join("out/application.yaml")).unwrap();
    let app = &promstack_install::chart::crds::documents(&text).unwrap()[0];
    assert_eq!(app["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(app["kind"], "Application");
    assert_eq!(app["metadata"]["namespace"], "argocd");
    assert_eq!(app["spec"]["destination"]["namespace"], "monitoring");
    assert_eq!(
        app["spec"]["syncPolicy"]["syncOptions"],
        serde_json::json!(["ServerSideApply=true"])
    );
    let sources = app["spec"]["sources"].as_array().unwrap();
    assert_eq!(sources[0]["chart"], "kube-prometheus-stack");
    assert_eq!(sources[0]["targetRevision"], "88.5.3");
    let git = &sources[1];
    assert_eq!(git["ref"], "values");
    assert_eq!(git["path"], "kubernetes/observability/prometheus-stack");
    // every values file it names is in the tree
    for f in sources[0]["helm"]["valueFiles"].as_array().unwrap() {
        let f = f.as_str().unwrap();
        let rel = f
            .strip_prefix("$values/kubernetes/observability/prometheus-stack/")
            .unwrap();
        assert!(tmp.path().join("out").join(rel).is_file(), "{f}");
    }
    assert!(sources[0]["helm"]["valueFiles"][1]
        .as_str()
        .unwrap()
        .ends_with("values-cloud.yaml"));
    // and the tree builds, without Flux objects
    let kubectl = kubectl();
    let docs = kustomize(&kubectl, &tmp.path().join("out"));
    assert!(!docs
        .iter()
        .any(|d| d["kind"] == "HelmRelease" || d["kind"] == "Application"));
    assert!(!docs
        .iter()
        .any(|d| d["metadata"]["name"] == "promstack-values"));
    assert_eq!(
        docs.iter()
            .filter(|d| d["metadata"]["labels"]["grafana_dashboard"] == "1")
            .count(),
        2
    );
    assert!(
        docs.iter()
            .any(|d| d["kind"] == "Secret"
                && d["metadata"]["name"] == "promstack-alertmanager-config")
    );
}
