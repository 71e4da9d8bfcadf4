//! PromQL checking with promql-parser, fast enough for whole folders: each distinct expression
//! once, in parallel, regexes checked with regex-syntax rather than compiled; whenever that fast
//! path does not parse, the full promql-parser parse decides.
use std::collections::HashMap;

/// Parse PromQL. An error says why and where, as promtool does (`invalid PromQL: 1:14: unexpected
/// identifier "rate" in aggregation`): promql-parser's reason with a position added, or, where it
/// only says "invalid promql query", what [`crate::promql_diag`] finds.
pub fn parse_promql(expr: &str) -> Result<promql_parser::parser::Expr, String> {
    promql_parser::parser::parse(expr).map_err(|e| {
        let why = if e.contains("invalid promql query") {
            crate::promql_diag::grammar_error(expr).unwrap_or_else(|| {
                "the parser gives no reason (check brackets, quotes and operators)".into()
            })
        } else {
            crate::promql_diag::locate(expr, &e)
        };
        format!("invalid PromQL: {why}")
    })
}

/// The expression with the literal of every `=~`/`!~` matcher emptied, and those literals'
/// values. `None` when the text has something this scanner does not handle (then parse it whole).
pub fn split_regexes(expr: &str) -> Option<(String, Vec<String>)> {
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut regexes = Vec::new();
    let mut i = 0;
    let mut last = 0;
    let mut after_re_op = false;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                // a string literal: find its end (backquoted strings have no escapes)
                let start = i;
                i += 1;
                let mut value = String::new();
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' && q != b'`' {
                        let c = *b.get(i + 1)? as char;
                        match c {
                            '\\' | '"' | '\'' => value.push(c),
                            'n' => value.push('\n'),
                            't' => value.push('\t'),
                            _ => return None,
                        }
                        i += 2;
                    } else {
                        let ch = expr[i..].chars().next()?;
                        value.push(ch);
                        i += ch.len_utf8();
                    }
                }
                if i >= b.len() {
                    return None;
                }
                i += 1;
                if after_re_op {
                    out.push_str(&expr[last..start]);
                    out.push_str("\"\"");
                    last = i;
                    regexes.push(value);
                }
                after_re_op = false;
            }
            b'=' | b'!' if b.get(i + 1) == Some(&b'~') => {
                after_re_op = true;
                i += 2;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                after_re_op = false;
                i += 1;
            }
        }
    }
    out.push_str(&expr[last..]);
    Some((out, regexes))
}

/// Is this a regex promql-parser accepts? Checked with regex-syntax (what the `regex` crate parses
/// with), anchored the way promql-parser anchors it; the answer for what regex-syntax refuses is
/// left to the full parse.
fn regex_syntax_ok(re: &str) -> bool {
    regex_syntax::Parser::new()
        .parse(&format!("^(?:{re})$"))
        .is_ok()
}

/// Check one expression: the grammar with promql-parser, regexes with regex-syntax (compiling them,
/// as promql-parser does, is most of its time); anything unusual goes through the full parse.
pub fn check_expr(expr: &str) -> Result<(), String> {
    match split_regexes(expr) {
        // a stripped expression that parses means the original does (its regexes were checked
        // apart); when it does not, emptying a regex may be the cause ({job=~".+"} is valid,
        // {job=~""} is not): the full parse decides
        Some((stripped, regexes))
            if regexes.iter().all(|r| regex_syntax_ok(r)) && parse_promql(&stripped).is_ok() =>
        {
            Ok(())
        }
        _ => parse_promql(expr).map(|_| ()),
    }
}

/// Parse each distinct expression once, spread over the machine's cores (promql-parser compiles
/// every `=~` regex, which dominates validation time). Returns the error of each bad expression.
pub fn check_exprs<'a>(exprs: impl Iterator<Item = &'a str>) -> HashMap<&'a str, String> {
    let unique: Vec<&str> = exprs
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let results = crate::par::map(&unique, |e| check_expr(e).err());
    unique
        .into_iter()
        .zip(results)
        .filter_map(|(e, r)| r.map(|err| (e, err)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_literals_are_split_out_exactly() {
        let (s, r) = split_regexes(
            r#"sum(rate(x_total{job="api", verb=~"GET|LIST", code!~'5..'}[5m])) by (job)"#,
        )
        .unwrap();
        assert_eq!(
            s,
            r#"sum(rate(x_total{job="api", verb=~"", code!~""}[5m])) by (job)"#
        );
        assert_eq!(r, ["GET|LIST", "5.."]);
        let (s, r) = split_regexes(r#"up{a=~"a\\.b\"c", b="x=~y"}"#).unwrap();
        assert_eq!(
            s, r#"up{a=~"", b="x=~y"}"#,
            "a =~ inside a string is not an operator"
        );
        assert_eq!(r, [r#"a\.b"c"#]);
        assert_eq!(split_regexes("up{a=~`raw\\d`}").unwrap().1, [r"raw\d"]);
        assert!(
            split_regexes(r#"up{a=~"\u00e9"}"#).is_none(),
            "unusual escapes take the full parse"
        );
        assert!(split_regexes(r#"up{a=~"open"#).is_none());
    }

    #[test]
    fn the_fast_check_agrees_with_the_full_parse() {
        for e in [
            r#"sum(rate(x_total{verb=~"GET|LIST"}[5m]))"#,
            r#"up{job=~"(unclosed"}"#,
            r#"up{job=~"a{2,3}"}"#,
            r#"up{job=~"a{"}"#,
            r#"up{job!~".*", x=~"\\d+"}"#,
            r#"sum(up{a=~"x"}) by (job"#,
            "up ==",
            r#"label_replace(up, "a", "$1", "b", "(.*)")"#,
            r#"{job=~".+"}"#,
            r#"{job=~".*"}"#,
            r#"{job=~".*", instance=~".+"}"#,
            r#"count({__name__=~"node_.+"})"#,
        ] {
            assert_eq!(check_expr(e).is_ok(), parse_promql(e).is_ok(), "{e}");
        }
    }

    #[test]
    fn typical_mistakes_say_what_and_where() {
        for (expr, want) in crate::testing::PROMQL_MISTAKES {
            let got = parse_promql(expr).unwrap_err();
            assert_eq!(got, format!("invalid PromQL: {want}"), "{expr}");
        }
    }

    #[test]
    fn promql_errors_say_something() {
        assert!(parse_promql("sum(rate(x_total[5m])) by (job)").is_ok());
        assert!(parse_promql("sum(rate(x_total[5m]) by (job)").is_err());
        assert!(parse_promql("up ==").unwrap_err().contains("PromQL"));
    }
}
