//! Our PromQL error messages against the real promtool's: for every typical mistake where promtool
//! names an offending token (`1:14: parse error: unexpected identifier "rate" ...`), ours names the
//! same token at the same place. (Where they differ on purpose: an unclosed parenthesis is shown
//! where it opens, not at the end; promql-parser's own reasons keep its wording.)
use promstack_shared::prometheus::promql::parse_promql;
use promstack_shared::testing::{tool, PROMQL_MISTAKES};

/// promtool's `L:C: parse error: REASON` for one expression.
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
fn we_name_the_token_promtool_names_where_it_names_one() {
    let Some(bin) = tool("promtool", "PROMSTACK_PROMTOOL") else {
        return;
    };
    let mut compared = 0;
    for (expr, _) in PROMQL_MISTAKES {
        let theirs = promtool_says(&bin, expr);
        let ours = parse_promql(expr).unwrap_err();
        let Some((pos, reason)) = theirs.split_once(": ") else {
            continue;
        };
        if !reason.starts_with("unexpected identifier")
            && !reason.starts_with("unexpected end of input")
            && !reason.starts_with("unexpected \"")
            && !reason.starts_with("unexpected <op:")
        {
            continue;
        }
        compared += 1;
        assert!(
            ours.starts_with(&format!("invalid PromQL: {pos}: ")),
            "{expr}: promtool says {theirs}, we say {ours}"
        );
        // the offending token: `identifier "rate"`, `end of input`, `")"`; promtool's `<op:>>` is our `">"`
        let token = reason
            .trim_start_matches("unexpected ")
            .split(" in ")
            .next()
            .unwrap()
            .replace("<op:", "\"")
            .replace('>', "\"");
        let token = if token == "\"\"\"" {
            "\">\"".to_string()
        } else {
            token
        };
        // promql-parser's own reason keeps its words (same place, checked above)
        if ours.contains("unexpected ") {
            assert!(
                ours.contains(&format!("unexpected {token}")),
                "{expr}: promtool says {theirs}, we say {ours}"
            );
        }
    }
    assert!(compared >= 10, "only {compared} mistakes compared");
}
