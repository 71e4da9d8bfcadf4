use super::*;
use promstack_shared::kube::cluster::MemoryCluster;
use serde_json::json;

fn prometheus(retention: &str) -> Value {
    json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "Prometheus",
        "metadata": {"name": "kube-prometheus-prometheus", "namespace": "monitoring"},
        "spec": {"retention": retention, "replicas": 1}})
}

fn config_map(name: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "monitoring"}, "data": data})
}

fn yaml(docs: &[Value]) -> String {
    docs.iter()
        .map(|d| format!("---\n{}", serde_yaml::to_string(d).unwrap()))
        .collect()
}

/// A cluster where helm (4: server-side apply as `helm`) installed `docs`.
fn installed(docs: &[Value]) -> MemoryCluster {
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}}));
    for d in docs {
        c.apply_as(
            &owned_by_helm(d.clone(), RELEASE, "monitoring"),
            HELM_MANAGER,
        )
        .unwrap();
    }
    c
}

#[tokio::test]
async fn a_changed_value_shows_exactly_that_field_and_nothing_else() {
    let before = vec![prometheus("2d"), config_map("a", json!({"k": "v"}))];
    let c = installed(&before);
    let after = vec![prometheus("3d"), config_map("a", json!({"k": "v"}))];
    let d = compute(&c, "monitoring", &after, Some(&yaml(&before)), true, &[])
        .await
        .unwrap();
    assert_eq!(d.objects.len(), 1, "{:?}", d.objects);
    let o = &d.objects[0];
    assert_eq!(
        o.title(),
        "Prometheus monitoring/kube-prometheus-prometheus"
    );
    assert_eq!(o.fields.len(), 1);
    assert_eq!(o.fields[0].path, "spec.retention");
    assert_eq!(d.counts["Prometheus"].changed, 1);
    assert_eq!(d.counts["ConfigMap"].unchanged, 1);
    assert!(
        d.text().contains("    spec.retention: 2d → 3d\n"),
        "{}",
        d.text()
    );
    assert_eq!(c.writes(), 0, "a dry run writes nothing");
    // the same render again: nothing changes
    let same = compute(&c, "monitoring", &before, Some(&yaml(&before)), true, &[])
        .await
        .unwrap();
    assert!(!same.changes(), "{:?}", same.objects);
}

#[tokio::test]
async fn objects_added_removed_and_fields_dropped() {
    let before = vec![
        config_map("kept", json!({"k": "v", "gone": "x"})),
        config_map("old", json!({})),
    ];
    // helm 3 wrote these (an update, not an apply): the server would not drop `gone` itself
    let c = MemoryCluster::new();
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}}));
    for d in &before {
        c.update_as(
            &owned_by_helm(d.clone(), RELEASE, "monitoring"),
            HELM_MANAGER,
        )
        .unwrap();
    }
    let after = vec![
        config_map("kept", json!({"k": "v"})),
        config_map("new", json!({})),
    ];
    let d = compute(&c, "monitoring", &after, Some(&yaml(&before)), true, &[])
        .await
        .unwrap();
    let said: Vec<(String, Change)> = d.objects.iter().map(|o| (o.title(), o.change)).collect();
    assert_eq!(
        said,
        [
            ("ConfigMap monitoring/kept".to_string(), Change::Changed),
            ("ConfigMap monitoring/new".to_string(), Change::Added),
            ("ConfigMap monitoring/old".to_string(), Change::Removed),
        ]
    );
    assert_eq!(d.objects[0].fields[0].path, "data.gone");
    assert_eq!(d.objects[0].fields[0].to, None);
    assert_eq!(
        d.counts["ConfigMap"],
        Counts {
            added: 1,
            changed: 1,
            removed: 1,
            unchanged: 0
        }
    );
}

#[tokio::test]
async fn a_fresh_install_is_all_added_and_hooks_are_left_out() {
    let c = MemoryCluster::new();
    let mut hook = config_map("job-config", json!({}));
    hook["metadata"]["annotations"] = json!({"helm.sh/hook": "pre-install"});
    let d = compute(
        &c,
        "monitoring",
        &[prometheus("2d"), hook],
        None,
        false,
        &[],
    )
    .await
    .unwrap();
    assert_eq!(d.hooks, 1);
    assert_eq!(d.objects.len(), 1);
    assert_eq!(d.objects[0].change, Change::Added);
    assert!(d
        .text()
        .contains("+ Prometheus monitoring/kube-prometheus-prometheus"));
}

#[tokio::test]
async fn an_object_the_api_server_refuses_is_a_failed_check() {
    let c = installed(&[prometheus("2d")]);
    c.inject(
        promstack_shared::kube::cluster::Fault::error(
            promstack_shared::kube::cluster::ClusterError::Api {
                code: 422,
                message: "Prometheus.monitoring.coreos.com \"x\" is invalid: spec.retention".into(),
            },
        )
        .on(promstack_shared::kube::cluster::Verb::DryRunApply),
    );
    let e = compute(&c, "monitoring", &[prometheus("3x")], None, true, &[])
        .await
        .unwrap_err();
    assert_eq!(promstack_shared::exit_code_of(&e).code(), 3, "{e}");
    assert!(
        e.to_string()
            .contains("the API server refuses Prometheus monitoring/kube-prometheus-prometheus"),
        "{e}"
    );
}

#[tokio::test]
async fn what_is_being_deleted_first_is_new_and_the_api_server_is_not_asked() {
    // installed, then the namespace and the Prometheus CRD being deleted: the install waits for
    // them (with --dry-run, would), so everything in the namespace and of the kind is new
    let docs = vec![prometheus("2d"), config_map("a", json!({"k": "v"}))];
    let c = installed(&docs);
    let mut kube_system = config_map("b", json!({}));
    kube_system["metadata"]["namespace"] = json!("kube-system");
    let mut all = docs.clone();
    all.push(kube_system);
    c.reset_counts();
    let d = compute(&c, "monitoring", &all, Some(&yaml(&docs)), false, &[])
        .await
        .unwrap();
    let changes: Vec<(&str, Change)> = d
        .objects
        .iter()
        .map(|o| (o.name.as_str(), o.change))
        .collect();
    assert_eq!(
        changes,
        [
            ("kube-prometheus-prometheus", Change::Added),
            ("a", Change::Added),
            ("b", Change::Added)
        ],
        "{changes:?}"
    );
    assert_eq!(
        c.requests(),
        1,
        "only the object outside the namespace is read"
    );
    // the namespace stays; the CRD of Prometheus goes
    c.reset_counts();
    let going = [(
        "monitoring.coreos.com".to_string(),
        "Prometheus".to_string(),
    )];
    let d = compute(&c, "monitoring", &docs, Some(&yaml(&docs)), true, &going)
        .await
        .unwrap();
    assert_eq!(d.objects.len(), 1, "{:?}", d.objects);
    assert_eq!(d.objects[0].change, Change::Added);
    assert_eq!(d.objects[0].kind, "Prometheus");
}
