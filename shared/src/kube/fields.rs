//! Which fields a field manager owns, as server-side apply keeps them, and what an apply would
//! change: the question "is this object unchanged?" answered the way the API server answers it.
//!
//! An apply by manager `promstack` sets every field it sends and **removes every field it set
//! before and no longer sends** (unless another manager owns it too). The live object's
//! `metadata.managedFields` entry for `promstack` (operation `Apply`, `fieldsV1`) lists the fields
//! it owns. So an apply changes nothing only when (1) every field promstack sends has that value
//! live and (2) the fields it owns are exactly the fields it sends. Both can be decided from the
//! live object alone: no request beyond the read.
//!
//! Field sets here are paths of map keys, with lists as leaves: a list is compared by value,
//! whole, so the way the API server tracks list items (by key for `x-kubernetes-list-type: map`,
//! by value for sets, not at all for atomic lists) does not matter. In `fieldsV1` a path stops at
//! the first list-item key (`k:`, `v:`, `i:`); `.` (the node itself) is a member too. The fields
//! the API server never records (apiVersion, kind, metadata.name/namespace/uid/...) are left out,
//! as its strip-meta manager does.
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// One field: the keys from the object's root.
pub type Path = Vec<String>;
/// A set of fields.
pub type FieldSet = BTreeSet<Path>;

/// The fields the API server never puts into managedFields.
fn stripped(path: &[String]) -> bool {
    matches!(
        path.iter().map(String::as_str).collect::<Vec<_>>()[..],
        ["apiVersion"]
            | ["kind"]
            | ["metadata", "name"]
            | ["metadata", "namespace"]
            | ["metadata", "creationTimestamp"]
            | ["metadata", "selfLink"]
            | ["metadata", "uid"]
            | ["metadata", "generation"]
            | ["metadata", "managedFields"]
            | ["metadata", "resourceVersion"]
            | ["status", ..]
    )
}

fn collect(v: &Value, path: &mut Path, out: &mut FieldSet) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                path.push(k.clone());
                collect(child, path, out);
                path.pop();
            }
        }
        Value::Null => {}
        _ => {
            if !stripped(path) {
                out.insert(path.clone());
            }
        }
    }
}

/// The fields an apply of `obj` sets (status is a subresource an apply of the object never sets).
pub fn of_object(obj: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    collect(obj, &mut Vec::new(), &mut out);
    out
}

fn parse(node: &Value, path: &mut Path, out: &mut FieldSet) {
    let Some(m) = node.as_object().filter(|m| !m.is_empty()) else {
        out.insert(path.clone());
        return;
    };
    if m.keys()
        .any(|k| k.starts_with("k:") || k.starts_with("v:") || k.starts_with("i:"))
    {
        // list items: the list is one field here
        out.insert(path.clone());
        return;
    }
    let mut children = false;
    for (k, child) in m {
        if let Some(name) = k.strip_prefix("f:") {
            children = true;
            path.push(name.to_string());
            parse(child, path, out);
            path.pop();
        }
    }
    // `.` alone: the node itself (an empty map set whole); beside its fields it adds nothing a
    // comparison of fields needs (update operations write it on every map they touch)
    if !children && m.contains_key(".") && !path.is_empty() {
        out.insert(path.clone());
    }
}

/// The fields of a `fieldsV1` trie.
pub fn from_fields_v1(v: &Value) -> FieldSet {
    let mut out = FieldSet::new();
    if v.as_object().is_some_and(|m| !m.is_empty()) {
        parse(v, &mut Vec::new(), &mut out);
    }
    out
}

/// A `fieldsV1` trie of these fields (what the in-memory cluster writes into managedFields).
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut node = &mut root;
        for key in path {
            node = node
                .entry(format!("f:{key}"))
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("fieldsV1 nodes are objects");
        }
    }
    Value::Object(root)
}

/// The fields `manager` owns through server-side apply in a live object (every `Apply` entry of
/// that manager, whatever its apiVersion).
pub fn owned_by(live: &Value, manager: &str) -> FieldSet {
    live.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| e["manager"] == manager && e["operation"] == "Apply")
        .flat_map(|e| from_fields_v1(&e["fieldsV1"]))
        .collect()
}

/// `want`'s fields, each replaced by the field of `owned` that holds it when the API server owns
/// a whole map there (`x-kubernetes-map-type: atomic`: a field with nothing owned below it):
/// the same granularity on both sides.
fn at_granularity_of(want: &FieldSet, owned: &FieldSet) -> FieldSet {
    let whole = |o: &Path| !owned.iter().any(|x| x.len() > o.len() && x.starts_with(o));
    want.iter()
        .map(|w| {
            owned
                .iter()
                .find(|o| o.len() < w.len() && w.starts_with(o) && whole(o))
                .cloned()
                .unwrap_or_else(|| w.clone())
        })
        .collect()
}

