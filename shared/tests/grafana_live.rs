//! The live check through a Grafana 12 stand-in (testing::grafana) whose datasource proxy reaches
//! a real Prometheus 3.14 scraping itself: the chart's 29 dashboards (General), promstack's
//! Cilium ones (Cilium) and a team's with a deliberately broken query (Team). Every query the
//! chart's and Cilium's dashboards send, once Grafana's variables and interpolation are done,
//! must be a query Prometheus 3.14 runs: none fails.
use promstack_shared::grafana::live::{self, Options};
use promstack_shared::grafana::{GrafanaApi, Login};
use promstack_shared::terminal::secret::SecretString;
use promstack_shared::testing::{self, grafana::FakeGrafana, needs};
use serde_json::{json, Value};
use std::time::Duration;

fn dashboards(dir: &std::path::Path) -> Vec<Value> {
    let mut out: Vec<Value> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .map(|e| serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap())
        .collect();
    out.sort_by_key(|d| d["uid"].as_str().unwrap_or_default().to_string());
    out
}

fn broken() -> Value {
    json!({"uid": "team-broken", "title": "Team / Broken", "schemaVersion": 39,
    "templating": {"list": [{"name": "job", "type": "query", "datasource": {"type": "prometheus", "uid": "prometheus"},
        "query": "label_values(up, job)", "includeAll": true, "allValue": ".+", "current": {}}]},
    "panels": [
        {"id": 1, "type": "timeseries", "title": "Up", "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"refId": "A", "expr": "sum by (job) (up{job=~\"$job\"})"}]},
        {"id": 2, "type": "timeseries", "title": "Broken on purpose", "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"refId": "A", "expr": "label_replace(up, \"x\", \"$1\", \"job\", \"(\")"}]},
        {"id": 3, "type": "row", "title": "Collapsed", "collapsed": true, "panels": [
            {"id": 4, "type": "stat", "title": "Nothing", "datasource": {"type": "prometheus", "uid": "prometheus"},
             "targets": [{"refId": "A", "expr": "absent_metric_promstack_test", "instant": true}]}]}
    ]})
}

fn login(g: &FakeGrafana, password: &str) -> Option<Login> {
    Some(Login {
        user: g.user.clone(),
        password: SecretString::new(password.into()),
    })
}

