//! End to end against a real cluster (PROMSTACK_E2E_KUBECONFIG): sync promstack's dashboards into a
//! throwaway namespace, check labels, annotation and keys on the live ConfigMaps, prune one, sync
//! it back from a stream `kubectl kustomize` builds, clean up; a dashboard moved to another folder is one ConfigMap after one sync; a copy of one of the
//! stack's dashboards that kept its uid is refused before any write. Each sync waits until the
//! stack's Grafana serves what it wrote (PROMSTACK_E2E_GRAFANA_URL, else a port-forward); the
//! Grafana half is `e2e_grafana`.
mod e2e_grafana;
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
    e2e_grafana::grafana_from_env();
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-dash-e2e");
    let tmp = tempfile::tempdir().unwrap();
    for f in promstack_dashboards::read(Some(std::path::Path::new(DASHBOARDS))).unwrap() {
        let p = tmp.path().join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &f.text).unwrap();
    }
    let dir = tmp.path().to_str().unwrap();
    let synced = dashboards(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(synced["created"], 3);
    // every Cilium dashboard is served, in the Cilium folder
    assert_eq!(
        (&synced["grafana"]["result"], &synced["grafana"]["arrived"]),
        (&serde_json::json!("checked"), &serde_json::json!(3)),
        "{synced:#}"
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
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    sync_once_from_a_stream(&kc, &ns.name);

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
    let reports = reports["dashboards"].as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert!(
        reports
            .iter()
            .all(|r| r["errors"].as_array().unwrap().is_empty()),
        "{reports:#?}"
    );
}

/// The dashboard pruned above comes back from a stream, as `kubectl kustomize` (kubectl 1.33's
/// kustomize) builds it from a configMapGenerator with the sidecar's label and folder annotation
/// beside another ConfigMap: `sync -f -` writes the very ConfigMap the folder's sync wrote
/// (name, folder, source) and leaves the others of ours; `--prune` is refused for a stream.
fn sync_once_from_a_stream(kc: &Path, ns: &str) {
    let kubectl_bin = promstack_shared::testing::tool("kubectl");
    let tree = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(DASHBOARDS).join("Cilium/hubble.json"),
        tree.path().join("hubble.json"),
    )
    .unwrap();
    std::fs::write(
        tree.path().join("kustomization.yaml"),
        "configMapGenerator:\n  - name: hubble\n    files: [hubble.json]\n    options:\n      labels: {grafana_dashboard: \"1\"}\n      annotations: {grafana_folder: Cilium}\n  - name: settings\n    literals: [a=b]\n",
    )
    .unwrap();
    let built = promstack_shared::testing::output_ok(
        std::process::Command::new(kubectl_bin)
            .arg("kustomize")
            .arg(tree.path()),
    );
    let bin = env!("CARGO_BIN_EXE_kubectl-promstack-dashboards");
    let fed = |args: &[&str]| {
        promstack_shared::testing::plugin_json_fed(bin, kc, ns, args, Some(&built.stdout))
    };
    let r = fed(&["sync", "-f", "-"]);
    assert_eq!(
        (
            r["created"].clone(),
            r["outside"].clone(),
            r["sources"]["skipped"].clone()
        ),
        (1.into(), 2.into(), 1.into()),
        "{r}"
    );
    let live = kubectl(
        kc,
        &[
            "-n",
            ns,
            "get",
            "configmap",
            "dashboard-cilium-hubble",
            "-o",
            "jsonpath={.metadata.annotations.grafana_folder} {.metadata.labels.app\\.kubernetes\\.io/managed-by}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&live.stdout), "Cilium promstack");
    assert_eq!(fed(&["sync", "-f", "-"])["unchanged"], 1);
    let listed = fed(&["list", "-f", "-"]);
    assert_eq!(
        listed["items"][0]["name"], "dashboard-cilium-hubble",
        "{listed}"
    );
    let mut prune = std::process::Command::new(bin);
    prune
        .args(["sync", "-f", "-", "--prune", "-n", ns, "--kubeconfig"])
        .arg(kc);
    let o = promstack_shared::testing::output_fed(&mut prune, &built.stdout);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn run(kc: &Path, ns: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"))
        .args(args)
        .arg("--kubeconfig")
        .arg(kc)
        .args(["-n", ns, "--no-color"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// The names of the dashboard ConfigMaps in `ns`.
fn sidecar_configmaps(kc: &Path, ns: &str) -> Vec<serde_json::Value> {
    let o = kubectl(
        kc,
        &[
            "-n",
            ns,
            "get",
            "configmap",
            "-l",
            "grafana_dashboard=1",
            "-o",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    list["items"].as_array().unwrap().clone()
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn a_move_is_one_configmap_and_a_taken_uid_is_refused() {
    e2e_grafana::grafana_from_env();
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-dash-move-e2e");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let neg = "{\n  \"title\": \"Neg\",\n  \"uid\": \"negm-e2e\",\n  \"panels\": []\n}\n";
    std::fs::create_dir_all(tmp.path().join("Folder A")).unwrap();
    std::fs::write(tmp.path().join("Folder A/neg.json"), neg).unwrap();
    assert_eq!(
        dashboards(&kc, &ns.name, &["sync", "--dir", dir])["created"],
        1
    );

    // moved to the top folder: diff says move, one sync leaves one ConfigMap, in the new folder
    std::fs::remove_dir_all(tmp.path().join("Folder A")).unwrap();
    std::fs::write(tmp.path().join("neg.json"), neg).unwrap();
    let d = run(&kc, &ns.name, &["diff", "--dir", dir]);
    let text = String::from_utf8_lossy(&d.stdout);
    assert!(
        text.contains("move dashboard-folder-a-neg → dashboard-neg")
            && text.contains("-    grafana_folder: Folder A"),
        "{text}"
    );
    let r = dashboards(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(
        (r["created"].as_u64(), r["moved"].as_u64()),
        (Some(1), Some(1)),
        "{r}"
    );
    let live = sidecar_configmaps(&kc, &ns.name);
    assert_eq!(live.len(), 1, "{live:#?}");
    assert_eq!(live[0]["metadata"]["name"], "dashboard-neg");
    assert!(live[0]["metadata"]["annotations"]
        .get("grafana_folder")
        .is_none());
    assert_eq!(
        dashboards(&kc, &ns.name, &["sync", "--dir", dir])["unchanged"],
        1
    );

    // a copy of one of the stack's own dashboards that kept its uid
    let stack_ns = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let chart = sidecar_configmaps(&kc, &stack_ns);
    let theirs = chart
        .iter()
        .find(|c| c["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm")
        .unwrap_or_else(|| panic!("no dashboard ConfigMap of the chart in namespace {stack_ns} (PROMSTACK_E2E_NAMESPACE)"));
    let name = theirs["metadata"]["name"].as_str().unwrap();
    let json_text = theirs["data"].as_object().unwrap().values().next().unwrap();
    std::fs::create_dir_all(tmp.path().join("Copies")).unwrap();
    std::fs::write(
        tmp.path().join("Copies/edited.json"),
        json_text.as_str().unwrap(),
    )
    .unwrap();
    let o = run(&kc, &ns.name, &["sync", "--dir", dir]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("from ConfigMap {stack_ns}/{name}"))
            && stderr.contains("Copies/edited.json"),
        "{stderr}"
    );
    assert_eq!(
        run(&kc, &ns.name, &["diff", "--dir", dir]).status.code(),
        Some(3)
    );
    assert_eq!(
        sidecar_configmaps(&kc, &ns.name).len(),
        1,
        "nothing was written"
    );

    // the sidecar reads labelled Secrets too (the grafana chart's `resource: both`)
    std::fs::remove_dir_all(tmp.path().join("Copies")).unwrap();
    let secret_dashboard = "{\"uid\": \"secret-dash-e2e\", \"title\": \"S\", \"panels\": []}";
    let o = kubectl(
        &kc,
        &[
            "-n",
            &ns.name,
            "create",
            "secret",
            "generic",
            "team-dashboard",
            &format!("--from-literal=s.json={secret_dashboard}"),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = kubectl(
        &kc,
        &[
            "-n",
            &ns.name,
            "label",
            "secret",
            "team-dashboard",
            "grafana_dashboard=1",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(tmp.path().join("mine.json"), secret_dashboard).unwrap();
    let o = run(&kc, &ns.name, &["sync", "--dir", dir]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "mine.json:1: uid `secret-dash-e2e` is already Grafana's dashboard from Secret {}/team-dashboard (not promstack's)",
            ns.name
        )),
        "{stderr}"
    );
    assert_eq!(
        sidecar_configmaps(&kc, &ns.name).len(),
        1,
        "nothing was written"
    );
}
