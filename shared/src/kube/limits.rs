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
        if let Some(len) = rule_file_over_limit(&obj["spec"]) {
            out.push(format!("its rule file is {len} bytes, more than the 524288 the Prometheus Operator puts into one ConfigMap (it refuses the rules, and Prometheus never loads them): split the groups over several files"));
        }
    }
    out
}

/// The length of the rule file `spec` makes (the spec as YAML), when it is over
/// [`RULE_FILE_MAX_BYTES`]. A spec whose [`yaml_len_bound`] is within the limit is within it
/// without being written out (the YAML emitter was a fifth of `rules validate`'s time).
fn rule_file_over_limit(spec: &Value) -> Option<usize> {
    if yaml_len_bound(spec) <= RULE_FILE_MAX_BYTES {
        return None;
    }
    let len = serde_yaml::to_string(spec).map_or(0, |f| f.len());
    (len > RULE_FILE_MAX_BYTES).then_some(len)
}

/// An upper bound of `serde_yaml::to_string(v).len()`, in one walk and without the emitter:
/// serde_yaml writes block style with no line folding (width unlimited), so each entry takes its
/// indentation, its key, `: ` or `- ` and a line break; a string, in whichever style libyaml
/// picks, takes at most its quotes or block header, each `'`, `"`, `\` or line break doubled, an
/// escape of at most 10 bytes for any other character than printable ASCII, and (a literal block)
/// its indentation on every line. Indentation is counted as 2 for each level of nesting, more
/// than libyaml's indentless sequences take.
fn yaml_len_bound(v: &Value) -> usize {
    node_len_bound(v, 0) + 1
}

/// A node at nesting `depth`, without the line break that ends it.
fn node_len_bound(v: &Value, depth: usize) -> usize {
    let indent = 2 * depth;
    match v {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(n) => n.to_string().len() + 8,
        Value::String(s) => str_len_bound(s, indent),
        Value::Array(a) if a.is_empty() => 2,
        Value::Object(m) if m.is_empty() => 2,
        // `- ` and the line break
        Value::Array(a) => a
            .iter()
            .map(|x| indent + 3 + node_len_bound(x, depth + 1))
            .sum(),
        // `: ` and the line break
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| indent + str_len_bound(k, indent) + 3 + node_len_bound(x, depth + 1))
            .sum(),
    }
}

/// A string in any of libyaml's styles: plain, quoted (two quotes, each `'`, `"`, `\` doubled or
/// escaped, any other character than printable ASCII escaped in at most 10 bytes), or, with line
/// breaks, a literal block (a header of at most 4 bytes and its break, each line indented).
fn str_len_bound(s: &str, indent: usize) -> usize {
    // byte by byte: a character of k > 1 bytes counts 10 per byte, at least its 10
    let (mut len, mut breaks) = (0usize, 0usize);
    for &b in s.as_bytes() {
        len += usize::from(BYTE_BOUND[usize::from(b)]);
        breaks += usize::from(b == b'\n');
    }
    match breaks {
        0 => 2 + len,
        breaks => 5 + len + (breaks + 1) * (indent + 3),
    }
}

/// What one byte of a string can take when libyaml writes it (see [`str_len_bound`]).
const BYTE_BOUND: [u8; 256] = {
    let mut t = [10u8; 256];
    let mut b = b' ';
    while b <= b'~' {
        t[b as usize] = 1;
        b += 1;
    }
    t[b'\'' as usize] = 2;
    t[b'"' as usize] = 2;
    t[b'\\' as usize] = 2;
    t[b'\n' as usize] = 2;
    t
};

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

    /// A small generator of values (xorshift): strings from characters that make libyaml quote,
    /// escape or write a block, nested maps and lists.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn string(&mut self) -> String {
            const PARTS: &[&str] = &[
                "a",
                "Z",
                "0",
                "12",
                " ",
                "  ",
                "\n",
                "\n\n",
                "\t",
                "'",
                "\"",
                "\\",
                ":",
                ": ",
                "#",
                " #",
                "-",
                "- ",
                "?",
                "{",
                "}",
                "[",
                "]",
                ",",
                "&",
                "*",
                "!",
                "|",
                ">",
                "%",
                "@",
                "`",
                "~",
                "null",
                "true",
                "0x1F",
                "1e3",
                ".inf",
                "é",
                "→",
                "😀",
                "\u{1}",
                "\u{7f}",
                "\u{85}",
                "\u{a0}",
                "\u{2028}",
                "\u{feff}",
                "\r",
                "{{ $labels.job }}",
                "sum(rate(x[5m])) by (job)",
            ];
            let n = self.pick(8);
            (0..n).map(|_| PARTS[self.pick(PARTS.len())]).collect()
        }
        fn value(&mut self, depth: usize) -> Value {
            match self.pick(if depth > 4 { 5 } else { 8 }) {
                0 => Value::Null,
                1 => json!(self.pick(2) == 0),
                2 => json!((self.next() >> 1) as i64 - i64::MAX / 2),
                3 => json!((self.next() % 100_000) as f64 / 7.0),
                4 => Value::String(self.string()),
                5 => Value::Array((0..self.pick(4)).map(|_| self.value(depth + 1)).collect()),
                _ => Value::Object(
                    (0..self.pick(4))
                        .map(|_| (self.string(), self.value(depth + 1)))
                        .collect(),
                ),
            }
        }
    }

    #[test]
    fn the_yaml_length_bound_is_never_below_what_serde_yaml_writes() {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let v = g.value(0);
            let yaml = serde_yaml::to_string(&v).unwrap();
            assert!(
                yaml_len_bound(&v) >= yaml.len(),
                "bound {} < {} for {v:?}:\n{yaml}",
                yaml_len_bound(&v),
                yaml.len()
            );
        }
        // and a rule file as they come is bounded closely enough to skip the emitter
        let spec = json!({"groups": [{"name": "node", "rules": (0..200).map(|i| json!({
            "alert": format!("NodeAlert{i}"),
            "expr": "sum by (instance) (rate(node_cpu_seconds_total{mode!=\"idle\"}[5m])) > 0.9",
            "for": "10m",
            "labels": {"severity": "warning"},
            "annotations": {"summary": "CPU busy on {{ $labels.instance }}", "description": "It's busy.\nLook at it."},
        })).collect::<Vec<_>>()}]});
        let exact = serde_yaml::to_string(&spec).unwrap().len();
        let bound = yaml_len_bound(&spec);
        assert!(
            bound >= exact && bound * 10 < exact * 14,
            "{bound} vs {exact}"
        );
    }

    #[test]
    fn a_rule_file_the_bound_cannot_clear_is_measured_as_written() {
        // quotes count twice in the bound, once in the file: over the limit by the bound, not by
        // the file, so no problem
        let quotes = "a'".repeat(RULE_FILE_MAX_BYTES / 3);
        let spec = json!({"groups": [{"name": "g", "rules": [{"record": "r", "expr": quotes}]}]});
        assert!(yaml_len_bound(&spec) > RULE_FILE_MAX_BYTES);
        assert_eq!(rule_file_over_limit(&spec), None);
        let over = json!({"groups": [{"name": "g", "rules": [{"record": "r", "expr": "x".repeat(RULE_FILE_MAX_BYTES)}]}]});
        let len = serde_yaml::to_string(&over).unwrap().len();
        assert_eq!(rule_file_over_limit(&over), Some(len));
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
