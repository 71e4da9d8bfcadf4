//! Input as long and as deep as a file can make it, through the real binary (a stack overflow
//! aborts a process: only a child process shows it as a failure instead of taking the test
//! runner down): a sum of 20,000 terms, nestings 10,000 deep of every kind the grammar has
//! (parentheses, calls, aggregations, unary operators, subqueries, duration expressions),
//! templates nested as deep as Go allows, YAML nested 200,000 deep. Each is answered with exit 0
//! or 2 and the verdict promtool 3.14 gives the same file.
use std::path::Path;
use std::process::{Command, Stdio};

const N: usize = 10_000;

fn rule_file(expr: &str, annotation: &str) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    format!(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: {}\n        annotations:\n          summary: {}\n",
        quote(expr),
        quote(annotation)
    )
}

/// `validate` of one file: its exit code and what it printed.
fn validate(dir: &Path, text: &str) -> (i32, String) {
    std::fs::write(dir.join("rules.yaml"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-rules"))
        .args(["validate", "--dir"])
        .arg(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("killed by a signal ({:?}):\n{printed}", out.status));
    (code, printed)
}

fn nest(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

fn join(term: &str, op: &str, n: usize) -> String {
    vec![term; n].join(op)
}

#[test]
fn long_and_deep_expressions_are_answered_as_promtool_answers_them() {
    let tmp = tempfile::tempdir().unwrap();
    let sum: Vec<String> = (0..20_000).map(|i| format!("m{i}")).collect();
    let valid = [
        ("a sum of 20,000 terms", sum.join(" + ")),
        ("10,000 parentheses", nest("(", "up", ")", N)),
        ("10,000 calls", nest("abs(", "up", ")", N)),
        ("10,000 aggregations", nest("sum(", "up", ")", N)),
        ("10,000 unary minus", format!("{}up", "-".repeat(N))),
        ("20,000 right-associative ^", join("up", " ^ ", 20_000)),
        (
            "and/or chains",
            join(&join("up", " and ", 10), " or ", 2_000),
        ),
        (
            "5,000 nested subqueries",
            nest("max_over_time(", "up", "[1m:])", 5_000),
        ),
        (
            "a range of 20,000 durations added",
            format!("up[{}]", join("1s", " + ", 20_000)),
        ),
        (
            "a range in 10,000 parentheses",
            format!("up[{}]", nest("(", "1m", ")", N)),
        ),
        (
            "an offset in 10,000 parentheses",
            format!("up offset {}", nest("(", "1m", ")", N)),
        ),
    ];
    for (what, expr) in valid {
        let (code, out) = validate(tmp.path(), &rule_file(&expr, "x"));
        assert_eq!(code, 0, "{what}:\n{out}");
    }
    let refused = [
        (
            "an error at the bottom of 10,000 parentheses",
            nest("(", "up +", ")", N),
            "invalid PromQL: 1:10005: unexpected \")\"",
        ),
        (
            "20,000 scalars compared",
            join("1", " == ", 20_000),
            "invalid PromQL: 1:3: comparisons between scalars must use BOOL modifier",
        ),
    ];
    for (what, expr, want) in refused {
        let (code, out) = validate(tmp.path(), &rule_file(&expr, "x"));
        assert_eq!(code, 2, "{what}:\n{out}");
        assert!(out.contains(want), "{what}: want `{want}` in:\n{out}");
    }
}

#[test]
fn templates_nest_as_deep_as_go_allows() {
    let tmp = tempfile::tempdir().unwrap();
    let parens = |n: usize| format!("{{{{ {} }}}}", nest("(", "1", ")", n));
    let ifs = nest("{{ if 1 }}", "x", "{{ end }}", 20_000);
    for annotation in [parens(10_000), ifs] {
        let (code, out) = validate(tmp.path(), &rule_file("up", &annotation));
        assert_eq!(code, 0, "{out}");
    }
    let (code, out) = validate(tmp.path(), &rule_file("up", &parens(10_001)));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("template: __alert_A:1: max expression depth exceeded"),
        "{out}"
    );
}

#[test]
fn yaml_nested_200000_deep_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    for text in [
        format!("groups: {}\n", nest("[", "", "]", 200_000)),
        format!(
            "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        labels:\n          a: {}\n",
            nest("{a: ", "1", "}", 200_000)
        ),
    ] {
        let (code, out) = validate(tmp.path(), &text);
        assert_eq!(code, 2, "{out}");
        assert!(out.contains("nested more than 128 deep"), "{out}");
    }
}
