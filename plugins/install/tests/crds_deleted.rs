//! The rollback plan on the in-memory cluster, whose CRDs being deleted behave as the API
//! server's do (Terminating, their objects deleted over time, creates of their kinds refused):
//! `uninstall --delete-crds` names the other owners' objects the CRDs would take and refuses
//! them under --yes alone, deletes them with --force and waits until the CRDs are gone; an
//! install right after a deletion waits for it, then creates the CRDs anew.
mod common;
use common::*;
use promstack_install::uninstall::UninstallOptions;
use promstack_shared::kube::cluster::{Cluster, MemoryCluster, Pace, Verb, CRD_CLEANUP};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn opts() -> UninstallOptions {
    UninstallOptions {
        delete_crds: true,
        ..uninstall_options()
    }
}

fn dry_run() -> UninstallOptions {
    UninstallOptions {
        dry_run: true,
        ..opts()
    }
}

fn namespace(c: &MemoryCluster, name: &str) {
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}));
}

/// The stack installed, with two Widgets of its own (one of the release, one promstack's).
async fn installed() -> (Arc<MemoryCluster>, FakeHelm) {
    installed_with(add_ours).await
}

fn add_ours(c: &MemoryCluster) {
    c.insert(widget(
        "monitoring",
        "of-the-release",
        helm_release("monitoring", "kube-prometheus"),
    ));
    c.insert(widget(
        "monitoring",
        "promstacks",
        json!({"labels": {"app.kubernetes.io/managed-by": "promstack", "promstack.io/component": "rules"}}),
    ));
}

/// Cilium's three in kube-system.
fn add_cilium(c: &MemoryCluster) {
    for name in ["cilium-agent", "cilium-operator", "hubble"] {
        c.insert(widget(
            "kube-system",
            name,
            helm_release("kube-system", "cilium"),
        ));
    }
}

/// Another team's, in their own namespace.
fn add_team(c: &MemoryCluster, n: usize) {
    namespace(c, "team-a");
    for i in 0..n {
        c.insert(widget(
            "team-a",
            &format!("w-{i:03}"),
            helm_release("team-a", "app"),
        ));
    }
}

/// Cilium's three and another team's 300, requests counted from here.
fn with_others(c: &MemoryCluster) {
    add_cilium(c);
    add_team(c, 300);
    c.reset_counts();
}

fn widgets(c: &MemoryCluster) -> usize {
    c.objects().iter().filter(|o| o["kind"] == "Widget").count()
}

