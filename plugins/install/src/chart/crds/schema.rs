//! What the pinned chart's CRDs (those of the operator version it deploys) say each kind's `spec`
//! holds, and which of those fields a live CRD lacks. The API server prunes from an object every
//! field its CRD's schema does not know, so an operator newer than its CRDs never sees what the
//! chart or a user sets there: those are the fields the operator drops. helm never upgrades CRDs;
//! `kubectl promstack install` applies the chart's server-side.
//!
//! The chart's field tree is `assets/crd-fields.json` (each kind's `spec` properties, `[]` for
//! an array's items, `{}` for a map's values), made from the chart's CRDs by
//! `tests/crd_fields.rs` (`PROMSTACK_WRITE_CRD_FIELDS=1` writes it again), which keeps it equal to
//! them.
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The operator version of the chart's CRDs (their `operator.prometheus.io/version`).
pub const CHART_OPERATOR: &str = "0.93.1";

/// The annotation a CRD carries its operator version in.
pub const VERSION_ANNOTATION: &str = "operator.prometheus.io/version";

/// The chart's field trees: `{"operator": "0.93.1", "kinds": {"Prometheus": {"v1": tree}}}`.
pub fn chart() -> &'static Value {
    static TREE: OnceLock<Value> = OnceLock::new();
    TREE.get_or_init(|| {
        serde_json::from_str(include_str!("../../../assets/crd-fields.json"))
            .expect("assets/crd-fields.json is JSON")
    })
}

/// The field tree of an OpenAPI schema: its properties, `[]` for array items, `{}` for map values.
pub fn tree(schema: &Value) -> Value {
    let mut t = Map::new();
    for (k, v) in schema["properties"].as_object().into_iter().flatten() {
        t.insert(k.clone(), tree(v));
    }
    for (key, sub) in [
        ("[]", &schema["items"]),
        ("{}", &schema["additionalProperties"]),
    ] {
        if sub.is_object() {
            let st = tree(sub);
            if st.as_object().is_some_and(|o| !o.is_empty()) {
                t.insert(key.into(), st);
            }
        }
    }
    Value::Object(t)
}

/// Each served version's `spec` tree of a CRD: (version, tree).
pub fn spec_trees(crd: &Value) -> Vec<(String, Value)> {
    crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or_default().to_string(),
                tree(&v["schema"]["openAPIV3Schema"]["properties"]["spec"]),
            )
        })
        .collect()
}

/// The paths of `want` that `have` lacks, shallowest only (`tsdb.chunkEncoding`, not also its fields).
pub fn missing(want: &Value, have: &Value, prefix: &str, out: &mut Vec<String>) {
    for (k, sub) in want.as_object().into_iter().flatten() {
        let path = match (prefix.is_empty(), k.as_str()) {
            (_, "[]" | "{}") => format!("{prefix}{k}"),
            (true, _) => k.clone(),
            (false, _) => format!("{prefix}.{k}"),
        };
        match have.get(k) {
            Some(h) => missing(sub, h, &path, out),
            None => out.push(path),
        }
    }
}

/// The `spec` fields of the chart's CRD of `kind` that a live CRD lacks, as `spec.a.b` (each
/// version the chart serves); `None` when the chart has no such kind.
pub fn dropped(kind: &str, live: &Value) -> Option<Vec<String>> {
    let chart = chart()["kinds"].get(kind)?.as_object()?;
    let live: Vec<(String, Value)> = spec_trees(live);
    let mut out = Vec::new();
    for (version, want) in chart {
        match live.iter().find(|(v, _)| v == version) {
            Some((_, have)) => {
                let mut found = Vec::new();
                missing(want, have, "", &mut found);
                out.extend(found.into_iter().map(|p| format!("spec.{p}")));
            }
            None => out.push(format!("(version {version} is not served)")),
        }
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// A version `v0.93.1` / `0.93.1` as numbers; `None` when it is none.
pub fn semver(v: &str) -> Option<(u64, u64, u64)> {
    let core = v.trim().trim_start_matches('v');
    let core = core.split(['-', '+']).next()?;
    let mut it = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((it.next()??, it.next()??, it.next().flatten().unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shallowest_missing_fields() {
        let want = json!({"tsdb": {"chunkEncoding": {}, "outOfOrderTimeWindow": {}}, "receivers": {"[]": {"slack": {}}}});
        let have = json!({"tsdb": {"outOfOrderTimeWindow": {}}, "receivers": {"[]": {}}});
        let mut out = vec![];
        missing(&want, &have, "", &mut out);
        assert_eq!(out, ["receivers[].slack", "tsdb.chunkEncoding"]);
        assert_eq!(semver("v0.93.1"), Some((0, 93, 1)));
        assert_eq!(semver("0.92.1-rc.0"), Some((0, 92, 1)));
        assert_eq!(semver("latest"), None);
        assert!(chart()["kinds"]["Prometheus"]["v1"]["tsdb"]["chunkEncoding"].is_object());
        assert_eq!(chart()["operator"], CHART_OPERATOR);
    }
}
