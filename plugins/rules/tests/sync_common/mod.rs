//! What the sync tests share: the in-memory cluster with the stack's Prometheus, a copy of
//! promstack's rules in a folder, and a sync of a folder.
#![allow(dead_code)]
use promstack_rules::{load_valid, sync, sync_with_check, SyncOptions};
use promstack_shared::kube::cluster::{MemoryCluster, ObjRef};
use promstack_shared::terminal::ui::Ui;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");

pub fn cluster(rule_selector: Value) -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(json!({"apiVersion":"monitoring.coreos.com/v1","kind":"Prometheus","metadata":{"name":"kube-prometheus-prometheus","namespace":"monitoring"},
        "spec":{"ruleSelector": rule_selector, "ruleNamespaceSelector": {}}}));
    c
}

pub fn rule_ref(name: &str) -> ObjRef {
    ObjRef::new(
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        Some("monitoring"),
        name,
    )
}

pub fn copy_rules() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    for f in promstack_rules::load::read(Some(Path::new(RULES))).unwrap() {
        std::fs::write(tmp.path().join(&f.path), &f.text).unwrap();
    }
    let p = tmp.path().to_path_buf();
    (tmp, p)
}

/// The options of a plain `rules sync -n monitoring` (selection checked, no prune, no dry run).
pub fn plain_sync() -> SyncOptions {
    SyncOptions {
        namespace: "monitoring".into(),
        selector_check: true,
        ..Default::default()
    }
}

pub async fn sync_dir(
    c: &MemoryCluster,
    dir: &Path,
    prune: bool,
    dry_run: bool,
) -> anyhow::Result<sync::SyncReport> {
    let loaded = load_valid(Some(dir), "monitoring")?;
    sync_with_check(
        c,
        &loaded,
        &SyncOptions {
            prune,
            dry_run,
            ..plain_sync()
        },
        &Ui::silent(),
    )
    .await
}
