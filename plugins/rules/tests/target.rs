//! PromQL checked for the Prometheus that will load it: a construct behind a feature flag is
//! refused naming the flag and what the target enables (the stack's as installed, the live
//! Prometheus's `spec.enableFeatures`, or `--enable-feature`), and accepted where it is enabled.
use promstack_rules::{load, sync_with_check, SyncOptions};
use promstack_shared::kube::cluster::MemoryCluster;
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::terminal::ui::Ui;
use serde_json::json;
use std::process::{Command, Stdio};

const LIMITK: &str = "groups:\n  - name: g\n    rules:\n      - record: job:top:limit\n        expr: limitk(2, up)\n";

fn dir_with(text: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x.yaml"), text).unwrap();
    tmp
}

fn cluster(features: &[&str]) -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(json!({"apiVersion":"monitoring.coreos.com/v1","kind":"Prometheus","metadata":{"name":"kube-prometheus-prometheus","namespace":"monitoring"},
        "spec":{"ruleSelector": {}, "ruleNamespaceSelector": {}, "enableFeatures": features}}));
    c
}

async fn sync(
    c: &MemoryCluster,
    loaded: &load::Loaded,
    target: TargetArgs,
) -> anyhow::Result<promstack_rules::sync::SyncReport> {
    let opts = SyncOptions {
        namespace: "monitoring".into(),
        selector_check: true,
        target,
        ..Default::default()
    };
    sync_with_check(c, loaded, &opts, &Ui::silent()).await
}

#[tokio::test]
async fn sync_checks_for_the_live_prometheus_that_selects_the_rules() {
    let tmp = dir_with(LIMITK);
    let loaded = load::valid_for(
        Some(tmp.path()),
        "monitoring",
        &promstack_shared::prometheus::promql::Target::any(),
    )
    .unwrap();
    // the stack's Prometheus has no feature on: refused before any write, naming the flag
    let c = cluster(&[]);
    let e = sync(&c, &loaded, TargetArgs::default()).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 2);
    assert_eq!(c.writes(), 0);
    assert!(
        e.to_string().contains("x.yaml:4: group `g`, rule `job:top:limit`: invalid PromQL: 1:1: `limitk` needs --enable-feature=promql-experimental-functions on Prometheus (Prometheus monitoring/kube-prometheus-prometheus enables: none)"),
        "{e}"
    );
    // the live object enables it: synced
    let c = cluster(&["promql-experimental-functions"]);
    let r = sync(&c, &loaded, TargetArgs::default()).await.unwrap();
    assert_eq!(r.created, 1);
    // the flag decides where it is given
    let c = cluster(&["promql-experimental-functions"]);
    let e = sync(
        &c,
        &loaded,
        TargetArgs {
            enable_feature: vec!["native-histograms".into()],
        },
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("(--enable-feature enables: none)"),
        "{e}"
    );
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-rules"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// The binary on `dir` with these arguments (`{dir}` stands for it).
fn run(dir: &str, args: &[&str]) -> std::process::Output {
    let args: Vec<&str> = args
        .iter()
        .map(|a| if *a == "{dir}" { dir } else { a })
        .collect();
    bin().args(args).output().unwrap()
}

#[test]
fn validate_checks_for_the_stack_as_installed_or_the_flags() {
    let tmp = dir_with(LIMITK);
    let dir = tmp.path().to_str().unwrap();
    let o = run(dir, &["validate", "--dir", "{dir}"]);
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("`limitk` needs --enable-feature=promql-experimental-functions on Prometheus (the stack enables: none)"),
        "{out}"
    );
    let flag = ["validate", "--dir", "{dir}", "--enable-feature"];
    let o = run(
        dir,
        &[&flag[..], &["promql-experimental-functions"]].concat(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    // a name Prometheus does not know is bad usage
    let o = run(
        dir,
        &[&flag[..], &["promql-experimental-function"]].concat(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a feature flag of Prometheus 3.14"));
    // offline GitOps rendering checks for the stack too
    let o = run(dir, &["sync", "--dir", "{dir}", "--dry-run", "-o", "yaml"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
