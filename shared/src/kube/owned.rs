//! Which objects promstack owns, and how they are applied and pruned.
//!
//! Every object a plugin writes carries [`MANAGED_BY_LABEL`]`=promstack` and
//! [`COMPONENT_LABEL`]`=<component>`. [`ensure`] applies an object only when the live one
//! differs from what is wanted (a second run writes nothing). [`prune`] deletes only objects
//! that carry both labels and are not wanted any more.
use crate::kube::cluster::{ApplyOptions, Cluster, ClusterError, ListQuery, ObjRef};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "promstack";
pub const COMPONENT_LABEL: &str = "promstack.io/component";

/// The labels every object of this component carries.
pub fn labels(component: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
        (COMPONENT_LABEL.to_string(), component.to_string()),
    ])
}

/// The label selector for this component's objects.
pub fn selector(component: &str) -> String {
    format!("{MANAGED_BY_LABEL}={MANAGED_BY},{COMPONENT_LABEL}={component}")
}

/// Does this object carry promstack's managed-by label?
pub fn is_ours(obj: &Value) -> bool {
    obj.pointer("/metadata/labels")
        .and_then(|l| l.get(MANAGED_BY_LABEL))
        .and_then(Value::as_str)
        == Some(MANAGED_BY)
}

/// Does this object carry both of this component's ownership labels?
pub fn is_ours_for(obj: &Value, component: &str) -> bool {
    is_ours(obj)
        && obj
            .pointer("/metadata/labels")
            .and_then(|l| l.get(COMPONENT_LABEL))
            .and_then(Value::as_str)
            == Some(component)
}

/// The helm release (namespace, name) whose annotations an object carries, if any.
pub fn helm_release(obj: &Value) -> Option<(&str, &str)> {
    let ann = |k: &str| {
        obj.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
    };
    Some((
        ann("meta.helm.sh/release-namespace")?,
        ann("meta.helm.sh/release-name")?,
    ))
}

/// Who an object that is there already belongs to, for a message that names it: promstack (which
/// component), a helm release, the tool its managed-by label names, an OLM subscription, else the
/// field managers that wrote it.
pub fn whose(obj: &Value) -> String {
    let label = |k: &str| {
        obj.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
    };
    if is_ours(obj) {
        return format!(
            "promstack's {}",
            label(COMPONENT_LABEL).unwrap_or("objects")
        );
    }
    if let Some((ns, release)) = helm_release(obj) {
        return format!("helm release {ns}/{release}");
    }
    if let Some(m) = label(MANAGED_BY_LABEL) {
        return format!("managed by {m}");
    }
    let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
    if labels.is_some_and(|l| l.keys().any(|k| k.starts_with("operators.coreos.com/"))) {
        return "an OLM operator subscription".into();
    }
    let managers: Vec<&str> = obj
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(|f| f["manager"].as_str()).collect())
        .unwrap_or_default();
    if managers.is_empty() {
        "an unknown installation".into()
    } else {
        format!("field managers {}", managers.join(", "))
    }
}

/// What [`ensure`] did or would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Create,
    Update,
    Unchanged,
    Delete,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Unchanged => "unchanged",
            Change::Delete => "delete",
        })
    }
}

/// Is every field of `want` present with the same value in `live`? (Arrays must be equal.)
/// Half of "would applying `want` change anything?"; [`plan`] asks the whole question.
pub fn contains(live: &Value, want: &Value) -> bool {
    match (live, want) {
        (Value::Object(l), Value::Object(w)) => w.iter().all(|(k, wv)| match l.get(k) {
            Some(lv) => contains(lv, wv),
            None => wv.is_null(),
        }),
        (l, w) => l == w,
    }
}

/// Compare a wanted object with the live one as server-side apply would: unchanged only when
/// every field promstack sends has its value live and the fields promstack owns (managedFields)
/// are exactly those it sends; a field it stopped sending is a change (the apply removes it).
pub fn plan(live: Option<&Value>, want: &Value) -> Change {
    match live {
        None => Change::Create,
        Some(l) if crate::kube::fields::apply_changes_nothing(l, want, crate::FIELD_MANAGER) => {
            Change::Unchanged
        }
        Some(_) => Change::Update,
    }
}

/// Read the live object, and server-side apply `want` only when it would change something.
/// Returns what happened. With `dry_run` it only reads.
pub async fn ensure(
    cluster: &dyn Cluster,
    want: &Value,
    opts: ApplyOptions,
    dry_run: bool,
) -> Result<Change, ClusterError> {
    let r = ObjRef::of(want)?;
    let live = cluster.get(&r).await?;
    let change = plan(live.as_ref(), want);
    if change != Change::Unchanged && !dry_run {
        crate::kube::cluster::with_retry(crate::kube::cluster::WRITE_ATTEMPTS, || {
            cluster.apply(want, opts)
        })
        .await?;
    }
    Ok(change)
}

