//! End to end against a real cluster (ignored unless asked for; fails without a kubeconfig):
//!
//!   PROMSTACK_E2E_KUBECONFIG=~/.kube/config cargo test -p kubectl-promstack-install --test e2e -- --ignored --nocapture
//!
//! Optional: PROMSTACK_E2E_CHART (local chart dir or .tgz instead of the pinned remote chart),
//! PROMSTACK_E2E_VALUES (an extra values file passed through with -f), PROMSTACK_E2E_*_URL.
//! The cluster must have no kube-prometheus-stack yet (one per cluster: the suite checks that a
//! second one is refused, and says so when one is there). It installs with --env local into a
//! throwaway namespace, asserts that a Secret nobody makes (`grafana.envFromSecret`) is refused at
//! pre-flight with nothing written, the object names, the Secrets, the namespace's Pod Security
//! labels (no admission warning for node-exporter), the CRDs Established, that a second run changes nothing, that a second stack and
//! webhooks off render as they should, that every workload check of `status` is ok, and
//! uninstalls cleanly. CRDs and the kubelet Service in kube-system are removed afterwards only if
//! this test created them (with --force: what the CRDs hold then is the suite's too). The
//! rollback plan (uninstall --delete-crds with another team's ServiceMonitors, then install at
//! once, five times) is `e2e_crds`.
mod e2e_crds;
mod e2e_diff;
mod e2e_support;
mod e2e_versions;
use e2e_support::{no_pod_security_warning, stack, storage_class};
use promstack_shared::kube::cluster::{Cluster, KubeCluster, ObjRef};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct E2e {
    kubeconfig: PathBuf,
    namespace: String,
    crds_existed: bool,
    kubelet_existed: bool,
    rt: tokio::runtime::Runtime,
    cluster: KubeCluster,
}

impl E2e {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-install"));
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(["--namespace", &self.namespace, "--no-color"])
            .args(args);
        c.stdin(Stdio::null());
        c
    }
    fn get(&self, api: &str, kind: &str, ns: Option<&str>, name: &str) -> Option<Value> {
        self.rt
            .block_on(self.cluster.get(&ObjRef::new(api, kind, ns, name)))
            .unwrap()
    }
}

