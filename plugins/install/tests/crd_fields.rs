//! `assets/crd-fields.json` is the field tree of the pinned chart's CRDs (refdata/crds, operator
//! v0.93.1), made here: a test that fails when they differ; `PROMSTACK_WRITE_CRD_FIELDS=1` writes
//! it again. And what the tree finds: the fields the 87.19.2 chart's CRDs (operator v0.92.1) lack.
mod common;
use promstack_install::chart::crds::schema;
use promstack_shared::testing::needs;
use serde_json::{Map, Value};

const ASSET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/crd-fields.json");

/// The CRDs of a folder of YAML files.
fn folder(dir: &std::path::Path) -> Vec<Value> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            serde_yaml::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect()
}

/// The asset's text: one kind a line.
fn render(crds: &[Value]) -> String {
    let mut kinds: Vec<(String, Value)> = crds
        .iter()
        .map(|c| {
            let versions: Map<String, Value> = schema::spec_trees(c).into_iter().collect();
            (
                c["spec"]["names"]["kind"].as_str().unwrap().to_string(),
                Value::Object(versions),
            )
        })
        .collect();
    kinds.sort_by(|a, b| a.0.cmp(&b.0));
    let operator = crds[0]["metadata"]["annotations"][schema::VERSION_ANNOTATION]
        .as_str()
        .unwrap();
    let lines: Vec<String> = kinds
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
        .collect();
    format!(
        "{{\"operator\":\"{operator}\",\"kinds\":{{\n{}\n}}}}\n",
        lines.join(",\n")
    )
}

#[needs(refdata)]
#[test]
fn the_asset_is_the_field_tree_of_the_pinned_chart_s_crds() {
    let refdata = promstack_shared::testing::refdata::dir();
    let want = render(&folder(&refdata.join("crds")));
    if std::env::var("PROMSTACK_WRITE_CRD_FIELDS").as_deref() == Ok("1") {
        std::fs::write(ASSET, &want).unwrap();
    }
    let have = std::fs::read_to_string(ASSET).unwrap();
    assert!(
        have == want,
        "{ASSET} is not the field tree of refdata/crds: PROMSTACK_WRITE_CRD_FIELDS=1 cargo test -p kubectl-promstack-install --test crd_fields"
    );
    assert_eq!(schema::chart()["operator"], schema::CHART_OPERATOR);
    let kinds = schema::chart()["kinds"].as_object().unwrap();
    assert_eq!(kinds.len(), 10);
}

#[needs(refdata)]
#[test]
fn the_87_chart_s_crds_lack_what_operator_0_93_reads() {
    let (refdata, old) = (
        promstack_shared::testing::refdata::dir(),
        common::package_crds("87.19.2"),
    );
    assert_eq!(old.len(), 10);
    let by_kind = |k: &str| {
        old.iter()
            .find(|c| c["spec"]["names"]["kind"] == k)
            .unwrap()
    };
    assert_eq!(
        by_kind("Prometheus")["metadata"]["annotations"][schema::VERSION_ANNOTATION],
        "0.92.1"
    );
    assert_eq!(
        schema::dropped("Prometheus", by_kind("Prometheus")).unwrap(),
        ["spec.tsdb.chunkEncoding"]
    );
    assert_eq!(
        schema::dropped("PrometheusAgent", by_kind("PrometheusAgent")).unwrap(),
        ["spec.tsdb.chunkEncoding"]
    );
    assert_eq!(
        schema::dropped("AlertmanagerConfig", by_kind("AlertmanagerConfig")).unwrap(),
        [
            "spec.receivers[].slackConfigs[].updateMessage",
            "spec.receivers[].snsConfigs[].useAWSHTTPClient"
        ]
    );
    assert_eq!(
        schema::dropped("Alertmanager", by_kind("Alertmanager")).unwrap(),
        Vec::<String>::new()
    );
    // the chart's own CRDs lack nothing
    for c in folder(&refdata.join("crds")) {
        let kind = c["spec"]["names"]["kind"].as_str().unwrap();
        assert_eq!(
            schema::dropped(kind, &c).unwrap(),
            Vec::<String>::new(),
            "{kind}"
        );
    }
}
