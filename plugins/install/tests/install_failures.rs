//! The install flow when something is wrong: pre-flight failures, a stuck release, passwords,
//! API errors and a slow API server, timeouts and bad input, against the in-memory cluster and
//! a recording helm. Nothing half-applied, exit codes that mean something, messages that say
//! what to do.
mod common;
use common::*;
use promstack_install::chart::values::{ALERTMANAGER_SECRET, GRAFANA_SECRET};
use promstack_install::stack::grafana::PasswordSource;
use promstack_shared::kube::cluster::{ClusterError, Fault, ObjRef, Verb};
use serde_json::json;
use std::time::Duration;

async fn preflight_fails(
    c: &promstack_shared::kube::cluster::MemoryCluster,
    h: &FakeHelm,
    o: &promstack_install::install::InstallOptions,
) -> anyhow::Error {
    let upgrades = h.count("upgrade");
    let err = run(o, c, h, b"").await.unwrap_err();
    assert_eq!(c.writes(), 0, "a failed pre-flight wrote: {:?}", c.log());
    assert_eq!(
        h.count("upgrade"),
        upgrades,
        "helm upgrade ran after a failed pre-flight"
    );
    err
}

#[tokio::test]
async fn preflight_failures_change_nothing_and_say_what_to_do() {
    // unreachable cluster: run-time failure, names the context
    let c = cluster(1);
    c.set_unreachable(true);
    let h = FakeHelm::new(c.clone(), 4);
    let e = preflight_fails(&c, &h, &options()).await;
    assert_eq!(code(&e), 1);
    assert!(
        e.to_string().contains("context `memory`") && e.to_string().contains("--context"),
        "{e}"
    );

    // missing StorageClass
    let c = cluster(1);
    c.remove(&ObjRef::new(
        "storage.k8s.io/v1",
        "StorageClass",
        None,
        "local-path",
    ));
    let h = FakeHelm::new(c.clone(), 4);
    let e = preflight_fails(&c, &h, &options()).await;
    assert_eq!(code(&e), 3);
    assert!(
        e.to_string().contains("`local-path` not found")
            && e.to_string().contains("--storage-class"),
        "{e}"
    );
    // ... which --storage-class fixes
    c.insert(
        json!({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fast"}}),
    );
    let mut o = options();
    o.overlay.storage_class = "fast".into();
    run(&o, &c, &h, b"").await.unwrap();
    let files = h.state.lock().unwrap().upgrade_files[0].clone();
    assert!(files.last().unwrap().contains("storageClassName: fast"));

    // no Ready node
    let c = cluster(0);
    let h = FakeHelm::new(c.clone(), 4);
    assert_eq!(code(&preflight_fails(&c, &h, &options()).await), 3);

    // unsupported helm
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 2);
    let e = preflight_fails(&c, &h, &options()).await;
    assert_eq!(code(&e), 3);
    assert!(e.to_string().contains("helm 3 or 4"), "{e}");

    // foreign CRDs
    let c = cluster(1);
    c.insert(json!({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.fixture.promstack.io",
        "annotations":{"meta.helm.sh/release-name":"prom","meta.helm.sh/release-namespace":"observability"}}}));
    let h = FakeHelm::new(c.clone(), 4);
    let e = preflight_fails(&c, &h, &options()).await;
    assert_eq!(code(&e), 3);
    assert!(
        e.to_string()
            .contains("widgets.fixture.promstack.io (helm release observability/prom)"),
        "{e}"
    );
}

#[tokio::test]
async fn a_stuck_release_needs_recover() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    h.state.lock().unwrap().release.as_mut().unwrap().status = "pending-upgrade".into();
    c.reset_counts();
    let e = preflight_fails(&c, &h, &options()).await;
    assert_eq!(code(&e), 3);
    assert!(
        e.to_string().contains("pending-upgrade") && e.to_string().contains("--recover"),
        "{e}"
    );
    let mut o = options();
    o.recover = true;
    run(&o, &c, &h, b"").await.unwrap();
    let calls = h.calls();
    let rb = calls
        .iter()
        .position(|x| x == "rollback")
        .expect("rolled back");
    assert!(
        calls[rb..].contains(&"upgrade".to_string()),
        "upgrade after the rollback: {calls:?}"
    );
}