impl Drop for E2e {
    fn drop(&mut self) {
        let mut args = vec!["uninstall", "--yes", "--delete-namespace"];
        if !self.crds_existed {
            // the CRDs are this suite's, and so is what they hold (on ../shared/harness, Cilium's
            // ServiceMonitors come with them): --force deletes those too
            args.extend(["--delete-crds", "--force"]);
        }
        if !self.kubelet_existed {
            args.push("--delete-kubelet-service");
        }
        match self.cmd(&args).output() {
            Ok(o) if o.status.success() => {
                eprintln!("e2e: cleaned up namespace {}", self.namespace)
            }
            Ok(o) => eprintln!(
                "e2e: CLEANUP FAILED for namespace {}: {}",
                self.namespace,
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => eprintln!("e2e: CLEANUP FAILED for namespace {}: {e}", self.namespace),
        }
    }
}

fn json(o: &std::process::Output) -> Value {
    assert!(
        o.status.success(),
        "exit {:?}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

/// Where a kube-prometheus-stack is installed already, by its Grafana ClusterRole's owner.
fn stack_elsewhere(rt: &tokio::runtime::Runtime, c: &KubeCluster) -> Option<String> {
    rt.block_on(c.get(&ObjRef::new(
        "rbac.authorization.k8s.io/v1",
        "ClusterRole",
        None,
        "kube-prometheus-grafana-clusterrole",
    )))
    .unwrap()
    .map(|r| {
        r.pointer("/metadata/annotations/meta.helm.sh~1release-namespace")
            .and_then(Value::as_str)
            .unwrap_or("an unknown namespace")
            .to_string()
    })
}

/// A throwaway namespace `promstack-e2e-<what>-…` on a cluster without a kube-prometheus-stack
/// (one per cluster: a second one is refused with exit 3, which is checked before failing), and
/// whether the CRDs and the kubelet Service were there before (then they are left at the end);
/// with the install flags every test gives (`--env local`, the cluster's StorageClass, 15m).
fn setup(what: &str) -> (E2e, Vec<String>) {
    let kubeconfig = promstack_shared::testing::e2e_kubeconfig();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cluster = rt
        .block_on(KubeCluster::connect(Some(&kubeconfig), None))
        .unwrap();
    let crds_existed = rt
        .block_on(cluster.get(&ObjRef::new(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "prometheuses.monitoring.coreos.com",
        )))
        .unwrap()
        .is_some();
    let kubelet_existed = rt
        .block_on(cluster.get(&ObjRef::new(
            "v1",
            "Service",
            Some("kube-system"),
            "kube-prometheus-kubelet",
        )))
        .unwrap()
        .is_some();
    if let Some(other) = stack_elsewhere(&rt, &cluster) {
        // what a user meets: a second stack is refused before anything is written
        let out = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-install"))
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args([
                "-n",
                "promstack-e2e-second",
                "--generate-grafana-password",
                "--no-color",
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        panic!(
            "a kube-prometheus-stack is installed in namespace {other}: the install suite needs a cluster without one (one per cluster; a second one was refused with exit 3 as it should be). Run this suite before installing the stack the other suites use, or uninstall it."
        );
    }
    let sc = storage_class(&rt, &cluster);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let namespace = format!("promstack-e2e-{what}{}-{stamp}", std::process::id());
    let e = E2e {
        kubeconfig,
        namespace: namespace.clone(),
        crds_existed,
        kubelet_existed,
        rt,
        cluster,
    };
    let flags = ["--env", "local", "--storage-class", &sc, "--timeout", "15m"]
        .map(String::from)
        .to_vec();
    (e, flags)
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn install_check_reinstall_uninstall() {
    let (e, mut extra) = setup("");
    let namespace = e.namespace.clone();
    extra.extend(["-o".into(), "json".into()]);
    if let Ok(chart) = std::env::var("PROMSTACK_E2E_CHART") {
        extra.extend(["--chart".into(), chart]);
    }
    if let Ok(values) = std::env::var("PROMSTACK_E2E_VALUES") {
        extra.extend(["-f".into(), values]);
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();

    // dry run first: nothing changes
    let mut args = extra.clone();
    args.extend(["--dry-run", "--generate-grafana-password"]);
    let plan = json(&e.cmd(&args).output().unwrap());
    assert_eq!(plan["dry_run"], true);
    assert!(
        e.get("v1", "Namespace", None, &namespace).is_none(),
        "dry run created the namespace"
    );

    // a values file that makes Grafana read its environment from a Secret nobody made: refused
    // at pre-flight (exit 3) naming the reference and its values key, before any write
    let dir = tempfile::tempdir().unwrap();
    let env_from = dir.path().join("env-from.yaml");
    std::fs::write(&env_from, "grafana:\n  envFromSecret: no-such-secret\n").unwrap();
    let mut args = extra.clone();
    args.extend([
        "--generate-grafana-password",
        "-f",
        env_from.to_str().unwrap(),
    ]);
    let out = e.cmd(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("(envFrom of container grafana) needs Secret")
            && stderr.contains("no-such-secret (set by grafana.envFromSecret"),
        "{stderr}"
    );
    assert!(
        e.get("v1", "Namespace", None, &namespace).is_none(),
        "the refused install wrote its namespace"
    );

    // install
    let mut args = extra.clone();
    args.push("--generate-grafana-password");
    let report = json(&e.cmd(&args).output().unwrap());
    assert_eq!(report["changed"], true);
    let t = &report["timings"];
    eprintln!(
        "e2e timings: total {} ms, helm {} ms, waiting {} ms, install's own work {} ms ({:.1}% of helm; target < 10%)",
        t["total_ms"], t["helm_ms"], t["waiting_ms"], t["own_ms"],
        100.0 * t["own_ms"].as_f64().unwrap() / t["helm_ms"].as_f64().unwrap().max(1.0)
    );
    let ns = Some(namespace.as_str());
    let live_ns = e.get("v1", "Namespace", None, &namespace).unwrap();
    assert_eq!(
        live_ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "privileged",
        "node-exporter needs a privileged namespace (Talos enforces baseline)"
    );
    no_pod_security_warning(&e, &namespace);
    for (kind, name) in [
        ("Deployment", "kube-prometheus-operator"),
        ("Deployment", "kube-prometheus-grafana"),
        ("Deployment", "kube-prometheus-kube-state-metrics"),
        ("DaemonSet", "kube-prometheus-prometheus-node-exporter"),
        ("StatefulSet", "prometheus-kube-prometheus-prometheus"),
        ("StatefulSet", "alertmanager-kube-prometheus-alertmanager"),
    ] {
        assert!(
            e.get("apps/v1", kind, ns, name).is_some(),
            "{kind} {name} missing"
        );
    }
    let port = |name: &str| {
        e.get("v1", "Service", ns, name)
            .unwrap_or_else(|| panic!("Service {name} missing"))["spec"]["ports"][0]["port"]
            .clone()
    };
    assert_eq!(port("kube-prometheus-prometheus"), 9090);
    assert_eq!(port("kube-prometheus-alertmanager"), 9093);
    let grafana = e
        .get("v1", "Service", ns, "kube-prometheus-grafana")
        .expect("Grafana Service");
    if grafana["spec"]["type"] == "NodePort" {
        assert_eq!(grafana["spec"]["ports"][0]["nodePort"], 30300);
    }
    for svc in ["kube-prometheus-prometheus", "kube-prometheus-alertmanager"] {
        assert_eq!(
            e.get("v1", "Service", ns, svc).unwrap()["spec"]["type"],
            "ClusterIP",
            "{svc} must not be exposed"
        );
    }
    let secret = e
        .get("v1", "Secret", ns, "promstack-grafana-admin")
        .expect("Grafana admin Secret");
    assert!(secret["data"]["admin-password"]
        .as_str()
        .is_some_and(|p| p.len() > 20));
    assert!(e
        .get("v1", "Secret", ns, "promstack-alertmanager-config")
        .is_some());
    for crd in [
        "prometheuses.monitoring.coreos.com",
        "alertmanagers.monitoring.coreos.com",
        "prometheusrules.monitoring.coreos.com",
        "servicemonitors.monitoring.coreos.com",
    ] {
        let live = e
            .get(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                crd,
            )
            .unwrap_or_else(|| panic!("CRD {crd} missing"));
        let est = live["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True");
        assert!(est, "CRD {crd} not Established");
    }

    // a second run: no password needed (no terminal, no flag), nothing changes
    let again = json(&e.cmd(&extra).output().unwrap());
    assert_eq!(
        again["changed"], false,
        "second run changed: {}",
        again["steps"]
    );

    // the webhooks off: the real chart's render mounts nothing that nobody makes (pre-flight
    // checks every Secret a rendered pod mounts), and the plan passes
    let mut args = extra.clone();
    args.extend(["--dry-run", "--no-admission-webhooks"]);
    let plan = json(&e.cmd(&args).output().unwrap());
    let mounts = plan["preflight"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "mounts")
        .expect("a mounts check");
    assert_eq!(mounts["ok"], true, "{mounts}");

    // a second stack in another namespace is refused at pre-flight, nothing written
    let other = format!("{namespace}-second");
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-install"))
        .arg("--kubeconfig")
        .arg(&e.kubeconfig)
        .args(["-n", &other, "--generate-grafana-password", "--no-color"])
        .args(&extra)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&format!("namespace {namespace}")),
        "{stderr}"
    );
    assert!(
        e.get("v1", "Namespace", None, &other).is_none(),
        "the refused install created its namespace"
    );

    // promstack's dashboards synced as a user does next; the sync waits until Grafana serves each
    let endpoints = stack::endpoint_flags();
    let synced = stack::sync_dashboards(&e, &endpoints);
    assert_eq!(synced["grafana"]["result"], "checked", "{synced:#}");
    assert_eq!(
        synced["grafana"]["missing"],
        serde_json::json!([]),
        "{synced:#}"
    );

    // status: the Definition of Done against this stack, nothing failed, and what runs
    let st = stack::status(&e, &endpoints, &["--watch", "--timeout", "5m"]);
    status_is_done(&st);

    // uninstall (the guard's uninstall then finds nothing more than the namespace)
    uninstall_leaves_nothing(&e);
}

/// Every workload ok, no check failed (Grafana's live check and the versions included), the
/// versions the chart deploys.
fn status_is_done(st: &Value) {
    let checks = st["checks"].as_array().unwrap();
    let workloads: Vec<&Value> = checks
        .iter()
        .filter(|c| c["group"] == "workloads")
        .collect();
    assert!(
        workloads.len() >= 9,
        "too few workload checks: {workloads:#?}"
    );
    let not_ok: Vec<&&Value> = workloads.iter().filter(|c| c["level"] != "ok").collect();
    assert!(
        not_ok.is_empty(),
        "workloads not all ok after install: {not_ok:#?}"
    );
    let failed: Vec<&Value> = checks.iter().filter(|c| c["level"] == "fail").collect();
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
    assert_eq!(st["healthy"], true);
    let dashboards = stack::check(st, "grafana", "dashboards");
    assert!(
        dashboards["detail"]
            .as_str()
            .unwrap()
            .contains(" dashboards in "),
        "{dashboards}"
    );
    let v = &st["versions"];
    assert_eq!(
        (
            &v["prometheus"],
            &v["alertmanager"],
            &v["operator"],
            &v["chart"]
        ),
        (
            &serde_json::json!("3.14.0"),
            &serde_json::json!("0.34.0"),
            &serde_json::json!("v0.93.1"),
            &serde_json::json!("88.5.3")
        ),
        "{v:#}"
    );
    assert_eq!(stack::check(st, "versions", "CRDs")["level"], "ok");
}

/// `uninstall` removes the release and our Secrets, and leaves the chart's webhook Secret not.
fn uninstall_leaves_nothing(e: &E2e) {
    let ns = Some(e.namespace.as_str());
    let out = e
        .cmd(&["uninstall", "--yes", "-o", "json"])
        .output()
        .unwrap();
    let un = json(&out);
    assert!(un["removed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("helm release")));
    assert!(e
        .get("v1", "Secret", ns, "promstack-grafana-admin")
        .is_none());
    assert!(
        e.get("v1", "Secret", ns, "kube-prometheus-admission")
            .is_none(),
        "the chart's webhook certificate Secret is left behind"
    );
}
