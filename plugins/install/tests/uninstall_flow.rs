//! Uninstall against the in-memory cluster: only promstack's objects, extras only on request.
mod common;
use common::*;
use promstack_install::chart::values::{ALERTMANAGER_SECRET, GRAFANA_SECRET};
use promstack_install::uninstall::{kubelet_service, UninstallOptions};
use promstack_install::verb::Deps;
use promstack_shared::kube::cluster::ObjRef;
use promstack_shared::terminal::ui::Ui;
use serde_json::json;

fn opts() -> UninstallOptions {
    uninstall_options()
}

async fn installed() -> (
    std::sync::Arc<promstack_shared::kube::cluster::MemoryCluster>,
    FakeHelm,
) {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    c.insert(json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"kube-prometheus-kubelet","namespace":"kube-system","labels":{"app.kubernetes.io/managed-by":"prometheus-operator"}}}));
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"users-own","namespace":"monitoring"}}));
    c.insert(json!({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"foreign.example.org"}}));
    c.reset_counts();
    (c, h)
}

fn has(c: &promstack_shared::kube::cluster::MemoryCluster, r: &ObjRef) -> bool {
    c.peek(r).is_some()
}

/// The verb with these dependencies.
async fn uninstall(
    o: &UninstallOptions,
    c: &dyn promstack_shared::kube::cluster::Cluster,
    h: &dyn promstack_install::helm::HelmApi,
    ui: &Ui,
) -> anyhow::Result<promstack_install::uninstall::UninstallReport> {
    promstack_install::uninstall::run(o, &Deps::new(c, h, ui)).await
}

#[tokio::test]
async fn by_default_only_the_release_and_our_secrets_go() {
    let (c, h) = installed().await;
    let dry = uninstall(
        &UninstallOptions {
            dry_run: true,
            ..opts()
        },
        c.as_ref(),
        &h,
        &Ui::silent(),
    )
    .await
    .unwrap();
    assert_eq!(c.writes(), 0);
    assert_eq!(dry.removed.len(), 4, "{:?}", dry.removed);
    assert!(
        dry.removed[3].starts_with(
            "Secret monitoring/kube-prometheus-admission (the admission webhooks' certificate"
        ),
        "uninstall says it removes the chart's certificate Secret: {:?}",
        dry.removed
    );
    assert_eq!(h.count("uninstall"), 0);

    let r = uninstall(&opts(), c.as_ref(), &h, &Ui::silent())
        .await
        .unwrap();
    assert_eq!(h.count("uninstall"), 1);
    assert!(!has(
        &c,
        &ObjRef::new("v1", "Secret", Some("monitoring"), GRAFANA_SECRET)
    ));
    assert!(!has(
        &c,
        &ObjRef::new("v1", "Secret", Some("monitoring"), ALERTMANAGER_SECRET)
    ));
    assert!(has(
        &c,
        &ObjRef::new("v1", "Secret", Some("monitoring"), "users-own")
    ));
    assert!(!has(
        &c,
        &ObjRef::new(
            "v1",
            "Secret",
            Some("monitoring"),
            "kube-prometheus-admission"
        )
    ));
    assert!(has(&c, &ObjRef::new("v1", "Namespace", None, "monitoring")));
    assert!(has(&c, &kubelet_service()));
    assert!(has(
        &c,
        &ObjRef::new(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "widgets.fixture.promstack.io"
        )
    ));
    assert!(r.kept.iter().any(|k| k.contains("--delete-crds")));

    // a second uninstall has nothing left to do
    c.reset_counts();
    let r = uninstall(&opts(), c.as_ref(), &h, &Ui::silent())
        .await
        .unwrap();
    assert!(r.removed.is_empty());
    assert_eq!(c.writes(), 0);
}

#[tokio::test]
async fn with_flags_namespace_crds_and_kubelet_service_go_too_but_nothing_foreign() {
    let (c, h) = installed().await;
    let o = UninstallOptions {
        delete_namespace: true,
        delete_crds: true,
        delete_kubelet_service: true,
        ..opts()
    };
    uninstall(&o, c.as_ref(), &h, &Ui::silent()).await.unwrap();
    assert!(!has(
        &c,
        &ObjRef::new("v1", "Namespace", None, "monitoring")
    ));
    assert!(!has(&c, &kubelet_service()));
    assert!(!has(
        &c,
        &ObjRef::new(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "widgets.fixture.promstack.io"
        )
    ));
    assert!(has(
        &c,
        &ObjRef::new(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "foreign.example.org"
        )
    ));
}

#[tokio::test]
async fn without_a_terminal_it_needs_yes() {
    let (c, h) = installed().await;
    let e = uninstall(
        &UninstallOptions {
            yes: false,
            ..opts()
        },
        c.as_ref(),
        &h,
        &Ui::silent(),
    )
    .await
    .unwrap_err();
    assert_eq!(code(&e), 2);
    assert!(e.to_string().contains("--yes"));
    assert_eq!(c.writes(), 0);
    assert_eq!(h.count("uninstall"), 0);
}
