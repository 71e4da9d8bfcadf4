//! Completion the kubectl way: `kubectl_complete-promstack` (a link to the umbrella) completes the
//! first word itself and asks the plugin the words are for (`kubectl-promstack-<sub> __complete
//! WORDS...`); the real kubectl runs it. Stand-in plugins here say what they were asked; the
//! plugins' own answers from their flags are tested in their crates (tests/cli.rs).
use promstack_shared::testing::needs;
use promstack_shared::testing::{copy_executable, write_executable};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A folder like a user's bin: the umbrella, its completion link, and two stand-in plugins that
/// print the words they were asked to complete.
fn bin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let umbrella = dir.path().join("kubectl-promstack");
    copy_executable(
        Path::new(env!("CARGO_BIN_EXE_kubectl-promstack")),
        &umbrella,
    );
    symlink(&umbrella, dir.path().join("kubectl_complete-promstack")).unwrap();
    for sub in ["install", "rules"] {
        let p = dir.path().join(format!("kubectl-promstack-{sub}"));
        let script = format!(
            "#!/bin/sh\nif [ \"$1\" = __complete ]; then shift; echo \"{sub} asked:$(for w in \"$@\"; do printf ' [%s]' \"$w\"; done)\"; echo :4; fi\n"
        );
        write_executable(&p, &script);
    }
    dir
}

fn run(exe: &Path, args: &[&str]) -> String {
    let out = promstack_shared::testing::output_ok(
        Command::new(exe).args(args).env("PATH", "/usr/bin:/bin"),
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_first_word_is_the_plugins_found_and_the_rest_is_the_plugins_answer() {
    let dir = bin_dir();
    let complete = dir.path().join("kubectl_complete-promstack");
    let first = run(&complete, &[""]);
    let names: Vec<&str> = first
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["install", "rules", "status", "completion", ":4"],
        "{first}"
    );
    assert!(
        first.starts_with("install\tInstall kube-prometheus-stack"),
        "{first}"
    );
    assert_eq!(
        run(&complete, &["r"]),
        "rules\tPrometheusRules as code: validate, lint, test, diff, sync, list\n:4\n"
    );
    assert_eq!(
        run(&complete, &["install", "--env", ""]),
        "install asked: [--env] []\n:4\n"
    );
    assert_eq!(
        run(&complete, &["status", "-o", "j"]),
        "install asked: [status] [-o] [j]\n:4\n",
        "status is install status"
    );
    assert_eq!(run(&complete, &["completion", "z"]), "zsh\n:4\n");
    assert_eq!(
        run(&complete, &["nope", ""]),
        ":0\n",
        "an unknown plugin: the shell's default"
    );
}

#[test]
fn a_link_named_for_one_plugin_answers_for_it() {
    // with every plugin on PATH kubectl asks kubectl_complete-promstack-<sub>
    let dir = bin_dir();
    let link = dir.path().join("kubectl_complete-promstack-rules");
    symlink(dir.path().join("kubectl-promstack"), &link).unwrap();
    assert_eq!(
        run(&link, &["sync", "--"]),
        "rules asked: [sync] [--]\n:4\n"
    );
}

#[needs(kubectl)]
#[test]
fn the_real_kubectl_completes_through_it() {
    let kubectl = promstack_shared::testing::tool("kubectl");
    let dir = bin_dir();
    let path = format!("{}:/usr/bin:/bin", dir.path().display());
    let complete = |words: &[&str]| {
        let out = Command::new(&kubectl)
            .arg("__complete")
            .args(words)
            .env("PATH", &path)
            .env("KUBECONFIG", "/nonexistent")
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let first = complete(&["promstack", ""]);
    for want in ["install\t", "rules\t", "status\t", "completion\t"] {
        assert!(first.contains(want), "kubectl promstack <TAB>: {first}");
    }
    // krew's layout: only kubectl-promstack on PATH, so kubectl asks kubectl_complete-promstack
    let krew = tempfile::tempdir().unwrap();
    for name in ["kubectl-promstack", "kubectl_complete-promstack"] {
        symlink(dir.path().join("kubectl-promstack"), krew.path().join(name)).unwrap();
    }
    let out = Command::new(&kubectl)
        .args(["__complete", "promstack", "rules", "l"])
        .env("PATH", format!("{}:/usr/bin:/bin", krew.path().display()))
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("rules asked: [l]"), "{text}");
}

#[test]
fn completion_scripts_of_every_plugin() {
    let dir = bin_dir();
    // the stand-ins answer `__completion SHELL` with a line naming the shell
    for sub in ["install", "rules"] {
        let p: PathBuf = dir.path().join(format!("kubectl-promstack-{sub}"));
        write_executable(&p, &format!("#!/bin/sh\necho \"# {sub} $2 script\"\n"));
    }
    let out = run(
        &dir.path().join("kubectl-promstack"),
        &["completion", "fish"],
    );
    assert!(
        out.contains("# install fish script") && out.contains("# rules fish script"),
        "{out}"
    );
    let bad = Command::new(dir.path().join("kubectl-promstack"))
        .args(["completion", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
