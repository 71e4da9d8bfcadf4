//! End to end against a real cluster (PROMSTACK_E2E_KUBECONFIG): sync promstack's dashboards into a
//! throwaway namespace, check labels, annotation and keys on the live ConfigMaps, prune one, clean up.
use promstack_shared::testing::{kubectl, plugin_json, E2eNamespace};
use std::path::Path;

const DASHBOARDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards");

fn dashboards(kc: &Path, ns: &str, args: &[&str]) -> serde_json::Value {
    plugin_json(
        env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"),
        kc,
        ns,
        args,
    )
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn sync_verify_prune() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-dash-e2e");
    let tmp = tempfile::tempdir().unwrap();
    for f in promstack_dashboards::read(Some(std::path::Path::new(DASHBOARDS))).unwrap() {
        let p = tmp.path().join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.text).unwrap();
    }
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(
        dashboards(&kc, &ns.name, &["sync", "--dir", dir])["created"],
        3
    );
    assert_eq!(
        dashboards(&kc, &ns.name, &["sync", "--dir", dir])["unchanged"],
        3
    );
    let live = kubectl(
        &kc,
        &[
            "-n",
            &ns.name,
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
        dashboards(&kc, &ns.name, &["sync", "--dir", dir, "--prune"])["pruned"],
        1
    );
    let listed = dashboards(&kc, &ns.name, &["list"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // check: against PROMSTACK_E2E_PROMETHEUS_URL, else through a port-forward to the stack
    // in PROMSTACK_E2E_NAMESPACE (default monitoring)
    let stack_ns = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let mut args = vec!["check".to_string(), "--dir".into(), dir.to_string()];
    let target_ns = match std::env::var("PROMSTACK_E2E_PROMETHEUS_URL") {
        Ok(url) => {
            args.extend(["--prometheus-url".into(), url]);
            ns.name.clone()
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
