//! The install flow end to end against the in-memory cluster and a recording helm.
mod common;
use common::*;
use promstack_install::grafana::PasswordSource;
use promstack_install::values::{ALERTMANAGER_SECRET, GRAFANA_SECRET};
use promstack_shared::cluster::{ClusterError, Fault, ObjRef, Verb};
use promstack_shared::owned::Change;
use serde_json::json;
use std::time::Duration;

fn secret(c: &promstack_shared::cluster::MemoryCluster, name: &str) -> Option<serde_json::Value> {
    c.peek(&ObjRef::new("v1", "Secret", Some("monitoring"), name))
}

fn b64(s: &str) -> String {
    serde_json::to_value(k8s_openapi::ByteString(s.as_bytes().to_vec()))
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_fresh_install_does_every_step_in_order() {
    let c = cluster(2);
    let h = FakeHelm::new(c.clone(), 4);
    let out = run(&options(), &c, &h, b"").await.unwrap();
    let r = &out.report;
    assert!(r.changed && !r.dry_run);
    assert_eq!(
        r.preflight.iter().map(|p| p.name).collect::<Vec<_>>(),
        [
            "cluster",
            "helm",
            "storage-class",
            "nodes",
            "release",
            "crds",
            "second-stack",
            "mounts",
            "claims",
            "pod-security"
        ]
    );

    let ns = c
        .peek(&ObjRef::new("v1", "Namespace", None, "monitoring"))
        .unwrap();
    assert_eq!(
        ns["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "promstack"
    );
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "privileged",
        "node-exporter needs host access: Talos enforces baseline by default"
    );
    let g = secret(&c, GRAFANA_SECRET).unwrap();
    assert_eq!(g["data"]["admin-user"], b64("admin"));
    assert!(
        g["data"]["admin-password"].as_str().unwrap().len() >= 40,
        "a 32-character generated password"
    );
    let am = secret(&c, ALERTMANAGER_SECRET).unwrap();
    assert_eq!(
        am["data"]["alertmanager.yaml"],
        b64(promstack_install::alertmanager::DEFAULT_CONFIG)
    );
    for crd in [
        "widgets.fixture.promstack.io",
        "gadgets.fixture.promstack.io",
    ] {
        let live = c
            .peek(&ObjRef::new(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                None,
                crd,
            ))
            .unwrap();
        assert_eq!(
            live["metadata"]["labels"]["promstack.io/component"],
            "install"
        );
    }

    // order of the writes: namespace, Secrets, CRDs, then helm (helm's calls are not cluster requests)
    let writes: Vec<String> = c
        .log()
        .into_iter()
        .filter(|(v, _)| v.is_write())
        .map(|(_, w)| w)
        .collect();
    assert_eq!(writes[0], "Namespace monitoring");
    assert_eq!(writes[1], format!("Secret monitoring/{GRAFANA_SECRET}"));
    assert_eq!(
        writes[2],
        format!("Secret monitoring/{ALERTMANAGER_SECRET}")
    );
    assert!(writes[3..]
        .iter()
        .all(|w| w.starts_with("CustomResourceDefinition")));
    assert_eq!(h.calls(), ["version", "list", "template", "upgrade"]);

    // helm 4 flags, values in order: base, env, generated overlay; no secret anywhere
    let st = h.state.lock().unwrap();
    let argv = st.upgrade_argv[0].join(" ");
    assert!(
        argv.contains("--rollback-on-failure")
            && argv.contains("--wait=watcher")
            && argv.contains("--skip-crds"),
        "{argv}"
    );
    let files = &st.upgrade_files[0];
    assert_eq!(files.len(), 3);
    assert_eq!(files[0], promstack_install::values::BASE);
    assert_eq!(files[1], promstack_install::values::LOCAL);
    assert!(files[2].contains(GRAFANA_SECRET));
    let pw = String::from_utf8(
        serde_json::from_value::<k8s_openapi::ByteString>(g["data"]["admin-password"].clone())
            .unwrap()
            .0,
    )
    .unwrap();
    assert!(
        !argv.contains(&pw) && files.iter().all(|f| !f.contains(&pw)),
        "the password reached helm"
    );
    assert!(st.values["grafana"].get("adminPassword").is_none());
    drop(st);

    // the values files are gone
    let dir = std::path::Path::new(
        &h.state.lock().unwrap().upgrade_argv[0]
            .iter()
            .find(|a| a.ends_with(".yaml"))
            .unwrap()
            .clone(),
    )
    .parent()
    .unwrap()
    .to_path_buf();
    assert!(!dir.exists(), "temp values dir {dir:?} was left behind");

    assert_eq!(r.waited.len(), 6, "{:?}", r.waited);
    let t = &r.timings;
    assert!(
        t.total_ms >= t.helm_ms + t.waiting_ms && t.own_ms == t.total_ms - t.helm_ms - t.waiting_ms,
        "{t:?}"
    );
    assert_eq!(r.grafana.url, "http://10.0.0.10:30300");
    let text = promstack_install::summary::render(r, None);
    assert!(
        text.contains("http://10.0.0.10:30300")
            && text.contains("kubectl -n monitoring get secret promstack-grafana-admin"),
        "{text}"
    );
    assert!(!text.contains(&pw));
}

#[tokio::test]
async fn a_second_run_writes_nothing_and_says_so() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 3);
    run(&options(), &c, &h, b"").await.unwrap();
    c.reset_counts();
    let mut o = options();
    o.password = PasswordSource::Prompt; // no terminal: must not be needed, the Secret is kept
    let out = run(&o, &c, &h, b"").await.unwrap();
    assert_eq!(c.writes(), 0, "writes on the second run: {:?}", c.log());
    assert_eq!(
        h.count("upgrade"),
        1,
        "helm upgrade ran again: {:?}",
        h.calls()
    );
    assert!(!out.report.changed);
    assert!(
        out.report
            .steps
            .iter()
            .all(|s| s.change == Change::Unchanged),
        "{:?}",
        out.report.steps
    );
    assert!(promstack_install::summary::render(&out.report, None).starts_with("Nothing changed"));

    // a changed user values file means an upgrade, and only that
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("mine.yaml");
    std::fs::write(&f, "grafana:\n  replicas: 2\n").unwrap();
    let mut o = options();
    o.user_values = vec![f];
    let out = run(&o, &c, &h, b"").await.unwrap();
    assert_eq!(c.writes(), 0);
    assert_eq!(h.count("upgrade"), 2);
    assert_eq!(out.report.steps.last().unwrap().change, Change::Update);
    assert_eq!(
        h.state.lock().unwrap().upgrade_files[1][2],
        "grafana:\n  replicas: 2\n",
        "user files come after the env overlay"
    );
}

