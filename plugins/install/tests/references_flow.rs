//! Pre-flight against the in-memory cluster: every Secret and ConfigMap the rendered pods refer to
//! (volumes, env, envFrom, pull secrets, the operator's objects) comes with the install or exists.
mod common;
use common::*;
use promstack_shared::kube::cluster::Verb;
use serde_json::json;

#[tokio::test]
async fn webhooks_off_by_flag_leave_the_operator_nothing_missing_to_mount() {
    let c = cluster(3);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.overlay.admission_webhooks = false;
    let out = run(&o, &c, &h, b"").await.unwrap();
    let m = preflight_check(&out, "mounts");
    assert!(m.ok, "{}", m.detail);
    let st = h.state.lock().unwrap();
    assert_eq!(st.values["prometheusOperator"]["tls"]["enabled"], false);
}

#[tokio::test]
async fn webhooks_off_in_a_values_file_alone_are_refused_naming_the_secret_nobody_makes() {
    let c = cluster(3);
    let h = FakeHelm::new(c.clone(), 4);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("no-webhooks.yaml");
    std::fs::write(
        &f,
        "prometheusOperator:\n  admissionWebhooks:\n    enabled: false\n",
    )
    .unwrap();
    let mut o = options();
    o.user_values = vec![f];
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    let text = e.to_string();
    assert!(
        text.contains("Deployment kube-prometheus-operator (volume tls-secret) needs Secret monitoring/kube-prometheus-admission")
            && text.contains("helm-charts#6586")
            && text.contains("--no-admission-webhooks"),
        "{text}"
    );
    // the Secret is there (made by hand, or left by an earlier install): fine
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"kube-prometheus-admission","namespace":"monitoring"}}));
    run(&o, &c, &h, b"").await.unwrap();
}

#[tokio::test]
async fn an_env_from_secret_nobody_makes_is_refused_naming_the_reference_and_its_values_key() {
    let c = cluster(3);
    let h = FakeHelm::new(c.clone(), 4);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("env-from.yaml");
    std::fs::write(&f, "grafana:\n  envFromSecret: no-such-secret\n").unwrap();
    let mut o = options();
    o.user_values = vec![f.clone()];
    let e = run(&o, &c, &h, b"").await.unwrap_err();
    assert_refused_before_writing(&c, &h, &e);
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "Deployment kube-prometheus-grafana (envFrom of container grafana) needs Secret monitoring/no-such-secret (set by grafana.envFromSecret ({})), which neither the chart, promstack nor the cluster has",
            f.display()
        )),
        "{text}"
    );
    // the Secret made first: the check passes; it reads the keys too
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"no-such-secret","namespace":"monitoring"},"data":{"GF_X":"eA=="}}));
    let out = run(&o, &c, &h, b"").await.unwrap();
    let m = preflight_check(&out, "mounts");
    assert!(
        m.ok && m.detail.contains("refer to come with the install or exist"),
        "{}",
        m.detail
    );
}

#[tokio::test]
async fn a_key_the_referenced_secret_lacks_is_refused() {
    let c = cluster(3);
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    // an admin Secret made by hand, without the user key the chart's env reads
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"hand-made-admin","namespace":"monitoring"},"data":{"admin-password":"eA=="}}));
    let grafana = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"kube-prometheus-grafana"},
        "spec":{"template":{"spec":{"containers":[{"name":"grafana","env":[{"name":"GF_SECURITY_ADMIN_USER",
            "valueFrom":{"secretKeyRef":{"name":"hand-made-admin","key":"admin-user"}}}]}]}}}});
    let e = promstack_install::preflight::missing_references(
        c.as_ref(),
        "monitoring",
        &[grafana],
        &[],
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(e.exit_code().code(), 3);
    assert!(
        e.to_string().contains("Deployment kube-prometheus-grafana (env GF_SECURITY_ADMIN_USER of container grafana) needs Secret monitoring/hand-made-admin key `admin-user` (no values file names it: the chart's own default or template), which has no key `admin-user`"),
        "{e}"
    );
}

/// A rendered object answers for its own kind only: a ConfigMap of the chart does not stand in
/// for a Secret of the same name; the Secret made with the key, both are there.
#[tokio::test]
async fn a_rendered_object_answers_for_its_kind_and_a_secret_with_the_key_passes() {
    let c = cluster(3);
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"monitoring"}}));
    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"shared-name"},"data":{"k":"v"}});
    let pod = json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
        "spec":{"template":{"spec":{
            "volumes":[{"name":"v","configMap":{"name":"shared-name","items":[{"key":"k","path":"k"}]}}],
            "containers":[{"name":"c","env":[{"name":"K","valueFrom":{"secretKeyRef":{"name":"shared-name","key":"k"}}}]}]}}}});
    let docs = [cm, pod];
    let check = || {
        promstack_install::preflight::missing_references(c.as_ref(), "monitoring", &docs, &[], &[])
    };
    c.reset_counts();
    let e = check().await.unwrap_err();
    // only what is not rendered is read: the Secret
    assert_eq!(
        c.log(),
        [(Verb::Get, "Secret monitoring/shared-name".to_string())]
    );
    assert_eq!(e.to_string(), "Deployment d (env K of container c) needs Secret monitoring/shared-name key `k` (no values file names it: the chart's own default or template), which neither the chart, promstack nor the cluster has: the pod would never start, and helm would wait until its --timeout and roll back. Create it first, or change the values that name it.");
    c.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"shared-name","namespace":"monitoring"},"data":{"k":"eA=="}}));
    assert_eq!(
        check().await.unwrap(),
        "the 2 Secrets and ConfigMaps the pods refer to come with the install or exist"
    );
}
