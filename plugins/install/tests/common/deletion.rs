//! Support for the tests of what is deleted (the rollback plan): the fixture chart's CRDs, its
//! Widgets as other owners make them, an installed stack, and uninstall with a recording Ui.
use super::{cluster, options, run, FakeHelm};
use promstack_install::uninstall::{UninstallOptions, UninstallReport};
use promstack_install::verb::Deps;
use promstack_shared::kube::cluster::{MemoryCluster, ObjRef};
use promstack_shared::terminal::ui::Ui;
use serde_json::{json, Value};
use std::sync::Arc;

pub const WIDGETS: &str = "widgets.fixture.promstack.io";
pub const GADGETS: &str = "gadgets.fixture.promstack.io";

/// A CRD by name.
pub fn crd(name: &str) -> ObjRef {
    ObjRef::new(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        None,
        name,
    )
}

/// A Widget (a kind of the fixture chart's CRDs) with these metadata fields.
pub fn widget(ns: &str, name: &str, meta: Value) -> Value {
    let mut w = json!({"apiVersion": "fixture.promstack.io/v1", "kind": "Widget",
        "metadata": {"name": name, "namespace": ns}, "spec": {}});
    let m = w["metadata"].as_object_mut().unwrap();
    m.extend(meta.as_object().unwrap().clone());
    w
}

/// The metadata helm writes on what release `ns/name` made.
pub fn helm_release(ns: &str, name: &str) -> Value {
    json!({"annotations": {"meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": ns},
        "labels": {"app.kubernetes.io/managed-by": "Helm"}})
}

/// The stack installed, then `add` done, requests counted from there.
pub async fn installed_with(add: impl Fn(&MemoryCluster)) -> (Arc<MemoryCluster>, FakeHelm) {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    add(&c);
    c.reset_counts();
    (c, h)
}

/// `install uninstall` with `o`, and what it printed.
pub async fn uninstall(
    o: &UninstallOptions,
    c: &MemoryCluster,
    h: &FakeHelm,
) -> (anyhow::Result<UninstallReport>, Vec<String>) {
    let (ui, lines) = Ui::capture();
    let res = promstack_install::uninstall::run(o, &Deps::new(c, h, &ui)).await;
    let printed = lines.lock().unwrap().clone();
    (res, printed)
}
