//! Our PromQL messages are Prometheus 3.14's: each typical mistake gets the message and place
//! 3.14 gives it (its grammar's error rules, its lexer's texts), and the real promtool 3.14
//! (scripts/build-peers.sh) says the very same.
use promstack_shared::prometheus::promql::{parse, parse_promql, Features};
use promstack_shared::testing::{needs, tool, PROMQL_MISTAKES};

/// promtool's `L:C: REASON` for one expression.
fn promtool_says(bin: &std::path::Path, expr: &str) -> String {
    promtool_with(bin, &[], expr)
}

/// promtool's `L:C: REASON` for one expression, with promtool's `flags` first.
fn promtool_with(bin: &std::path::Path, flags: &[&str], expr: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.yaml");
    let quoted = serde_json::to_string(expr).unwrap();
    std::fs::write(
        &f,
        format!("groups:\n- name: g\n  rules:\n  - record: r\n    expr: {quoted}\n"),
    )
    .unwrap();
    let out = std::process::Command::new(bin)
        .args(flags)
        .args(["check", "rules", "--lint=none"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(!out.status.success(), "promtool accepts {expr}");
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    text.split("could not parse expression: ")
        .nth(1)
        .unwrap_or_else(|| panic!("promtool said: {text}"))
        .lines()
        .next()
        .unwrap()
        .replace("parse error: ", "")
}

/// What Prometheus 3.14 loads that is near a mistake: a selector whose one matcher does not
/// match the empty value, `__name__` twice without a metric name before the braces.
#[test]
fn near_mistakes_parse() {
    for expr in [
        "{job!~\"\"}",
        "{__name__=\"a\", __name__=\"b\"}",
        "{job=~\"a+\"}",
    ] {
        assert!(parse_promql(expr).is_ok(), "{expr}");
    }
}

#[test]
fn each_mistake_gets_prometheus_3_14_s_message() {
    for (expr, want) in PROMQL_MISTAKES {
        assert_eq!(
            parse_promql(expr).unwrap_err(),
            format!("invalid PromQL: {want}"),
            "{expr}"
        );
    }
}

/// promtool 3.14, the version the chart deploys, words every one of these mistakes as we do.
#[needs(promtool)]
#[test]
fn promtool_says_the_same() {
    let bin = tool("promtool");
    for (expr, want) in PROMQL_MISTAKES {
        assert_eq!(promtool_says(&bin, expr), *want, "{expr}");
    }
}

/// An operator's error spans the operator (and its `bool`), spaces trimmed, as Prometheus's
/// `opRange` does: from the first byte after the left operand to the last before the right one
/// (its end is the last byte, not one past it).
#[test]
fn an_operators_error_spans_the_operator() {
    let err = parse("1 +  bool  2", Features::default()).unwrap_err();
    assert_eq!(err.span, 2..8);
    let err = parse("up+on(x)group_left(x)up", Features::default()).unwrap_err();
    assert_eq!(err.span, 2..20);
}

/// `fill()`, `fill_left()` and `fill_right()` (a feature promtool cannot turn on; checked
/// against Prometheus 3.14's parser source): each side's fill alone is a fill.
#[test]
fn fill_modifiers_only_between_instant_vectors_and_not_for_set_operators() {
    let says = |expr: &str| {
        let e = parse(expr, Features::all()).unwrap_err();
        format!("{}: {}", e.position(expr), e.message)
    };
    for fill in ["fill(0)", "fill_left(0)", "fill_right(0)"] {
        assert_eq!(
            says(&format!("1 + {fill} up")),
            "1:1: filling in missing series only allowed between instant vectors"
        );
        assert_eq!(
            says(&format!("up and {fill} up")),
            "1:1: filling in missing series not allowed for set operators"
        );
    }
}

/// Mistakes with the experimental functions on (`--enable-feature=promql-experimental-functions`,
/// which promtool takes too): `info()`'s second argument is label selectors only.
const EXPERIMENTAL_MISTAKES: &[(&str, &str)] = &[
    (
        "info(up, target_info)",
        "1:10: expected label selectors only, got vector selector instead",
    ),
    (
        "info(up, target_info{a=\"b\"})",
        "1:10: expected label selectors only, got vector selector instead",
    ),
    (
        "info(up, rate(x[5m]))",
        "1:10: expected label selectors only",
    ),
    (
        "info({job=\"\"}, {a=~\".+\"})",
        "1:6: vector selector must contain at least one non-empty matcher",
    ),
    (
        "info(up, 1)",
        "1:1: expected type instant vector in call to function \"info\", got scalar",
    ),
];

#[test]
fn experimental_mistakes_get_prometheus_3_14_s_message() {
    use promstack_shared::prometheus::promql::Feature;
    let features = Features::default().with(Feature::ExperimentalFunctions);
    for (expr, want) in EXPERIMENTAL_MISTAKES {
        let e = parse(expr, features).unwrap_err();
        assert_eq!(
            format!("{}: {}", e.position(expr), e.message),
            *want,
            "{expr}"
        );
    }
    assert!(parse("info(up, {k8s_cluster_name=~\".+\"})", features).is_ok());
}

#[needs(promtool)]
#[test]
fn promtool_with_the_experimental_functions_says_the_same() {
    let bin = tool("promtool");
    for (expr, want) in EXPERIMENTAL_MISTAKES {
        let said = promtool_with(
            &bin,
            &["--enable-feature=promql-experimental-functions"],
            expr,
        );
        assert_eq!(said, *want, "{expr}");
    }
}
