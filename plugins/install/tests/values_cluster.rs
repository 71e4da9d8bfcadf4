//! The stack's values on a Talos cluster with Cilium: control-plane parts Talos does not expose
//! and kube-proxy that Cilium replaces are off, with their alerts; every container has resources;
//! cloud is highly available and local small; remote write and the admission webhooks. Checked on
//! the merged values against the pinned chart (refdata).
use promstack_shared::testing::needs;
mod values_common;
use promstack_install::chart::values::{Env, OverlaySettings, RemoteWrite};
use serde_json::{json, Value};
use std::path::PathBuf;
use values_common::*;

/// Rule group (as the chart names it) → its `defaultRules.rules.*` toggle in 88.5.3.
fn toggle_of(group: &str) -> &'static str {
    match group {
        "alertmanager.rules" => "alertmanager",
        "config-reloaders" => "configReloaders",
        "general.rules" => "general",
        "k8s.rules.container_cpu_usage_seconds_total" => "k8sContainerCpuUsageSecondsTotal",
        "k8s.rules.container_memory_cache" => "k8sContainerMemoryCache",
        "k8s.rules.container_memory_rss" => "k8sContainerMemoryRss",
        "k8s.rules.container_memory_swap" => "k8sContainerMemorySwap",
        "k8s.rules.container_memory_working_set_bytes" => "k8sContainerMemoryWorkingSetBytes",
        "k8s.rules.container_resource" => "k8sContainerResource",
        "k8s.rules.pod_owner" => "k8sPodOwner",
        "kube-apiserver-availability.rules" => "kubeApiserverAvailability",
        "kube-apiserver-burnrate.rules" => "kubeApiserverBurnrate",
        "kube-apiserver-histogram.rules" => "kubeApiserverHistogram",
        "kube-apiserver-slos" => "kubeApiserverSlos",
        "kube-prometheus-general.rules" => "kubePrometheusGeneral",
        "kube-prometheus-node-recording.rules" => "kubePrometheusNodeRecording",
        "kube-scheduler.rules" => "kubeSchedulerRecording",
        "kube-state-metrics" => "kubeStateMetrics",
        "kubelet.rules" => "kubelet",
        "kubernetes-apps" => "kubernetesApps",
        "kubernetes-resources" => "kubernetesResources",
        "kubernetes-storage" => "kubernetesStorage",
        "kubernetes-system" | "kubernetes-system-apiserver" | "kubernetes-system-kubelet" => {
            "kubernetesSystem"
        }
        "kubernetes-system-kube-proxy" => "kubeProxy",
        "kubernetes-system-scheduler" => "kubeSchedulerAlerting",
        "kubernetes-system-controller-manager" => "kubeControllerManager",
        "etcd" => "etcd",
        "node-exporter.rules" => "nodeExporterRecording",
        "node-exporter" => "nodeExporterAlerting",
        "node-network" => "network",
        "node.rules" => "node",
        "prometheus-operator" => "prometheusOperator",
        "prometheus" => "prometheus",
        other => panic!("rule group `{other}` has no known toggle: add it"),
    }
}

fn forbidden(alert: &str) -> bool {
    [
        "KubeSchedulerDown",
        "KubeControllerManagerDown",
        "KubeProxyDown",
    ]
    .contains(&alert)
        || alert.to_lowercase().starts_with("etcd")
}

/// Groups about the four components Talos + Cilium do not have (alerting or recording).
fn about_missing_component(group: &str) -> bool {
    ["scheduler", "controller-manager", "etcd", "kube-proxy"]
        .iter()
        .any(|c| group.contains(c))
}

#[needs(refdata)]
#[test]
fn talos_and_cilium_no_scheduler_controller_manager_etcd_or_proxy() {
    let chart = chart();
    let dir: PathBuf = promstack_shared::testing::refdata::dir().join("upstream-rules");
    for (env, m) in both(&chart) {
        for c in [
            "kubeControllerManager",
            "kubeScheduler",
            "kubeEtcd",
            "kubeProxy",
        ] {
            assert_eq!(
                at(&m, &format!("{c}.enabled")),
                false,
                "{env:?}: {c} would get a Service, ServiceMonitor and dashboard"
            );
        }
        let rules = at(&m, "defaultRules.rules");
        for t in ["etcd", "kubeControllerManager"] {
            assert_eq!(rules[t], false, "{env:?}: {t} rules");
        }
        assert!(
            rules
                .as_object()
                .unwrap()
                .keys()
                .all(|k| at(&chart, "defaultRules.rules").get(k).is_some()),
            "only 88.5.3 toggle names"
        );
        let mut groups = 0;
        for f in std::fs::read_dir(&dir).unwrap() {
            let doc: Value = serde_json::to_value(
                serde_yaml::from_str::<serde_yaml::Value>(
                    &std::fs::read_to_string(f.unwrap().path()).unwrap(),
                )
                .unwrap(),
            )
            .unwrap();
            for g in doc["spec"]["groups"].as_array().unwrap() {
                groups += 1;
                let name = g["name"].as_str().unwrap();
                let toggle = toggle_of(name);
                let on = rules[toggle]
                    .as_bool()
                    .unwrap_or_else(|| panic!("toggle {toggle} missing from the chart"));
                let bad = about_missing_component(name)
                    || g["rules"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|r| r["alert"].as_str())
                        .any(forbidden);
                if bad {
                    assert!(
                        !on,
                        "{env:?}: group {name} ({toggle}) carries a forbidden alert and is on"
                    );
                } else {
                    assert!(on, "{env:?}: group {name} ({toggle}) must stay on");
                }
            }
        }
        assert_eq!(groups, 33);
    }
}

