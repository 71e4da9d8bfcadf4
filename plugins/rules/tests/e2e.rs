//! End to end against a real cluster with the stack installed (PROMSTACK_E2E_KUBECONFIG). Syncs
//! promstack's rules into a throwaway namespace, changes one, prunes one, checks the live objects,
//! syncs once from a stream (`sync --dry-run -o yaml` with a rule changed in it), and removes the
//! namespace afterwards. The namespace gets no Prometheus of its own, so the
//! selection check is the real one: the stack's Prometheus must select rules from every namespace.
//! Then `rules lint` online against the stack's Prometheus: a recording rule it runs and a
//! dashboard reading it, then files without it and with planted faults (a misspelt metric, a label
//! value that never occurs, a range past the retention, `on(job)` after `sum`, two sides whose
//! labels never match, `$labels.instance`
//! after `sum by (job)`): each is found; the chart's own rules raise no online finding where there
//! is data.
mod e2e_live;

use promstack_shared::testing::{kubectl, plugin_json, E2eNamespace};
use std::path::Path;

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");

fn rules(kc: &Path, ns: &str, args: &[&str]) -> serde_json::Value {
    plugin_json(env!("CARGO_BIN_EXE_kubectl-promstack-rules"), kc, ns, args)
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn sync_change_prune_verify() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-rules-e2e");

    let tmp = tempfile::tempdir().unwrap();
    for f in
        promstack_shared::input::sources::rule_files(Some(std::path::Path::new(RULES))).unwrap()
    {
        std::fs::write(tmp.path().join(&f.path), &f.text).unwrap();
    }
    let dir = tmp.path().to_str().unwrap();
    let r = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(r["created"], 3, "{r}");
    let again = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(
        (
            again["created"].clone(),
            again["updated"].clone(),
            again["unchanged"].clone()
        ),
        (0.into(), 0.into(), 3.into()),
        "second sync: {again}"
    );

    let text = std::fs::read_to_string(tmp.path().join("node.yaml"))
        .unwrap()
        .replace("for: 3m", "for: 4m");
    std::fs::write(tmp.path().join("node.yaml"), text).unwrap();
    std::fs::remove_file(tmp.path().join("cilium.yaml")).unwrap();
    let r = rules(&kc, &ns.name, &["sync", "--dir", dir, "--prune"]);
    assert_eq!(
        (r["updated"].clone(), r["pruned"].clone()),
        (1.into(), 1.into()),
        "{r}"
    );

    let listed = rules(&kc, &ns.name, &["list"]);
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["promstack-node", "promstack-workloads"]);
    let live = kubectl(
        &kc,
        &[
            "-n",
            &ns.name,
            "get",
            "prometheusrule",
            "promstack-node",
            "-o",
            "jsonpath={.spec.groups[0].rules[0].for}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&live.stdout), "4m");
    let diff = rules(&kc, &ns.name, &["diff", "--dir", dir]);
    assert_eq!(
        diff["diffs"],
        serde_json::json!([]),
        "no drift after the sync"
    );

    // drift the way server-side apply sees it: a --label promstack stops setting is removed
    let labelled = rules(
        &kc,
        &ns.name,
        &["sync", "--dir", dir, "--label", "team=e2e"],
    );
    assert_eq!(labelled["updated"], 2, "{labelled}");
    let diff = rules(&kc, &ns.name, &["diff", "--dir", dir]);
    let diffs = diff["diffs"].as_array().unwrap();
    assert_eq!(diffs.len(), 2, "the label shows as drift: {diff}");
    assert!(
        diffs[0]["diff"]
            .as_str()
            .unwrap()
            .contains("-    team: e2e"),
        "{diff}"
    );
    let r = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(r["updated"], 2, "{r}");
    let team = kubectl(
        &kc,
        &[
            "-n",
            &ns.name,
            "get",
            "prometheusrule",
            "promstack-node",
            "-o",
            "jsonpath={.metadata.labels.team}",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&team.stdout),
        "",
        "the API server removed team=e2e"
    );
    let again = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(again["unchanged"], 2, "and then nothing changes: {again}");
    assert_eq!(
        rules(&kc, &ns.name, &["diff", "--dir", dir])["diffs"],
        serde_json::json!([])
    );
    sync_once_from_a_stream(&kc, &ns.name, dir);
}

/// The synced rules again, as the stream GitOps pipes (`sync --dry-run -o yaml`, with another
/// object in it, as `kustomize build` prints): `sync -f -` writes nothing, a rule changed in the
/// stream updates that one object, and `--prune` is refused for a stream (nothing written).
fn sync_once_from_a_stream(kc: &Path, ns: &str, dir: &str) {
    let bin = env!("CARGO_BIN_EXE_kubectl-promstack-rules");
    let rendered = promstack_shared::testing::output_ok(
        std::process::Command::new(bin)
            .args(["sync", "--dry-run", "-o", "yaml", "--dir", dir, "-n", ns])
            .stdin(std::process::Stdio::null()),
    );
    let stream = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: other}}\n{}",
        String::from_utf8_lossy(&rendered.stdout).replace("for: 4m", "for: 6m")
    );
    let fed = |args: &[&str]| {
        promstack_shared::testing::plugin_json_fed(bin, kc, ns, args, Some(stream.as_bytes()))
    };
    let r = fed(&["sync", "-f", "-"]);
    assert_eq!(
        (
            r["updated"].clone(),
            r["unchanged"].clone(),
            r["outside"].clone()
        ),
        (1.into(), 1.into(), 0.into()),
        "{r}"
    );
    assert_eq!(
        (
            r["sources"]["stdin"].clone(),
            r["sources"]["skipped"].clone()
        ),
        (true.into(), 1.into()),
        "{r}"
    );
    let live = kubectl(
        kc,
        &[
            "-n",
            ns,
            "get",
            "prometheusrule",
            "promstack-node",
            "-o",
            "jsonpath={.spec.groups[0].rules[0].for} {.metadata.annotations.promstack\\.io/source}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&live.stdout), "6m node.yaml");
    assert_eq!(fed(&["diff", "-f", "-"])["diffs"], serde_json::json!([]));
    let mut prune = std::process::Command::new(bin);
    prune
        .args(["sync", "-f", "-", "--prune", "-n", ns, "--kubeconfig"])
        .arg(kc);
    let o = promstack_shared::testing::output_fed(&mut prune, stream.as_bytes());
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("--whole-set"));
}

