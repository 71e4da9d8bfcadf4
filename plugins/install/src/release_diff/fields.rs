//! One object before and after: what the server keeps for itself left out, Secret values
//! redacted, the fields that change, and the unified diff of the two as YAML.
use super::{Change, ObjectDiff};
use promstack_shared::kube::cluster::ObjRef;
use serde::Serialize;
use serde_json::{Map, Value};

/// A field that changes: its path (`spec.retention`, `spec.containers[0].args`) and its value
/// before and after (absent: the field is not there).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

/// The two states of an object compared; None when they are the same.
pub fn compare(r: &ObjRef, live: Option<Value>, after: Option<Value>) -> Option<ObjectDiff> {
    let mut live = live.map(normalised);
    let mut after = after.map(normalised);
    if r.kind == "Secret" {
        redact(live.as_mut(), after.as_mut());
    }
    if live == after {
        return None;
    }
    let change = match (&live, &after) {
        (None, _) => Change::Added,
        (_, None) => Change::Removed,
        _ => Change::Changed,
    };
    let mut fields = Vec::new();
    if change == Change::Changed {
        changes(
            live.as_ref(),
            after.as_ref(),
            &mut String::new(),
            &mut fields,
        );
    }
    let yaml = |v: &Option<Value>| {
        v.as_ref()
            .map(|v| serde_yaml::to_string(v).unwrap_or_default())
            .unwrap_or_default()
    };
    let (a, b) = (yaml(&live), yaml(&after));
    let diff = similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(&format!("live {r}"), &format!("after {r}"))
        .to_string();
    Some(ObjectDiff {
        kind: r.kind.clone(),
        namespace: r.namespace.clone(),
        name: r.name.clone(),
        change,
        fields,
        diff,
    })
}

/// The object without what the API server keeps for itself (managed fields, versions, ids,
/// timestamps, status): what neither helm nor the user set.
fn normalised(mut v: Value) -> Value {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "managedFields",
            "resourceVersion",
            "generation",
            "uid",
            "creationTimestamp",
            "selfLink",
        ] {
            meta.remove(k);
        }
        for k in ["annotations", "labels"] {
            if meta
                .get(k)
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                meta.remove(k);
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
    v
}

/// A Secret's values as what they are (`(redacted, 12 bytes)`), and whether they change; the
/// last-applied annotation (which holds them) too.
fn redact(live: Option<&mut Value>, after: Option<&mut Value>) {
    let value_of = |v: &Option<&mut Value>, field: &str, key: &str| -> Option<String> {
        v.as_ref()?.get(field)?.get(key)?.as_str().map(String::from)
    };
    let (mut live, mut after) = (live, after);
    for field in ["data", "stringData"] {
        let keys: std::collections::BTreeSet<String> = [&live, &after]
            .iter()
            .filter_map(|v| v.as_ref()?.get(field)?.as_object())
            .flat_map(|m| m.keys().cloned())
            .collect();
        for k in keys {
            let (a, b) = (value_of(&live, field, &k), value_of(&after, field, &k));
            let changed = a.is_some() && b.is_some() && a != b;
            let said = |v: &str, changed: bool| {
                let bytes = match field {
                    "data" => v.len() / 4 * 3 - v.matches('=').count().min(2),
                    _ => v.len(),
                };
                match changed {
                    true => format!("(redacted, {bytes} bytes, changed)"),
                    false => format!("(redacted, {bytes} bytes)"),
                }
            };
            if let (Some(v), Some(live)) = (&a, live.as_deref_mut()) {
                live[field][&k] = Value::String(said(v, false));
            }
            if let (Some(v), Some(after)) = (&b, after.as_deref_mut()) {
                after[field][&k] = Value::String(said(v, changed));
            }
        }
    }
    for v in [live, after].into_iter().flatten() {
        if let Some(a) = v
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            if a.contains_key("kubectl.kubernetes.io/last-applied-configuration") {
                a.insert(
                    "kubectl.kubernetes.io/last-applied-configuration".into(),
                    Value::String("(redacted)".into()),
                );
            }
        }
    }
}

/// The fields of `a` and `b` that differ, leaves first found first: maps key by key, lists of the
/// same length item by item, anything else whole.
fn changes(a: Option<&Value>, b: Option<&Value>, path: &mut String, out: &mut Vec<FieldChange>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                changes(x.get(k), y.get(k), path, out);
                path.truncate(len);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                changes(Some(p), Some(q), path, out);
                path.truncate(len);
            }
        }
        (a, b) if a != b => out.push(FieldChange {
            path: path.clone(),
            from: a.cloned(),
            to: b.cloned(),
        }),
        _ => {}
    }
}

