use super::*;
use promstack_shared::testing::needs;
use serde_json::json;

/// A chart that reads `prometheus.prometheusSpec` (with a CRD behind it), `grafana` (a subchart
/// with files) and `kube-state-metrics` (declared, files missing).
fn chart() -> ChartFacts {
    ChartFacts {
        name: "stack".into(),
        version: "88.5.3".into(),
        defaults: json!({
            "prometheus": {
                "enabled": true,
                "prometheusSpec": {"retention": "10d", "storageSpec": {}, "podMetadata": {}},
                "service": {"type": "ClusterIP", "port": 9090}
            },
            "grafana": {"adminPassword": "", "admin": {"existingSecret": ""}, "grafana.ini": {"server": {}}},
            "kube-state-metrics": {"prometheus": {}},
            "commonLabels": {},
            "defaultRules": {"create": true, "rules": {"etcd": true, "general": true}}
        }),
        subcharts: vec!["grafana".into()],
        dependencies: vec!["grafana".into(), "kube-state-metrics".into()],
        upgrade_notes: None,
    }
}

fn crds() -> Vec<Value> {
    vec![json!({
        "kind": "CustomResourceDefinition",
        "spec": {"names": {"kind": "Prometheus"}, "versions": [{"name": "v1", "storage": true,
            "schema": {"openAPIV3Schema": {"properties": {"spec": {"properties": {
                "retention": {"type": "string"},
                "retentionSize": {"type": "string"},
                "enableFeatures": {"type": "array"},
                "podMetadata": {"properties": {"labels": {"additionalProperties": {"type": "string"}}, "name": {"type": "string"}}},
                "resources": {"properties": {"limits": {"additionalProperties": {}}, "requests": {"additionalProperties": {}}}},
                "web": {"x-kubernetes-preserve-unknown-fields": true, "properties": {"pageTitle": {}}}
            }}}}}}]}
    })]
}

fn unknown(text: &str) -> Vec<String> {
    let values: Value = serde_yaml::from_str(text).unwrap();
    lint("typo.yaml", text, &values, &chart(), &crds())
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn typos_are_named_with_their_line_and_the_nearest_key() {
    let text = "prometheus:\n  prometheusSpec:\n    retention: 3d\n    retension: 7d\ngrafana:\n  adminPasword: x\n";
    assert_eq!(
        unknown(text),
        [
            "typo.yaml:4: `retension` is not a key of prometheus.prometheusSpec; did you mean `retention`?",
            "typo.yaml:6: `adminPasword` is not a key of grafana; did you mean `adminPassword`?",
        ]
    );
    assert_eq!(
        unknown("prometeus:\n  enabled: false\n"),
        ["typo.yaml:1: `prometeus` is not a key of the chart's values; did you mean `prometheus`?"]
    );
    assert_eq!(
        unknown("defaultRules:\n  rules:\n    etdc: false\n"),
        ["typo.yaml:3: `etdc` is not a key of defaultRules.rules; did you mean `etcd`?"]
    );
    assert_eq!(
        unknown("prometheus:\n  service:\n    nodePort: 30090\n"),
        ["typo.yaml:3: `nodePort` is not a key of prometheus.service"],
        "no suggestion when none is near"
    );
}

#[test]
fn the_crd_schema_counts_below_and_beside_the_defaults() {
    // a CRD field the defaults do not list, and one below a key whose defaults are empty
    assert!(unknown("prometheus:\n  prometheusSpec:\n    enableFeatures: [x]\n    retentionSize: 5GB\n    podMetadata:\n      name: x\n").is_empty());
    assert_eq!(
        unknown("prometheus:\n  prometheusSpec:\n    podMetadata:\n      nmae: x\n"),
        ["typo.yaml:4: `nmae` is not a key of prometheus.prometheusSpec.podMetadata; did you mean `name`?"]
    );
    assert_eq!(
        unknown("prometheus:\n  prometheusSpec:\n    resources:\n      limts: {cpu: 1}\n"),
        [] as [&str; 0],
        "resources is a Kubernetes type the chart copies"
    );
    assert!(unknown("prometheus:\n  prometheusSpec:\n    web:\n      anything: 1\n").is_empty());
}

#[test]
fn free_form_maps_stay_free() {
    let text = "commonLabels: {team: db}\nprometheus:\n  prometheusSpec:\n    storageSpec:\n      volumeClaimTemplate: {}\n    podMetadata:\n      labels: {a: b}\n    additionalScrapeConfigs: [{job_name: x}]\n    nodeSelector: {a: b}\n  annotations: {x: y}\ngrafana:\n  grafana.ini:\n    auth.anonymous: {enabled: true}\n  global: {imageRegistry: x}\nkube-state-metrics:\n  anything: {goes: here}\n";
    assert!(unknown(text).is_empty(), "{:?}", unknown(text));
}

#[needs(refdata)]
#[test]
fn promstacks_own_values_are_keys_of_the_pinned_chart() {
    let refdata = promstack_shared::testing::refdata::dir();
    let facts = crate::chart::chart_files::read(&refdata.join("kube-prometheus-stack")).unwrap();
    let crds: Vec<Value> = std::fs::read_dir(refdata.join("crds"))
        .unwrap()
        .map(|e| {
            serde_yaml::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect();
    let settings = crate::chart::values::OverlaySettings {
        storage_class: "gp3".into(),
        grafana_host: Some("grafana.example.com".into()),
        ingress_class: Some("nginx".into()),
        tls_secret: Some("grafana-tls".into()),
        remote_write: Some(crate::chart::values::RemoteWrite {
            url: "https://metrics.example.com/api/v1/write".into(),
            secret: Some("remote-write".into()),
        }),
        admission_webhooks: false,
    };
    for env in [
        crate::chart::values::Env::Local,
        crate::chart::values::Env::Cloud,
    ] {
        for f in crate::chart::values::chain(env, vec![], &settings).unwrap() {
            let found = lint(&f.origin, &f.text, &f.values, &facts, &crds);
            assert!(found.is_empty(), "{}: {found:?}", f.origin);
        }
    }
    // and the typos, on the pinned chart
    let text = "prometheus:\n  prometheusSpec:\n    retention: 3d\n    retension: 7d\n";
    let values: Value = serde_yaml::from_str(text).unwrap();
    let found: Vec<String> = lint("typo.yaml", text, &values, &facts, &crds)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        ["typo.yaml:4: `retension` is not a key of prometheus.prometheusSpec; did you mean `retention`?"]
    );
}
