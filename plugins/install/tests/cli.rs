//! The real binary in a pipeline: no terminal, flags/env/stdin, exit codes, nothing printed that is secret.
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-install"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("PROMSTACK_HELM", "/nonexistent/helm");
    c
}

/// A kubeconfig whose API server does not answer.
fn dead_kubeconfig() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("kubeconfig");
    std::fs::write(&p, "apiVersion: v1\nkind: Config\nclusters: [{name: dead, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: dead-ctx, context: {cluster: dead, user: u}}]\ncurrent-context: dead-ctx\n").unwrap();
    (dir, p)
}

fn run(mut c: Command, stdin: &[u8]) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_names_the_flags_and_exit_codes() {
    let o = bin().arg("--help").output().unwrap();
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for f in [
        "--env",
        "--grafana-password-stdin",
        "--generate-grafana-password",
        "--dry-run",
        "--kubeconfig",
        "--context",
        "--namespace",
        "--output",
        "--no-color",
        "--yes",
        "Exit codes",
    ] {
        assert!(text.contains(f), "--help lacks {f}");
    }
    let help = bin().args(["uninstall", "--help"]).output().unwrap();
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for f in [
        "--delete-crds",
        "--force",
        "other owners",
        "--yes alone refuses",
    ] {
        assert!(text.contains(f), "uninstall --help lacks {f}:\n{text}");
    }
}

#[test]
fn usage_errors_are_exit_2() {
    for args in [
        &["--env", "bogus"][..],
        &["--output", "xml"],
        &["--grafana-password-stdin", "--generate-grafana-password"],
        &["--timeout", "soon"],
        // --force only says what --delete-crds may take with it
        &["uninstall", "--force", "--yes"],
    ] {
        let o = bin().args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn bad_input_is_exit_2_before_the_cluster_is_asked() {
    let (_d, kc) = dead_kubeconfig();
    // weak password on stdin
    let mut c = bin();
    c.arg("--kubeconfig")
        .arg(&kc)
        .arg("--grafana-password-stdin");
    let o = run(c, b"prom-operator\n");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("password refused"), "{}", stderr(&o));
    // an invalid values file
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("broken.yaml");
    std::fs::write(&f, "a: 1\nb: {c\n").unwrap();
    let mut c = bin();
    c.arg("--kubeconfig")
        .arg(&kc)
        .arg("--generate-grafana-password")
        .arg("-f")
        .arg(&f);
    let o = run(c, b"");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("broken.yaml:"), "{}", stderr(&o));
    // a missing chart
    let mut c = bin();
    c.arg("--kubeconfig").arg(&kc).args([
        "--generate-grafana-password",
        "--chart",
        "./no-such-chart",
    ]);
    let o = run(c, b"");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // cloud without its Ingress host and TLS Secret; a remote-write URL that is not one
    for args in [
        &["--env", "cloud", "--generate-grafana-password"][..],
        &[
            "--remote-write-url",
            "mimir:9009",
            "--generate-grafana-password",
        ],
    ] {
        let mut c = bin();
        c.arg("--kubeconfig").arg(&kc).args(args);
        let o = run(c, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    // an unreadable kubeconfig
    let o = run(
        {
            let mut c = bin();
            c.args([
                "--kubeconfig",
                "/nonexistent/kubeconfig",
                "--generate-grafana-password",
            ]);
            c
        },
        b"",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--kubeconfig"), "{}", stderr(&o));
}

#[test]
fn an_unreachable_cluster_is_exit_1_naming_the_context_and_no_secret_is_printed() {
    let (_d, kc) = dead_kubeconfig();
    let mut c = bin();
    c.arg("--kubeconfig")
        .arg(&kc)
        .arg("--grafana-password-stdin");
    let o = run(c, b"correct-horse-battery-staple\n");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("dead-ctx"), "{}", stderr(&o));
    let all = format!("{}{}", stderr(&o), String::from_utf8_lossy(&o.stdout));
    assert!(!all.contains("correct-horse"));
    assert!(!all.contains('\u{1b}'), "no colour without a terminal");
}

#[test]
fn export_needs_no_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tree");
    let o = bin()
        .arg("export")
        .arg(&out)
        .args(["-o", "json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // the nine files of the tree and promstack's three dashboards as JSON
    assert_eq!(report["files"].as_array().unwrap().len(), 12, "{report}");
    assert!(out.join("kustomization.yaml").is_file());
    assert!(out.join("dashboards/Cilium/hubble.json").is_file());
    // cloud without its Ingress host is refused before anything is written
    let o = bin()
        .arg("export")
        .arg(dir.path().join("cloud"))
        .args(["--env", "cloud"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("cloud").exists());
}

#[test]
fn common_flags_before_a_subcommand_reach_it() {
    // the way the e2e suite and kubectl users write it: flags first, then the subcommand
    let (_d, kc) = dead_kubeconfig();
    for sub in [&["uninstall", "--yes"][..], &["status"]] {
        let mut c = bin();
        c.arg("--kubeconfig")
            .arg(&kc)
            .args(["--namespace", "x", "--no-color"])
            .args(sub);
        let o = run(c, b"");
        assert_eq!(o.status.code(), Some(1), "{sub:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("dead-ctx") || stderr(&o).contains("127.0.0.1:1"),
            "{sub:?} did not try the cluster of --kubeconfig: {}",
            stderr(&o)
        );
    }
}

#[test]
fn completes_from_its_own_flags_and_writes_a_bash_script_bash_reads() {
    let out = bin().args(["__complete", "--env", ""]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(
        text.starts_with("local\tSmall single cluster") && text.contains("\ncloud\t"),
        "{text}"
    );
    assert!(text.ends_with(":4\n"), "{text}");
    let out = bin().args(["__complete", "st"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("status\t"));
    let out = bin()
        .args(["__complete", "status", "--prom"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("--prometheus-url\t"), "{text}");

    let script = bin().args(["__completion", "bash"]).output().unwrap();
    assert!(script.status.success());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.bash");
    std::fs::write(&file, &script.stdout).unwrap();
    // sourced by a real bash, asked what `kubectl-promstack-install --env <TAB>` completes to
    let probe = format!(
        "source {}; COMP_WORDS=(kubectl-promstack-install --env ''); COMP_CWORD=2; _kubectl__promstack__install kubectl-promstack-install '' --env; echo \"${{COMPREPLY[*]}}\"",
        file.display()
    );
    let out = Command::new("bash").args(["-c", &probe]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "local cloud");
    let bad = bin().args(["__completion", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
