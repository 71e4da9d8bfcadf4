//! End to end against a real cluster (PROMSTACK_E2E_KUBECONFIG): sync promstack's dashboards into a
//! throwaway namespace, check labels, annotation and keys on the live ConfigMaps, prune one, clean up.
use std::path::PathBuf;
use std::process::{Command, Stdio};

const DASHBOARDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards");

struct Ns(PathBuf, String);

impl Drop for Ns {
    fn drop(&mut self) {
        let _ = kubectl(&self.0, &["delete", "namespace", &self.1, "--wait=false"]);
    }
}

fn kubectl(kc: &PathBuf, args: &[&str]) -> std::process::Output {
    Command::new(std::env::var_os("PROMSTACK_KUBECTL").unwrap_or_else(|| "kubectl".into()))
        .arg("--kubeconfig")
        .arg(kc)
        .args(args)
        .output()
        .expect("kubectl runs")
}

fn dashboards(kc: &PathBuf, ns: &str, args: &[&str]) -> serde_json::Value {
    let o = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kc)
        .args(["-n", ns, "-o", "json", "--no-color"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn sync_verify_prune() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let name = format!("promstack-dash-e2e-{}", std::process::id());
    assert!(kubectl(&kc, &["create", "namespace", &name])
        .status
        .success());
    let ns = Ns(kc.clone(), name.clone());
    let tmp = tempfile::tempdir().unwrap();
    for f in promstack_dashboards::read(Some(std::path::Path::new(DASHBOARDS))).unwrap() {
        let p = tmp.path().join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.text).unwrap();
    }
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(
        dashboards(&kc, &ns.1, &["sync", "--dir", dir])["created"],
        3
    );
    assert_eq!(
        dashboards(&kc, &ns.1, &["sync", "--dir", dir])["unchanged"],
        3
    );
    let live = kubectl(
        &kc,
        &[
            "-n",
            &ns.1,
            "get",
            "configmap",
            "dashboard-cilium-cilium-agent",
            "-o",
            "json",
        ],
    );
    let cm: serde_json::Value = serde_json::from_slice(&live.stdout).unwrap();
    assert_eq!(cm["metadata"]["labels"]["grafana_dashboard"], "1");
    assert_eq!(
        cm["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "promstack"
    );
    assert_eq!(cm["metadata"]["annotations"]["grafana_folder"], "Cilium");
    assert!(cm["data"]["cilium-agent.json"].is_string());
    std::fs::remove_file(tmp.path().join("Cilium/hubble.json")).unwrap();
    assert_eq!(
        dashboards(&kc, &ns.1, &["sync", "--dir", dir, "--prune"])["pruned"],
        1
    );
    let listed = dashboards(&kc, &ns.1, &["list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // check: against PROMSTACK_E2E_PROMETHEUS_URL, else through a port-forward to the stack
    // in PROMSTACK_E2E_NAMESPACE (default monitoring)
    let stack_ns = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let mut args = vec!["check".to_string(), "--dir".into(), dir.to_string()];
    let target_ns = match std::env::var("PROMSTACK_E2E_PROMETHEUS_URL") {
        Ok(url) => {
            args.extend(["--prometheus-url".into(), url]);
            ns.1.clone()
        }
        Err(_)
            if kubectl(
                &kc,
                &[
                    "-n",
                    &stack_ns,
                    "get",
                    "service",
                    "kube-prometheus-prometheus",
                ],
            )
            .status
            .success() =>
        {
            stack_ns.clone()
        }
        Err(_) => panic!(
            "dashboards check needs the stack: none in namespace {stack_ns} (PROMSTACK_E2E_NAMESPACE) and no PROMSTACK_E2E_PROMETHEUS_URL; install it with `kubectl promstack install -n {stack_ns}` first"
        ),
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let reports = dashboards(&kc, &target_ns, &args);
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert!(
        reports
            .iter()
            .all(|r| r["errors"].as_array().unwrap().is_empty()),
        "{reports:#?}"
    );
}