const DEPS: &str = r#"groups:
  - name: promstack-e2e-deps
    rules:
      - record: promstack_e2e:up:count
        expr: count by (job) (up)
"#;

const PLANTED: &str = r#"groups:
  - name: promstack-e2e-deps
    rules:
      - alert: E2eMisspelt
        expr: node_load15_typo > 4
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: E2eNeverValue
        expr: up{job="no-such-job"} == 0
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: E2ePastRetention
        expr: increase(prometheus_tsdb_head_samples_appended_total[30d]) == 0
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: E2eOnJob
        expr: sum(up) * on(job) up > 1e12
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: E2eDifferentLabels
        expr: node_cpu_seconds_total / up > 1e12
        for: 5m
        labels: {severity: warning}
        annotations: {summary: s, description: d}
      - alert: E2eInstanceAfterSum
        expr: sum by (job) (up) < 1
        for: 5m
        labels: {severity: warning}
        annotations: {summary: "{{ $labels.instance }} is down", description: d}
"#;

/// `rules lint -o json` (exit 0 or 3), online against the stack's Prometheus.
fn lint(kc: &Path, dir: &str) -> serde_json::Value {
    let stack = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-rules"));
    c.args(["lint", "--dir", dir, "--kubeconfig"])
        .arg(kc)
        .args(["-n", &stack, "-o", "json", "--no-color"]);
    if let Ok(url) = std::env::var("PROMSTACK_E2E_PROMETHEUS_URL") {
        c.args(["--prometheus-url", &url]);
    }
    let o = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 3)), "{stderr}");
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        r["prometheus"].is_string(),
        "the online checks did not run: {stderr}"
    );
    r
}