/// Delete the objects of `component` (of this kind, in this namespace) whose names are not in `keep`.
/// Only objects that carry both ownership labels are ever touched. Returns what was (or would be) deleted.
pub async fn prune(
    cluster: &dyn Cluster,
    api_version: &str,
    kind: &str,
    namespace: Option<&str>,
    component: &str,
    keep: &[String],
    dry_run: bool,
) -> Result<Vec<ObjRef>, ClusterError> {
    let mut q = ListQuery::new(api_version, kind).labels(&selector(component));
    if let Some(ns) = namespace {
        q = q.in_namespace(ns);
    }
    let mut gone = Vec::new();
    for obj in cluster.list(&q).await? {
        let mut r = ObjRef::of(&obj)?;
        if namespace.is_some() && r.namespace.is_none() {
            r.namespace = namespace.map(str::to_string);
        }
        // the selector already filters; check again so a server that ignores it cannot make us delete foreign objects
        if !is_ours_for(&obj, component) || keep.contains(&r.name) {
            continue;
        }
        if !dry_run {
            crate::kube::cluster::with_retry(crate::kube::cluster::WRITE_ATTEMPTS, || {
                cluster.delete(&r)
            })
            .await?;
        }
        gone.push(r);
    }
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::cluster::{MemoryCluster, Verb};
    use serde_json::json;

    fn cm(name: &str, labels: Value) -> Value {
        json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name,"namespace":"m","labels":labels},"data":{"a":"1"}})
    }

    #[test]
    fn contains_is_a_subset_check() {
        let live =
            json!({"metadata":{"name":"x","uid":"1","labels":{"a":"1","b":"2"}},"data":{"k":"v"}});
        assert!(contains(
            &live,
            &json!({"metadata":{"name":"x","labels":{"a":"1"}}})
        ));
        assert!(!contains(&live, &json!({"data":{"k":"w"}})));
        assert!(!contains(&live, &json!({"data":{"j":"v"}})));
        assert!(contains(&json!({"a":[1,2]}), &json!({"a":[1,2]})));
        assert!(!contains(&json!({"a":[1,2]}), &json!({"a":[1]})));
    }

    #[tokio::test]
    async fn ensure_writes_once_then_never_again() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        let want = cm("x", json!(labels("rules")));
        assert_eq!(
            ensure(&c, &want, ApplyOptions::default(), false)
                .await
                .unwrap(),
            Change::Create
        );
        assert_eq!(
            ensure(&c, &want, ApplyOptions::default(), false)
                .await
                .unwrap(),
            Change::Unchanged
        );
        assert_eq!(c.count(Verb::Apply), 1);
        let mut changed = want.clone();
        changed["data"]["a"] = json!("2");
        assert_eq!(
            ensure(&c, &changed, ApplyOptions::default(), true)
                .await
                .unwrap(),
            Change::Update
        );
        assert_eq!(c.count(Verb::Apply), 1, "dry run does not write");
        assert_eq!(
            ensure(&c, &changed, ApplyOptions::default(), false)
                .await
                .unwrap(),
            Change::Update
        );
        assert_eq!(c.count(Verb::Apply), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_errors_are_retried_a_few_times() {
        use crate::kube::cluster::Fault;
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.inject(Fault::status(503).on(Verb::Apply).times(2));
        let want = cm("x", json!(labels("rules")));
        assert_eq!(
            ensure(&c, &want, ApplyOptions::default(), false)
                .await
                .unwrap(),
            Change::Create
        );
        assert_eq!(c.count(Verb::Apply), 3);
        c.inject(Fault::status(500).on(Verb::Apply));
        let mut changed = want.clone();
        changed["data"]["a"] = json!("2");
        assert!(ensure(&c, &changed, ApplyOptions::default(), false)
            .await
            .is_err());
        assert_eq!(c.count(Verb::Apply), 6, "three tries, then the error");
        c.clear_faults();
        c.inject(Fault::status(403).on(Verb::Apply));
        assert!(ensure(&c, &changed, ApplyOptions::default(), false)
            .await
            .is_err());
        assert_eq!(c.count(Verb::Apply), 7, "a 403 is not retried");
    }

    #[tokio::test]
    async fn prune_deletes_only_our_unwanted_objects() {
        let c = MemoryCluster::new();
        c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"m"}}));
        c.insert(cm("keep", json!(labels("rules"))));
        c.insert(cm("stale", json!(labels("rules"))));
        c.insert(cm("other-component", json!(labels("dashboards"))));
        c.insert(cm("foreign", json!({COMPONENT_LABEL: "rules"})));
        c.insert(cm("helm", json!({MANAGED_BY_LABEL: "Helm"})));
        c.reset_counts();
        let dry = prune(
            &c,
            "v1",
            "ConfigMap",
            Some("m"),
            "rules",
            &["keep".into()],
            true,
        )
        .await
        .unwrap();
        assert_eq!(
            dry.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["stale"]
        );
        // listed by promstack's labels (the server filters; each object is checked again)
        assert_eq!(
            c.log(),
            [(
                Verb::List,
                "ConfigMap Some(\"m\") Some(\"app.kubernetes.io/managed-by=promstack,promstack.io/component=rules\") None".to_string()
            )]
        );
        assert_eq!(c.writes(), 0);
        let gone = prune(
            &c,
            "v1",
            "ConfigMap",
            Some("m"),
            "rules",
            &["keep".into()],
            false,
        )
        .await
        .unwrap();
        assert_eq!(gone.len(), 1);
        let names: Vec<String> = c
            .objects()
            .iter()
            .filter_map(|o| o["metadata"]["name"].as_str().map(String::from))
            .collect();
        assert!(names.contains(&"keep".to_string()));
        assert!(names.contains(&"foreign".to_string()));
        assert!(names.contains(&"helm".to_string()));
        assert!(names.contains(&"other-component".to_string()));
        assert!(!names.contains(&"stale".to_string()));
    }
}
