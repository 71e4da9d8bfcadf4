//! PrometheusRules: the sync itself is the common crate's ([`promstack_shared::kube::sync`]); here is
//! what is specific to rules: the kind, list with group/rule counts, and the check that a
//! Prometheus will load them.
use promstack_shared::kube::cluster::{
    label_selector_selects as selects, Cluster, ClusterError, ListQuery, ObjRef,
};
use promstack_shared::kube::owned;
use promstack_shared::kube::sync::{self as shared_sync, name_of, Kind};
pub use promstack_shared::kube::sync::{Mode, ObjectDiff, PlanItem, SyncReport};
use promstack_shared::prometheus::rule::{PrometheusRule, API_VERSION, COMPONENT, CRD, KIND};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::Error;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The objects this plugin syncs.
pub const RULES: Kind = Kind {
    api_version: API_VERSION,
    kind: KIND,
    component: COMPONENT,
    identity: None,
    crd: Some(CRD),
};

pub fn to_json(r: &PrometheusRule) -> Value {
    serde_json::to_value(r).expect("typed objects serialise")
}

/// Apply what changed, then prune with `--prune` (see [`promstack_shared::kube::sync::sync`]).
pub async fn sync(
    cluster: &dyn Cluster,
    desired: &[PrometheusRule],
    ns: &str,
    mode: Mode,
    ui: &Ui,
) -> anyhow::Result<SyncReport> {
    let objects: Vec<Value> = desired.iter().map(to_json).collect();
    shared_sync::sync(cluster, RULES, &objects, ns, mode, ui).await
}

/// Field-level differences between the sources and what is live (of a selection, not
/// `whole_set`, only what it makes).
pub async fn diff(
    cluster: &dyn Cluster,
    desired: &[PrometheusRule],
    ns: &str,
    whole_set: bool,
) -> anyhow::Result<Vec<ObjectDiff>> {
    let objects: Vec<Value> = desired.iter().map(to_json).collect();
    shared_sync::diff(cluster, RULES, &objects, ns, whole_set).await
}

#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub namespace: String,
    pub name: String,
    pub ours: bool,
    /// Made by the sources listed, and not in the cluster.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub groups: usize,
    pub rules: usize,
}

/// Every PrometheusRule in the namespace (or all), ours or not.
pub async fn list(cluster: &dyn Cluster, ns: Option<&str>) -> anyhow::Result<Vec<ListItem>> {
    let mut q = ListQuery::new(API_VERSION, KIND);
    if let Some(ns) = ns {
        q = q.in_namespace(ns);
    }
    let mut items: Vec<ListItem> = cluster
        .list(&q)
        .await
        .map_err(|e| anyhow::anyhow!("listing PrometheusRules: {e}"))?
        .iter()
        .map(|o| {
            let groups = o["spec"]["groups"].as_array().cloned().unwrap_or_default();
            ListItem {
                namespace: o["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                name: name_of(o),
                ours: owned::is_ours(o),
                absent: false,
                source: o
                    .pointer("/metadata/annotations/promstack.io~1source")
                    .and_then(Value::as_str)
                    .map(String::from),
                rules: groups
                    .iter()
                    .map(|g| g["rules"].as_array().map_or(0, Vec::len))
                    .sum(),
                groups: groups.len(),
            }
        })
        .collect();
    items.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    Ok(items)
}

/// The Prometheus objects that would load rules with these labels in `ns` (their
/// `ruleSelector` and `ruleNamespaceSelector`), and for each other one why not. A cluster
/// without the operator's Prometheus kind has none.
pub async fn selecting(
    cluster: &dyn Cluster,
    ns: &str,
    labels: &BTreeMap<String, String>,
) -> anyhow::Result<(Vec<Value>, Vec<String>)> {
    let proms = prometheus_objects(cluster).await?.unwrap_or_default();
    selecting_among(cluster, ns, labels, proms).await
}

/// Every Prometheus object of the cluster; `None` without the operator's Prometheus kind.
async fn prometheus_objects(cluster: &dyn Cluster) -> anyhow::Result<Option<Vec<Value>>> {
    match cluster
        .list(&ListQuery::new(API_VERSION, "Prometheus"))
        .await
    {
        Ok(p) => Ok(Some(p)),
        Err(ClusterError::UnknownKind(_)) => Ok(None),
        Err(e) => Err(anyhow::anyhow!("listing Prometheus objects: {e}")),
    }
}

async fn selecting_among(
    cluster: &dyn Cluster,
    ns: &str,
    labels: &BTreeMap<String, String>,
    proms: Vec<Value>,
) -> anyhow::Result<(Vec<Value>, Vec<String>)> {
    let ns_obj = cluster
        .get(&ObjRef::new("v1", "Namespace", None, ns))
        .await
        .map_err(|e| anyhow::anyhow!("reading namespace {ns}: {e}"))?;
    let ns_labels: BTreeMap<String, String> = ns_obj
        .as_ref()
        .and_then(|n| n["metadata"]["labels"].as_object())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let mut selecting = Vec::new();
    let mut why = Vec::new();
    for p in proms {
        let pns = p["metadata"]["namespace"].as_str().unwrap_or_default();
        let id = format!("{pns}/{}", name_of(&p));
        let ns_ok = match p.pointer("/spec/ruleNamespaceSelector") {
            None | Some(Value::Null) => pns == ns,
            Some(sel) => selects(Some(sel), &ns_labels),
        };
        let labels_ok = selects(p.pointer("/spec/ruleSelector"), labels);
        if ns_ok && labels_ok {
            selecting.push(p);
        } else {
            let sel = p
                .pointer("/spec/ruleSelector")
                .map(|s| s.to_string())
                .unwrap_or_else(|| "none (selects no rules)".into());
            why.push(format!(
                "Prometheus {id}: {}{}",
                if labels_ok {
                    String::new()
                } else {
                    format!("ruleSelector {sel} does not match the rules' labels")
                },
                if ns_ok {
                    String::new()
                } else {
                    format!(
                        "{}its ruleNamespaceSelector does not include namespace {ns}",
                        if labels_ok { "" } else { "; " }
                    )
                }
            ));
        }
    }
    Ok((selecting, why))
}

/// Which Prometheus objects would load rules with these labels in `ns` (see [`selecting`]).
/// Fails (exit 3) when none would: the classic missing `release:` label trap.
pub async fn selection_check(
    cluster: &dyn Cluster,
    ns: &str,
    labels: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<Value>> {
    let proms = match prometheus_objects(cluster).await? {
        None => return Err(Error::check("the cluster has no Prometheus Operator (no Prometheus kind): install it with `kubectl promstack install`, or pass --no-selector-check").into()),
        Some(p) if p.is_empty() => return Err(Error::check("no Prometheus object in the cluster would load these rules: install the stack first, or pass --no-selector-check").into()),
        Some(p) => p,
    };
    let (selecting, why) = selecting_among(cluster, ns, labels, proms).await?;
    if selecting.is_empty() {
        return Err(Error::check(format!(
            "no Prometheus would load these rules:\n  {}\nAdd the label it selects on with --label (e.g. --label release=kube-prometheus), set ruleSelectorNilUsesHelmValues: false in its values, or pass --no-selector-check.",
            why.join("\n  ")
        ))
        .into());
    }
    Ok(selecting)
}
