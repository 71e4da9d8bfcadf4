//! A dashboard's variables resolved as Grafana 12 resolves them on load (Scenes'
//! MultiValueVariable.getStateUpdateGivenNewOptions, the Prometheus datasource's variable
//! queries, metricNamesToVariableValues), against a Prometheus API answered from a table.
use async_trait::async_trait;
use promstack_shared::grafana::api::Datasource;
use promstack_shared::grafana::interpolate::{Scope, Value as V};
use promstack_shared::grafana::metric_find::{self, FindQuery, Found, PromSource};
use promstack_shared::grafana::variables::{self, Context, Current};
use serde_json::{json, Value};
use std::sync::Mutex;

/// Answers label values per (path, match[]) and records what was asked.
struct Table {
    answers: Vec<(&'static str, &'static str, Value)>,
    asked: Mutex<Vec<String>>,
}

#[async_trait]
impl PromSource for Table {
    async fn get(&self, ds: &str, path: &str, params: &[(&str, String)]) -> Result<Value, String> {
        let m = params
            .iter()
            .find(|(k, _)| *k == "match[]" || *k == "query")
            .map_or("", |(_, v)| v.as_str());
        self.asked.lock().unwrap().push(format!("{ds} {path} {m}"));
        self.answers
            .iter()
            .find(|(p, q, _)| *p == path && *q == m)
            .map(|a| a.2.clone())
            .ok_or_else(|| format!("bad_data: nothing for {path} {m}"))
    }
}

fn prometheus() -> Vec<Datasource> {
    serde_json::from_value(json!([
        {"uid": "prometheus", "name": "Prometheus", "type": "prometheus", "isDefault": true, "jsonData": {"timeInterval": "30s"}},
        {"uid": "am", "name": "Alertmanager", "type": "alertmanager", "isDefault": false, "jsonData": {}}
    ]))
    .unwrap()
}

async fn resolve(dashboard: Value, table: &Table) -> (variables::Resolved, Scope) {
    let ds = prometheus();
    let ctx = Context {
        source: table,
        datasources: &ds,
        from_ms: 1_700_000_000_000,
        to_ms: 1_700_003_600_000,
    };
    let mut scope = Scope::default();
    let r = variables::resolve(&dashboard, &ctx, &mut scope).await;
    (r, scope)
}

#[tokio::test]
async fn query_variables_resolve_after_those_they_use_and_keep_a_saved_value_the_options_hold() {
    let table = Table {
        answers: vec![
            (
                "api/v1/label/cluster/values",
                r#"up{job="kube-state-metrics"}"#,
                json!(["b", "a"]),
            ),
            (
                "api/v1/label/namespace/values",
                r#"kube_namespace_status_phase{job="kube-state-metrics", cluster="b"}"#,
                json!(["kube-system", "monitoring"]),
            ),
        ],
        asked: Mutex::new(vec![]),
    };
    // listed out of order: namespace uses cluster, and the datasource variable comes last
    let d = json!({"templating": {"list": [
        {"name": "namespace", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "query": {"query": "label_values(kube_namespace_status_phase{job=\"kube-state-metrics\", cluster=\"$cluster\"}, namespace)", "refId": "x"},
         "current": {"text": "monitoring", "value": "monitoring"}, "refresh": 2, "sort": 1},
        {"name": "cluster", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
         "query": "label_values(up{job=\"kube-state-metrics\"}, cluster)", "current": {}, "sort": 2, "hide": 2},
        {"name": "datasource", "type": "datasource", "query": "prometheus", "current": {"text": "default", "value": "default"}}
    ]}});
    let (r, scope) = resolve(d, &table).await;
    assert!(r.notes.is_empty(), "{:?}", r.notes);
    assert_eq!(
        r.get("datasource").unwrap().value,
        Current::One("prometheus".into()),
        "no option is `default`: the first"
    );
    assert_eq!(
        r.get("cluster").unwrap().value,
        Current::One("b".into()),
        "sorted descending, the first"
    );
    assert_eq!(
        r.get("namespace").unwrap().value,
        Current::One("monitoring".into()),
        "kept"
    );
    assert_eq!(
        scope.variables["namespace"].value,
        V::One("monitoring".into())
    );
    assert_eq!(
        *table.asked.lock().unwrap(),
        [
            "prometheus api/v1/label/cluster/values up{job=\"kube-state-metrics\"}",
            "prometheus api/v1/label/namespace/values kube_namespace_status_phase{job=\"kube-state-metrics\", cluster=\"b\"}"
        ]
    );
}

#[tokio::test]
async fn include_all_defaults_to_all_and_multi_keeps_the_values_still_there() {
    let table = Table {
        answers: vec![(
            "api/v1/label/instance/values",
            "node_uname_info",
            json!(["n1:9100", "n2:9100", "n3:9100"]),
        )],
        asked: Mutex::new(vec![]),
    };
    let q = "label_values(node_uname_info, instance)";
    let d = json!({"templating": {"list": [
        {"name": "all", "type": "query", "query": q, "includeAll": true, "allValue": ".+", "current": {"text": "gone", "value": "gone"}},
        {"name": "every", "type": "query", "query": q, "includeAll": true, "multi": true, "current": {"text": ["All"], "value": ["$__all"]}},
        {"name": "some", "type": "query", "query": q, "multi": true, "current": {"text": ["n3:9100", "old"], "value": ["n3:9100", "old"]}},
        {"name": "none", "type": "query", "query": q, "multi": true, "current": {"value": ["old"]}},
        {"name": "picked", "type": "query", "query": q, "regex": "/(?<text>n[0-9]):(?<value>[0-9]+)/", "current": {}}
    ]}});
    let (r, scope) = resolve(d, &table).await;
    let v = |n: &str| scope.variables[n].value.clone();
    assert_eq!(
        v("all"),
        V::CustomAll(".+".into()),
        "includeAll: All when the saved value is gone"
    );
    assert_eq!(
        v("every"),
        V::Many(vec!["n1:9100".into(), "n2:9100".into(), "n3:9100".into()])
    );
    assert_eq!(v("some"), V::Many(vec!["n3:9100".into()]));
    assert_eq!(
        v("none"),
        V::Many(vec!["n1:9100".into()]),
        "none left: the first"
    );
    assert_eq!(
        r.get("picked").unwrap().options.len(),
        1,
        "by value: one option for 9100"
    );
    assert_eq!(v("picked"), V::One("9100".into()));
    assert_eq!(scope.variables["picked"].text, "n1");
}

