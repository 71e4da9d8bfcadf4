//! Server-side apply as the API server does it, for the in-memory cluster: every manager owns the
//! fields it set (recorded in `metadata.managedFields` as `fieldsV1`), an apply that omits a field
//! its manager set before removes it (unless another manager owns it too), a field another manager
//! owns with another value is a conflict (409) unless forced, when ownership moves. Field sets
//! treat lists as leaves, as [`crate::kube::fields`] does; the API server tracks keyed list items one by
//! one, which changes nothing for objects compared by value.
use super::ClusterError;
use crate::kube::fields::{self, FieldSet, Path};
use serde_json::{json, Map, Value};

/// One manager's fields, as a managedFields entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    manager: String,
    operation: String,
    fields: FieldSet,
}

fn entries(obj: &Value) -> Vec<Entry> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| Entry {
            manager: e["manager"].as_str().unwrap_or_default().into(),
            operation: e["operation"].as_str().unwrap_or_default().into(),
            fields: fields::from_fields_v1(&e["fieldsV1"]),
        })
        .collect()
}

fn write_entries(obj: &mut Value, es: &[Entry], api_version: &str) {
    obj["metadata"]["managedFields"] = Value::Array(
        es.iter()
            .filter(|e| !e.fields.is_empty())
            .map(|e| {
                json!({"manager": e.manager, "operation": e.operation, "apiVersion": api_version,
                    "fieldsType": "FieldsV1", "fieldsV1": fields::to_fields_v1(&e.fields)})
            })
            .collect(),
    );
}

/// Remove the field at `path`, and the maps that it leaves empty.
fn remove(obj: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let Some(parent) = parents
        .iter()
        .try_fold(&mut *obj, |node, k| node.get_mut(k))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    parent.remove(last);
    if parent.is_empty() && !parents.is_empty() {
        remove(obj, parents);
    }
}

fn merge(into: &mut Value, from: &Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

fn show(path: &Path) -> String {
    path.iter().map(|k| format!(".{k}")).collect()
}

/// How a manager writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Server-side apply: owns exactly what it sends; what it stops sending goes.
    Apply { force: bool },
    /// A plain update (kubectl create/edit/label, a controller): owns what it sets, removes nothing.
    Update,
}

/// `obj` written by `manager` onto `stored` (None: a new object). Returns the object as stored.
pub fn write(
    stored: Option<&Value>,
    obj: &Value,
    manager: &str,
    op: Operation,
) -> Result<Value, ClusterError> {
    let mut out = stored.cloned().unwrap_or_else(|| json!({"metadata": {}}));
    let mut es = entries(&out);
    let sent = fields::of_object(obj);
    let op_name = match op {
        Operation::Apply { .. } => "Apply",
        Operation::Update => "Update",
    };
    if let Operation::Apply { force } = op {
        let mut conflicts = Vec::new();
        for e in es.iter_mut().filter(|e| e.manager != manager) {
            let differ: Vec<Path> = e
                .fields
                .intersection(&sent)
                .filter(|p| fields::get(&out, p) != fields::get(obj, p))
                .cloned()
                .collect();
            if force {
                differ.iter().for_each(|p| {
                    e.fields.remove(p);
                });
            } else {
                conflicts.extend(
                    differ
                        .iter()
                        .map(|p| format!("conflict with \"{}\": {}", e.manager, show(p))),
                );
            }
        }
        if !conflicts.is_empty() {
            return Err(ClusterError::Conflict(format!(
                "Apply failed with {} conflict{}: {}",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" },
                conflicts.join(", ")
            )));
        }
        let before: FieldSet = es
            .iter()
            .filter(|e| e.manager == manager && e.operation == "Apply")
            .flat_map(|e| e.fields.clone())
            .collect();
        for gone in before.difference(&sent) {
            let kept = es.iter().any(|e| {
                !(e.manager == manager && e.operation == "Apply") && e.fields.contains(gone)
            });
            if !kept {
                remove(&mut out, gone);
            }
        }
        es.retain(|e| !(e.manager == manager && e.operation == "Apply"));
    }
    merge(&mut out, obj);
    match es
        .iter_mut()
        .find(|e| e.manager == manager && e.operation == op_name)
    {
        Some(e) => e.fields.extend(sent),
        None => es.push(Entry {
            manager: manager.into(),
            operation: op_name.into(),
            fields: sent,
        }),
    }
    let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
    if !out["metadata"].is_object() {
        out["metadata"] = Value::Object(Map::new());
    }
    write_entries(&mut out, &es, &api_version);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(labels: Value, data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "m", "labels": labels}, "data": data})
    }

    const APPLY: Operation = Operation::Apply { force: false };

    #[test]
    fn an_apply_that_omits_a_field_its_manager_set_removes_it() {
        let a = write(
            None,
            &cm(json!({"a": "1", "team": "sre"}), json!({"k": "v"})),
            "promstack",
            APPLY,
        )
        .unwrap();
        assert_eq!(a["metadata"]["labels"]["team"], "sre");
        let b = write(
            Some(&a),
            &cm(json!({"a": "1"}), json!({"k": "v"})),
            "promstack",
            APPLY,
        )
        .unwrap();
        assert!(b["metadata"]["labels"].get("team").is_none(), "{b}");
        assert!(fields::apply_changes_nothing(
            &b,
            &cm(json!({"a": "1"}), json!({"k": "v"})),
            "promstack"
        ));
        // dropping the last label drops the empty map too
        let c = write(
            Some(&b),
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "m"}, "data": {"k": "v"}}),
            "promstack",
            APPLY,
        )
        .unwrap();
        assert!(c["metadata"].get("labels").is_none(), "{c}");
    }

    #[test]
    fn a_field_another_manager_owns_stays_and_a_different_value_conflicts() {
        let a = write(
            None,
            &cm(json!({"a": "1"}), json!({"k": "v"})),
            "promstack",
            APPLY,
        )
        .unwrap();
        // kubectl label adds one; kubectl apply --server-side by someone else sets the same data
        let label = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "m", "labels": {"other": "o"}}});
        let b = write(Some(&a), &label, "kubectl-label", Operation::Update).unwrap();
        let b = write(
            Some(&b),
            &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "m"}, "data": {"k": "v"}}),
            "kubectl",
            APPLY,
        )
        .unwrap();
        // promstack stops sending data.k: kubectl owns it too, so it stays
        let c = write(
            Some(&b),
            &cm(json!({"a": "1"}), json!({})),
            "promstack",
            APPLY,
        )
        .unwrap();
        assert_eq!(c["data"]["k"], "v");
        assert_eq!(c["metadata"]["labels"]["other"], "o");
        // promstack wants another value of kubectl-label's field: 409, unless forced
        let e = write(
            Some(&c),
            &cm(json!({"a": "1", "other": "mine"}), json!({})),
            "promstack",
            APPLY,
        )
        .unwrap_err();
        assert_eq!(
            e,
            ClusterError::Conflict("Apply failed with 1 conflict: conflict with \"kubectl-label\": .metadata.labels.other".into())
        );
        let d = write(
            Some(&c),
            &cm(json!({"a": "1", "other": "mine"}), json!({})),
            "promstack",
            Operation::Apply { force: true },
        )
        .unwrap();
        assert_eq!(d["metadata"]["labels"]["other"], "mine");
        // now promstack's alone: dropping it removes it
        let e = write(
            Some(&d),
            &cm(json!({"a": "1"}), json!({})),
            "promstack",
            APPLY,
        )
        .unwrap();
        assert!(e["metadata"]["labels"].get("other").is_none());
    }
}
