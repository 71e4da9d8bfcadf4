//! The targets group: every scrape job up, and the jobs the stack should have.
use super::{check, Check, Level};
use promstack_shared::prometheus::api::PrometheusApi;
use std::collections::{BTreeMap, BTreeSet};

/// What an expected scrape job looks like, and when it is expected.
pub struct ExpectedJob {
    pub name: &'static str,
    pub cilium_only: bool,
    pub matches: fn(&str, &str) -> bool,
}

/// The jobs the stack should scrape (job label, metrics path).
pub const EXPECTED_JOBS: &[ExpectedJob] = &[
    ExpectedJob {
        name: "apiserver",
        cilium_only: false,
        matches: |j, _| j == "apiserver",
    },
    ExpectedJob {
        name: "kubelet",
        cilium_only: false,
        matches: |j, p| j == "kubelet" && p != "/metrics/cadvisor",
    },
    ExpectedJob {
        name: "kubelet cAdvisor",
        cilium_only: false,
        matches: |j, p| j == "kubelet" && p == "/metrics/cadvisor",
    },
    ExpectedJob {
        name: "node-exporter",
        cilium_only: false,
        matches: |j, _| j.contains("node-exporter"),
    },
    ExpectedJob {
        name: "kube-state-metrics",
        cilium_only: false,
        matches: |j, _| j.contains("kube-state-metrics"),
    },
    ExpectedJob {
        name: "coredns",
        cilium_only: false,
        matches: |j, _| j == "coredns" || j == "kube-dns",
    },
    ExpectedJob {
        name: "prometheus-operator",
        cilium_only: false,
        matches: |j, _| j.ends_with("-operator") && !j.contains("cilium"),
    },
    ExpectedJob {
        name: "prometheus",
        cilium_only: false,
        matches: |j, _| j.ends_with("prometheus"),
    },
    ExpectedJob {
        name: "alertmanager",
        cilium_only: false,
        matches: |j, _| j.ends_with("alertmanager"),
    },
    ExpectedJob {
        name: "grafana",
        cilium_only: false,
        matches: |j, _| j.contains("grafana"),
    },
    ExpectedJob {
        name: "cilium-agent",
        cilium_only: true,
        matches: |j, _| j == "cilium" || j == "cilium-agent",
    },
    ExpectedJob {
        name: "cilium-operator",
        cilium_only: true,
        matches: |j, _| j == "cilium-operator",
    },
    ExpectedJob {
        name: "hubble",
        cilium_only: true,
        matches: |j, _| j.contains("hubble"),
    },
];

/// Scrape targets per job (up/down, last error of each down target) and the expected jobs.
pub async fn target_checks(prom: &PrometheusApi, cilium: bool) -> Vec<Check> {
    let g = "targets";
    let data = match prom.api("/api/v1/targets?state=active").await {
        Ok(d) => d,
        Err(e) => {
            return vec![check(
                g,
                "Prometheus targets",
                Level::Fail,
                e,
                Some("is Prometheus reachable? --prometheus-url or the port-forward"),
            )]
        }
    };
    let mut jobs: BTreeMap<String, (usize, Vec<String>, BTreeSet<String>)> = BTreeMap::new();
    for t in data["activeTargets"].as_array().into_iter().flatten() {
        let job = t["labels"]["job"].as_str().unwrap_or("?").to_string();
        let path = t["discoveredLabels"]["__metrics_path__"]
            .as_str()
            .or_else(|| t["labels"]["metrics_path"].as_str())
            .unwrap_or("/metrics")
            .to_string();
        let e = jobs.entry(job).or_default();
        e.2.insert(path);
        if t["health"] == "up" {
            e.0 += 1;
        } else {
            e.1.push(format!(
                "{}: {}",
                t["scrapeUrl"].as_str().unwrap_or("?"),
                t["lastError"]
                    .as_str()
                    .filter(|s| !s.is_empty())
                    .unwrap_or("not scraped yet")
            ));
        }
    }
    let mut out = Vec::new();
    for (job, (up, down, _)) in &jobs {
        out.push(if down.is_empty() {
            check(g, format!("job {job}"), Level::Ok, format!("{up} up"), None)
        } else {
            check(
                g,
                format!("job {job}"),
                Level::Fail,
                format!("{up} up, {} down: {}", down.len(), down.join("; ")),
                Some("the target's pod, port or NetworkPolicy (Cilium) blocks the scrape"),
            )
        });
    }
    for e in EXPECTED_JOBS.iter().filter(|e| cilium || !e.cilium_only) {
        let found = jobs
            .iter()
            .any(|(j, (_, _, paths))| paths.iter().any(|p| (e.matches)(j, p)));
        if !found {
            out.push(check(g, format!("expected job {}", e.name), Level::Fail, "missing: no target scraped", Some("its ServiceMonitor is missing or not selected (values: *SelectorNilUsesHelmValues: false)")));
        }
    }
    out
}
