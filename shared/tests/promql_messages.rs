//! Our PromQL messages are Prometheus 3.14's: each typical mistake gets the message and place
//! 3.14 gives it (its grammar's error rules, its lexer's texts), and the real promtool (Debian's,
//! an older version than the chart's) says the very same wherever its version words it alike.
//! The two places where 2.42 words it otherwise are named below.
use promstack_shared::prometheus::promql::parse_promql;
use promstack_shared::testing::{tool, PROMQL_MISTAKES};

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

#[test]
fn promtool_says_the_same_where_its_version_words_it_alike() {
    let Some(bin) = tool("promtool", "PROMSTACK_PROMTOOL") else {
        return;
    };
    // where 2.42 and 3.14 differ: 3.x takes `offset step()` and names it; 3.x's lexer says
    // "number or duration" where 2.x said "duration"
    let older: &[(&str, &str)] = &[
        (
            "in offset, expected number, duration, step(), or range()",
            "in offset, expected duration",
        ),
        ("bad number or duration syntax", "bad duration syntax"),
    ];
    for (expr, want) in PROMQL_MISTAKES {
        let mut as_older = want.to_string();
        for (new, old) in older {
            as_older = as_older.replace(new, old);
        }
        assert_eq!(promtool_says(&bin, expr), as_older, "{expr}");
    }
}