#[tokio::test]
async fn helm_3_gets_atomic_and_wait() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 3);
    run(&options(), &c, &h, b"").await.unwrap();
    let argv = h.state.lock().unwrap().upgrade_argv[0].join(" ");
    assert!(
        argv.contains("--atomic --wait") && !argv.contains("rollback-on-failure"),
        "{argv}"
    );
}

async fn preflight_fails(
    c: &promstack_shared::cluster::MemoryCluster,
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
            "am.yaml:2: route: receiver `nobody` is not defined",
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

#[tokio::test]
async fn dry_run_plans_renders_and_writes_nothing() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.dry_run = true;
    o.password = PasswordSource::Stdin;
    let out = run(&o, &c, &h, b"correct-horse-battery-staple\n")
        .await
        .unwrap();
    assert_eq!(c.writes(), 0);
    assert_eq!(h.count("upgrade"), 0);
    assert!(out.report.dry_run && out.report.changed);
    let kinds: Vec<&str> = out
        .rendered
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "Secret",
            "Secret",
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "ConfigMap",
            "DaemonSet",
            "ClusterRole",
            "ClusterRole",
            "Service",
            "Deployment",
            "Job"
        ]
    );
    assert_eq!(
        out.rendered[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    let ns_step = &out.report.steps[0];
    assert!(
        ns_step
            .note
            .as_deref()
            .unwrap()
            .contains("node-exporter needs hostNetwork"),
        "the plan says why the namespace is privileged: {ns_step:?}"
    );
    let all = serde_json::to_string(&(&out.report, &out.rendered)).unwrap();
    assert!(
        !all.contains("correct-horse") && !all.contains(&b64("correct-horse-battery-staple")),
        "the password leaked into dry-run output"
    );
    assert!(all.contains("<redacted>"));
    let text = promstack_install::summary::render(&out.report, None);
    assert!(text.starts_with("Dry run: nothing was changed."), "{text}");
    assert!(
        text.contains("helm upgrade --install kube-prometheus"),
        "{text}"
    );
    assert!(
        text.contains("Namespace monitoring (label pod-security.kubernetes.io/enforce=privileged: node-exporter needs"),
        "{text}"
    );

    // without a terminal and without a password flag the plan still works: nothing is asked
    let mut o = options();
    o.dry_run = true;
    o.password = PasswordSource::Prompt;
    let out = run(&o, &c, &h, b"").await.unwrap();
    assert!(out.report.steps[1]
        .note
        .as_deref()
        .unwrap()
        .contains("asked for"));
}

#[tokio::test]
async fn cloud_needs_gp3_three_nodes_and_takes_the_ingress_host() {
    let cloud = || {
        let mut o = options();
        o.env = promstack_install::values::Env::Cloud;
        o.overlay.storage_class = "gp3".into();
        o.overlay.grafana_host = Some("grafana.example.org".into());
        o.overlay.tls_secret = Some("grafana-tls".into());
        o
    };
    // two nodes cannot hold three Alertmanagers with hard anti-affinity: a failed check, not a 10-minute wait
    let c = cluster(2);
    c.insert(
        json!({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"gp3"}}),
    );
    let h = FakeHelm::new(c.clone(), 4);
    let e = run(&cloud(), &c, &h, b"").await.unwrap_err();
    assert_eq!(code(&e), 3);
    assert!(
        e.to_string().contains("3 replicas on different nodes"),
        "{e}"
    );
    assert_eq!(c.writes(), 0);

    let c = cluster(3);
    c.insert(
        json!({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"gp3"}}),
    );
    let h = FakeHelm::new(c.clone(), 4);
    let out = run(&cloud(), &c, &h, b"").await.unwrap();
    assert_eq!(out.report.grafana.url, "https://grafana.example.org");
    assert_eq!(
        h.state.lock().unwrap().upgrade_files[0][1],
        promstack_install::values::CLOUD
    );
}

