//! values/ checked against the pinned chart (refdata): every key exists, and every requirement of
//! the stack's configuration holds in the merged values (chart defaults + base + env overlay).
use promstack_shared::testing::needs;
mod values_common;
use promstack_install::chart::values::{self, Env, OverlaySettings, RemoteWrite};
use serde_json::{json, Value};
use values_common::*;

/// Keys of the subcharts, which this chart's values.yaml does not list. Checked against the
/// subcharts' own values at the versions Chart.yaml pins (grafana 12.11.1 from grafana-community,
/// kube-state-metrics 8.4.0, prometheus-node-exporter 4.56.1). A prefix covers what is under it.
const SUBCHART_KEYS: &[&str] = &[
    "grafana.persistence.enabled",
    "grafana.service.type",
    "grafana.service.nodePort",
    "grafana.resources",
    "grafana.sidecar.resources",
    "grafana.sidecar.dashboards.folderAnnotation",
    "grafana.sidecar.dashboards.provider.foldersFromFilesStructure",
    "grafana.ingress.ingressClassName",
    "kube-state-metrics.resources",
    "prometheus-node-exporter.tolerations",
    "prometheus-node-exporter.resources",
];

/// Keys the chart documents only as comments in its values.yaml (checked against that text).
const COMMENTED_KEYS: &[(&str, &str)] = &[(
    "alertmanager.alertmanagerSpec.configSecret",
    "    # configSecret:",
)];

/// Keys whose content the chart leaves free-form (Kubernetes types passed through).
const FREE_FORM: &[&str] = &[
    "storageSpec",
    "storage",
    "resources",
    "affinity",
    "tolerations",
    "ingress",
    "remoteWrite",
    "podMetadata",
];

