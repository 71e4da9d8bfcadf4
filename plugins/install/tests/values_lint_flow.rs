//! The values lint in the install flow: an unknown key is refused before any write (exit 2),
//! with file:line and the nearest key; `--allow-unknown-values` lets it through with a warning.
mod common;
use common::*;

fn typo_file(dir: &std::path::Path) -> std::path::PathBuf {
    let f = dir.join("typo.yaml");
    std::fs::write(
        &f,
        "grafana:\n  adminn:\n    existingSecret: x\nalertmanager:\n  alertmanagerSpec:\n    replica: 2\n",
    )
    .unwrap();
    f
}

#[tokio::test]
async fn an_unknown_key_is_refused_before_any_write_naming_file_line_and_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.user_values = vec![typo_file(dir.path())];
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    assert_eq!(code(&e), 2, "{e}");
    let msg = e.to_string();
    let file = dir.path().join("typo.yaml").display().to_string();
    for want in [
        format!("{file}:2: `adminn` is not a key of grafana; did you mean `admin`?"),
        format!("{file}:6: `replica` is not a key of alertmanager.alertmanagerSpec; did you mean `replicas`?"),
        "--allow-unknown-values".to_string(),
    ] {
        assert!(msg.contains(&want), "want `{want}` in: {msg}");
    }
    assert_eq!(c.writes(), 0, "nothing written");
    assert!(!h.calls().contains(&"upgrade".to_string()));
}

#[tokio::test]
async fn allow_unknown_values_lets_them_through_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.user_values = vec![typo_file(dir.path())];
    o.allow_unknown_values = true;
    let (res, printed) = run_captured(&o, &c, &h).await;
    let out = res.unwrap();
    assert!(out.report.changed);
    assert!(
        printed
            .iter()
            .any(|l| l.contains("`adminn` is not a key of grafana")
                && l.contains("--allow-unknown-values")),
        "{printed:?}"
    );
}