#[tokio::test]
async fn remote_write_needs_its_secret_and_reaches_the_values() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.overlay.remote_write = Some(promstack_install::values::RemoteWrite {
        url: "https://mimir.example.org/api/v1/push".into(),
        secret: Some("mimir-auth".into()),
    });
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    assert_eq!(code(&e), 3);
    assert!(
        e.to_string()
            .contains("kubectl -n monitoring create secret generic mimir-auth"),
        "{e}"
    );
    assert_eq!(c.writes(), 0);
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"mimir-auth","namespace":"monitoring"},"data":{"username":"dQ==","password":"cA=="}}));
    run(&o, &c, &h, b"").await.unwrap();
    let v = h.state.lock().unwrap().values.clone();
    assert_eq!(
        v["prometheus"]["prometheusSpec"]["remoteWrite"][0]["basicAuth"]["username"]["name"],
        "mimir-auth"
    );
    let files = h.state.lock().unwrap().upgrade_files[0].join("\n");
    assert!(
        !files.contains("dQ==") && !files.contains("cA=="),
        "credentials must stay in the Secret"
    );
}

#[tokio::test]
async fn what_the_install_stops_setting_is_removed_like_server_side_apply_does() {
    let c = cluster(2);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    let ns_ref = ObjRef::new("v1", "Namespace", None, "monitoring");
    assert_eq!(
        c.peek(&ns_ref).unwrap()["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    // an earlier promstack also set an annotation on the Alertmanager config Secret
    let am = secret(&c, ALERTMANAGER_SECRET).unwrap();
    let mut older = json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":ALERTMANAGER_SECRET,"namespace":"monitoring",
        "labels": am["metadata"]["labels"].clone(), "annotations": {"promstack.io/legacy": "yes"}},
        "type": am["type"].clone(), "data": am["data"].clone()});
    if older["type"].is_null() {
        older.as_object_mut().unwrap().remove("type");
    }
    c.apply_as(&older, "promstack").unwrap();

    // node-exporter off: the namespace no longer needs (or gets) the Pod Security label
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("no-node-exporter.yaml");
    std::fs::write(&f, "nodeExporter:\n  enabled: false\n").unwrap();
    let mut o = options();
    o.user_values = vec![f];
    let out = run(&o, &c, &h, b"").await.unwrap();
    let change = |obj: &str| {
        out.report
            .steps
            .iter()
            .find(|s| s.object == obj)
            .unwrap()
            .change
    };
    assert_eq!(change("Namespace monitoring"), Change::Update);
    assert_eq!(
        change(&format!("Secret monitoring/{ALERTMANAGER_SECRET}")),
        Change::Update
    );
    assert!(c.peek(&ns_ref).unwrap()["metadata"]["labels"]
        .get("pod-security.kubernetes.io/enforce")
        .is_none());
    assert!(secret(&c, ALERTMANAGER_SECRET).unwrap()["metadata"]
        .get("annotations")
        .is_none_or(|a| a.get("promstack.io/legacy").is_none()));

    // and the same again changes nothing
    c.reset_counts();
    let again = run(&o, &c, &h, b"").await.unwrap();
    assert!(!again.report.changed, "{:?}", again.report.steps);
    assert_eq!(c.writes(), 0);
}
