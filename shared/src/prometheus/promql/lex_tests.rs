//! The lexer's tokens and Go's quoting, as Prometheus's lexer makes them.
use super::lex::Lexer;
use super::quote::{go_quote, go_quote_prefix, go_quote_rune};
use super::token::ItemType::{self, *};

fn lex(s: &str) -> Vec<(ItemType, String)> {
    let mut l = Lexer::new(s);
    let mut out = Vec::new();
    loop {
        let i = l.next_item();
        let text = match &i.message {
            Some(m) => m.clone(),
            None => i.val(s).to_string(),
        };
        out.push((i.typ, text));
        if matches!(i.typ, EOF | ERROR) {
            return out;
        }
    }
}

#[test]
fn tokens_numbers_durations_and_strings() {
    assert_eq!(
        lex("sum by (job) (rate(x{a=~\"b\"}[5m:1m])) >/ 0x1F"),
        [
            (SUM, "sum".into()),
            (BY, "by".into()),
            (LEFT_PAREN, "(".into()),
            (IDENTIFIER, "job".into()),
            (RIGHT_PAREN, ")".into()),
            (LEFT_PAREN, "(".into()),
            (IDENTIFIER, "rate".into()),
            (LEFT_PAREN, "(".into()),
            (IDENTIFIER, "x".into()),
            (LEFT_BRACE, "{".into()),
            (IDENTIFIER, "a".into()),
            (EQL_REGEX, "=~".into()),
            (STRING, "\"b\"".into()),
            (RIGHT_BRACE, "}".into()),
            (LEFT_BRACKET, "[".into()),
            (DURATION, "5m".into()),
            (COLON, ":".into()),
            (DURATION, "1m".into()),
            (RIGHT_BRACKET, "]".into()),
            (RIGHT_PAREN, ")".into()),
            (RIGHT_PAREN, ")".into()),
            (TRIM_LOWER, ">/".into()),
            (NUMBER, "0x1F".into()),
            (EOF, "".into()),
        ]
    );
    assert_eq!(lex("foo[11s+step()]")[3], (ADD, "+".into()));
    assert_eq!(lex("foo[11s+step()]")[4], (STEP, "step".into()));
    assert_eq!(
        lex("2.5.").last().unwrap(),
        &(ERROR, "bad number or duration syntax: \"2.5.\"".into())
    );
    assert_eq!(
        lex("0deadbeef").last().unwrap(),
        &(ERROR, "bad number or duration syntax: \"0de\"".into())
    );
    assert_eq!(lex("`a\\dos`")[0], (STRING, "`a\\dos`".into()));
    assert_eq!(
        lex("\"a\\dos\"").last().unwrap(),
        &(ERROR, "unknown escape sequence U+0064 'd'".into())
    );
    assert_eq!(lex("fill + fill(1)")[0], (IDENTIFIER, "fill".into()));
    assert_eq!(lex("fill + fill(1)")[2], (FILL, "fill".into()));
    assert_eq!(lex("Inf")[0], (NUMBER, "Inf".into()));
    assert_eq!(lex("a:b")[0], (METRIC_IDENTIFIER, "a:b".into()));
    assert_eq!(
        lex("(1").last().unwrap(),
        &(ERROR, "unclosed left parenthesis".into())
    );
}

#[test]
fn go_quoting() {
    assert_eq!(go_quote("a\"b\\\n"), "\"a\\\"b\\\\\\n\"");
    assert_eq!(go_quote_rune('\''), "'\\''");
    assert_eq!(go_quote_prefix("abcdefghijkl", 10), "\"abcdefghij\"");
    assert_eq!(go_quote("🙂"), "\"🙂\"");
}
