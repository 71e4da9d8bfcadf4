//! The rollback plan with `--delete-namespace` on the in-memory cluster, whose namespaces being
//! deleted behave as the API server's do (Terminating while the namespace controller deletes what
//! is in them, saying what is left in the namespace's conditions; creates in them refused):
//! `uninstall --delete-namespace` returns only once the namespace is gone (in one wait with the
//! CRDs, within --timeout), an install right after succeeds, and an install that finds the
//! namespace being deleted waits for it, then creates it anew (`--dry-run` only says so).
mod common;
use common::*;
use promstack_install::uninstall::UninstallOptions;
use promstack_shared::kube::cluster::{Cluster, MemoryCluster, ObjRef, Pace, Verb};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn monitoring() -> ObjRef {
    ObjRef::new("v1", "Namespace", None, "monitoring")
}

/// The whole rollback plan: `--delete-namespace --delete-crds --force --yes`.
fn rollback() -> UninstallOptions {
    UninstallOptions {
        delete_namespace: true,
        delete_crds: true,
        force: true,
        ..uninstall_options()
    }
}

/// `n` ConfigMaps in `ns` (what else the namespace holds, for the controller to delete).
fn config_maps(c: &MemoryCluster, ns: &str, n: usize) {
    for i in 0..n {
        c.insert(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("cm-{i:03}"), "namespace": ns}}));
    }
}

/// The stack installed, with 100 more objects in its namespace and 100 Widgets of another team
/// in theirs: both the namespace and the CRDs have objects left to delete.
async fn installed() -> (Arc<MemoryCluster>, FakeHelm) {
    installed_with(fill).await
}

fn fill(c: &MemoryCluster) {
    config_maps(c, "monitoring", 100);
    if c.peek(&ObjRef::new("v1", "Namespace", None, "team-a"))
        .is_none()
    {
        c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}));
    }
    for i in 0..100 {
        let w = widget(
            "team-a",
            &format!("w-{i:03}"),
            helm_release("team-a", "app"),
        );
        c.insert(w);
    }
}

fn in_monitoring(c: &MemoryCluster) -> usize {
    c.objects()
        .iter()
        .filter(|o| o["metadata"]["namespace"] == "monitoring")
        .count()
}

#[tokio::test]
async fn uninstall_returns_once_the_namespace_is_gone_saying_what_is_left_meanwhile() {
    let (c, h) = installed().await;
    // the namespace controller deletes 10 objects between two requests
    c.set_deletion_pace(Pace::PerRequest(10));
    let o = UninstallOptions {
        delete_namespace: true,
        ..uninstall_options()
    };
    let (res, printed) = uninstall(&o, &c, &h).await;
    res.unwrap();
    assert!(
        c.peek(&monitoring()).is_none(),
        "gone when uninstall returns"
    );
    assert_eq!(in_monitoring(&c), 0);
    let step = printed
        .iter()
        .find(|l| l.starts_with("• waiting for namespace monitoring to be deleted: "))
        .unwrap_or_else(|| panic!("{printed:#?}"));
    assert!(
        step.starts_with(
            "• waiting for namespace monitoring to be deleted: deleting namespace monitoring: "
        ) && step.ends_with(" objects left"),
        "{step}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("✓ namespace monitoring gone, and everything in it (")),
        "{printed:#?}"
    );
    assert!(c.count(Verb::Get) > 10, "looked again until gone");
}

#[tokio::test]
async fn the_namespace_and_the_crds_are_waited_for_in_one_wait() {
    let (c, h) = installed().await;
    c.set_deletion_pace(Pace::PerRequest(10));
    let (res, printed) = uninstall(&rollback(), &c, &h).await;
    res.unwrap();
    assert!(c.peek(&monitoring()).is_none());
    assert!(c.peek(&crd(WIDGETS)).is_none());
    let step = printed
        .iter()
        .find(|l| l.starts_with("• waiting for "))
        .unwrap_or_else(|| panic!("{printed:#?}"));
    assert!(
        step.starts_with("• waiting for namespace monitoring and the CRDs to be deleted: deleting namespace monitoring: ")
            && step.contains(" objects left; deleting ")
            && step.contains(" Widgets ("),
        "{step}"
    );
    let gone: Vec<&String> = printed.iter().filter(|l| l.contains(" gone")).collect();
    assert_eq!(gone.len(), 2, "{printed:#?}");
    assert!(gone[0].starts_with("✓ namespace monitoring gone, and everything in it ("));
    assert!(gone[1].starts_with("✓ 2 CRDs gone, and 100 objects with them ("));
}

#[tokio::test]
async fn a_timeout_names_what_holds_the_namespace_and_the_crds() {
    let (c, h) = installed().await;
    // a controller's finalizers that nobody removes: one object in the namespace, one Widget
    c.insert(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "prometheus-db", "namespace": "monitoring", "finalizers": ["kubernetes.io/pvc-protection"]}}));
    c.insert(widget(
        "team-a",
        "held",
        json!({"finalizers": ["example.org/keep"], "annotations": {"meta.helm.sh/release-name": "app", "meta.helm.sh/release-namespace": "team-a"}}),
    ));
    let o = UninstallOptions {
        timeout: Duration::from_millis(300),
        ..rollback()
    };
    let started = std::time::Instant::now();
    let (res, _) = uninstall(&o, &c, &h).await;
    let e = res.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "one --timeout for both"
    );
    assert_eq!(code(&e), 1, "{e}");
    let msg = promstack_shared::error::render(&e);
    assert!(msg.starts_with("error: everything was deleted; the API server has not finished deleting it\n  caused by: timed out after "), "{msg}");
    assert!(msg.contains(" waiting for namespace monitoring and the CRDs to be deleted; still Terminating:\n  namespace monitoring: finalizers kubernetes; 1 object left (persistentvolumeclaims: 1); the API server says: NamespaceFinalizersRemaining: Some content in the namespace has finalizers remaining: kubernetes.io/pvc-protection in 1 resource instances\n"), "{msg}");
    assert!(
        msg.contains(&format!("\n  {WIDGETS}: finalizers customresourcecleanup.apiextensions.k8s.io; 1 Widget left (team-a/held); ")),
        "{msg}"
    );
    assert!(
        msg.contains("Wait for them (kubectl wait --for=delete namespace/monitoring --timeout=10m; kubectl wait --for=delete crd/widgets.fixture.promstack.io --timeout=10m) or run again with a longer --timeout."),
        "{msg}"
    );
}

