//! The e2e suites' side of the cluster (PROMSTACK_E2E_KUBECONFIG): its kubeconfig, kubectl
//! against it, a throwaway namespace, and a plugin run with `-o json` (standard input fed or not).
use super::output_fed;
use std::path::{Path, PathBuf};

/// Why a cluster test is ignored by default; `#[ignore = ...]` takes a literal, so this is the
/// text to use there, and the panic of [`e2e_kubeconfig`].
pub const NEEDS_A_CLUSTER: &str = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG";

/// The kubeconfig of the e2e cluster (PROMSTACK_E2E_KUBECONFIG). A cluster test run without it
/// (`cargo test -- --ignored` on a machine with no cluster) fails saying so, instead of passing
/// without having run.
pub fn e2e_kubeconfig() -> PathBuf {
    match std::env::var_os("PROMSTACK_E2E_KUBECONFIG") {
        Some(k) if !k.is_empty() => PathBuf::from(k),
        _ => panic!("{NEEDS_A_CLUSTER} (a kubeconfig of a cluster the suite may install into)"),
    }
}

/// kubectl (`PROMSTACK_KUBECTL`, else `kubectl` on PATH) against the e2e cluster.
pub fn kubectl(kubeconfig: &Path, args: &[&str]) -> std::process::Output {
    let bin = std::env::var_os("PROMSTACK_KUBECTL").unwrap_or_else(|| "kubectl".into());
    std::process::Command::new(bin)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .output()
        .expect("kubectl runs")
}

/// A throwaway namespace of an e2e suite, deleted when dropped (without waiting).
pub struct E2eNamespace {
    pub kubeconfig: PathBuf,
    pub name: String,
}

impl E2eNamespace {
    /// Create `<prefix>-<pid>`.
    pub fn create(kubeconfig: &Path, prefix: &str) -> Self {
        let name = format!("{prefix}-{}", std::process::id());
        let o = kubectl(kubeconfig, &["create", "namespace", &name]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        E2eNamespace {
            kubeconfig: kubeconfig.to_path_buf(),
            name,
        }
    }
}

impl Drop for E2eNamespace {
    fn drop(&mut self) {
        let _ = kubectl(
            &self.kubeconfig,
            &["delete", "namespace", &self.name, "--wait=false"],
        );
    }
}

/// Run a plugin binary against the e2e cluster in `ns` with `-o json`; its result, after
/// asserting it exited 0 (else its exit code and stderr).
pub fn plugin_json(bin: &str, kubeconfig: &Path, ns: &str, args: &[&str]) -> serde_json::Value {
    plugin_json_fed(bin, kubeconfig, ns, args, None)
}

/// [`plugin_json`] with `input` on standard input (`-f -`), else none.
pub fn plugin_json_fed(
    bin: &str,
    kubeconfig: &Path,
    ns: &str,
    args: &[&str],
    input: Option<&[u8]>,
) -> serde_json::Value {
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(["-n", ns, "-o", "json", "--no-color"]);
    let o = output_fed(&mut cmd, input.unwrap_or_default());
    assert!(
        o.status.success(),
        "{args:?}: exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}
