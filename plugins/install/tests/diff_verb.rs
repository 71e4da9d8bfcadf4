//! `install diff` as the command line runs it (one test: the process's cache folder is its own):
//! exit 0 when nothing would change, 3 when something would; no write either way.
mod common;
use common::*;
use promstack_shared::ExitCode;

#[tokio::test]
async fn install_diff_exits_0_when_nothing_would_change_and_3_when_something_would() {
    let cache = tempfile::tempdir().unwrap();
    // the only test of this binary, set before anything reads the environment
    std::env::set_var("XDG_CACHE_HOME", cache.path());
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    c.reset_counts();
    let diff = |extra: &[&str]| {
        let mut argv = vec!["kubectl-promstack-install", "diff", "--no-color"];
        argv.extend(extra);
        promstack_install::cli::parse_from(argv).unwrap()
    };
    let same = promstack_install::run_with(&diff(&[]), &*c, &h)
        .await
        .unwrap();
    assert_eq!(same, ExitCode::Ok);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("no-tls.yaml");
    std::fs::write(&f, "prometheusOperator:\n  tls:\n    enabled: false\n").unwrap();
    let changed =
        promstack_install::run_with(&diff(&["-f", f.to_str().unwrap(), "-o", "json"]), &*c, &h)
            .await
            .unwrap();
    assert_eq!(changed, ExitCode::CheckFailed);
    assert_eq!(c.writes(), 0);
    // a typo is bad input here too
    let typo = dir.path().join("typo.yaml");
    std::fs::write(&typo, "prometheusOperater:\n  tls: {}\n").unwrap();
    let e = promstack_install::run_with(&diff(&["-f", typo.to_str().unwrap()]), &*c, &h)
        .await
        .unwrap_err();
    assert_eq!(code(&e), 2, "{e}");
}
