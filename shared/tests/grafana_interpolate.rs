//! Grafana's interpolation of panel queries, as its Prometheus datasource and Scenes do it
//! (packages/grafana-prometheus/src/escaping.ts, scenes' formatRegistry and sceneInterpolator,
//! pkg/promlib/models/query.go): the values each case expects are what those produce.
use promstack_shared::grafana::interpolate::{self, Format, Macros, Scope, Value, Var};
use promstack_shared::grafana::interval::{self, TimingInput};

fn var(name: &str, multi: bool, all: bool, value: Value, text: &str) -> Var {
    Var {
        name: name.into(),
        multi,
        include_all: all,
        value,
        text: text.into(),
    }
}

fn scope(vars: Vec<Var>) -> Scope {
    Scope {
        variables: vars.into_iter().map(|v| (v.name.clone(), v)).collect(),
        macros: Macros {
            from_ms: 1_700_000_000_000,
            to_ms: 1_700_003_600_000,
            dashboard_title: "Node".into(),
            dashboard_uid: "node".into(),
            user: "admin".into(),
        },
        ..Scope::default()
    }
}

fn prom(text: &str, s: &Scope) -> String {
    interpolate::replace(text, s, Format::Prometheus).text
}

#[test]
fn a_single_value_is_escaped_for_a_string_and_a_multi_value_for_a_regex() {
    let s = scope(vec![
        var("job", false, false, Value::One("node's".into()), "node's"),
        var(
            "ns",
            true,
            false,
            Value::Many(vec!["a.b".into(), "c|d".into()]),
            "a.b + c|d",
        ),
        var("one", true, false, Value::Many(vec!["x+y".into()]), "x+y"),
        var("pod", false, true, Value::One("p-1.2".into()), "p-1.2"),
    ]);
    assert_eq!(prom(r#"up{job="$job"}"#, &s), r#"up{job="node\\'s"}"#);
    assert_eq!(
        prom(r#"up{namespace=~"$ns"}"#, &s),
        r#"up{namespace=~"(a\\.b|c\\|d)"}"#
    );
    assert_eq!(prom(r#"up{x=~"${one}"}"#, &s), r#"up{x=~"x\\+y"}"#);
    assert_eq!(prom(r#"up{pod=~"[[pod]]"}"#, &s), r#"up{pod=~"p-1\\.2"}"#);
    // a backslash in a regex value: four in the query (two for PromQL's string, two for the regex)
    let s = scope(vec![var("p", true, false, Value::One(r"C:\x".into()), "")]);
    assert_eq!(prom(r#"{p=~"$p"}"#, &s), r#"{p=~"C:\\\\x"}"#);
}

#[test]
fn all_is_every_option_or_the_custom_all_value_as_written() {
    let every = var(
        "instance",
        true,
        true,
        Value::Many(vec!["10.0.0.1:9100".into(), "10.0.0.2:9100".into()]),
        "All",
    );
    let custom = var("job", false, true, Value::CustomAll(".*".into()), "All");
    let nested = var("ns", false, true, Value::CustomAll("$job-x".into()), "All");
    let s = scope(vec![every, custom, nested]);
    assert_eq!(
        prom(r#"up{instance=~"$instance"}"#, &s),
        r#"up{instance=~"(10\\.0\\.0\\.1:9100|10\\.0\\.0\\.2:9100)"}"#
    );
    assert_eq!(prom(r#"up{job=~"$job"}"#, &s), r#"up{job=~".*"}"#);
    assert_eq!(prom("${job:text}", &s), "All");
    assert_eq!(
        prom("$ns", &s),
        ".*-x",
        "a custom all value is interpolated itself"
    );
}

#[test]
fn a_named_format_wins_over_the_datasource_s() {
    let s = scope(vec![var(
        "v",
        true,
        false,
        Value::Many(vec!["a/b".into(), "c'd".into()]),
        "a/b + c'd",
    )]);
    let cases = [
        ("${v:raw}", "a/b,c'd"),
        ("${v:regex}", r"(a\/b|c'd)"),
        ("${v:pipe}", "a/b|c'd"),
        ("${v:csv}", "a/b,c'd"),
        ("${v:json}", r#"["a/b","c'd"]"#),
        ("${v:glob}", "{a/b,c'd}"),
        ("${v:text}", "a/b + c'd"),
        ("${v:singlequote}", r"'a/b','c\'d'"),
        ("${v:doublequote}", r#""a/b","c'd""#),
        ("${v:percentencode}", "%7Ba%2Fb%2Cc%27d%7D"),
        ("${v:queryparam}", "var-v=a%2Fb&var-v=c%27d"),
        ("${v:distributed}", "a/b,v=c'd"),
        ("${v:nosuchformat}", "{a/b,c'd}"),
        ("[[v:pipe]]", "a/b|c'd"),
        ("${v.1}", "c'd"),
    ];
    for (q, want) in cases {
        assert_eq!(prom(q, &s), want, "{q}");
    }
    assert_eq!(
        interpolate::replace("$v", &s, Format::Glob).text,
        "{a/b,c'd}"
    );
}

#[test]
fn unknown_names_stay_and_are_named_and_macros_resolve() {
    let s = scope(vec![]);
    let r = interpolate::replace("rate(x[$__rate_interval]) $nope ${__from} ${__to:date:seconds} $__dashboard ${__dashboard.uid}", &s, Format::Prometheus);
    assert_eq!(
        r.text,
        "rate(x[$__rate_interval]) $nope 1700000000000 1700003600 Node node"
    );
    assert_eq!(r.unknown, ["__rate_interval", "nope"]);
    assert_eq!(
        interpolate::replace("${__from:date}", &s, Format::Glob).text,
        "2023-11-14T22:13:20.000Z"
    );
    assert_eq!(
        interpolate::names_in(r#"up{a="$a", b="${b:regex}", c="[[c]]"} $1"#),
        ["a", "b", "c", "1"]
    );
}

#[test]
fn scoped_values_come_before_the_dashboard_s() {
    let mut s = scope(vec![var(
        "node",
        false,
        false,
        Value::One("n1".into()),
        "n1",
    )]);
    s.scoped.insert("node".into(), Var::plain("node", "n2"));
    s.scoped
        .insert("__interval".into(), Var::plain("__interval", "$__interval"));
    assert_eq!(
        prom(r#"rate(x{node="$node"}[$__interval])"#, &s),
        r#"rate(x{node="n2"}[$__interval])"#
    );
}

#[test]
fn the_backend_replaces_its_built_in_variables_with_the_step_and_rate_interval() {
    // 6h over 500 points with a 30s scrape interval: 43.2s made nice is a 30s step (frontend and
    // backend alike), the rate interval max(30s + 30s, 4 × 30s)
    let range = 6 * 3_600_000;
    let interval_ms = interval::frontend_interval(range, 500, Some("30s"));
    assert_eq!(interval_ms, 30_000);
    let t = interval::timing(TimingInput {
        range_ms: range,
        max_data_points: 500,
        interval_ms,
        target_interval: "",
        interval_factor: 1,
        scrape_interval: Some("30s"),
    });
    assert_eq!(
        interval::backend_builtins(
            "increase(x[$__range]) / ${__range_s} + rate(y[$__rate_interval]) + z[$__interval] + $__interval_ms",
            t,
            range
        ),
        "increase(x[21600s]) / 21600 + rate(y[2m0s]) + z[30s] + 30000"
    );
}
