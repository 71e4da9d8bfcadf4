//! The upstream dashboards (refdata): all 29 validate, and their ConfigMaps round-trip.
use promstack_dashboards::validate::Level;
use promstack_dashboards::{configmaps, problems, read};
use promstack_shared::testing::needs;

#[needs(refdata)]
#[test]
fn the_29_upstream_dashboards_validate_and_round_trip() {
    let dir = promstack_shared::testing::refdata::dir();
    let files = read(Some(&dir.join("upstream-dashboards"))).unwrap();
    assert_eq!(files.len(), 29);
    let (prepared, problems) = problems(&files);
    let errors: Vec<String> = problems
        .iter()
        .filter(|p| p.level == Level::Error)
        .map(ToString::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let cms = configmaps(&prepared, "monitoring").unwrap();
    assert_eq!(cms.len(), 29);
    for (p, cm) in prepared.iter().zip(&cms) {
        let data = cm["data"].as_object().unwrap();
        assert_eq!(data.len(), 1);
        let (key, text) = data.iter().next().unwrap();
        assert!(key.ends_with(".json"));
        let back: serde_json::Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
        assert_eq!(back, p.value, "{} does not round-trip", p.path);
        assert_eq!(cm["metadata"]["labels"]["grafana_dashboard"], "1");
    }
    let queries: usize = prepared
        .iter()
        .map(|p| promstack_dashboards::validate::queries(p).len())
        .sum();
    assert!(queries > 500, "{queries}");
}
