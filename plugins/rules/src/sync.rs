//! diff / sync / prune / list of PrometheusRules, and the check that a Prometheus will load them.
use futures::StreamExt;
use promstack_shared::cluster::{
    with_retry, ApplyOptions, Cluster, ClusterError, ListQuery, ObjRef, WRITE_ATTEMPTS,
};
use promstack_shared::owned::{self, Change};
use promstack_shared::prometheus_rule::{
    PrometheusRule, API_VERSION, COMPONENT, KIND, SOURCE_ANNOTATION,
};
use promstack_shared::ui::Ui;
use promstack_shared::Error;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// How many applies run at once.
pub const CONCURRENCY: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub name: String,
    pub change: Change,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub namespace: String,
    pub dry_run: bool,
    pub prune: bool,
    pub items: Vec<PlanItem>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub pruned: usize,
    /// Ours in the cluster with no source any more, left because --prune was not given.
    pub stale: Vec<String>,
}

pub fn to_json(r: &PrometheusRule) -> Value {
    serde_json::to_value(r).expect("typed objects serialise")
}

fn name_of(v: &Value) -> String {
    v["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Our PrometheusRules in the namespace (one list call).
pub async fn live_ours(
    cluster: &dyn Cluster,
    ns: &str,
) -> Result<BTreeMap<String, Value>, ClusterError> {
    let q = ListQuery::new(API_VERSION, KIND)
        .in_namespace(ns)
        .labels(&owned::selector(COMPONENT));
    Ok(cluster
        .list(&q)
        .await?
        .into_iter()
        .filter(owned::is_ours)
        .map(|o| (name_of(&o), o))
        .collect())
}

/// What a sync would do.
pub fn plan(desired: &[PrometheusRule], live: &BTreeMap<String, Value>) -> Vec<PlanItem> {
    let mut items: Vec<PlanItem> = desired
        .iter()
        .map(|d| {
            let want = to_json(d);
            let name = name_of(&want);
            PlanItem {
                change: owned::plan(live.get(&name), &want),
                source: d
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(SOURCE_ANNOTATION))
                    .cloned(),
                name,
            }
        })
        .collect();
    for name in live.keys() {
        if !desired
            .iter()
            .any(|d| d.metadata.name.as_deref() == Some(name))
        {
            items.push(PlanItem {
                name: name.clone(),
                change: Change::Delete,
                source: None,
            });
        }
    }
    items
}

/// Apply what changed (bounded concurrency), then prune with `prune`. An error stops before any prune.
pub async fn sync(
    cluster: &dyn Cluster,
    desired: &[PrometheusRule],
    ns: &str,
    prune: bool,
    dry_run: bool,
    ui: &Ui,
) -> anyhow::Result<SyncReport> {
    let live = live_ours(cluster, ns)
        .await
        .map_err(|e| anyhow::anyhow!("listing PrometheusRules in {ns}: {e}"))?;
    let items = plan(desired, &live);
    let count = |c: Change| items.iter().filter(|i| i.change == c).count();
    let stale: Vec<String> = items
        .iter()
        .filter(|i| i.change == Change::Delete)
        .map(|i| i.name.clone())
        .collect();
    let mut report = SyncReport {
        namespace: ns.into(),
        dry_run,
        prune,
        created: count(Change::Create),
        updated: count(Change::Update),
        unchanged: count(Change::Unchanged),
        pruned: 0,
        stale: if prune { vec![] } else { stale.clone() },
        items,
    };
    if dry_run {
        if prune {
            report.pruned = stale.len();
        }
        return Ok(report);
    }
    let writes: Vec<Value> = desired
        .iter()
        .map(to_json)
        .filter(|w| {
            report.items.iter().any(|i| {
                i.name == name_of(w) && matches!(i.change, Change::Create | Change::Update)
            })
        })
        .collect();
    let bar = ui.spinner(&format!("applying {} PrometheusRules", writes.len()));
    let results: Vec<(String, Result<Value, ClusterError>)> = futures::stream::iter(writes.iter())
        .map(|w| async move {
            (
                name_of(w),
                with_retry(WRITE_ATTEMPTS, || {
                    cluster.apply(w, ApplyOptions { force: true })
                })
                .await,
            )
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    bar.finish_and_clear();
    let failed: Vec<String> = results
        .iter()
        .filter_map(|(n, r)| {
            r.as_ref()
                .err()
                .map(|e| format!("PrometheusRule {ns}/{n}: {e}"))
        })
        .collect();
    if !failed.is_empty() {
        return Err(Error::runtime(format!(
            "{} of {} applies failed; nothing was pruned:\n  {}",
            failed.len(),
            writes.len(),
            failed.join("\n  ")
        ))
        .into());
    }
    for i in report
        .items
        .iter()
        .filter(|i| matches!(i.change, Change::Create | Change::Update))
    {
        ui.ok(&format!("PrometheusRule {ns}/{} {}d", i.name, i.change));
    }
    if prune {
        // prune from the one list made above: only ours (both labels), only what has no source
        for name in &stale {
            let r = ObjRef::new(API_VERSION, KIND, Some(ns), name);
            with_retry(WRITE_ATTEMPTS, || cluster.delete(&r))
                .await
                .map_err(|e| anyhow::anyhow!("pruning {r}: {e}"))?;
            ui.ok(&format!("{r} pruned"));
            report.pruned += 1;
        }
    }
    Ok(report)
}

/// The live object reduced to the fields the wanted object sets (arrays whole), for a diff.
fn project(live: &Value, want: &Value) -> Value {
    match (live, want) {
        (Value::Object(l), Value::Object(w)) => Value::Object(
            w.keys()
                .filter_map(|k| l.get(k).map(|lv| (k.clone(), project(lv, &w[k]))))
                .collect(),
        ),
        (l, _) => l.clone(),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ObjectDiff {
    pub name: String,
    pub change: Change,
    /// Unified diff of the object's YAML (live → wanted).
    pub diff: String,
}

/// Field-level differences between the sources and what is live.
pub async fn diff(
    cluster: &dyn Cluster,
    desired: &[PrometheusRule],
    ns: &str,
) -> anyhow::Result<Vec<ObjectDiff>> {
    let live = live_ours(cluster, ns)
        .await
        .map_err(|e| anyhow::anyhow!("listing PrometheusRules in {ns}: {e}"))?;
    let mut out = Vec::new();
    for item in plan(desired, &live) {
        let (old, new) = match item.change {
            Change::Unchanged => continue,
            Change::Delete => (
                serde_yaml::to_string(&live[&item.name]["spec"]).unwrap_or_default(),
                String::new(),
            ),
            _ => {
                let want = desired
                    .iter()
                    .find(|d| d.metadata.name.as_deref() == Some(item.name.as_str()))
                    .map(to_json)
                    .unwrap_or_default();
                let old = live
                    .get(&item.name)
                    .map(|l| serde_yaml::to_string(&project(l, &want)).unwrap_or_default())
                    .unwrap_or_default();
                (old, serde_yaml::to_string(&want).unwrap_or_default())
            }
        };
        let diff = similar::TextDiff::from_lines(&old, &new)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("live/{}", item.name),
                &format!("sources/{}", item.name),
            )
            .to_string();
        out.push(ObjectDiff {
            name: item.name,
            change: item.change,
            diff,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    pub namespace: String,
    pub name: String,
    pub ours: bool,
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

/// Does a LabelSelector (matchLabels, matchExpressions) select these labels? `None` selects nothing.
pub fn selects(selector: Option<&Value>, labels: &BTreeMap<String, String>) -> bool {
    let Some(sel) = selector.filter(|s| !s.is_null()) else {
        return false;
    };
    let ml_ok = sel["matchLabels"].as_object().is_none_or(|m| {
        m.iter()
            .all(|(k, v)| labels.get(k).map(String::as_str) == v.as_str())
    });
    let me_ok = sel["matchExpressions"].as_array().is_none_or(|exprs| {
        exprs.iter().all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            let values: Vec<&str> = e["values"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = labels.get(key).map(String::as_str);
            match e["operator"].as_str().unwrap_or_default() {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => false,
            }
        })
    });
    ml_ok && me_ok
}

/// Which Prometheus objects would load rules with these labels in `ns`. Fails (exit 3) when none
/// would: the classic missing `release:` label trap.
pub async fn selection_check(
    cluster: &dyn Cluster,
    ns: &str,
    labels: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<String>> {
    let proms = match cluster.list(&ListQuery::new(API_VERSION, "Prometheus")).await {
        Ok(p) => p,
        Err(ClusterError::UnknownKind(_)) => return Err(Error::check("the cluster has no Prometheus Operator (no Prometheus kind): install it with `kubectl promstack install`, or pass --no-selector-check").into()),
        Err(e) => return Err(anyhow::anyhow!("listing Prometheus objects: {e}")),
    };
    if proms.is_empty() {
        return Err(Error::check("no Prometheus object in the cluster would load these rules: install the stack first, or pass --no-selector-check").into());
    }
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
    for p in &proms {
        let pns = p["metadata"]["namespace"].as_str().unwrap_or_default();
        let id = format!("{pns}/{}", name_of(p));
        let ns_ok = match p.pointer("/spec/ruleNamespaceSelector") {
            None | Some(Value::Null) => pns == ns,
            Some(sel) => selects(Some(sel), &ns_labels),
        };
        let labels_ok = selects(p.pointer("/spec/ruleSelector"), labels);
        if ns_ok && labels_ok {
            selecting.push(id);
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
    if selecting.is_empty() {
        return Err(Error::check(format!(
            "no Prometheus would load these rules:\n  {}\nAdd the label it selects on with --label (e.g. --label release=kube-prometheus), set ruleSelectorNilUsesHelmValues: false in its values, or pass --no-selector-check.",
            why.join("\n  ")
        ))
        .into());
    }
    Ok(selecting)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let l = BTreeMap::from([
            ("release".to_string(), "kube-prometheus".to_string()),
            ("team".to_string(), "sre".to_string()),
        ]);
        assert!(selects(Some(&json!({})), &l));
        assert!(!selects(None, &l));
        assert!(!selects(Some(&Value::Null), &l));
        assert!(selects(
            Some(&json!({"matchLabels": {"release": "kube-prometheus"}})),
            &l
        ));
        assert!(!selects(
            Some(&json!({"matchLabels": {"release": "other"}})),
            &l
        ));
        assert!(selects(
            Some(
                &json!({"matchExpressions": [{"key": "team", "operator": "In", "values": ["sre", "db"]}]})
            ),
            &l
        ));
        assert!(!selects(
            Some(
                &json!({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["sre"]}]})
            ),
            &l
        ));
        assert!(selects(
            Some(&json!({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]})),
            &l
        ));
        assert!(!selects(
            Some(&json!({"matchExpressions": [{"key": "x", "operator": "Exists"}]})),
            &l
        ));
    }
}