/// The fields `manager` owns in `live` that `want` no longer sets: an apply of `want` removes them.
pub fn dropped(live: &Value, want: &Value, manager: &str) -> FieldSet {
    let owned = owned_by(live, manager);
    let wanted = at_granularity_of(&of_object(want), &owned);
    owned.difference(&wanted).cloned().collect()
}

/// Would an apply of `want` by `manager` leave `live` as it is? Every field it sets has its value
/// live (lists equal as wholes) and the fields it owns are exactly those it sets.
pub fn apply_changes_nothing(live: &Value, want: &Value, manager: &str) -> bool {
    let owned = owned_by(live, manager);
    crate::kube::owned::contains(live, want) && at_granularity_of(&of_object(want), &owned) == owned
}

/// The value at `path` in `v`.
pub fn get<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |node, k| node.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(s: &str) -> Path {
        s.split('.').map(String::from).collect()
    }

    #[test]
    fn an_objects_fields_are_its_leaves_without_what_the_server_strips() {
        let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "m", "labels": {"a": "1"}, "annotations": {}},
            "data": {"k": "v", "n": ""}, "list": [{"x": 1}], "status": {"s": 1}});
        let set = of_object(&obj);
        assert_eq!(
            set,
            FieldSet::from([
                p("metadata.labels.a"),
                p("metadata.annotations"),
                p("data.k"),
                p("data.n"),
                p("list")
            ])
        );
    }

    #[test]
    fn fields_v1_as_the_api_server_writes_it() {
        // a PrometheusRule applied with kubectl --server-side: groups are a keyed list
        let v1 = json!({
            "f:metadata": {"f:labels": {".": {}, "f:app.kubernetes.io/managed-by": {}, "f:team": {}},
                           "f:annotations": {"f:promstack.io/source": {}}},
            "f:spec": {"f:groups": {"k:{\"name\":\"node\"}": {".": {}, "f:name": {}, "f:rules": {}}}},
            "f:data": {}
        });
        let k = |parts: &[&str]| -> Path { parts.iter().map(|s| s.to_string()).collect() };
        assert_eq!(
            from_fields_v1(&v1),
            FieldSet::from([
                k(&["metadata", "labels", "app.kubernetes.io/managed-by"]),
                k(&["metadata", "labels", "team"]),
                k(&["metadata", "annotations", "promstack.io/source"]),
                k(&["spec", "groups"]),
                k(&["data"]),
            ])
        );
        let round = FieldSet::from([p("data.k"), p("metadata.labels.a"), p("spec.groups")]);
        assert_eq!(from_fields_v1(&to_fields_v1(&round)), round);
        assert_eq!(
            from_fields_v1(&json!({"f:metadata": {"f:annotations": {".": {}}}})),
            FieldSet::from([p("metadata.annotations")]),
            "an empty map set whole"
        );
    }

    fn live(labels: Value, owned: &[&str]) -> Value {
        let set: FieldSet = owned.iter().map(|s| p(s)).collect();
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "m", "labels": labels,
                "managedFields": [
                    {"manager": "promstack", "operation": "Apply", "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&set)},
                    {"manager": "kubectl-label", "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {"f:other": {}}}}}
                ]},
            "data": {"k": "v"}})
    }

    #[test]
    fn an_apply_that_drops_a_field_it_owned_is_a_change() {
        let want = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "m", "labels": {"a": "1"}}, "data": {"k": "v"}});
        let same = live(
            json!({"a": "1", "other": "o"}),
            &["metadata.labels.a", "data.k"],
        );
        assert!(apply_changes_nothing(&same, &want, "promstack"));
        assert!(dropped(&same, &want, "promstack").is_empty());
        // promstack set team=sre before: the same values, but an apply removes team
        let with_team = live(
            json!({"a": "1", "team": "sre", "other": "o"}),
            &["metadata.labels.a", "metadata.labels.team", "data.k"],
        );
        assert!(!apply_changes_nothing(&with_team, &want, "promstack"));
        assert_eq!(
            dropped(&with_team, &want, "promstack"),
            FieldSet::from([p("metadata.labels.team")])
        );
        // a value that differs is a change too; another manager's field is not ours to drop
        let mut other_value = same.clone();
        other_value["data"]["k"] = json!("w");
        assert!(!apply_changes_nothing(&other_value, &want, "promstack"));
        // never applied by promstack: an apply takes ownership
        let mut unowned = same.clone();
        unowned["metadata"]["managedFields"] = json!([]);
        assert!(!apply_changes_nothing(&unowned, &want, "promstack"));
    }

    #[test]
    fn a_map_the_server_owns_whole_is_compared_whole() {
        let want = json!({"spec": {"selector": {"a": "1", "b": "2"}}});
        let mut l = json!({"spec": {"selector": {"a": "1", "b": "2"}}});
        l["metadata"] = json!({"managedFields": [{"manager": "promstack", "operation": "Apply",
            "fieldsV1": {"f:spec": {"f:selector": {}}}}]});
        assert!(apply_changes_nothing(&l, &want, "promstack"));
    }
}
