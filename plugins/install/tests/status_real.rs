//! status against the real Prometheus 3.14 (scraping itself, a real node-exporter, and a target
//! that is down on purpose) and a real Alertmanager 0.34, with the cluster side in memory.
mod common;
use promstack_install::status::{self, Level};
use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::testing::{self, needs};
use std::time::Duration;

fn find<'a>(checks: &'a [status::Check], name: &str) -> &'a status::Check {
    checks.iter().find(|c| c.name == name).unwrap_or_else(|| {
        panic!(
            "no check `{name}` in {:#?}",
            checks.iter().map(|c| &c.name).collect::<Vec<_>>()
        )
    })
}

const AM_CONFIG: &str = "route:\n  receiver: default\n  routes:\n    - receiver: 'null'\n      matchers: ['alertname=\"Watchdog\"']\nreceivers:\n  - name: default\n  - name: 'null'\n";

#[needs(prometheus, node_exporter, alertmanager)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_metrics_rules_and_alertmanager_against_the_real_thing() {
    let (pb, nb, ab) = (
        testing::tool("prometheus"),
        testing::tool("node_exporter"),
        testing::tool("alertmanager"),
    );
    let ne = testing::node_exporter(&nb);
    let am = testing::alertmanager(&ab, AM_CONFIG);
    let rules = tempfile::tempdir().unwrap();
    std::fs::write(rules.path().join("general.yaml"), "groups:\n  - name: general.rules\n    rules:\n      - alert: Watchdog\n        expr: vector(1)\n        labels: {severity: none}\n").unwrap();
    let down = testing::free_port();
    let prom = testing::prometheus(
        &pb,
        &[
            ("node-exporter", format!("127.0.0.1:{}", ne.port)),
            ("kube-state-metrics", format!("127.0.0.1:{down}")),
        ],
        &format!("rule_files:\n  - {}/*.yaml\n", rules.path().display()),
    );
    let api = PrometheusApi::new(&prom.url(), None).unwrap();
    // until every target has been scraped once and the Watchdog fires
    for _ in 0..80 {
        let t = api.api("/api/v1/targets").await.unwrap();
        let scraped = t["activeTargets"]
            .as_array()
            .is_some_and(|a| a.len() == 3 && a.iter().all(|x| x["health"] != "unknown"));
        let firing = api.api("/api/v1/alerts").await.unwrap()["alerts"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
        if scraped && firing {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let targets = status::target_checks(&api, false).await;
    let ksm = find(&targets, "job kube-state-metrics");
    assert_eq!(ksm.level, Level::Fail);
    assert!(
        ksm.detail.contains(&format!("127.0.0.1:{down}"))
            && ksm.detail.contains("connection refused"),
        "{ksm:?}"
    );
    assert_eq!(find(&targets, "job node-exporter").level, Level::Ok);
    assert_eq!(find(&targets, "job prometheus").level, Level::Ok);
    let missing: Vec<&str> = targets
        .iter()
        .filter(|c| c.name.starts_with("expected job"))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        missing,
        [
            "expected job apiserver",
            "expected job kubelet",
            "expected job kubelet cAdvisor",
            "expected job coredns",
            "expected job prometheus-operator",
            "expected job alertmanager",
            "expected job grafana"
        ]
    );

    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let metrics = status::metric_checks(&api, std::slice::from_ref(&host), false).await;
    assert_eq!(
        find(&metrics, "node-exporter series").level,
        Level::Ok,
        "{metrics:#?}"
    );
    assert_eq!(
        find(&metrics, "kube-state-metrics series").level,
        Level::Fail
    );
    let metrics =
        status::metric_checks(&api, &[host.clone(), "node-without-exporter".into()], false).await;
    assert!(find(&metrics, "node-exporter series")
        .detail
        .contains("node-without-exporter"));

    let rules = status::rule_checks(&api).await;
    assert_eq!(find(&rules, "rule evaluation").level, Level::Ok);
    assert_eq!(find(&rules, "Watchdog").level, Level::Ok, "{rules:#?}");

    let am_api = AlertmanagerApi::new(&am.url(), None).unwrap();
    let same = status::alertmanager_checks(&am_api, Some(AM_CONFIG)).await;
    assert_eq!(find(&same, "cluster").level, Level::Ok);
    assert_eq!(find(&same, "config").level, Level::Ok, "{same:#?}");
    let other = status::alertmanager_checks(
        &am_api,
        Some("route:\n  receiver: pager\nreceivers:\n  - name: pager\n"),
    )
    .await;
    let c = find(&other, "config");
    assert_eq!(c.level, Level::Warn);
    assert!(c.detail.contains("pager"), "{c:?}");
}

#[tokio::test]
async fn unreachable_prometheus_and_alertmanager_fail_with_the_url() {
    let url = format!("http://127.0.0.1:{}", testing::free_port());
    let t = status::target_checks(&PrometheusApi::new(&url, None).unwrap(), false).await;
    assert!(t.len() == 1 && t[0].level == Level::Fail && t[0].detail.contains(&url));
    let a = status::alertmanager_checks(&AlertmanagerApi::new(&url, None).unwrap(), None).await;
    assert!(a[0].level == Level::Fail && a[0].detail.contains(&url));
}
