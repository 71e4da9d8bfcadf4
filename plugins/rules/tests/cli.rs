//! The real binary in a pipeline: exit codes, JSON, and GitOps rendering without a cluster.
use std::process::{Command, Stdio};

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-rules"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

fn dead_kubeconfig(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("kubeconfig");
    std::fs::write(&p, "apiVersion: v1\nkind: Config\nclusters: [{name: dead, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: dead, context: {cluster: dead, user: u}}]\ncurrent-context: dead\n").unwrap();
    p
}

#[test]
fn validate_and_lint_the_embedded_rules() {
    let o = bin().args(["validate", "-o", "json"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["rules"], 12);
    let o = bin()
        .args(["lint", "--fail-on", "warning"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "promstack's own rules are lint-clean:\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn sync_dry_run_yaml_needs_no_cluster_and_keeps_templates() {
    let o = bin()
        .args([
            "sync",
            "--dry-run",
            "-o",
            "yaml",
            "-n",
            "observability",
            "--label",
            "release=kube-prometheus",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(text.matches("kind: PrometheusRule").count(), 3);
    assert!(text.contains("namespace: observability") && text.contains("release: kube-prometheus"));
    assert!(
        text.contains("{{ $labels.instance }}"),
        "Go templates reach the output unchanged"
    );
}

#[test]
fn bad_rules_are_exit_2_before_the_cluster_is_contacted() {
    let tmp = tempfile::tempdir().unwrap();
    let kc = dead_kubeconfig(tmp.path());
    let rules = tmp.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("x.yaml"),
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n",
    )
    .unwrap();
    for cmd in [&["sync"][..], &["diff"], &["validate"], &["lint"]] {
        let o = bin()
            .args(cmd)
            .arg("--dir")
            .arg(&rules)
            .arg("--kubeconfig")
            .arg(&kc)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(2),
            "{cmd:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(all.contains("x.yaml:4"), "{cmd:?}: {all}");
        assert!(
            !all.contains("127.0.0.1:1"),
            "{cmd:?} contacted the cluster: {all}"
        );
    }
    // a good folder against a dead cluster is a run-time failure
    let o = bin()
        .args(["sync", "--dir", RULES, "--kubeconfig"])
        .arg(&kc)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn lint_fails_on_the_chosen_severity() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x.yaml"), "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: critical}\n        annotations: {summary: s, description: d}\n").unwrap();
    let lint = |fail_on: &str| {
        bin()
            .args(["lint", "--fail-on", fail_on, "--dir"])
            .arg(tmp.path())
            .output()
            .unwrap()
    };
    assert_eq!(
        lint("error").status.code(),
        Some(0),
        "only a warning (alert/for)"
    );
    let o = lint("warning");
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("[alert/for]"));
    // the opt-out comment
    std::fs::write(tmp.path().join("x.yaml"), "groups:\n  - name: g\n    rules:\n      # promstack-lint: ignore alert/for\n      - alert: A\n        expr: up == 0\n        labels: {severity: critical}\n        annotations: {summary: s, description: d}\n").unwrap();
    assert_eq!(lint("warning").status.code(), Some(0));
}

#[test]
fn validate_refuses_every_object_sync_would_refuse() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("team.yaml"),
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: Team_Rules\n  labels:\n    team: site reliability\nspec:\n  groups:\n    - name: g\n      rules:\n        - record: job:up:sum\n          expr: sum by (job) (up)\n",
    )
    .unwrap();
    // a plain rule file whose rule file is past what the operator puts into one ConfigMap
    let mut big = String::from("groups:\n  - name: big\n    rules:\n");
    for i in 0..6000 {
        big.push_str(&format!(
            "      - record: job:big_{i}:sum\n        expr: sum by (job) (rate(some_long_metric_name_to_fill_the_file_total{{job=\"{i}\"}}[5m]))\n"
        ));
    }
    std::fs::write(dir.path().join("big.yaml"), big).unwrap();
    let d = dir.path().to_str().unwrap();
    let v = bin().args(["validate", "--dir", d]).output().unwrap();
    let text = String::from_utf8_lossy(&v.stdout).to_string() + &String::from_utf8_lossy(&v.stderr);
    assert_eq!(v.status.code(), Some(2), "{text}");
    assert!(text.contains("team.yaml:1: PrometheusRule `Team_Rules`: PrometheusRule name `Team_Rules` is not a valid object name"), "{text}");
    assert!(
        text.contains("label `team`: value `site reliability`"),
        "{text}"
    );
    assert!(
        text.contains("big.yaml:1: PrometheusRule `big`: its rule file is")
            && text.contains("split the groups"),
        "{text}"
    );
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
    // a --label sync would send that the API server refuses: a usage error at once
    let l = bin()
        .args([
            "sync",
            "--dry-run",
            "-o",
            "yaml",
            "--label",
            "team=site reliability",
        ])
        .output()
        .unwrap();
    assert_eq!(l.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&l.stderr).contains("not a Kubernetes label"));
}

#[test]
fn completes_its_verbs_and_their_flags() {
    let out = bin().args(["__complete", ""]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let verbs: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .filter(|w| !w.starts_with('-'))
        .collect();
    assert_eq!(
        verbs,
        ["validate", "lint", "test", "diff", "sync", "list", "help", ":4"],
        "{text}"
    );
    let out = bin()
        .args(["__complete", "lint", "--fail-on", ""])
        .output()
        .unwrap();
    let values: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    assert_eq!(values, ["warning", "error", ":4"]);
}