fn leaf_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaf_paths(x, &p, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// The paths of `ours` that the chart does not know. Empty when every key is real.
fn unknown_keys(chart: &Value, ours: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    leaf_paths(ours, "", &mut paths);
    paths
        .into_iter()
        .filter(|p| {
            !SUBCHART_KEYS
                .iter()
                .any(|s| p == s || p.starts_with(&format!("{s}.")))
        })
        .filter(|p| !COMMENTED_KEYS.iter().any(|(k, _)| k == p))
        .filter(|p| {
            let mut node = chart;
            for key in p.split('.') {
                if FREE_FORM.contains(&key) {
                    return false;
                }
                match node.get(key) {
                    Some(next) => node = next,
                    // inside a map the chart leaves empty ({}), any key is the user's
                    None => return !(node.as_object().is_some_and(|m| m.is_empty())),
                }
            }
            false
        })
        .collect()
}

#[needs(refdata)]
#[test]
fn every_key_in_the_values_files_exists_in_the_chart() {
    let chart = chart();
    let text = std::fs::read_to_string(
        promstack_shared::testing::refdata::dir().join("kube-prometheus-stack/values.yaml"),
    )
    .unwrap();
    for (key, line) in COMMENTED_KEYS {
        assert!(
            text.contains(line),
            "{key} is no longer documented in the chart's values.yaml"
        );
    }
    for (name, text) in [
        ("values.yaml", values::BASE),
        ("values-local.yaml", values::LOCAL),
        ("values-cloud.yaml", values::CLOUD),
    ] {
        let v = values::parse(name, text).unwrap().values;
        assert_eq!(
            unknown_keys(&chart, &v),
            Vec::<String>::new(),
            "{name} has keys chart 88.5.3 does not know"
        );
    }
    let generated = values::generated_overlay(&OverlaySettings {
        storage_class: "x".into(),
        grafana_host: Some("h".into()),
        ingress_class: Some("c".into()),
        tls_secret: Some("t".into()),
        remote_write: Some(RemoteWrite {
            url: "https://x".into(),
            secret: Some("s".into()),
        }),
        admission_webhooks: false,
    });
    assert_eq!(
        unknown_keys(&chart, &generated),
        Vec::<String>::new(),
        "the generated overlay"
    );
}

#[needs(refdata)]
#[test]
fn a_stale_or_misspelt_key_is_caught_with_its_path() {
    let chart = chart();
    let stale = json!({"defaultRules": {"rules": {"kubeScheduler": false, "kubernetesSystemControllerManager": false}}, "prometheus": {"prometheusSpec": {"retension": "2d", "resources": {"anything": 1}}}});
    assert_eq!(
        unknown_keys(&chart, &stale),
        [
            "defaultRules.rules.kubeScheduler",
            "defaultRules.rules.kubernetesSystemControllerManager",
            "prometheus.prometheusSpec.retension"
        ]
    );
}

#[needs(refdata)]
#[test]
fn names() {
    let chart = chart();
    for (_, m) in both(&chart) {
        assert_eq!(at(&m, "fullnameOverride"), "kube-prometheus");
    }
}

#[needs(refdata)]
#[test]
fn prometheus_storage_retention_and_resources() {
    let chart = chart();
    for (env, m) in both(&chart) {
        let ps = at(&m, "prometheus.prometheusSpec");
        let vct = &ps["storageSpec"]["volumeClaimTemplate"]["spec"];
        let (size, class, retention) = match env {
            Env::Local => ("10Gi", "local-path", "2d"),
            Env::Cloud => ("50Gi", "gp3", "15d"),
        };
        assert_eq!(vct["resources"]["requests"]["storage"], size, "{env:?}");
        assert_eq!(vct["storageClassName"], class, "{env:?}");
        assert_eq!(ps["retention"], retention, "{env:?}");
        let rs = ps["retentionSize"].as_str().expect("retentionSize set");
        assert!(
            bytes(rs) < bytes(size) * 0.95,
            "{env:?}: retentionSize {rs} must stay below the {size} volume"
        );
        assert!(
            ps["resources"]["requests"]["memory"].is_string()
                && ps["resources"]["limits"]["memory"].is_string(),
            "{env:?}"
        );
    }
}

#[needs(refdata)]
#[test]
fn discovery_is_open_across_namespaces() {
    let chart = chart();
    for (env, m) in both(&chart) {
        let ps = at(&m, "prometheus.prometheusSpec");
        for kind in [
            "serviceMonitor",
            "podMonitor",
            "probe",
            "scrapeConfig",
            "rule",
        ] {
            assert_eq!(
                ps[format!("{kind}SelectorNilUsesHelmValues")],
                false,
                "{env:?} {kind}"
            );
            assert_eq!(ps[format!("{kind}Selector")], json!({}), "{env:?} {kind}");
            assert_eq!(
                ps[format!("{kind}NamespaceSelector")],
                json!({}),
                "{env:?} {kind}"
            );
        }
    }
}

#[needs(refdata)]
#[test]
fn alertmanager_storage_and_config_from_the_secret() {
    let chart = chart();
    for (env, m) in both(&chart) {
        let am = at(&m, "alertmanager.alertmanagerSpec");
        let size = if env == Env::Local { "1Gi" } else { "5Gi" };
        assert_eq!(
            am["storage"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"], size,
            "{env:?}"
        );
        assert_eq!(am["useExistingSecret"], true);
        assert_eq!(am["configSecret"], values::ALERTMANAGER_SECRET);
    }
}

#[needs(refdata)]
#[test]
fn grafana_secret_stateless_dashboards_datasource_and_exposure() {
    let chart = chart();
    for (env, m) in both(&chart) {
        let g = at(&m, "grafana");
        assert_eq!(g["admin"]["existingSecret"], values::GRAFANA_SECRET);
        assert!(g.get("adminPassword").is_none());
        assert_eq!(g["persistence"]["enabled"], false);
        assert_eq!(g["defaultDashboardsEnabled"], true);
        let d = &g["sidecar"]["dashboards"];
        assert_eq!(
            (
                d["enabled"].clone(),
                d["label"].clone(),
                d["labelValue"].clone(),
                d["searchNamespace"].clone()
            ),
            (
                json!(true),
                json!("grafana_dashboard"),
                json!("1"),
                json!("ALL")
            )
        );
        assert!(d["folderAnnotation"].is_string());
        assert_eq!(d["provider"]["foldersFromFilesStructure"], true);
        assert_eq!(g["sidecar"]["datasources"]["uid"], "prometheus");
        match env {
            Env::Local => assert_eq!(
                (
                    g["service"]["type"].clone(),
                    g["service"]["nodePort"].clone()
                ),
                (json!("NodePort"), json!(30300))
            ),
            Env::Cloud => assert_eq!(g["service"]["type"], "ClusterIP"),
        }
    }
    let cloud = merged(
        &chart,
        Env::Cloud,
        &OverlaySettings {
            grafana_host: Some("grafana.example.org".into()),
            tls_secret: Some("tls".into()),
            ingress_class: Some("nginx".into()),
            ..overlay(Env::Cloud)
        },
    );
    let ing = at(&cloud, "grafana.ingress");
    assert_eq!(
        (
            ing["enabled"].clone(),
            ing["hosts"][0].clone(),
            ing["tls"][0]["secretName"].clone()
        ),
        (json!(true), json!("grafana.example.org"), json!("tls"))
    );
}

#[needs(refdata)]
#[test]
fn prometheus_and_alertmanager_are_not_exposed() {
    let chart = chart();
    for (env, m) in both(&chart) {
        for c in ["prometheus", "alertmanager"] {
            assert_eq!(
                at(&m, &format!("{c}.service.type")),
                "ClusterIP",
                "{env:?} {c}"
            );
            assert_eq!(
                at(&m, &format!("{c}.ingress.enabled")),
                false,
                "{env:?} {c}"
            );
            // (the chart's default service.nodePort is only used with type NodePort)
            assert_eq!(
                at(&m, &format!("{c}.route.main.enabled")),
                false,
                "{env:?} {c}: no Gateway API route"
            );
            for per_replica in ["servicePerReplica", "ingressPerReplica"] {
                assert_eq!(
                    at(&m, &format!("{c}.{per_replica}.enabled")),
                    false,
                    "{env:?} {c}.{per_replica}"
                );
            }
        }
    }
}

#[needs(refdata)]
#[test]
fn exporters_everywhere_and_nothing_unnecessary() {
    let chart = chart();
    for (_, m) in both(&chart) {
        assert_eq!(at(&m, "nodeExporter.enabled"), true);
        let tol = at(&m, "prometheus-node-exporter.tolerations")
            .as_array()
            .unwrap();
        assert!(
            tol.iter().any(|t| t["operator"] == "Exists"
                && t.get("key").is_none()
                && t.get("effect").is_none()),
            "node-exporter tolerates every taint (control-plane nodes too)"
        );
        assert_eq!(at(&m, "kubeStateMetrics.enabled"), true);
        assert_eq!(at(&m, "windowsMonitoring.enabled"), false);
        assert_eq!(at(&m, "nodeExporter.operatingSystems.aix.enabled"), false);
        assert_eq!(
            at(&m, "nodeExporter.operatingSystems.darwin.enabled"),
            false
        );
    }
}