#[tokio::test]
async fn passwords_without_terminal_stdin_weak_and_rotation() {
    // no terminal, no flag, no Secret yet: usage error naming the flags, nothing written
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.password = PasswordSource::Prompt;
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    assert_eq!(code(&e), 2);
    assert!(
        e.to_string().contains("--grafana-password-stdin")
            && e.to_string().contains("--generate-grafana-password"),
        "{e}"
    );
    assert_eq!(c.writes(), 0);

    // a weak password from stdin is refused before the cluster is asked anything
    for weak in ["admin\n", "prom-operator\n", "tooshort\n"] {
        let mut o = options();
        o.password = PasswordSource::Stdin;
        let e = run(&o, &c, &h, weak.as_bytes()).await.unwrap_err();
        assert_eq!(code(&e), 2, "{weak}");
    }
    c.reset_counts();
    let mut o = options();
    o.password = PasswordSource::Stdin;
    run(&o, &c, &h, b"Zq9shrt\n").await.unwrap_err();
    assert_eq!(c.requests(), 0);

    // a good one from stdin lands in the Secret
    let mut o = options();
    o.password = PasswordSource::Stdin;
    run(&o, &c, &h, b"correct-horse-battery-staple\n")
        .await
        .unwrap();
    assert_eq!(
        secret(&c, GRAFANA_SECRET).unwrap()["data"]["admin-password"],
        b64("correct-horse-battery-staple")
    );

    // kept on the next run, even with a new one on stdin
    run(&o, &c, &h, b"another-long-password\n").await.unwrap();
    assert_eq!(
        secret(&c, GRAFANA_SECRET).unwrap()["data"]["admin-password"],
        b64("correct-horse-battery-staple")
    );

    // rotated on request, and Grafana restarted to pick it up
    o.rotate_password = true;
    o.show_password = true;
    let out = run(&o, &c, &h, b"another-long-password\n").await.unwrap();
    assert_eq!(
        secret(&c, GRAFANA_SECRET).unwrap()["data"]["admin-password"],
        b64("another-long-password")
    );
    assert_eq!(
        out.shown_password.unwrap().expose(),
        "another-long-password"
    );
    let grafana = c
        .peek(&ObjRef::new(
            "apps/v1",
            "Deployment",
            Some("monitoring"),
            "kube-prometheus-grafana",
        ))
        .unwrap();
    assert!(grafana
        .pointer("/spec/template/metadata/annotations/promstack.io~1password-rotated-at")
        .is_some());
}

#[tokio::test(start_paused = true)]
async fn a_500_on_the_secret_step_stops_everything_after_it() {
    let c = cluster(1);
    c.inject(
        Fault::status(500)
            .on(Verb::Apply)
            .kind("Secret")
            .name(GRAFANA_SECRET),
    );
    let h = FakeHelm::new(c.clone(), 4);
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    let msg = promstack_shared::error::render(&e);
    assert!(
        msg.contains(GRAFANA_SECRET)
            && msg.contains("HTTP 500")
            && msg.contains("nothing after this step ran"),
        "{msg}"
    );
    assert_eq!(code(&e), 1);
    assert!(secret(&c, ALERTMANAGER_SECRET).is_none());
    assert!(c
        .objects()
        .iter()
        .all(|o| o["kind"] != "CustomResourceDefinition"));
    assert_eq!(h.count("upgrade"), 0);
}

#[tokio::test(start_paused = true)]
async fn a_single_500_is_retried_and_the_install_goes_on() {
    let c = cluster(1);
    c.inject(
        Fault::status(500)
            .on(Verb::Apply)
            .kind("Secret")
            .name(GRAFANA_SECRET)
            .times(1),
    );
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.timeout = Duration::from_secs(60);
    run(&o, &c, &h, b"").await.unwrap();
    assert!(secret(&c, GRAFANA_SECRET).is_some());
    assert_eq!(h.count("upgrade"), 1);
}

#[tokio::test(start_paused = true)]
async fn conflicts_and_throttling_are_reported_with_the_object() {
    let c = cluster(1);
    c.inject(
        Fault::error(ClusterError::Conflict(
            "field manager helm owns .data".into(),
        ))
        .on(Verb::Apply)
        .kind("Secret")
        .name(ALERTMANAGER_SECRET),
    );
    let h = FakeHelm::new(c.clone(), 4);
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    let msg = promstack_shared::error::render(&e);
    assert!(
        msg.contains(ALERTMANAGER_SECRET) && msg.contains("409"),
        "{msg}"
    );
    assert_eq!(h.count("upgrade"), 0);

    let c = cluster(1);
    c.inject(
        Fault::status(429)
            .on(Verb::Apply)
            .kind("CustomResourceDefinition"),
    );
    let h = FakeHelm::new(c.clone(), 4);
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    assert!(promstack_shared::error::render(&e).contains("HTTP 429"));
    assert_eq!(h.count("upgrade"), 0, "helm must not run without the CRDs");
}

