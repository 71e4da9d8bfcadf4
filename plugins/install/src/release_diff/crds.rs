//! The chart's CRDs in short: which versions are served before and after, and which schema fields
//! each version gains or loses (`spec.foo`, `spec.items[].bar`). A CRD's whole diff is thousands
//! of lines of OpenAPI schema; what an upgrade needs to know is this.
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeSet;

/// At most this many fields are named per direction; the rest are counted.
const NAMED: usize = 12;

/// One CRD that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrdDiff {
    pub name: String,
    /// It is not in the cluster yet.
    pub new: bool,
    /// Versions served before and after.
    pub served_before: Vec<String>,
    pub served_after: Vec<String>,
    /// Schema fields added and removed, `version: path`.
    pub fields_added: Vec<String>,
    pub fields_removed: Vec<String>,
    /// Only its descriptions, validations or labels/annotations change (not its versions or fields).
    pub other_changes_only: bool,
}

impl CrdDiff {
    /// One line: `prometheuses.monitoring.coreos.com: served v1; 3 fields added (v1: spec.a, …)`.
    pub fn line(&self) -> String {
        let mut s = format!("{}: ", self.name);
        if self.new {
            s.push_str(&format!("new, serves {}", self.served_after.join(", ")));
            return s;
        }
        if self.served_before == self.served_after {
            s.push_str(&format!("serves {}", self.served_after.join(", ")));
        } else {
            s.push_str(&format!(
                "serves {} (was {})",
                self.served_after.join(", "),
                self.served_before.join(", ")
            ));
        }
        for (what, list) in [
            ("added", &self.fields_added),
            ("removed", &self.fields_removed),
        ] {
            if !list.is_empty() {
                s.push_str(&format!("; {} fields {what} ({})", list.len(), named(list)));
            }
        }
        if self.other_changes_only {
            s.push_str("; the same fields (descriptions, validations or annotations change)");
        }
        s
    }
}

fn named(list: &[String]) -> String {
    let mut out: Vec<&str> = list.iter().take(NAMED).map(String::as_str).collect();
    let more;
    if list.len() > NAMED {
        more = format!("and {} more", list.len() - NAMED);
        out.push(&more);
    }
    out.join(", ")
}

/// Each CRD of the chart against the cluster's; only those that change.
pub fn diff(chart: &[Value], live: &[Option<Value>]) -> Vec<CrdDiff> {
    chart
        .iter()
        .zip(live)
        .filter_map(|(after, before)| one(after, before.as_ref()))
        .collect()
}

fn one(after: &Value, before: Option<&Value>) -> Option<CrdDiff> {
    let name = after
        .pointer("/metadata/name")
        .and_then(Value::as_str)?
        .to_string();
    let served_after = served(after);
    let Some(before) = before else {
        return Some(CrdDiff {
            name,
            new: true,
            served_before: vec![],
            served_after,
            fields_added: vec![],
            fields_removed: vec![],
            other_changes_only: false,
        });
    };
    let served_before = served(before);
    let (a, b) = (fields(before), fields(after));
    let fields_added: Vec<String> = b.difference(&a).cloned().collect();
    let fields_removed: Vec<String> = a.difference(&b).cloned().collect();
    let same_shape =
        served_before == served_after && fields_added.is_empty() && fields_removed.is_empty();
    if same_shape && !differs(before, after) {
        return None;
    }
    Some(CrdDiff {
        name,
        new: false,
        served_before,
        served_after,
        fields_added,
        fields_removed,
        other_changes_only: same_shape,
    })
}

/// Would the install's server-side apply of `after` change `before` (as its plan decides: the
/// fields it sends, not what the server defaults)?
fn differs(before: &Value, after: &Value) -> bool {
    promstack_shared::kube::owned::plan(Some(before), after)
        != promstack_shared::kube::owned::Change::Unchanged
}

fn versions(crd: &Value) -> impl Iterator<Item = &Value> {
    crd.pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn served(crd: &Value) -> Vec<String> {
    versions(crd)
        .filter(|v| v["served"] == Value::Bool(true))
        .filter_map(|v| v["name"].as_str().map(String::from))
        .collect()
}

/// Every field path of every version's schema, `version: path`.
fn fields(crd: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for v in versions(crd) {
        let name = v["name"].as_str().unwrap_or_default();
        if let Some(schema) = v.pointer("/schema/openAPIV3Schema") {
            walk(schema, &mut String::new(), &mut |p| {
                out.insert(format!("{name}: {p}"));
            });
        }
    }
    out
}

fn walk(schema: &Value, path: &mut String, found: &mut dyn FnMut(&str)) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, sub) in props {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            found(path);
            walk(sub, path, found);
            path.truncate(len);
        }
    }
    if let Some(items) = schema.get("items") {
        let len = path.len();
        path.push_str("[]");
        walk(items, path, found);
        path.truncate(len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd(served: &[(&str, bool)], props: Value) -> Value {
        json!({"metadata": {"name": "widgets.example.com"}, "spec": {"versions": served.iter().map(|(n, s)| json!({"name": n, "served": s, "schema": {"openAPIV3Schema": {"properties": {"spec": {"properties": props.clone()}}}}})).collect::<Vec<_>>()}})
    }

    #[test]
    fn versions_and_fields_in_short() {
        let before = crd(
            &[("v1", true)],
            json!({"a": {}, "old": {}, "list": {"items": {"properties": {"x": {}}}}}),
        );
        let after = crd(
            &[("v1", true), ("v2", false)],
            json!({"a": {}, "new": {"properties": {"deep": {}}}, "list": {"items": {"properties": {"x": {}}}}}),
        );
        let d = one(&after, Some(&before)).unwrap();
        assert_eq!(d.served_after, ["v1"]);
        assert!(
            d.fields_added.contains(&"v1: spec.new.deep".to_string()),
            "{:?}",
            d.fields_added
        );
        assert!(
            d.fields_added.contains(&"v2: spec.list[].x".to_string()),
            "{:?}",
            d.fields_added
        );
        assert_eq!(d.fields_removed, ["v1: spec.old"]);
        assert!(
            d.line().starts_with("widgets.example.com: serves v1; "),
            "{}",
            d.line()
        );
        // as the install applied it: its fields promstack's, and a field the server defaulted
        let mut before = before;
        before["apiVersion"] = json!("apiextensions.k8s.io/v1");
        before["kind"] = json!("CustomResourceDefinition");
        let mut live = promstack_shared::kube::cluster::MemoryCluster::new()
            .apply_as(&before, promstack_shared::FIELD_MANAGER)
            .unwrap();
        live["spec"]["conversion"] = json!({"strategy": "None"});
        assert!(one(&before, Some(&live)).is_none(), "unchanged");
        let mut annotated = before.clone();
        annotated["metadata"]["annotations"] = json!({"operator.prometheus.io/version": "0.93.0"});
        let other = one(&annotated, Some(&live)).unwrap();
        assert!(
            other.other_changes_only
                && other
                    .line()
                    .ends_with("(descriptions, validations or annotations change)")
        );
        assert!(one(&after, None).unwrap().line().contains("new, serves v1"));
    }
}
