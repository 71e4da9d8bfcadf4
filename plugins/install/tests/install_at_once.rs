//! What install does at once, and what it does not do again: the CRDs and the workloads waited
//! for together, a chart from a repository fetched once a run, a render kept from an earlier run
//! (the in-memory cluster and a recording helm; the real helm's side is in tests/real_tools.rs).
mod common;
use common::*;
use promstack_install::helm::Chart;

#[tokio::test]
async fn the_crds_and_the_workloads_are_waited_for_at_once() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    c.inject(promstack_shared::kube::cluster::Fault::slow(
        std::time::Duration::from_millis(10),
    ));
    run(&options(), &c, &h, b"").await.unwrap();
    let together = |what: &str| {
        c.overlaps()
            .iter()
            .any(|o| o.iter().filter(|x| *x == what).count() > 1)
    };
    assert!(
        together("Apply CustomResourceDefinition"),
        "the CRDs were applied one after the other: {:?}",
        c.overlaps()
    );
    assert!(together("Get CustomResourceDefinition"));
    assert!(
        together("Get StatefulSet") && together("Get Deployment"),
        "the workloads were waited for one after the other: {:?}",
        c.overlaps()
    );
}

/// CRDs that pre-flight read as they should be (unchanged, Established) cost no request more:
/// pre-flight's one read of each is what the CRD step goes on.
#[tokio::test]
async fn unchanged_crds_are_read_once_a_run() {
    use promstack_shared::kube::cluster::Verb;
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    c.reset_counts();
    h.state.lock().unwrap().values = serde_json::json!({"changed": true});
    run(&options(), &c, &h, b"").await.unwrap();
    let crd_requests: Vec<(Verb, String)> = c
        .log()
        .into_iter()
        .filter(|(_, what)| what.contains("CustomResourceDefinition"))
        .collect();
    assert_eq!(
        crd_requests.len(),
        2,
        "one read of each of the 2 CRDs (pre-flight), nothing else: {crd_requests:?}"
    );
    assert!(crd_requests.iter().all(|(v, _)| *v == Verb::Get));
}

/// A chart from a repository is pulled once a run (the render, `show chart` and the upgrade take
/// the file), and a run whose render is kept neither renders nor pulls.
#[tokio::test]
async fn a_render_kept_from_an_earlier_run_is_not_made_again_nor_its_chart_fetched() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let cache = tempfile::tempdir().unwrap();
    let mut o = options();
    o.render_cache = Some(promstack_install::chart::render_cache::RenderCache::at(
        cache.path(),
    ));
    run(&o, &c, &h, b"").await.unwrap();
    assert_eq!((h.count("template"), h.count("pull")), (1, 1));
    // the same helm, chart and values: the kept render, the same plan; the release's chart is
    // compared with the reference
    h.state.lock().unwrap().charts.clear();
    let again = run(&o, &c, &h, b"").await.unwrap();
    assert_eq!(
        (h.count("template"), h.count("pull")),
        (1, 1),
        "rendered or pulled again"
    );
    assert!(!again.report.changed, "{:?}", again.report.steps);
    let charts = h.state.lock().unwrap().charts.clone();
    assert!(
        matches!(&charts[..], [("show chart", Chart::Repo { .. })]),
        "{charts:?}"
    );
    // other values: pulled and rendered again; every helm run takes the file
    let dir = tempfile::tempdir().unwrap();
    let extra = dir.path().join("extra.yaml");
    std::fs::write(&extra, "grafana:\n  defaultDashboardsEnabled: false\n").unwrap();
    o.user_values = vec![extra];
    h.state.lock().unwrap().charts.clear();
    run(&o, &c, &h, b"").await.unwrap();
    assert_eq!((h.count("template"), h.count("pull")), (2, 2));
    let charts = h.state.lock().unwrap().charts.clone();
    let verbs: Vec<&str> = charts.iter().map(|(v, _)| *v).collect();
    assert_eq!(verbs, ["template", "show chart", "upgrade"]);
    assert!(
        charts.iter().all(|(_, c)| matches!(c, Chart::Local(_))),
        "{charts:?}"
    );
}

#[tokio::test]
async fn a_chart_that_cannot_be_fetched_stops_the_install_before_any_write() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    h.state.lock().unwrap().fail_pull = true;
    let e = run(&options(), &c, &h, b"").await.unwrap_err();
    let text = format!("{e:#}");
    assert!(
        text.starts_with("fetching the chart kube-prometheus-stack 88.5.3: helm pull failed:")
            && text.contains("cannot be reached"),
        "{text}"
    );
    assert_eq!(c.writes(), 0);
    assert_eq!(h.count("template"), 0);
}
