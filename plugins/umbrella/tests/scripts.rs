//! Every shell script of the project passes the real shellcheck (warnings and errors): the bench
//! scripts that need a real cluster (bench/install.sh) cannot run here, so this is what checks them
//! before they are run where they can be.
use promstack_shared::testing::needs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// install.sh, .ci/run, and every `*.sh` in bench/ and scripts/.
fn scripts() -> Vec<PathBuf> {
    let root = Path::new(ROOT);
    let mut out = vec![root.join("install.sh"), root.join(".ci/run")];
    for dir in ["bench", "scripts"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "sh"))
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

#[needs(shellcheck)]
#[test]
fn every_shell_script_passes_shellcheck() {
    let scripts = scripts();
    for needed in [
        "bench/install.sh",
        "bench/rules-validate.sh",
        "scripts/test.sh",
    ] {
        assert!(
            scripts.iter().any(|p| p.ends_with(needed)),
            "{needed} not among {scripts:?}"
        );
    }
    let shellcheck = promstack_shared::testing::tool("shellcheck");
    promstack_shared::testing::output_ok(
        Command::new(shellcheck)
            .args(["--severity", "warning", "--shell", "bash"])
            .args(&scripts),
    );
}