#[needs(prometheus, refdata)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_grafana_serves_is_checked_through_its_datasource_proxy() {
    let (bin, refdata) = (
        testing::tool("prometheus"),
        promstack_shared::testing::refdata::dir(),
    );
    let prom = testing::prometheus(&bin, &[], "");
    let g = FakeGrafana::start("correct-horse-battery").prometheus(
        "prometheus",
        &prom.url(),
        true,
        "1s",
    );
    for d in dashboards(&refdata.join("upstream-dashboards")) {
        g.put(None, d);
    }
    let cilium = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dashboards/Cilium");
    for d in dashboards(&cilium) {
        g.put(Some("Cilium"), d);
    }
    g.put(Some("Team"), broken());
    // Prometheus has scraped itself a few times before the check (a range query's last step is
    // the whole second before now: a first scrape a moment ago is not in it)
    let api = promstack_shared::prometheus::api::PrometheusApi::new(&prom.url(), None).unwrap();
    let mut scraped = false;
    for _ in 0..300 {
        scraped = api.query("count_over_time(up[1m])").await.is_ok_and(|d| {
            d["result"][0]["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .is_some_and(|n| n >= 3.0)
        });
        if scraped {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(scraped, "Prometheus did not scrape itself within a minute");

    let client = GrafanaApi::new(
        &g.url,
        login(&g, "correct-horse-battery"),
        Duration::from_secs(30),
    )
    .unwrap();
    let opts = Options {
        concurrency: 4,
        ..Options::last(Duration::from_secs(600))
    };
    let seen = std::sync::Mutex::new(vec![]);
    let r = live::check(&client, opts, &|done, total| {
        seen.lock().unwrap().push((done, total))
    })
    .await
    .unwrap();

    assert_eq!(r.dashboards, 33);
    let folders: Vec<(&str, usize)> = r
        .folders
        .iter()
        .map(|f| (f.folder.as_str(), f.dashboards.len()))
        .collect();
    assert_eq!(folders, [("General", 29), ("Cilium", 3), ("Team", 1)]);
    for f in &r.folders[..2] {
        for d in &f.dashboards {
            assert!(
                !d.fails(),
                "{} ({}) fails: {:#?}",
                d.title,
                f.folder,
                (&d.failing, &d.variables)
            );
            assert_eq!(
                d.counts.queries,
                d.counts.with_data + d.counts.empty,
                "{}",
                d.title
            );
        }
    }
    assert!(r.counts.queries > 500, "{:?}", r.counts);
    let prometheus = r.folders[0]
        .dashboards
        .iter()
        .find(|d| d.uid == "prometheus-overview" || d.title.contains("Prometheus / Overview"))
        .expect("the Prometheus dashboard");
    assert!(
        prometheus.counts.with_data > 0,
        "Prometheus's own series answer: {prometheus:#?}"
    );

    let team = &r.folders[2].dashboards[0];
    assert_eq!(
        (
            team.counts.queries,
            team.counts.with_data,
            team.counts.empty,
            team.counts.failing
        ),
        (3, 1, 1, 1),
        "{team:#?}"
    );
    assert_eq!(team.failing[0].panel, "Broken on purpose");
    assert!(
        team.failing[0]
            .error
            .as_deref()
            .unwrap()
            .contains("invalid regular expression"),
        "{team:#?}"
    );
    assert_eq!(
        team.empty_panels,
        ["Nothing"],
        "a collapsed row's panel is checked"
    );
    assert_eq!(team.failing_panels, ["Broken on purpose"]);
    assert_eq!(team.version, Some(1));
    assert!(
        r.summary().starts_with("33 dashboards in 3 folders, "),
        "{}",
        r.summary()
    );
    assert!(
        r.summary()
            .contains("1 with failing queries: Team / Broken"),
        "{}",
        r.summary()
    );

    // GET through the proxy only, the instant target as an instant query, never more than 4 at once
    let requests = g.requests();
    assert!(
        requests.iter().all(|q| q.starts_with("GET ")),
        "{requests:?}"
    );
    assert!(requests.iter().any(|q| q.starts_with("GET /api/datasources/proxy/uid/prometheus/api/v1/query?query=absent_metric_promstack_test&time=")));
    assert!(
        requests.iter().any(|q| q.contains(
            "/api/v1/query_range?query=sum+by+%28job%29+%28up%7Bjob%3D%7E%22.%2B%22%7D%29&start="
        )),
        "the custom all value: {requests:?}"
    );
    assert!(g.most_in_flight() <= 4, "{}", g.most_in_flight());
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        (seen.first(), seen.last()),
        (Some(&(0, 33)), Some(&(33, 33)))
    );
}

#[tokio::test]
async fn a_wrong_password_and_a_grafana_that_does_not_answer_are_said() {
    let g = FakeGrafana::start("correct-horse-battery");
    let wrong = GrafanaApi::new(&g.url, login(&g, "not-it"), Duration::from_secs(5)).unwrap();
    let err = live::check(&wrong, Options::last(Duration::from_secs(60)), &|_, _| {})
        .await
        .unwrap_err();
    assert!(
        err.contains("401") && err.contains("Invalid username or password"),
        "{err}"
    );
    assert!(!err.contains("not-it"));

    g.slow(Duration::from_secs(3));
    let api = GrafanaApi::new(
        &g.url,
        login(&g, "correct-horse-battery"),
        Duration::from_millis(300),
    )
    .unwrap();
    let err = live::check(&api, Options::last(Duration::from_secs(60)), &|_, _| {})
        .await
        .unwrap_err();
    assert!(err.contains("did not answer within 300ms"), "{err}");
}