#[tokio::test]
async fn the_rollback_plan_runs_again_and_again_and_the_install_right_after_succeeds() {
    let (c, h) = installed().await;
    c.set_deletion_pace(Pace::PerRequest(20));
    for round in 0..3 {
        let (res, _) = uninstall(&rollback(), &c, &h).await;
        res.unwrap_or_else(|e| panic!("round {round}: {e:#}"));
        assert!(c.peek(&monitoring()).is_none(), "round {round}");
        let (res, printed) = run_captured(&options(), &c, &h).await;
        let out = res.unwrap_or_else(|e| panic!("round {round}: {e:#}"));
        let waited = out
            .report
            .preflight
            .iter()
            .filter(|p| p.name.ends_with("-deleted"))
            .count();
        assert_eq!(waited, 0, "round {round}: nothing left to wait for");
        assert!(
            !printed.iter().any(|l| l.contains("to be deleted")),
            "round {round}: {printed:#?}"
        );
        let ns = c.peek(&monitoring()).unwrap();
        assert!(
            ns["metadata"]["deletionTimestamp"].is_null(),
            "round {round}"
        );
        assert!(c.peek(&crd(WIDGETS)).is_some(), "round {round}");
        fill(&c);
    }
}

#[tokio::test]
async fn an_install_right_after_a_namespace_deletion_waits_for_it_then_creates_it() {
    let (c, h) = installed().await;
    // deleted without waiting (kubectl delete namespace, an older promstack): Terminating, with
    // more than 100 objects to go, 10 between two requests
    c.set_deletion_pace(Pace::PerRequest(10));
    c.delete(&monitoring()).await.unwrap();
    c.reset_counts();
    let (res, printed) = run_captured(&options(), &c, &h).await;
    let out = res.unwrap();
    // helm listed the release while its namespace was Terminating; read again once it is gone,
    // there is none: installed anew, not upgraded from a release that went with the namespace
    let release = preflight_check(&out, "release");
    assert_eq!(release.detail, "release kube-prometheus not installed yet");
    assert_eq!(
        h.state.lock().unwrap().release.as_ref().unwrap().revision,
        "1"
    );
    let check = preflight_check(&out, "namespace-deleted");
    assert!(
        check
            .detail
            .starts_with("namespace monitoring being deleted, gone after "),
        "{}",
        check.detail
    );
    assert!(check.detail.ends_with(": the install creates it anew"));
    assert!(
        printed.iter().any(|l| l.starts_with(
            "• waiting for namespace monitoring to be deleted: deleting namespace monitoring: "
        )),
        "{printed:#?}"
    );
    let ns = c.peek(&monitoring()).expect("created anew");
    assert!(ns["metadata"]["deletionTimestamp"].is_null(), "{ns}");
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    let cm = ObjRef::new("v1", "ConfigMap", Some("monitoring"), "cm-000");
    assert!(c.peek(&cm).is_none(), "what was in it went with it");
    assert!(secret(&c, "promstack-grafana-admin").is_some());
}