#[needs(refdata)]
#[test]
fn resources_for_every_container() {
    let chart = chart();
    let containers = [
        "prometheusOperator.resources",
        "prometheusOperator.prometheusConfigReloader.resources",
        "prometheusOperator.admissionWebhooks.patch.resources",
        "prometheus.prometheusSpec.resources",
        "alertmanager.alertmanagerSpec.resources",
        "grafana.resources",
        "grafana.sidecar.resources",
        "kube-state-metrics.resources",
        "prometheus-node-exporter.resources",
    ];
    let mut local_mem = Vec::new();
    for (env, m) in both(&chart) {
        for c in containers {
            let r = at(&m, c);
            assert!(
                r["requests"]["cpu"].is_string() && r["requests"]["memory"].is_string(),
                "{env:?}: {c} requests"
            );
            assert!(
                r["limits"]["memory"].is_string(),
                "{env:?}: {c} memory limit"
            );
            let mem = bytes(r["requests"]["memory"].as_str().unwrap());
            if env == Env::Local {
                local_mem.push(mem);
            } else {
                let i = containers.iter().position(|x| *x == c).unwrap();
                assert!(
                    mem >= local_mem[i],
                    "{c}: the cloud asks for at least as much as local"
                );
            }
        }
    }
}

#[needs(refdata)]
#[test]
fn cloud_is_highly_available_local_is_small() {
    let chart = chart();
    let [(_, local), (_, cloud)] = both(&chart);
    assert_eq!(at(&cloud, "alertmanager.alertmanagerSpec.replicas"), 3);
    assert_eq!(at(&cloud, "prometheus.prometheusSpec.replicas"), 2);
    for c in ["alertmanager.alertmanagerSpec", "prometheus.prometheusSpec"] {
        assert_eq!(at(&cloud, &format!("{c}.podAntiAffinity")), "hard", "{c}");
    }
    assert_eq!(at(&cloud, "prometheus.podDisruptionBudget.enabled"), true);
    assert_eq!(at(&cloud, "alertmanager.podDisruptionBudget.enabled"), true);
    assert_eq!(promstack_install::install::nodes_needed(&cloud), 3);
    assert_eq!(at(&local, "alertmanager.alertmanagerSpec.replicas"), 1);
    assert_eq!(at(&local, "prometheus.prometheusSpec.replicas"), 1);
    assert_eq!(promstack_install::install::nodes_needed(&local), 1);
}

#[needs(refdata)]
#[test]
fn remote_write_off_by_default_on_by_flag_and_webhooks_on_by_default() {
    let chart = chart();
    for (env, m) in both(&chart) {
        assert_eq!(
            at(&m, "prometheus.prometheusSpec.remoteWrite"),
            &json!([]),
            "{env:?}"
        );
        assert_eq!(
            at(&m, "prometheusOperator.admissionWebhooks.enabled"),
            true,
            "{env:?}"
        );
        assert_eq!(
            at(&m, "prometheusOperator.tls.enabled"),
            true,
            "{env:?}: the webhooks' certificate Job makes the Secret the operator's TLS mounts"
        );
    }
    let m = merged(
        &chart,
        Env::Cloud,
        &OverlaySettings {
            remote_write: Some(RemoteWrite {
                url: "https://vm.example.org/api/v1/write".into(),
                secret: Some("vm-auth".into()),
            }),
            admission_webhooks: false,
            ..overlay(Env::Cloud)
        },
    );
    assert_eq!(
        at(&m, "prometheus.prometheusSpec.remoteWrite")[0]["url"],
        "https://vm.example.org/api/v1/write"
    );
    assert_eq!(
        at(&m, "prometheusOperator.admissionWebhooks.enabled"),
        false
    );
    // on the chart's own defaults: with the webhooks off, the operator's TLS (which mounts the
    // webhooks' Secret, helm-charts#6586) is off too, so the operator mounts nothing missing
    assert_eq!(at(&m, "prometheusOperator.tls.enabled"), false);
    assert_eq!(
        at(
            &m,
            "prometheusOperator.admissionWebhooks.certManager.enabled"
        ),
        false,
        "no cert-manager makes the Secret instead"
    );
}
