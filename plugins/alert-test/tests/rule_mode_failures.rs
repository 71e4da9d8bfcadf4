//! Rule mode that ends in an error still removes its temporary PrometheusRule: the command
//! (`verb::fire::run`, what the binary runs) fails with the reason and says what it cleaned up,
//! and the cluster holds no rule afterwards. The errors: Prometheus never reachable, Prometheus
//! never loading the rule (no operator picks it up), and the alert never firing before the
//! timeout (Prometheus 3.14 loads it, `for: 1h` keeps it pending). The success and Ctrl-C paths
//! are pinned in real_stack.rs.
mod common;
use common::{options, Mirror};
use promstack_alert_test::alert::Via;
use promstack_alert_test::verb::fire::{self, FireOptions};
use promstack_shared::kube::cluster::{Cluster, MemoryCluster, Verb};
use promstack_shared::kube::endpoint::Endpoint;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::Deps;
use promstack_shared::testing::{self, needs, Daemon};
use std::time::Duration;

async fn cluster() -> MemoryCluster {
    let c = common::cluster_with_the_rule_crd().await;
    c.reset_counts();
    c
}

/// Rule mode against the Prometheus at `prometheus`, with `timeout`; nothing listens at the
/// Alertmanager URL (the alert never gets that far).
fn rule_mode(prometheus: &str, timeout: Duration, for_: &str) -> FireOptions {
    let mut test = options(Via::Prometheus, "warning");
    test.timeout = timeout;
    test.for_ = for_.into();
    let nowhere = Some(format!("http://127.0.0.1:{}", testing::free_port()));
    FireOptions {
        test,
        prometheus: Endpoint::new("Prometheus", &Some(prometheus.into()), "unused", 9090),
        alertmanager: Endpoint::new("Alertmanager", &nowhere, "unused", 9093),
        auth: None,
    }
}

/// Prometheus 3.14 reading its rules from `dir` (where [`Mirror`] writes them).
fn prometheus(dir: &std::path::Path) -> Daemon {
    let rules = format!("rule_files:\n  - {}/*.yaml\n", dir.display());
    testing::prometheus(&testing::tool("prometheus"), &[], &rules)
}

/// Run the test on `cluster`; it must fail with exit 1 after the rule was applied, saying that
/// the rule was deleted, and the in-memory cluster `mem` (behind `cluster`) must hold no
/// PrometheusRule afterwards: the one applied deleted. Returns the reason it gives.
async fn fails_and_cleans_up(
    cluster: &dyn Cluster,
    mem: &MemoryCluster,
    o: &FireOptions,
) -> String {
    let ui = Ui::silent();
    let e = fire::run(o, &Deps::new(cluster, &ui)).await.unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 1, "{e:#}");
    let rules: Vec<String> = mem
        .log()
        .into_iter()
        .filter(|(v, what)| *v == Verb::Apply && what.starts_with("PrometheusRule "))
        .map(|(_, what)| what["PrometheusRule ".len()..].to_string())
        .collect();
    assert_eq!(
        rules.len(),
        1,
        "one temporary rule applied: {:?}",
        mem.log()
    );
    let said = format!("{e:#}");
    let cleaned = format!(
        "alert test failed; cleanup: PrometheusRule {} deleted: ",
        rules[0]
    );
    let Some(reason) = said.strip_prefix(&cleaned) else {
        panic!("{said}")
    };
    assert_eq!(mem.count(Verb::Delete), 1, "{:?}", mem.log());
    assert!(
        mem.objects().iter().all(|o| o["kind"] != "PrometheusRule"),
        "the temporary rule is left: {:?}",
        mem.objects()
    );
    reason.to_string()
}

#[tokio::test]
async fn prometheus_never_answering_ends_in_an_error_and_the_rule_is_removed() {
    let c = cluster().await;
    let port = testing::free_port();
    let o = rule_mode(
        &format!("http://127.0.0.1:{port}"),
        Duration::from_secs(2),
        "0s",
    );
    let reason = fails_and_cleans_up(&c, &c, &o).await;
    assert!(
        reason.starts_with("timed out waiting for Prometheus to load the rule (last error: ")
            && reason.contains(&format!("127.0.0.1:{port}")),
        "{reason}"
    );
}

/// No operator puts the rule into Prometheus's rule files (a ruleSelector that does not select
/// it): Prometheus answers, never with the rule's group.
#[needs(prometheus)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_never_loading_the_rule_ends_in_an_error_and_the_rule_is_removed() {
    let rules = tempfile::tempdir().unwrap();
    let prom = prometheus(rules.path());
    let c = cluster().await;
    let o = rule_mode(&prom.url(), Duration::from_secs(3), "0s");
    let reason = fails_and_cleans_up(&c, &c, &o).await;
    assert_eq!(reason, "timed out waiting for Prometheus to load the rule");
}

/// Prometheus loads the rule (the mirror writes it into its rule files and reloads it), but the
/// alert is still pending (`for: 1h`) when the test times out.
#[needs(prometheus)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_that_never_fires_ends_in_a_timeout_and_the_rule_is_removed() {
    let rules = tempfile::tempdir().unwrap();
    let prom = prometheus(rules.path());
    let mirror = Mirror {
        inner: cluster().await,
        dir: rules.path().to_path_buf(),
        reload: format!("{}/-/reload", prom.url()),
    };
    let o = rule_mode(&prom.url(), Duration::from_secs(8), "1h");
    let reason = fails_and_cleans_up(&mirror, &mirror.inner, &o).await;
    assert_eq!(
        reason,
        "timed out waiting for the alert to fire in Prometheus"
    );
    let files = std::fs::read_dir(rules.path()).unwrap().count();
    assert_eq!(
        files, 0,
        "the rule file is left in Prometheus's rule folder"
    );
}