#[tokio::test]
async fn custom_constant_interval_and_other_datasources() {
    let table = Table {
        answers: vec![],
        asked: Mutex::new(vec![]),
    };
    let d = json!({"templating": {"list": [
        {"name": "quantile", "type": "custom", "query": "0.99,0.95, median : 0.5,a\\,b", "current": {"value": "0.5"}},
        {"name": "c", "type": "constant", "query": "k8s"},
        {"name": "step", "type": "interval", "query": "1m,10m,1h", "current": {}},
        {"name": "auto", "type": "interval", "query": "1m,10m", "auto": true, "auto_count": 30, "auto_min": "10s", "current": {"text": "$__auto", "value": "$__auto"}},
        {"name": "receiver", "type": "query", "datasource": {"type": "alertmanager", "uid": "am"}, "query": "x", "current": {"value": "r"}},
        {"name": "failing", "type": "query", "query": "label_values(x)", "current": {}}
    ]}});
    let (r, scope) = resolve(d, &table).await;
    let quantile = r.get("quantile").unwrap();
    assert_eq!(
        quantile
            .options
            .iter()
            .map(|o| o.value.as_str())
            .collect::<Vec<_>>(),
        ["0.99", "0.95", "0.5", "a,b"]
    );
    assert_eq!(scope.variables["quantile"].text, "median");
    assert_eq!(scope.variables["c"].value, V::One("k8s".into()));
    assert_eq!(scope.variables["step"].value, V::One("1m".into()));
    assert_eq!(
        scope.variables["auto"].value,
        V::One("2m".into()),
        "1h over 30 steps"
    );
    assert_eq!(scope.variables["receiver"].value, V::One("r".into()));
    let notes: Vec<(&str, bool)> = r
        .notes
        .iter()
        .map(|n| (n.variable.as_str(), n.failed))
        .collect();
    assert_eq!(
        notes,
        [("receiver", false), ("failing", true)],
        "{:?}",
        r.notes
    );
    assert!(r.notes[1].message.contains("bad_data"), "{:?}", r.notes);
}

#[test]
fn variable_queries_are_read_as_the_prometheus_datasource_reads_them() {
    assert_eq!(
        metric_find::parse("label_names()"),
        FindQuery::LabelNames(None)
    );
    assert_eq!(
        metric_find::parse("label_values(up{a=\"b,c\"}, job)"),
        FindQuery::LabelValues {
            label: "job".into(),
            selector: Some("up{a=\"b,c\"}".into())
        }
    );
    assert_eq!(
        metric_find::parse("label_values({}, job)"),
        FindQuery::LabelValues {
            label: "job".into(),
            selector: None
        }
    );
    assert_eq!(
        metric_find::parse("metrics(node_.*)"),
        FindQuery::Metrics("node_.*".into())
    );
    assert_eq!(
        metric_find::parse("query_result(up > 0)"),
        FindQuery::QueryResult("up > 0".into())
    );
    assert_eq!(
        metric_find::parse("up{job=\"x\"}"),
        FindQuery::Series("up{job=\"x\"}".into())
    );
    assert_eq!(metric_find::parse("metrics()"), FindQuery::Nothing);
    // a query_result text and a regex that picks a label from it
    let found = vec![Found {
        text: "kube_pod_info{namespace=\"m\",pod=\"p-1\"} 1 1700000000000".into(),
        value: None,
    }];
    let r = metric_find::js_regex("/pod=\"([^\"]+)\"/").unwrap();
    let o = metric_find::to_options(Some(&r), 0, found);
    assert_eq!((o[0].text.as_str(), o[0].value.as_str()), ("p-1", "p-1"));
    // sort: 3 numerical, 6 case-insensitive descending
    let f = |t: &[&str]| {
        t.iter()
            .map(|t| Found {
                text: t.to_string(),
                value: None,
            })
            .collect::<Vec<_>>()
    };
    let texts = |o: Vec<metric_find::Opt>| o.into_iter().map(|o| o.text).collect::<Vec<_>>();
    assert_eq!(
        texts(metric_find::to_options(None, 3, f(&["n10", "n9", "x"]))),
        ["x", "n9", "n10"]
    );
    assert_eq!(
        texts(metric_find::to_options(None, 6, f(&["b", "A", "c"]))),
        ["c", "b", "A"]
    );
    assert_eq!(
        texts(metric_find::to_options(None, 7, f(&["n10", "n9"]))),
        ["n9", "n10"]
    );
    // an unanchored regex without slashes is anchored
    let r = metric_find::js_regex("n.").unwrap();
    assert_eq!(
        texts(metric_find::to_options(Some(&r), 0, f(&["n1", "xn1"]))),
        ["n1"]
    );
    assert!(metric_find::js_regex("/(/").is_err());
}
