//! What the API server (and the Prometheus Operator after it) refuses of an object, checked
//! before anything is sent, so `validate` refuses what `sync` would have failed on:
//!
//! - `metadata.name`: a DNS-1123 subdomain (lowercase alphanumerics, `-`, `.`; at most 253);
//! - label keys (an optional DNS subdomain prefix and `/`, then a name of at most 63 characters:
//!   alphanumerics, `-`, `_`, `.`, starting and ending alphanumeric) and values (the same rule for
//!   the name part, or empty);
//! - annotation keys (as label keys) and all annotations together at most 256 KiB;
//! - a ConfigMap's data at most 1 MiB;
//! - a PrometheusRule's rule file (its `spec` as YAML, which the operator puts into a ConfigMap of
//!   its own) at most 512 KiB: the operator refuses larger ones and Prometheus never loads them.
use serde_json::Value;

/// ConfigMap data, all keys together (`core/v1` validation).
pub const CONFIGMAP_MAX_BYTES: usize = 1024 * 1024;
/// Annotations, all keys and values together (`metadata` validation).
pub const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;
/// One rule file in the operator's rule ConfigMaps (half the Secret/ConfigMap size limit).
pub const RULE_FILE_MAX_BYTES: usize = 512 * 1024;

fn dns_label_like(s: &str, max: usize, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= max
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A DNS-1123 subdomain: what most object names must be.
pub fn is_dns_subdomain(s: &str) -> bool {
    dns_label_like(s, 253, &['-', '.'])
        && s == s.to_lowercase()
        && s.split('.').all(|part| dns_label_like(part, 63, &['-']))
}

/// A qualified name: the name part of a label or annotation key, and a label value's rule.
fn is_qualified_name_part(s: &str) -> bool {
    dns_label_like(s, 63, &['-', '_', '.'])
}

/// Why a label or annotation key is refused, if it is.
pub fn key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if !is_dns_subdomain(p) {
            return Some(format!("`{key}`: the prefix `{p}` is not a DNS subdomain (lowercase letters, digits, `-`, `.`)"));
        }
    }
    (!is_qualified_name_part(name)).then(|| {
        format!("`{key}`: the name must be 1-63 characters of letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit")
    })
}

/// Why a label value is refused, if it is.
pub fn label_value_problem(value: &str) -> Option<String> {
    (!value.is_empty() && !is_qualified_name_part(value)).then(|| {
        format!("`{value}`: a label value is empty or 1-63 characters of letters, digits, `-`, `_`, `.`, starting and ending with a letter or digit")
    })
}

fn string_map(obj: &Value, field: &str) -> Vec<(String, String)> {
    obj.pointer(&format!("/metadata/{field}"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Everything the API server and the operator would refuse of `obj`, each as a sentence.
pub fn problems(obj: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let kind = obj["kind"].as_str().unwrap_or("object");
    match obj.pointer("/metadata/name").and_then(Value::as_str) {
        Some(n) if is_dns_subdomain(n) => {}
        Some(n) => out.push(format!("{kind} name `{n}` is not a valid object name: at most 253 lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit")),
        None => out.push(format!("{kind} has no metadata.name")),
    }
    for (k, v) in string_map(obj, "labels") {
        out.extend(key_problem(&k).map(|p| format!("label key {p}")));
        out.extend(label_value_problem(&v).map(|p| format!("label `{k}`: value {p}")));
    }
    let annotations = string_map(obj, "annotations");
    for (k, _) in &annotations {
        out.extend(key_problem(k).map(|p| format!("annotation key {p}")));
    }
    let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > ANNOTATIONS_MAX_BYTES {
        out.push(format!(
            "annotations take {size} bytes, more than the 262144 the API server allows"
        ));
    }
    if kind == "ConfigMap" {
        let size: usize = ["data", "binaryData"]
            .iter()
            .filter_map(|f| obj[*f].as_object())
            .flatten()
            .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
            .sum();
        if size > CONFIGMAP_MAX_BYTES {
            out.push(format!("{size} bytes of data, more than a ConfigMap holds (1 MiB = 1048576 bytes): split it"));
        }
    }
    if kind == "PrometheusRule" {
        let file = serde_yaml::to_string(&obj["spec"]).unwrap_or_default();
        if file.len() > RULE_FILE_MAX_BYTES {
            out.push(format!("its rule file is {} bytes, more than the 524288 the Prometheus Operator puts into one ConfigMap (it refuses the rules, and Prometheus never loads them): split the groups over several files", file.len()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_keys_and_values_as_the_api_server_takes_them() {
        assert!(is_dns_subdomain("promstack-node"));
        assert!(is_dns_subdomain("a.b-c"));
        assert!(!is_dns_subdomain("My_Rules"));
        assert!(!is_dns_subdomain("-x"));
        assert!(!is_dns_subdomain(&"a".repeat(254)));
        assert_eq!(key_problem("app.kubernetes.io/managed-by"), None);
        assert_eq!(key_problem("team"), None);
        assert!(key_problem("Bad Prefix/x").is_some());
        assert!(key_problem("x/").is_some());
        assert!(key_problem(&"k".repeat(64)).is_some());
        assert_eq!(label_value_problem(""), None);
        assert_eq!(label_value_problem("kube-prometheus"), None);
        assert!(label_value_problem("two words").is_some());
        assert!(label_value_problem(&"v".repeat(64)).is_some());
    }

    #[test]
    fn objects_over_a_limit_are_named() {
        let ok = json!({"kind": "ConfigMap", "metadata": {"name": "d", "labels": {"grafana_dashboard": "1"}}, "data": {"d.json": "{}"}});
        assert!(problems(&ok).is_empty());
        let big = json!({"kind": "ConfigMap", "metadata": {"name": "d"}, "data": {"d.json": "x".repeat(CONFIGMAP_MAX_BYTES)}});
        assert!(
            problems(&big)[0].contains("more than a ConfigMap holds"),
            "{:?}",
            problems(&big)
        );
        let bad = json!({"kind": "PrometheusRule", "metadata": {"name": "My Rules", "labels": {"team": "site reliability"},
            "annotations": {"a": "x".repeat(ANNOTATIONS_MAX_BYTES)}}, "spec": {"groups": [{"name": "g", "rules": [{"record": "r", "expr": "x".repeat(RULE_FILE_MAX_BYTES)}]}]}});
        let p = problems(&bad);
        assert_eq!(p.len(), 4, "{p:#?}");
        assert!(p[0].contains("`My Rules` is not a valid object name"));
        assert!(p[1].contains("label `team`"));
        assert!(p[2].contains("annotations take"));
        assert!(p[3].contains("rule file is"));
    }
}