#[tokio::test]
async fn a_namespace_that_never_goes_fails_the_install_on_timeout_with_nothing_written() {
    let (c, h) = installed().await;
    c.insert(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "held", "namespace": "monitoring", "finalizers": ["example.org/keep"]}}));
    c.delete(&monitoring()).await.unwrap();
    c.reset_counts();
    h.state.lock().unwrap().calls.clear();
    let mut o = options();
    o.timeout = Duration::from_millis(200);
    let (res, _) = run_captured(&o, &c, &h).await;
    let e = res.unwrap_err();
    assert_eq!(code(&e), 1, "{e}");
    let msg = promstack_shared::error::render(&e);
    assert!(msg.starts_with("error: namespace monitoring is being deleted, and the install waits until it is gone before it creates it again; nothing was written\n  caused by: timed out after "), "{msg}");
    assert!(
        msg.contains("namespace monitoring: finalizers kubernetes; 1 object left (configmaps: 1); the API server says: NamespaceFinalizersRemaining: Some content in the namespace has finalizers remaining: example.org/keep in 1 resource instances"),
        "{msg}"
    );
    assert_eq!(c.writes(), 0);
    assert_eq!(h.count("upgrade"), 0);
}

#[tokio::test]
async fn a_namespace_marked_terminating_by_hand_is_waited_for_within_the_timeout() {
    // only `status.phase: Terminating` (no controller will ever remove it)
    let c = cluster(1);
    c.insert(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"},
        "status": {"phase": "Terminating"}}),
    );
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.timeout = Duration::from_millis(100);
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    assert_eq!(code(&e), 1, "{e}");
    let msg = promstack_shared::error::render(&e);
    assert!(
        msg.contains(
            "namespace monitoring: the namespace controller has not said what is left yet"
        ) && msg.contains("kubectl wait --for=delete namespace/monitoring"),
        "{msg}"
    );
    assert_eq!(c.writes(), 0);
}

#[tokio::test]
async fn a_dry_run_says_what_the_install_would_wait_for_and_waits_for_nothing() {
    let (c, h) = installed().await;
    // the namespace and the CRDs being deleted, and nothing moving on
    c.set_deletion_pace(Pace::Manual);
    c.delete(&monitoring()).await.unwrap();
    c.delete(&crd(WIDGETS)).await.unwrap();
    c.step_deletions(3);
    h.state.lock().unwrap().release = None;
    c.reset_counts();
    let mut o = options();
    o.dry_run = true;
    o.timeout = Duration::from_secs(600);
    let started = std::time::Instant::now();
    let (res, printed) = run_captured(&o, &c, &h).await;
    let out = res.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "nothing waited for"
    );
    assert_eq!(c.writes(), 0);
    let ns = preflight_check(&out, "namespace-deleted");
    assert!(
        ns.detail
            .starts_with("namespace monitoring is being deleted (deleting namespace monitoring: "),
        "{}",
        ns.detail
    );
    assert!(ns.detail.ends_with(" objects left): the install would wait until it is gone (within --timeout, 10m00s), then create it anew; nothing was waited for (--dry-run)"), "{}", ns.detail);
    let crds = preflight_check(&out, "crds-deleted");
    assert!(crds.detail.starts_with("1 CRD is being deleted (deleting 97 Widgets (1 of 1 CRDs left)): the install would wait until it is gone"), "{}", crds.detail);
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("! namespace monitoring is being deleted (")),
        "{printed:#?}"
    );
    // planned as it will be once they are gone: the namespace and the CRD created anew
    let steps: Vec<String> = out
        .report
        .steps
        .iter()
        .map(|s| format!("{} {:?}", s.object, s.change))
        .collect();
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("Namespace monitoring") && s.ends_with("Create")),
        "{steps:#?}"
    );
    assert!(c.peek(&monitoring()).unwrap()["metadata"]["deletionTimestamp"].is_string());
}