#[tokio::test]
async fn the_objects_each_crd_holds_are_counted_and_other_owners_named_per_namespace_when_many() {
    let (c, h) = installed().await;
    with_others(&c);
    let (report, _) = uninstall(&dry_run(), &c, &h).await;
    let report = report.unwrap();
    assert_eq!(c.writes(), 0);
    let held = |name: &str| report.crd_objects.iter().find(|x| x.crd == name).unwrap();
    assert_eq!(held(WIDGETS).ours, 2, "the release's and promstack's");
    assert_eq!(held(WIDGETS).others.len(), 303);
    assert_eq!(held(GADGETS).total(), 0);
    assert!(report.removed.contains(&format!(
        "CustomResourceDefinition {WIDGETS}, and with it 305 Widgets: 303 of other owners, 2 of this stack"
    )));
    assert!(
        report
            .removed
            .contains(&format!("CustomResourceDefinition {GADGETS}")),
        "{:?}",
        report.removed
    );
    let text = promstack_install::uninstall::text(&report);
    assert!(text.contains("Not this stack's, and would be deleted with the CRDs (deleting a CRD deletes every object of its kind in the cluster): 303 objects\n  3 Widgets in kube-system (cilium-agent, cilium-operator, hubble; helm release kube-system/cilium)\n  300 Widgets in team-a (w-000, w-001, w-002, …; helm release team-a/app)\n"), "{text}");
    // -o json carries each one
    let json = serde_json::to_value(&report).unwrap();
    let others = json["crd_objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["crd"] == WIDGETS)
        .unwrap()["others"]
        .clone();
    assert_eq!(others.as_array().unwrap().len(), 303);
    assert_eq!(
        others[0],
        json!({"kind": "Widget", "namespace": "kube-system", "name": "cilium-agent", "owner": "helm release kube-system/cilium"})
    );
    // one list per CRD, in every namespace
    let lists: Vec<String> = c
        .log()
        .into_iter()
        .filter(|(v, what)| *v == Verb::List && what.starts_with("Widget"))
        .map(|(_, w)| w)
        .collect();
    assert_eq!(lists, ["Widget None None None"]);
}

#[tokio::test]
async fn few_other_owners_objects_are_each_named() {
    let (c, h) = installed().await;
    add_cilium(&c);
    let (report, _) = uninstall(&dry_run(), &c, &h).await;
    let text = promstack_install::uninstall::text(&report.unwrap());
    assert!(text.contains(": 3 objects\n  Widget kube-system/cilium-agent (helm release kube-system/cilium)\n  Widget kube-system/cilium-operator (helm release kube-system/cilium)\n  Widget kube-system/hubble (helm release kube-system/cilium)\n  (--yes refuses to delete them unless --force is given too)\n"), "{text}");
}

#[tokio::test]
async fn yes_alone_refuses_to_delete_other_owners_objects_and_removes_nothing() {
    let (c, h) = installed().await;
    with_others(&c);
    let (res, _) = uninstall(&opts(), &c, &h).await;
    let e = res.unwrap_err();
    assert_eq!(code(&e), 3, "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with("--delete-crds would delete 303 objects of other owners with the CRDs (deleting a CRD deletes every object of its kind in the cluster):\n  3 Widgets in kube-system (cilium-agent, cilium-operator, hubble; helm release kube-system/cilium)\n  300 Widgets in team-a (w-000, w-001, w-002, …; helm release team-a/app)\nNothing was removed. Pass --force"), "{msg}");
    assert_eq!(c.writes(), 0);
    assert_eq!(c.count(Verb::Delete), 0);
    assert_eq!(h.count("uninstall"), 0);
    assert_eq!(widgets(&c), 305);
}

#[tokio::test]
async fn force_deletes_them_too_and_uninstall_returns_once_the_crds_are_gone() {
    let (c, h) = installed().await;
    add_cilium(&c);
    add_team(&c, 300);
    // the API server deletes 25 objects between two requests
    c.set_deletion_pace(Pace::PerRequest(25));
    let force = UninstallOptions {
        force: true,
        ..opts()
    };
    let (res, printed) = uninstall(&force, &c, &h).await;
    res.unwrap();
    assert!(c.peek(&crd(WIDGETS)).is_none() && c.peek(&crd(GADGETS)).is_none());
    assert_eq!(widgets(&c), 0);
    let step = printed
        .iter()
        .find(|l| l.starts_with("• waiting for the CRDs to be deleted: deleting "))
        .unwrap_or_else(|| panic!("{printed:#?}"));
    assert!(step.contains(" Widgets (1 of 2 CRDs left)"), "{step}");
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("✓ 2 CRDs gone, and 305 objects with them (")),
        "{printed:#?}"
    );
    assert!(
        c.count(Verb::Get) > 10,
        "looked again until gone: {}",
        c.count(Verb::Get)
    );
}

#[tokio::test]
async fn with_no_other_owners_objects_nothing_changes() {
    let (c, h) = installed().await;
    let (res, printed) = uninstall(&opts(), &c, &h).await;
    let report = res.unwrap();
    assert!(report
        .removed
        .contains(&format!("CustomResourceDefinition {WIDGETS}")));
    assert!(!promstack_install::uninstall::text(&report).contains("Not this stack's"));
    assert!(c.peek(&crd(WIDGETS)).is_none());
    assert_eq!(widgets(&c), 0, "ours went with it");
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("✓ 2 CRDs gone, and 2 objects with them")),
        "{printed:#?}"
    );
}

/// A Widget that a controller holds with a finalizer it never removes.
fn held_widget(c: &MemoryCluster) {
    namespace(c, "team-a");
    c.insert(widget(
        "team-a",
        "held",
        json!({"finalizers": ["example.org/keep"], "annotations": {"meta.helm.sh/release-name": "app", "meta.helm.sh/release-namespace": "team-a"}}),
    ));
}

#[tokio::test]
async fn a_timeout_says_which_crds_are_still_terminating_and_what_holds_them() {
    let (c, h) = installed().await;
    held_widget(&c);
    let o = UninstallOptions {
        force: true,
        timeout: Duration::from_millis(200),
        ..opts()
    };
    let (res, _) = uninstall(&o, &c, &h).await;
    let e = res.unwrap_err();
    assert_eq!(code(&e), 1);
    let msg = promstack_shared::error::render(&e);
    assert!(msg.contains(&format!("waiting for the CRDs to be deleted; still Terminating:\n  {WIDGETS}: finalizers {CRD_CLEANUP}; 1 Widget left (team-a/held); held by finalizers of their own: Widget team-a/held by example.org/keep; the API server says: InstanceDeletionInProgress: CustomResource deletion is in progress\n")), "{msg}");
    assert!(!msg.contains(GADGETS), "gone: {msg}");
    assert!(
        msg.contains(&format!("kubectl wait --for=delete crd/{WIDGETS}")),
        "{msg}"
    );
}

