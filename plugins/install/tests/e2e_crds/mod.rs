//! The rollback plan on a real control plane (issue 29): uninstall with `--delete-namespace
//! --delete-crds`, then install again at once, five times over, with 300 ServiceMonitors of
//! another team in their own namespace (and, on ../shared/harness, Cilium's three in kube-system,
//! which its stand-in applies whenever the ServiceMonitor CRD is made). Each round: `uninstall
//! --delete-namespace --delete-crds --yes` is refused (exit 3) naming the other team's
//! ServiceMonitors, and nothing is deleted (the release, our Secret, the namespace, every CRD and
//! the 300 are still there, nothing Terminating); then with `--force` it deletes them, reports
//! them in `-o json`, and returns only once the namespace (with the stack's pods, claims and
//! custom resources in it) and every CRD are gone; then an install right after succeeds with the
//! namespace made anew, every CRD Established, and nothing left to wait for.
use super::{json, setup};
use futures::StreamExt;
use promstack_shared::kube::cluster::{ApplyOptions, Cluster, ListQuery, ObjRef};
use promstack_shared::testing::E2eNamespace;
use serde_json::{json as obj, Value};
use std::time::Instant;

const FOREIGN: usize = 300;
const ROUNDS: usize = 5;

/// A ServiceMonitor of helm release `app` in `ns` (another team's: not this stack's).
fn foreign(ns: &str, i: usize) -> Value {
    obj!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
        "metadata": {"name": format!("app-{i:03}"), "namespace": ns,
            "labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "app", "meta.helm.sh/release-namespace": ns}},
        "spec": {"selector": {"matchLabels": {"app": format!("app-{i:03}")}}, "endpoints": [{"port": "metrics"}]}})
}

fn service_monitors(e: &super::E2e, ns: Option<&str>) -> usize {
    let mut q = ListQuery::new("monitoring.coreos.com/v1", "ServiceMonitor");
    if let Some(ns) = ns {
        q = q.in_namespace(ns);
    }
    e.rt.block_on(e.cluster.list(&q)).map_or(0, |l| l.len())
}

/// promstack's CRDs as they are.
fn our_crds(e: &super::E2e) -> Vec<Value> {
    let q = ListQuery::new("apiextensions.k8s.io/v1", "CustomResourceDefinition")
        .labels("app.kubernetes.io/managed-by=promstack,promstack.io/component=install");
    e.rt.block_on(e.cluster.list(&q)).unwrap()
}

fn established(crd: &Value) -> bool {
    crd["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Established" && c["status"] == "True")
    })
}

