//! The merged values the requirement tests read: the pinned chart's defaults (refdata), then
//! values/ and the env overlay, as helm merges them.
#![allow(dead_code)]
use promstack_install::chart::values::{self, Env, OverlaySettings};
use serde_json::Value;

/// The pinned chart's values.yaml (a test that reads it is marked `#[needs(refdata)]`).
pub fn chart() -> Value {
    let dir = promstack_shared::testing::refdata::dir();
    let text = std::fs::read_to_string(dir.join("kube-prometheus-stack/values.yaml")).unwrap();
    serde_json::to_value(serde_yaml::from_str::<serde_yaml::Value>(&text).unwrap()).unwrap()
}

pub fn merged(chart: &Value, env: Env, overlay: &OverlaySettings) -> Value {
    let mut m = chart.clone();
    values::merge(
        &mut m,
        &values::merged(&values::chain(env, vec![], overlay).unwrap()),
    );
    m
}

pub fn overlay(env: Env) -> OverlaySettings {
    OverlaySettings {
        storage_class: env.storage_class().into(),
        ..Default::default()
    }
}

pub fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    path.split('.')
        .try_fold(v, |v, k| v.get(k))
        .unwrap_or(&NULL)
}

pub fn both(chart: &Value) -> [(Env, Value); 2] {
    [
        (Env::Local, merged(chart, Env::Local, &overlay(Env::Local))),
        (Env::Cloud, merged(chart, Env::Cloud, &overlay(Env::Cloud))),
    ]
}

/// "10Gi" / "8GB" in bytes.
pub fn bytes(q: &str) -> f64 {
    let units = [
        ("Ki", 1024f64),
        ("Mi", 1024f64.powi(2)),
        ("Gi", 1024f64.powi(3)),
        ("Ti", 1024f64.powi(4)),
        ("KB", 1e3),
        ("MB", 1e6),
        ("GB", 1e9),
        ("TB", 1e12),
    ];
    let (n, mult) = units
        .iter()
        .find_map(|(u, m)| q.strip_suffix(u).map(|n| (n, *m)))
        .unwrap_or((q, 1.0));
    n.parse::<f64>().unwrap() * mult
}