#[tokio::test]
async fn an_install_right_after_waits_for_the_crds_being_deleted_then_creates_them() {
    let (c, h) = installed().await;
    add_team(&c, 300);
    for i in 0..300 {
        let mut g = widget("team-a", &format!("g-{i}"), helm_release("team-a", "app"));
        g["kind"] = json!("Gadget");
        c.insert(g);
    }
    // an uninstall that did not wait (an older promstack, kubectl delete crd): the CRDs are
    // Terminating, with 300 Widgets and 300 Gadgets still to delete, 20 of each between two
    // requests
    c.set_deletion_pace(Pace::PerRequest(20));
    c.delete(&crd(WIDGETS)).await.unwrap();
    c.delete(&crd(GADGETS)).await.unwrap();
    c.reset_counts();
    let (res, printed) = run_captured(&options(), &c, &h).await;
    let out = res.unwrap();
    let check = preflight_check(&out, "crds-deleted");
    assert!(
        check
            .detail
            .starts_with("2 CRDs being deleted, gone after "),
        "{}",
        check.detail
    );
    assert!(
        printed
            .iter()
            .any(|l| l.starts_with("• waiting for the CRDs to be deleted: deleting ")),
        "{printed:#?}"
    );
    // created anew once gone: applied onto the Terminating ones, they would have gone since
    for name in [WIDGETS, GADGETS] {
        let live = c
            .peek(&crd(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(live["metadata"]["deletionTimestamp"].is_null(), "{live}");
    }
    assert_eq!(widgets(&c), 0);
    assert!(!c.objects().iter().any(|o| o["kind"] == "Gadget"));
}

#[tokio::test]
async fn an_install_whose_crds_never_go_fails_on_timeout_having_written_nothing() {
    let (c, h) = installed().await;
    held_widget(&c);
    c.delete(&crd(WIDGETS)).await.unwrap();
    c.reset_counts();
    let mut o = options();
    o.timeout = Duration::from_millis(200);
    h.state.lock().unwrap().calls.clear();
    let (res, _) = run_captured(&o, &c, &h).await;
    let e = res.unwrap_err();
    assert_eq!(code(&e), 1);
    let msg = promstack_shared::error::render(&e);
    assert!(msg.contains("nothing was written"), "{msg}");
    assert!(
        msg.contains(&format!(
            "{WIDGETS}: finalizers {CRD_CLEANUP}; 1 Widget left (team-a/held)"
        )),
        "{msg}"
    );
    assert_eq!(c.writes(), 0);
    assert_eq!(h.count("upgrade"), 0);
}

#[tokio::test]
async fn the_rollback_plan_runs_again_and_again() {
    let (c, h) = installed().await;
    c.set_deletion_pace(Pace::PerRequest(50));
    let force = UninstallOptions {
        force: true,
        ..opts()
    };
    for round in 0..3 {
        add_cilium(&c);
        add_team(&c, 300);
        let (res, _) = uninstall(&opts(), &c, &h).await;
        assert_eq!(code(&res.unwrap_err()), 3, "round {round}");
        let (res, _) = uninstall(&force, &c, &h).await;
        res.unwrap_or_else(|e| panic!("round {round}: {e:#}"));
        run(&options(), &c, &h, b"")
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e:#}"));
        assert!(c.peek(&crd(WIDGETS)).is_some());
        add_ours(&c);
    }
}

#[tokio::test]
async fn a_dry_run_says_the_crds_are_being_deleted_and_would_be_waited_for() {
    let (c, h) = installed().await;
    c.set_deletion_pace(Pace::Manual);
    c.delete(&crd(WIDGETS)).await.unwrap();
    c.delete(&crd(GADGETS)).await.unwrap();
    c.reset_counts();
    let mut o = options();
    o.dry_run = true;
    o.timeout = Duration::from_secs(600);
    let (res, _) = run_captured(&o, &c, &h).await;
    let out = res.unwrap();
    assert_eq!(c.writes(), 0);
    let check = preflight_check(&out, "crds-deleted");
    assert!(
        check.detail.starts_with("2 CRDs are being deleted (")
            && check.detail.ends_with("): the install would wait until they are gone (within --timeout, 10m00s), then create them anew; nothing was waited for (--dry-run)"),
        "{}",
        check.detail
    );
}
