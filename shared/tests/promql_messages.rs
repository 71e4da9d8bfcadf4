//! Our PromQL messages are Prometheus 3.14's: each typical mistake gets the message and place
//! 3.14 gives it (its grammar's error rules, its lexer's texts), and the real promtool 3.14
//! (scripts/build-peers.sh) says the very same.
use promstack_shared::prometheus::promql::parse_promql;
use promstack_shared::testing::{needs, tool, PROMQL_MISTAKES};

/// promtool's `L:C: REASON` for one expression.
fn promtool_says(bin: &std::path::Path, expr: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.yaml");
    let quoted = serde_json::to_string(expr).unwrap();
    std::fs::write(
        &f,
        format!("groups:\n- name: g\n  rules:\n  - record: r\n    expr: {quoted}\n"),
    )
    .unwrap();
    let out = std::process::Command::new(bin)
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
