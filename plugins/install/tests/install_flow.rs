//! The install flow end to end against the in-memory cluster and a recording helm.
mod common;
use common::*;
use promstack_install::chart::values::{ALERTMANAGER_SECRET, GRAFANA_SECRET};
use promstack_install::helm::Chart;
use promstack_install::stack::grafana::PasswordSource;
use promstack_shared::kube::cluster::ObjRef;
use promstack_shared::kube::owned::Change;
use serde_json::json;

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
            "values-keys",
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
    for label in [
        "pod-security.kubernetes.io/warn",
        "pod-security.kubernetes.io/audit",
    ] {
        assert_eq!(
            ns["metadata"]["labels"][label], "privileged",
            "{label}: Talos warns and audits at restricted by default, and helm would print node-exporter's warnings on every install"
        );
    }
    let g = secret(&c, GRAFANA_SECRET).unwrap();
    assert_eq!(g["data"]["admin-user"], b64("admin"));
    assert!(
        g["data"]["admin-password"].as_str().unwrap().len() >= 40,
        "a 32-character generated password"
    );
    let am = secret(&c, ALERTMANAGER_SECRET).unwrap();
    assert_eq!(
        am["data"]["alertmanager.yaml"],
        b64(promstack_install::stack::alertmanager::DEFAULT_CONFIG)
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
    // pre-flight's helm runs (at once, in any order; the chart pulled once), then the upgrade
    let calls = h.calls();
    let mut preflight = calls[..4].to_vec();
    preflight.sort();
    assert_eq!(
        preflight,
        ["list", "pull", "template", "version"],
        "{calls:?}"
    );
    assert_eq!(calls[4..], ["upgrade"], "{calls:?}");
    // the render and the upgrade take the chart pulled, which is gone after the run
    let charts = h.state.lock().unwrap().charts.clone();
    let [("template", Chart::Local(pulled)), ("upgrade", Chart::Local(again))] = &charts[..] else {
        panic!("{charts:?}")
    };
    assert_eq!(pulled, again);
    assert!(
        pulled.ends_with("kube-prometheus-stack-88.5.3.tgz"),
        "{pulled:?}"
    );
    assert!(
        !pulled.parent().unwrap().exists(),
        "the pulled chart's folder is left behind"
    );

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
    assert_eq!(files[0], promstack_install::chart::values::BASE);
    assert_eq!(files[1], promstack_install::chart::values::LOCAL);
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

#[tokio::test]
async fn the_crd_step_is_said_in_one_line() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let (res, printed) = run_captured(&options(), &c, &h).await;
    res.unwrap();
    let crd_lines: Vec<&String> = printed.iter().filter(|l| l.contains("CRD")).collect();
    assert_eq!(crd_lines.len(), 2, "{printed:#?}");
    assert!(
        crd_lines[0].contains("chart")
            && crd_lines[0].contains("2 CRDs, none owned by another installation"),
        "the pre-flight line: {crd_lines:?}"
    );
    let step = crd_lines[1];
    assert!(
        step.starts_with("✓ 2 CRDs applied and Established (") && step.ends_with(')'),
        "{step}"
    );
    // again: unchanged, still one line
    let (res, printed) = run_captured(&options(), &c, &h).await;
    res.unwrap();
    let step: Vec<&String> = printed
        .iter()
        .filter(|l| l.contains("Established"))
        .collect();
    assert_eq!(step.len(), 1, "{printed:#?}");
    assert!(
        step[0].starts_with("✓ 2 CRDs unchanged and Established ("),
        "{}",
        step[0]
    );
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
            "Job",
            "Deployment"
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
        text.contains("\n  create    Namespace monitoring"),
        "each step's change in 9 columns: {text}"
    );
    assert!(
        text.contains("helm upgrade --install kube-prometheus"),
        "{text}"
    );
    assert!(
        text.contains("Namespace monitoring (label pod-security.kubernetes.io/enforce=privileged, and warn and audit privileged too: node-exporter needs"),
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
        o.env = promstack_install::chart::values::Env::Cloud;
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
        promstack_install::chart::values::CLOUD
    );
}

#[tokio::test]
async fn remote_write_needs_its_secret_and_reaches_the_values() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.overlay.remote_write = Some(promstack_install::chart::values::RemoteWrite {
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
    for label in ["enforce", "warn", "audit"] {
        assert!(c.peek(&ns_ref).unwrap()["metadata"]["labels"]
            .get(format!("pod-security.kubernetes.io/{label}"))
            .is_none());
    }
    assert!(secret(&c, ALERTMANAGER_SECRET).unwrap()["metadata"]
        .get("annotations")
        .is_none_or(|a| a.get("promstack.io/legacy").is_none()));

    // and the same again changes nothing
    c.reset_counts();
    let again = run(&o, &c, &h, b"").await.unwrap();
    assert!(!again.report.changed, "{:?}", again.report.steps);
    assert_eq!(c.writes(), 0);
}
