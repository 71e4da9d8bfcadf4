use super::*;

fn accepted(line: &str) -> Vec<(String, &'static str, String)> {
    parse_matchers(line)
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .into_iter()
        .map(|m| (m.name, m.op.as_str(), m.value))
        .collect()
}

fn one(name: &str, op: &'static str, value: &str) -> Vec<(String, &'static str, String)> {
    vec![(name.to_string(), op, value.to_string())]
}

#[test]
fn fallback_mode_reads_what_either_parser_reads() {
    // the UTF-8 parser
    assert_eq!(
        accepted("{name-with-dashes=\"bar\"}"),
        one("name-with-dashes", "=", "bar")
    );
    assert_eq!(accepted("{foo🙂=bar}"), one("foo🙂", "=", "bar"));
    assert_eq!(
        accepted("\"dotted.name\"=\"v\""),
        one("dotted.name", "=", "v")
    );
    assert_eq!(accepted("foo=~[a-z]+"), one("foo", "=~", "[a-z]+"));
    // the classic parser, where the UTF-8 one refuses
    assert_eq!(accepted("{foo=bar\\\"}"), one("foo", "=", "bar\""));
    assert_eq!(accepted("a=b c"), one("a", "=", "b c"));
    assert_eq!(accepted("a=\"x\\qy\""), one("a", "=", "x\\qy"));
    assert_eq!(
        accepted("{a=\"b\", c=~\"x|y\"}"),
        vec![
            ("a".into(), "=", "b".into()),
            ("c".into(), "=~", "x|y".into())
        ]
    );
    assert!(accepted("{}").is_empty());
    assert!(accepted("").is_empty());
    assert_eq!(accepted("a=b,"), one("a", "=", "b"));
    // both refuse: the classic parser's reason
    assert_eq!(
        parse_matchers("{\"foo\"=~\"\\d+\"}").unwrap_err(),
        "bad matcher format: \"foo\"=~\"\\d+\""
    );
    for bad in ["not a matcher", "=x", "a=\"open", "alertname", "a == \"b"] {
        assert!(parse_matchers(bad).is_err(), "{bad}");
    }
    assert!(parse_matchers("severity=~\"(critical\"")
        .unwrap_err()
        .starts_with("error parsing regexp: missing closing )"));
}

#[test]
fn the_utf8_parser_says_where_as_alertmanager_does() {
    for (input, want) in [
        (",", "0:1: unexpected ,: expected label name"),
        ("{,}", "1:2: unexpected ,: expected label name"),
        ("{", "0:1: end of input: expected close brace"),
        ("}", "0:1: }: expected opening brace"),
        ("foo=bar}", "0:8: }: expected opening brace"),
        ("{foo=bar", "0:8: end of input: expected close brace"),
        (
            "{foo=bar bar}",
            "9:12: unexpected bar: expected a comma or close brace",
        ),
        ("{foo=\"bar\\w\"}", "5:12: \"bar\\w\": invalid input"),
        (
            "{foo=bar\\}",
            "8:9: \\: invalid input: expected a comma or close brace",
        ),
        (
            "{foo=\"bar",
            "5:9: \"bar: missing end \": expected label value",
        ),
        (
            "{foo!bar}",
            "4:5: !: expected one of '=~': expected an operator such as '=', '!=', '=~' or '!~'",
        ),
    ] {
        assert_eq!(utf8::matchers(input).unwrap_err(), want, "{input}");
    }
    assert_eq!(
        utf8::matcher("foo=bar,bar=baz").unwrap_err(),
        "expected 1 matcher, found 2"
    );
    assert_eq!(utf8::matcher("{}").unwrap_err(), "no matchers");
}

#[test]
fn the_classic_parser_is_tolerant_as_alertmanager_s() {
    let m = classic::matcher("foo = \"bar\\nbaz\"").unwrap();
    assert_eq!(m.value, "bar\nbaz");
    assert_eq!(
        classic::matcher("foo=\"bar").unwrap_err(),
        "matcher value contains unescaped double quote: \"bar"
    );
    assert_eq!(classic::matcher("foo=bar\\").unwrap().value, "bar\\");
    assert_eq!(
        classic::matchers("a=b,,c=d").unwrap_err(),
        "bad matcher format: "
    );
}

#[test]
fn single_matchers_refuse_braces() {
    assert_eq!(
        parse_matcher("{foo=bar}").unwrap_err(),
        "unexpected open or close brace: {foo=bar}"
    );
    assert_eq!(parse_matcher("foo=bar").unwrap().show(), "foo=\"bar\"");
}

#[test]
fn matchers_match_as_alertmanager_matches() {
    let l = |v: &str| BTreeMap::from([("a".to_string(), v.to_string())]);
    for (m, yes, no) in [
        ("a=\"1\"", "1", "2"),
        ("a!=1", "2", "1"),
        ("a=~\"x|y\"", "y", "xy"),
        ("{a!~\"z.*\"}", "q", "zed"),
        ("a = \"sp ace\"", "sp ace", "space"),
    ] {
        let parsed = &parse_matchers(m).unwrap_or_else(|e| panic!("{m}: {e}"))[0];
        assert!(parsed.matches(&l(yes)), "{m} should match {yes}");
        assert!(!parsed.matches(&l(no)), "{m} should not match {no}");
    }
    assert_eq!(
        parse_matchers("a=~\"x|y\"").unwrap()[0].show(),
        "a=~\"x|y\""
    );
    assert_eq!(
        parse_matchers("\"a b\"=\"c\"").unwrap()[0].show(),
        "\"a b\"=\"c\""
    );
}

#[test]
fn label_names_in_fallback_mode() {
    assert!(is_label_name("-invalid-"));
    assert!(is_label_name("ünïcode"));
    assert!(!is_label_name(""));
    assert!(is_classic_label_name("team_x"));
    assert!(!is_classic_label_name("team-x"));
}