/// The 300 ServiceMonitors of the other team, applied 16 at a time.
fn apply_foreign(e: &super::E2e, ns: &str) {
    let objects: Vec<Value> = (0..FOREIGN).map(|i| foreign(ns, i)).collect();
    let results: Vec<_> = e.rt.block_on(
        futures::stream::iter(objects.iter())
            .map(|o| e.cluster.apply(o, ApplyOptions { force: true }))
            .buffer_unordered(16)
            .collect(),
    );
    for r in results {
        r.expect("applying another team's ServiceMonitor");
    }
    assert_eq!(service_monitors(e, Some(ns)), FOREIGN);
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn uninstall_delete_namespace_and_crds_names_other_owners_and_an_install_right_after_succeeds() {
    let (e, mut flags) = setup("crds-");
    flags.push("--generate-grafana-password".into());
    if let Ok(chart) = std::env::var("PROMSTACK_E2E_CHART") {
        flags.extend(["--chart".into(), chart]);
    }
    if let Ok(values) = std::env::var("PROMSTACK_E2E_VALUES") {
        flags.extend(["-f".into(), values]);
    }
    let install: Vec<&str> = flags
        .iter()
        .map(String::as_str)
        .chain(["-o", "json"])
        .collect();
    let ns = e.namespace.clone();
    let team = E2eNamespace::create(&e.kubeconfig, "promstack-e2e-foreign");
    let report = json(&e.cmd(&install).output().unwrap());
    assert_eq!(report["changed"], true);
    for round in 1..=ROUNDS {
        let started = Instant::now();
        apply_foreign(&e, &team.name);
        let crds = our_crds(&e);
        assert!(crds.len() >= 10, "round {round}: {} CRDs", crds.len());
        let cilium = service_monitors(&e, Some("kube-system"));

        // --yes alone: refused, naming them; nothing removed
        let out = e
            .cmd(&["uninstall", "--delete-namespace", "--delete-crds", "--yes"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "round {round}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{FOREIGN} ServiceMonitors in {} (app-000, app-001, app-002, …; helm release {}/app)",
                team.name, team.name
            )),
            "round {round}: {stderr}"
        );
        if cilium > 0 {
            assert!(
                stderr.contains("in kube-system ("),
                "round {round}: {stderr}"
            );
        }
        assert_eq!(service_monitors(&e, Some(&team.name)), FOREIGN);
        let namespace = e.get("v1", "Namespace", None, &ns);
        assert!(
            namespace.is_some_and(|n| n["metadata"]["deletionTimestamp"].is_null()),
            "round {round}: the namespace is being deleted"
        );
        assert!(e
            .get("v1", "Secret", Some(&ns), "promstack-grafana-admin")
            .is_some());
        assert!(e
            .get(
                "apps/v1",
                "Deployment",
                Some(&ns),
                "kube-prometheus-operator"
            )
            .is_some());
        let still = our_crds(&e);
        assert_eq!(still.len(), crds.len(), "round {round}");
        assert!(
            still
                .iter()
                .all(|c| c["metadata"]["deletionTimestamp"].is_null()),
            "round {round}: a CRD is being deleted"
        );

        // --force: deleted with the CRDs, listed in the report; back only once the namespace and
        // the CRDs are gone
        let out = e
            .cmd(&[
                "uninstall",
                "--delete-namespace",
                "--delete-crds",
                "--force",
                "--yes",
                "-o",
                "json",
            ])
            .output()
            .unwrap();
        let un = json(&out);
        let held = un["crd_objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["crd"] == "servicemonitors.monitoring.coreos.com")
            .unwrap_or_else(|| panic!("round {round}: {un}"));
        let others = held["others"].as_array().unwrap();
        let theirs = others
            .iter()
            .filter(|o| o["namespace"] == team.name.as_str())
            .count();
        assert_eq!(theirs, FOREIGN, "round {round}");
        assert!(
            others.len() >= FOREIGN + cilium.min(3),
            "round {round}: {}",
            others.len()
        );
        assert!(
            un["removed"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r == &obj!(format!("Namespace {ns} and everything in it"))),
            "round {round}: {un}"
        );
        assert!(
            e.get("v1", "Namespace", None, &ns).is_none(),
            "round {round}: namespace {ns} left after uninstall"
        );
        assert!(
            e.get("v1", "Namespace", None, &team.name).is_some(),
            "round {round}: the other team's namespace stays"
        );
        assert!(
            our_crds(&e).is_empty(),
            "round {round}: CRDs left after uninstall"
        );
        for crd in &crds {
            let name = crd["metadata"]["name"].as_str().unwrap();
            assert!(
                e.get(
                    "apiextensions.k8s.io/v1",
                    "CustomResourceDefinition",
                    None,
                    name
                )
                .is_none(),
                "round {round}: {name} still there"
            );
        }
        let uninstalled = started.elapsed();

        // an install right after: nothing to wait for, the namespace and every CRD made anew
        let report = json(&e.cmd(&install).output().unwrap());
        assert_eq!(report["changed"], true, "round {round}");
        let waited: Vec<&Value> = report["preflight"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"] == "crds-deleted" || c["name"] == "namespace-deleted")
            .collect();
        assert!(
            waited.is_empty(),
            "round {round}: uninstall returned before the namespace and CRDs were gone: {waited:?}"
        );
        let namespace = e
            .get("v1", "Namespace", None, &ns)
            .unwrap_or_else(|| panic!("round {round}: no namespace {ns}"));
        assert!(namespace["metadata"]["deletionTimestamp"].is_null());
        assert_eq!(
            namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "privileged",
            "round {round}"
        );
        assert!(e
            .get("v1", "Secret", Some(&ns), "promstack-grafana-admin")
            .is_some());
        let made = our_crds(&e);
        assert_eq!(made.len(), crds.len(), "round {round}");
        assert!(made.iter().all(established), "round {round}");
        assert!(made
            .iter()
            .all(|c| c["metadata"]["deletionTimestamp"].is_null()));
        eprintln!(
            "e2e crds round {round}: refused, uninstalled with --delete-namespace --force ({:.1} s), installed again ({:.1} s in all)",
            uninstalled.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    }
    let crd = ObjRef::new(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        "servicemonitors.monitoring.coreos.com",
    );
    assert!(e.rt.block_on(e.cluster.get(&crd)).unwrap().is_some());
    drop(team);
}