/// Remove from `after` the fields the release set before (`before`, its manifest) that the new
/// render (`now`) no longer sets: what helm's three-way merge and server-side apply remove.
pub fn remove_dropped(after: &mut Value, before: &Value, now: &Value) {
    let (Some(b), Some(n)) = (before.as_object(), now.as_object()) else {
        return;
    };
    let Some(a) = after.as_object_mut() else {
        return;
    };
    for (k, bv) in b {
        match n.get(k) {
            None => {
                a.remove(k);
            }
            Some(nv) if bv.is_object() && nv.is_object() => {
                if let Some(av) = a.get_mut(k) {
                    remove_dropped(av, bv, nv);
                }
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(kind: &str) -> ObjRef {
        ObjRef::new("v1", kind, Some("monitoring"), "x")
    }

    #[test]
    fn the_same_object_but_for_the_servers_own_fields_is_unchanged() {
        let live = json!({"kind": "ConfigMap", "metadata": {"name": "x", "resourceVersion": "7", "uid": "u", "managedFields": [{}], "generation": 3}, "data": {"a": "1"}, "status": {"x": 1}});
        let after = json!({"kind": "ConfigMap", "metadata": {"name": "x", "resourceVersion": "8"}, "data": {"a": "1"}});
        assert!(compare(&r("ConfigMap"), Some(live), Some(after)).is_none());
    }

    #[test]
    fn a_changed_field_is_named_with_both_values_and_in_the_unified_diff() {
        let live = json!({"kind": "Prometheus", "metadata": {"name": "x"}, "spec": {"retention": "2d", "replicas": 1}});
        let after = json!({"kind": "Prometheus", "metadata": {"name": "x"}, "spec": {"retention": "3d", "replicas": 1}});
        let d = compare(&r("Prometheus"), Some(live), Some(after)).unwrap();
        assert_eq!(d.change, Change::Changed);
        assert_eq!(
            d.fields,
            [FieldChange {
                path: "spec.retention".into(),
                from: Some(json!("2d")),
                to: Some(json!("3d"))
            }]
        );
        assert!(
            d.diff.contains("-  retention: 2d\n+  retention: 3d\n"),
            "{}",
            d.diff
        );
        assert!(
            d.diff.starts_with(
                "--- live Prometheus monitoring/x\n+++ after Prometheus monitoring/x\n"
            ),
            "{}",
            d.diff
        );
    }

    #[test]
    fn secret_values_never_show_but_their_change_does() {
        let live = json!({"kind": "Secret", "metadata": {"name": "x", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"p\":\"c2VjcmV0\"}}"}}, "data": {"p": "c2VjcmV0", "same": "YQ=="}});
        let after = json!({"kind": "Secret", "metadata": {"name": "x", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"p\":\"b3RoZXI=\"}}"}}, "data": {"p": "b3RoZXIx", "same": "YQ=="}});
        let d = compare(&r("Secret"), Some(live), Some(after)).unwrap();
        let all = serde_json::to_string(&d).unwrap();
        for secret in ["c2VjcmV0", "b3RoZXIx", "b3RoZXI=", "YQ=="] {
            assert!(!all.contains(secret), "{secret} shows: {all}");
        }
        assert!(
            d.diff.contains("+  p: (redacted, 6 bytes, changed)"),
            "{}",
            d.diff
        );
        assert_eq!(d.fields.len(), 1, "{:?}", d.fields);
        let unchanged =
            json!({"kind": "Secret", "metadata": {"name": "x"}, "data": {"p": "c2VjcmV0"}});
        assert!(compare(&r("Secret"), Some(unchanged.clone()), Some(unchanged)).is_none());
    }

    #[test]
    fn a_field_the_release_no_longer_sets_is_removed() {
        let before = json!({"spec": {"a": 1, "b": {"c": 1, "d": 2}}});
        let now = json!({"spec": {"a": 1, "b": {"c": 1}}});
        let mut after =
            json!({"spec": {"a": 1, "b": {"c": 1, "d": 2, "defaulted": true}, "server": 1}});
        remove_dropped(&mut after, &before, &now);
        assert_eq!(
            after,
            json!({"spec": {"a": 1, "b": {"c": 1, "defaulted": true}, "server": 1}})
        );
    }

    #[test]
    fn added_and_removed_objects() {
        let obj = json!({"kind": "ConfigMap", "metadata": {"name": "x"}});
        let added = compare(&r("ConfigMap"), None, Some(obj.clone())).unwrap();
        assert_eq!(added.change, Change::Added);
        assert!(added.diff.contains("+kind: ConfigMap"));
        let removed = compare(&r("ConfigMap"), Some(obj), None).unwrap();
        assert_eq!(removed.change, Change::Removed);
    }
}
