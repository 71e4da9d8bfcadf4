//! The temporary rule and the timestamps of alert.rs.
/// The temporary rule is labelled promstack's, of alert-test: `rules sync --prune` (component
/// rules) leaves it alone, and a selector on promstack's labels shows it.
#[test]
fn the_temporary_rule_carries_the_alert_test_ownership_labels() {
    let o = super::Options {
        via: super::Via::Prometheus,
        namespace: "monitoring".into(),
        alertname: "PromstackTestAlert".into(),
        severity: "warning".into(),
        labels: vec![],
        for_: "0s".into(),
        expect: vec![],
        wait_delivery: false,
        timeout: std::time::Duration::from_secs(60),
        keep: false,
    };
    let rule = super::rule_object(&o, "abc123", &Default::default());
    assert_eq!(
        rule.metadata.labels,
        Some(promstack_shared::kube::owned::labels("alert-test"))
    );
    assert_eq!(
        (
            rule.metadata.name.as_deref(),
            rule.metadata.namespace.as_deref()
        ),
        (Some("promstack-alert-test-abc123"), Some("monitoring"))
    );
}

#[test]
fn timestamps_are_rfc3339() {
    let t = super::now_rfc3339(std::time::Duration::ZERO);
    assert_eq!(t.len(), 20);
    assert!(
        t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T",
        "{t}"
    );
    let later = super::now_rfc3339(std::time::Duration::from_secs(86_400));
    let (a, b): (k8s_openapi::jiff::Timestamp, k8s_openapi::jiff::Timestamp) =
        (t.parse().unwrap(), later.parse().unwrap());
    let day = b.duration_since(a).as_secs();
    assert!((86_399..=86_401).contains(&day), "{t} -> {later}");
}
