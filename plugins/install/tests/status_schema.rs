//! The `-o json` of status has a stable schema (snapshot); exit 3 on any fail, 0 when all ok.
//! Refresh the snapshot with PROMSTACK_UPDATE_SNAPSHOTS=1 after a deliberate change.
use promstack_install::status::{Check, Level, StatusReport, Versions};
use promstack_install::status_exit_code;

fn report(levels: &[Level]) -> StatusReport {
    let checks = levels
        .iter()
        .enumerate()
        .map(|(i, l)| Check {
            group: "targets",
            name: format!("job j{i}"),
            level: *l,
            detail: "2 up".into(),
            hint: (*l != Level::Ok).then(|| "see the target".to_string()),
        })
        .collect();
    let versions = Versions {
        prometheus: Some("3.14.0".into()),
        alertmanager: Some("0.34.0".into()),
        operator: Some("v0.93.1".into()),
        grafana: Some("12.3.0".into()),
        chart: Some("88.5.3".into()),
        crds: [(
            "prometheuses.monitoring.coreos.com".to_string(),
            "0.93.1".to_string(),
        )]
        .into(),
    };
    StatusReport {
        versions,
        ..StatusReport::new("monitoring", checks)
    }
}

#[test]
fn json_schema_is_stable() {
    let json = serde_json::to_string_pretty(&report(&[Level::Ok, Level::Warn, Level::Fail]))
        .unwrap()
        + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/status.json");
    if std::env::var_os("PROMSTACK_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &json).unwrap();
    }
    assert_eq!(
        json,
        std::fs::read_to_string(path).expect("snapshot exists"),
        "status JSON changed; refresh with PROMSTACK_UPDATE_SNAPSHOTS=1 if deliberate"
    );
}

#[test]
fn exit_codes() {
    assert_eq!(status_exit_code(&report(&[Level::Ok, Level::Ok])).code(), 0);
    assert_eq!(
        status_exit_code(&report(&[Level::Ok, Level::Warn])).code(),
        0,
        "warnings alone are healthy"
    );
    assert_eq!(
        status_exit_code(&report(&[Level::Ok, Level::Fail])).code(),
        3
    );
    let r = report(&[Level::Fail]);
    assert!(!r.healthy && r.fail == 1);
}