fn findings<'a>(r: &'a serde_json::Value, check: &str, rule: &str) -> Vec<&'a str> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check && f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap())
        .collect()
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn online_lint_finds_every_planted_fault_and_is_quiet_on_the_charts_rules() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-lint-e2e");
    // Prometheus runs a recording rule, and a dashboard reads its series
    let tmp = tempfile::tempdir().unwrap();
    let synced = tmp.path().join("synced");
    std::fs::create_dir(&synced).unwrap();
    std::fs::write(synced.join("deps.yaml"), DEPS).unwrap();
    rules(&kc, &ns.name, &["sync", "--dir", synced.to_str().unwrap()]);
    let dashboard = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "promstack-e2e-reads-recorded", "namespace": ns.name, "labels": {"grafana_dashboard": "1"}},
        "data": {"e2e.json": serde_json::json!({"uid": "e2e-dep", "title": "E2E", "panels": [{"targets": [{"expr": "sum(promstack_e2e:up:count)"}]}]}).to_string()}});
    let cm = tmp.path().join("cm.json");
    std::fs::write(&cm, dashboard.to_string()).unwrap();
    let o = kubectl(&kc, &["apply", "-f", cm.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let prom = std::env::var("PROMSTACK_E2E_PROMETHEUS_URL").ok();
    if let Some(url) = &prom {
        // the rule group loaded (the harness reloads ~0.5 s after the write)
        let loaded = (0..60).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let o = std::process::Command::new("curl")
                .args(["-s", &format!("{url}/api/v1/rules")])
                .output()
                .unwrap();
            String::from_utf8_lossy(&o.stdout).contains("promstack_e2e:up:count")
        });
        assert!(loaded, "Prometheus never loaded the synced group");
        // a stack just installed: the metrics the planted faults are near have been scraped
        let scraped = (0..120).any(|_| {
            let o = std::process::Command::new("curl")
                .args([
                    "-s",
                    "--data-urlencode",
                    "query=count(node_load15) and count(up{job=\"kubelet\"})",
                ])
                .arg(format!("{url}/api/v1/query"))
                .output()
                .unwrap();
            let done = String::from_utf8_lossy(&o.stdout).contains("\"value\"");
            if !done {
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
            done
        });
        assert!(
            scraped,
            "Prometheus never scraped node-exporter and the kubelet"
        );
    }

    // the files: promstack's rules, and the group without its recording rule but with faults
    let files = tmp.path().join("files");
    std::fs::create_dir(&files).unwrap();
    for f in promstack_shared::input::sources::rule_files(Some(Path::new(RULES))).unwrap() {
        std::fs::write(files.join(&f.path), &f.text).unwrap();
    }
    std::fs::write(files.join("planted.yaml"), PLANTED).unwrap();
    let r = lint(&kc, files.to_str().unwrap());
    let all = serde_json::to_string_pretty(&r["findings"]).unwrap();
    let one = |check: &str, rule: &str, want: &str| {
        let f = findings(&r, check, rule);
        assert!(
            f.len() == 1 && f[0].contains(want),
            "{check} {rule}: want `{want}` in {all}"
        );
    };
    one(
        "promql/series",
        "E2eMisspelt",
        "`node_load15_typo` is not in Prometheus",
    );
    one(
        "promql/series",
        "E2eMisspelt",
        "did you mean `node_load15`?",
    );
    one(
        "promql/series",
        "E2eNeverValue",
        "`up` never has `job=\"no-such-job\"`",
    );
    one("promql/range_query", "E2ePastRetention", "[30d]");
    one(
        "promql/vector_matching",
        "E2eOnJob",
        "the left side `sum(up)` has no label `job`",
    );
    one(
        "promql/vector_matching",
        "E2eDifferentLabels",
        "matching on all labels: every series of the left side `node_cpu_seconds_total` has `cpu`, `mode` and none of the other side's",
    );
    one(
        "alerts/template",
        "E2eInstanceAfterSum",
        "`$labels.instance`",
    );
    if prom.is_some() {
        // the harness runs rules (port-forwards need pods the harness does not run)
        one(
            "rule/dependency",
            "promstack_e2e:up:count",
            "dashboard `e2e.json` in ConfigMap",
        );
    }

    // the chart's own rules, as the stack runs them: no online finding where there is data, but
    // one that is real: Prometheus 3.x keeps a notification queue per Alertmanager, so
    // prometheus_notifications_queue_length has an `alertmanager` label (notifier/sendloop.go of
    // v3.14.0) that prometheus_notifications_queue_capacity lacks, and the chart's
    // PrometheusNotificationQueueRunningFull, matching on all labels, never fires. It is found
    // once Prometheus has discovered an Alertmanager (before that, the queue has no series).
    let stack = std::env::var("PROMSTACK_E2E_NAMESPACE").unwrap_or_else(|_| "monitoring".into());
    let chart = tmp.path().join("chart");
    std::fs::create_dir(&chart).unwrap();
    let o = kubectl(&kc, &["-n", &stack, "get", "prometheusrules", "-o", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for item in list["items"].as_array().unwrap() {
        let name = item["metadata"]["name"].as_str().unwrap();
        let groups = serde_json::json!({"groups": item["spec"]["groups"]});
        std::fs::write(
            chart.join(format!("{name}.yaml")),
            serde_yaml::to_string(&groups).unwrap(),
        )
        .unwrap();
    }
    let r = lint(&kc, chart.to_str().unwrap());
    let online_noise: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            [
                "promql/vector_matching",
                "alerts/external_labels",
                "rule/dependency",
                "query/cost",
            ]
            .contains(&f["check"].as_str().unwrap())
        })
        .filter(|f| {
            !(f["rule"] == "PrometheusNotificationQueueRunningFull"
                && f["check"] == "promql/vector_matching"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("`predict_linear(prometheus_notifications_queue_length{job=")
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("has `alertmanager` and none of the other side's"))
        })
        .collect();
    assert!(online_noise.is_empty(), "{online_noise:#?}");
    // promql/series speaks only of selectors without data: each one named matches nothing now
    for f in r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "promql/series")
    {
        let m = f["message"].as_str().unwrap();
        assert!(
            m.contains("is not in Prometheus")
                || m.contains("has no series now")
                || m.contains("never has")
                || m.contains("has no label")
                || m.contains("matches no series")
                || m.contains("at once"),
            "{m}"
        );
    }
}
