//! Bad rule sources: each a clear error with its location, exit 2, and no cluster request.
use promstack_rules::load_valid;

fn check(files: &[(&str, &[u8])], want: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(tmp.path().join(name), bytes).unwrap();
    }
    let err = load_valid(Some(tmp.path()), "monitoring").unwrap_err();
    assert_eq!(err.exit_code(), promstack_shared::ExitCode::Usage);
    let msg = err.to_string();
    for w in want {
        assert!(msg.contains(w), "want `{w}` in:\n{msg}");
    }
}

const HEAD: &str = "groups:\n  - name: g\n    rules:\n";

#[test]
fn malformed_yaml() {
    check(
        &[(
            "x.yaml",
            b"groups:\n  - name: g\n    rules:\n      - alert: \"unterminated\n",
        )],
        &["x.yaml:5:1:", "while scanning a quoted scalar at line 4"],
    );
}

/// Another object beside the rules (a kustomization's ConfigMap, a chart's Service) is skipped
/// and counted; a misspelt PrometheusRule is not, nor a document that is no object at all.
#[test]
fn other_objects_are_skipped_a_misspelt_kind_is_not() {
    let tmp = tempfile::tempdir().unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
    std::fs::write(tmp.path().join("x.yaml"), cm).unwrap();
    let l = load_valid(Some(tmp.path()), "monitoring").unwrap();
    assert_eq!((l.objects.len(), l.sources.skipped), (0, 1));
    assert!(l
        .sources
        .summary
        .ends_with("(0 rules in 1 file; 1 other object skipped)"));
    check(
        &[(
            "x.yaml",
            b"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRules\nmetadata: {name: x}\n",
        )],
        &["x.yaml:1: kind `PrometheusRules`: did you mean PrometheusRule?"],
    );
    check(
        &[("x.yaml", b"rules:\n  - alert: A\n")],
        &["x.yaml:1: neither a PrometheusRule nor a rule file with `groups:`"],
    );
}

#[test]
fn unknown_field() {
    check(
        &[(
            "x.yaml",
            format!("{HEAD}      - alert: A\n        expr: up == 0\n        severity: critical\n")
                .as_bytes(),
        )],
        &["x.yaml:6:9:", "unknown field `severity`"],
    );
}

#[test]
fn bad_promql() {
    check(
        &[("x.yaml", format!("{HEAD}      - alert: Ok\n        expr: up == 0\n      - alert: Broken\n        expr: sum(rate(x_total[5m]) by (job)\n").as_bytes())],
        &["x.yaml:6: group `g`, rule `Broken`: invalid PromQL"],
    );
}

/// What Prometheus loads and only promtool's lint mentions is not refused: it is `rules lint`'s.
#[test]
fn an_empty_group_and_a_repeated_alert_load_and_are_lint_findings() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("x.yaml"), format!("{HEAD}      - alert: A\n        expr: up == 0\n      - alert: A\n        expr: up == 0\n  - name: empty\n    rules: []\n")).unwrap();
    let l = load_valid(Some(tmp.path()), "monitoring").unwrap();
    let findings =
        promstack_rules::lint::lint(&l, std::time::Duration::from_secs(30), &Default::default());
    let said: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(
        said.iter()
            .any(|f| f.starts_with("x.yaml:6: warning [alert/duplicate] g/A:"))
            && said
                .iter()
                .any(|f| f.starts_with("x.yaml:8: warning [group/empty] empty/:")),
        "{said:#?}"
    );
}

#[test]
fn non_string_label_value() {
    check(&[("x.yaml", format!("{HEAD}      - alert: A\n        expr: up == 0\n        labels:\n          priority: 1\n").as_bytes())], &["x.yaml:4:", "`priority` must be a string"]);
}

#[test]
fn bad_duration() {
    check(
        &[(
            "x.yaml",
            format!("{HEAD}      - alert: A\n        expr: up == 0\n        for: 5 minutes\n")
                .as_bytes(),
        )],
        &["x.yaml:4: group `g`, rule `A`: for: not a valid duration string: \"5 minutes\""],
    );
}

#[test]
fn a_template_go_cannot_parse() {
    check(
        &[("x.yaml", format!("{HEAD}      - alert: A\n        expr: up == 0\n        annotations:\n          summary: \"{{{{ $labels.instance }} is down\"\n").as_bytes())],
        &["x.yaml:4: group `g`, rule `A`: annotation \"summary\": template: __alert_A:1: unexpected \"}\" in operand"],
    );
    check(
        &[("x.yaml", format!("{HEAD}      - alert: A\n        expr: up == 0\n        annotations:\n          summary: \"{{{{ $label.instance }}}} is down\"\n").as_bytes())],
        &["annotation \"summary\": template: __alert_A:1: undefined variable \"$label\""],
    );
}

#[test]
fn not_utf8() {
    check(
        &[("x.yaml", b"groups:\n  - name: \xff\xfe\n")],
        &["x.yaml", "UTF-8"],
    );
}

#[test]
fn every_problem_at_once() {
    check(
        &[
            (
                "a.yaml",
                format!("{HEAD}      - alert: A\n        expr: up ==\n").as_bytes(),
            ),
            (
                "b.yaml",
                b"groups:\n  - name: h\n    rules:\n      - record: r\n        expr: up\n        for: 1m\n",
            ),
        ],
        &[
            "a.yaml:4",
            "b.yaml:4: group `h`, rule `r`: invalid field 'for' in recording rule",
            "2 problem(s)",
        ],
    );
}

#[test]
fn a_promql_mistake_says_what_and_where_in_the_file_and_in_the_expression() {
    let text = format!(
        "{HEAD}      - record: job:http:rate5m\n        expr: sum by (job) rate(http_requests_total[5m])\n"
    );
    check(
        &[("x.yaml", text.as_bytes())],
        &[
            "x.yaml:4: group `g`, rule `job:http:rate5m`: invalid PromQL: 1:14: unexpected identifier \"rate\" in aggregation",
        ],
    );
}
