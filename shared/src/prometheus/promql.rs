//! PromQL checking with promql-parser, fast enough for whole folders: each distinct expression
//! once, in parallel, regexes checked with regex-syntax rather than compiled; whenever that fast
//! path does not parse, the full promql-parser parse decides.
use std::collections::HashMap;

/// Parse PromQL. An error says why and where, as promtool does (`invalid PromQL: 1:14: unexpected
/// identifier "rate" in aggregation`): promql-parser's reason with a position added, or, where it
/// only says "invalid promql query", what [`crate::prometheus::promql_diag`] finds.
pub fn parse_promql(expr: &str) -> Result<promql_parser::parser::Expr, String> {
    promql_parser::parser::parse(expr).map_err(|e| {
        let why = if e.contains("invalid promql query") {
            crate::prometheus::promql_diag::grammar_error(expr).unwrap_or_else(|| {
                "the parser gives no reason (check brackets, quotes and operators)".into()
            })
        } else {
            crate::prometheus::promql_diag::locate(expr, &e)
        };
        format!("invalid PromQL: {why}")
    })
}

/// A `=~`/`!~` matcher found in an expression's text: where its operator and its string literal
/// stand (byte ranges), and the literal's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexMatcher {
    pub op: std::ops::Range<usize>,
    pub literal: std::ops::Range<usize>,
    pub value: String,
    pub negated: bool,
}

/// Every `=~`/`!~` matcher of the expression. `None` when the text has something this scanner
/// does not handle (then parse it whole).
pub fn regex_matchers(expr: &str) -> Option<Vec<RegexMatcher>> {
    let b = expr.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let mut op: Option<(std::ops::Range<usize>, bool)> = None;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                let start = i;
                let (value, end) = string_literal(expr, i, q)?;
                i = end;
                if let Some((op, negated)) = op.take() {
                    found.push(RegexMatcher {
                        op,
                        literal: start..end,
                        value,
                        negated,
                    });
                }
            }
            c @ (b'=' | b'!') if b.get(i + 1) == Some(&b'~') => {
                op = Some((i..i + 2, c == b'!'));
                i += 2;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                op = None;
                i += 1;
            }
        }
    }
    Some(found)
}

/// The string literal opening at `start` with quote `q`: its value and the index after it.
/// Backquoted strings have no escapes; an unusual escape is `None` (the full parse decides).
fn string_literal(expr: &str, start: usize, q: u8) -> Option<(String, usize)> {
    let b = expr.as_bytes();
    let mut i = start + 1;
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
    (i < b.len()).then_some((value, i + 1))
}

/// The expression with the literal of every `=~`/`!~` matcher emptied, and those literals'
/// values. `None` when the text has something this scanner does not handle (then parse it whole).
pub fn split_regexes(expr: &str) -> Option<(String, Vec<String>)> {
    let found = regex_matchers(expr)?;
    let mut out = String::with_capacity(expr.len());
    let mut last = 0;
    for m in &found {
        out.push_str(&expr[last..m.literal.start]);
        out.push_str("\"\"");
        last = m.literal.end;
    }
    out.push_str(&expr[last..]);
    Some((out, found.into_iter().map(|m| m.value).collect()))
}

/// Does this regex, anchored the way promql-parser anchors it, match the empty string? `None`
/// when regex-syntax refuses it or when that cannot be told without compiling it (look-arounds
/// beyond the anchors): the full parse decides then.
fn regex_matches_empty(re: &str) -> Option<bool> {
    use regex_syntax::hir::Look;
    let hir = regex_syntax::Parser::new()
        .parse(&format!("^(?:{re})$"))
        .ok()?;
    let p = hir.properties();
    // on the empty string the start and end anchors always hold; any other assertion might not
    let looks = p.look_set().remove(Look::Start).remove(Look::End);
    looks.is_empty().then_some(p.minimum_len() == Some(0))
}

/// The expression with each regex matcher replaced by an equality matcher that matches the empty
/// string exactly when the regex matcher does, which is all the grammar asks of a matcher
/// (`{job=~".*"}` selects everything and is refused; `{job=~".+"}` is fine). `None` when a regex
/// is one regex-syntax refuses or cannot judge, or the metric name is matched (then the full
/// parse decides).
fn without_regexes(expr: &str) -> Option<String> {
    let found = regex_matchers(expr)?;
    if !found.is_empty() && expr.contains("__name__") {
        return None;
    }
    let mut out = String::with_capacity(expr.len());
    let mut last = 0;
    for m in &found {
        let empty_matches = regex_matches_empty(&m.value)? != m.negated;
        out.push_str(&expr[last..m.op.start]);
        out.push_str(if m.negated { "!=" } else { "=" });
        out.push_str(&expr[m.op.end..m.literal.start]);
        // `=""` and `!="x"` match the empty string, `="x"` and `!=""` do not
        out.push_str(if empty_matches == m.negated {
            "\"x\""
        } else {
            "\"\""
        });
        last = m.literal.end;
    }
    out.push_str(&expr[last..]);
    Some(out)
}

/// Check one expression: the grammar with promql-parser, regexes with regex-syntax (compiling them,
/// as promql-parser does, is most of its time); anything unusual goes through the full parse.
pub fn check_expr(expr: &str) -> Result<(), String> {
    match without_regexes(expr) {
        // the expression without regexes parses: so does the original, whose regexes were
        // checked apart and match the empty string exactly as their stand-ins do; when it does
        // not parse, the full parse says why
        Some(stripped) if parse_promql(&stripped).is_ok() => Ok(()),
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
    fn regexes_stand_in_as_equality_matchers_of_the_same_emptiness() {
        for (e, want) in [
            (r#"up{job=~".+"}"#, Some(r#"up{job="x"}"#)),
            (r#"{job=~".*"}"#, Some(r#"{job=""}"#)),
            (r#"{job!~".+"}"#, Some(r#"{job!="x"}"#)),
            (r#"{job!~".*"}"#, Some(r#"{job!=""}"#)),
            (r#"x{a =~ 'b|c', d="e"}"#, Some(r#"x{a = "x", d="e"}"#)),
            (r#"{job=~"\\b"}"#, None),
            (r#"{job=~"(unclosed"}"#, None),
            (r#"{__name__=~"node_.+"}"#, None),
        ] {
            assert_eq!(without_regexes(e).as_deref(), want, "{e}");
        }
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
            r#"{job!~".+"}"#,
            r#"{job!~".*"}"#,
            r#"{job!~""}"#,
            r#"{job=~""}"#,
            r#"{job=~"(?:)|a"}"#,
            r#"{job=~"a|"}"#,
            r#"{job=~"a*"}"#,
            r#"{job=~"a+"}"#,
            r#"{job=~"[^\s\S]"}"#,
            r#"{job=~"\b"}"#,
            r#"{job=~"(?m)^$"}"#,
            r#"{job=~"a)|(b"}"#,
            r#"{job=~"x", other=""}"#,
            r#"{job="", other=~".*"}"#,
            r#"up{job=~".*"}"#,
            r#"foo{__name__=~"bar"}"#,
            r#"{a=~"x" or b=~".*"}"#,
            r#"rate(x{a!~"b"}[5m])"#,
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