#[tokio::test]
async fn a_slow_api_server_only_slows_things_down() {
    let c = cluster(1);
    c.inject(Fault::slow(Duration::from_millis(20)).on(Verb::Get));
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    assert_eq!(h.count("upgrade"), 1);
}

#[tokio::test(start_paused = true)]
async fn workloads_the_operator_never_creates_time_out() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().skip_statefulsets = true;
    let mut o = options();
    o.timeout = Duration::from_secs(30);
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    let msg = promstack_shared::error::render(&e);
    assert!(
        msg.contains("timed out")
            && msg.contains("prometheus-kube-prometheus-prometheus")
            && msg.contains("not created yet"),
        "{msg}"
    );
    assert_eq!(code(&e), 1);
}

#[tokio::test]
async fn bad_input_is_exit_2_with_no_request() {
    let dir = tempfile::tempdir().unwrap();
    let bad_yaml = dir.path().join("bad.yaml");
    std::fs::write(&bad_yaml, "grafana:\n  replicas: [1\n").unwrap();
    let bad_am = dir.path().join("am.yaml");
    std::fs::write(
        &bad_am,
        "route:\n  receiver: nobody\nreceivers:\n  - name: default\n",
    )
    .unwrap();
    type Case = (
        Box<dyn Fn(&mut promstack_install::install::InstallOptions)>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            Box::new(|o| o.user_values = vec!["/nonexistent/values.yaml".into()]),
            "cannot read values file /nonexistent/values.yaml",
        ),
        (
            Box::new(move |o| o.user_values = vec![bad_yaml.clone()]),
            "bad.yaml:3",
        ),
        (
            Box::new(move |o| o.alertmanager_config = Some(bad_am.clone())),
            "am.yaml:2: route.receiver: undefined receiver \"nobody\" used in route",
        ),
        (
            Box::new(|o| o.alertmanager_config = Some("/nonexistent/am.yaml".into())),
            "cannot read Alertmanager config",
        ),
    ];
    for (set, want) in cases {
        let c = cluster(1);
        let h = FakeHelm::new(c.clone(), 4);
        let mut o = options();
        set(&mut o);
        let e = run(&o, &c, &h, b"").await.unwrap_err();
        assert_eq!(code(&e), 2, "{e}");
        assert!(e.to_string().contains(want), "want `{want}` in: {e}");
        assert_eq!(c.requests(), 0, "bad input must not reach the cluster");
        assert!(h.calls().is_empty());
    }
}

/// A stack installed with plain helm: its CRDs, which helm wrote from the chart's crds/ without
/// marking them (only its field manager says so), are taken over with the release in the
/// namespace and applied as the chart has them; without that release they are another
/// installation's.
#[tokio::test]
async fn crds_a_plain_helm_install_wrote_are_taken_over_with_its_release() {
    let by_helm = || {
        json!({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.fixture.promstack.io",
            "annotations":{"operator.prometheus.io/version":"0.92.1"},"managedFields":[{"manager":"helm","operation":"Update"},{"manager":"kube-apiserver","operation":"Update","subresource":"status"}]}})
    };
    let c = cluster(1);
    c.insert(by_helm());
    let h = FakeHelm::new(c.clone(), 4);
    let e = preflight_fails(&c, &h, &options()).await;
    assert_eq!(code(&e), 3);
    assert!(
        e.to_string()
            .contains("widgets.fixture.promstack.io (field managers helm, kube-apiserver)"),
        "{e}"
    );

    let c = cluster(1);
    c.insert(by_helm());
    // the release, and its namespace, where helm keeps its records
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}}));
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().release = Some(promstack_install::helm::ReleaseInfo {
        name: "kube-prometheus".into(),
        namespace: "monitoring".into(),
        revision: "2".into(),
        status: "deployed".into(),
        chart: "kube-prometheus-stack-88.5.3".into(),
        app_version: "v0.93.1".into(),
    });
    run(&options(), &c, &h, b"").await.unwrap();
    let crd = c
        .peek(&promstack_shared::kube::cluster::ObjRef::new(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            None,
            "widgets.fixture.promstack.io",
        ))
        .unwrap();
    assert_eq!(
        crd["metadata"]["labels"]["app.kubernetes.io/managed-by"], "promstack",
        "applied as the chart has it: {crd}"
    );
}
