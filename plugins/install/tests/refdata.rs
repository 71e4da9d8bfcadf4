//! The wiring checked against the pinned chart's own values.yaml and Chart.yaml (refdata).
use promstack_install::chart::values::{self, Env, OverlaySettings};
use promstack_install::helm::{CHART_NAME, CHART_VERSION};
use promstack_shared::testing::needs;
use serde_json::Value;

fn chart_values() -> (Value, String) {
    let dir = promstack_shared::testing::refdata::dir().join("kube-prometheus-stack");
    let text = std::fs::read_to_string(dir.join("values.yaml")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    (serde_json::to_value(v).unwrap(), text)
}

fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

#[needs(refdata)]
#[test]
fn the_pinned_chart_is_the_one_in_refdata() {
    let dir = promstack_shared::testing::refdata::dir();
    let chart: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(dir.join("kube-prometheus-stack/Chart.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(chart["name"].as_str(), Some(CHART_NAME));
    assert_eq!(chart["version"].as_str(), Some(CHART_VERSION));
}

#[needs(refdata)]
#[test]
fn every_key_the_install_wires_exists_in_the_chart() {
    let (chart, text) = chart_values();
    for key in [
        "fullnameOverride",
        "crds.enabled",
        "grafana.admin.existingSecret",
        "grafana.admin.userKey",
        "grafana.admin.passwordKey",
        "alertmanager.alertmanagerSpec.useExistingSecret",
        "alertmanager.alertmanagerSpec.storage",
        "prometheus.prometheusSpec.storageSpec",
        "prometheus.prometheusSpec.ruleSelectorNilUsesHelmValues",
        "grafana.enabled",
        "kubeStateMetrics.enabled",
        "nodeExporter.enabled",
        "prometheus.enabled",
        "alertmanager.enabled",
        "grafana.ingress.enabled",
        "kubeControllerManager.enabled",
        "kubeScheduler.enabled",
        "kubeEtcd.enabled",
        "kubeProxy.enabled",
    ] {
        assert!(
            at(&chart, key).is_some(),
            "chart {CHART_VERSION} has no `{key}`"
        );
    }
    // documented but commented out in the chart's values.yaml
    assert!(
        text.contains("# configSecret:"),
        "alertmanagerSpec.configSecret is no longer documented"
    );
    // the chart's own default password is not there to fall back on
    assert!(
        at(&chart, "grafana.adminPassword").is_none(),
        "the chart ships a default Grafana password again"
    );
    // and the merged values never carry a password
    for env in [Env::Local, Env::Cloud] {
        let merged = values::merged(
            &values::chain(
                env,
                vec![],
                &OverlaySettings {
                    storage_class: "x".into(),
                    ..Default::default()
                },
            )
            .unwrap(),
        );
        assert!(at(&merged, "grafana.adminPassword").is_none());
        assert_eq!(
            at(&merged, "grafana.admin.existingSecret").and_then(Value::as_str),
            Some(values::GRAFANA_SECRET)
        );
    }
}
