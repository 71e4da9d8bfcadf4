//! The real binary in a pipeline: GitOps rendering without a cluster, exit codes.
use std::process::{Command, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

#[test]
fn dry_run_yaml_renders_configmaps_without_a_cluster() {
    let o = bin()
        .args(["sync", "--dry-run", "-o", "yaml", "-n", "observability"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_slice(&o.stdout)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 3);
    for d in &docs {
        assert_eq!(d["kind"], "ConfigMap");
        assert_eq!(d["metadata"]["namespace"], "observability");
        assert_eq!(d["metadata"]["labels"]["grafana_dashboard"], "1");
        assert_eq!(d["metadata"]["annotations"]["grafana_folder"], "Cilium");
        let data = d["data"].as_mapping().unwrap();
        let (k, v) = data.iter().next().unwrap();
        assert!(k.as_str().unwrap().ends_with(".json"));
        let dash: serde_json::Value = serde_json::from_str(v.as_str().unwrap()).unwrap();
        assert!(dash["uid"].is_string());
    }
}

#[test]
fn validate_json_and_bad_input_exit_codes() {
    let o = bin().args(["validate", "-o", "json"]).output().unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["valid"].clone(), v["dashboards"].clone()),
        (true.into(), 3.into())
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x.json"), "{").unwrap();
    for cmd in [&["validate"][..], &["sync"], &["diff"]] {
        let o = bin()
            .args(cmd)
            .arg("--dir")
            .arg(tmp.path())
            .args(["--kubeconfig", "/nonexistent"])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{cmd:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(all.contains("x.json"), "{all}");
    }
}

#[test]
fn validate_refuses_every_dashboard_sync_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let huge = serde_json::json!({"title": "Huge", "uid": "huge", "panels": [], "description": "x".repeat(1_100_000)});
    std::fs::write(dir.path().join("big.json"), huge.to_string()).unwrap();
    // two files that become one ConfigMap name
    let small = |uid: &str| serde_json::json!({"title": uid, "uid": uid, "panels": []}).to_string();
    std::fs::write(dir.path().join("team a.json"), small("a")).unwrap();
    std::fs::write(dir.path().join("team-a.json"), small("b")).unwrap();
    let d = dir.path().to_str().unwrap();
    let v = bin().args(["validate", "--dir", d]).output().unwrap();
    let text = String::from_utf8_lossy(&v.stdout);
    assert_eq!(v.status.code(), Some(2), "{text}");
    assert!(
        text.contains("big.json")
            && text.contains("more than a ConfigMap holds (1 MiB)")
            && text.contains("split"),
        "{text}"
    );
    assert!(
        text.contains("both become ConfigMap dashboard-team-a"),
        "{text}"
    );
    // and sync refuses the same, before asking any cluster
    let s = bin()
        .args(["sync", "--dry-run", "-o", "yaml", "--dir", d])
        .output()
        .unwrap();
    assert_eq!(
        s.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&s.stderr)
    );
}
