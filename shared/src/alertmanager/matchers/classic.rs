//! Alertmanager's classic matchers parser (`pkg/labels`): commas outside double quotes split the
//! matchers; each is `name op value`, the name a classic label name, the value optionally
//! double-quoted with OpenMetrics escapes, and tolerant of much else.
use super::{MatchType, Matcher};
use std::sync::LazyLock;

/// `name op value` with Go's `\s` (ASCII whitespace); `=~` before `=`.
static MATCHER: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"^[\t\n\f\r ]*([a-zA-Z_:][a-zA-Z0-9_:]*)[\t\n\f\r ]*(=~|=|!=|!~)[\t\n\f\r ]*((?s).*?)[\t\n\f\r ]*$",
    )
    .expect("the classic matcher pattern compiles")
});

/// A comma-separated list of matchers, braces optional.
pub fn matchers(s: &str) -> Result<Vec<Matcher>, String> {
    let s = s.strip_prefix('{').unwrap_or(s);
    let s = s.strip_suffix('}').unwrap_or(s);
    let (mut inside_quotes, mut escaped) = (false, false);
    let mut token = String::new();
    let mut tokens = Vec::new();
    for c in s.chars() {
        match c {
            ',' if !inside_quotes => {
                tokens.push(std::mem::take(&mut token));
                continue;
            }
            ',' => {}
            '"' => {
                if !escaped {
                    inside_quotes = !inside_quotes;
                } else {
                    escaped = false;
                }
            }
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
        token.push(c);
    }
    let last = token.trim_matches(go_space);
    if !last.is_empty() {
        tokens.push(last.to_string());
    }
    tokens.iter().map(|t| matcher(t)).collect()
}

/// Go's `strings.TrimSpace` whitespace.
fn go_space(c: char) -> bool {
    c.is_whitespace()
}

/// One matcher.
pub fn matcher(s: &str) -> Result<Matcher, String> {
    let caps = MATCHER
        .captures(s)
        .ok_or_else(|| format!("bad matcher format: {s}"))?;
    let raw_all = caps.get(3).map_or("", |m| m.as_str());
    let (raw, mut expect_trailing_quote) = match raw_all.strip_prefix('"') {
        Some(after) => (after, true),
        None => (raw_all, false),
    };
    let unescaped_quote = || format!("matcher value contains unescaped double quote: {raw_all}");
    let mut value = String::with_capacity(raw.len());
    let mut escaped = false;
    for (i, c) in raw.char_indices() {
        if escaped {
            escaped = false;
            match c {
                'n' => value.push('\n'),
                '"' | '\\' => value.push(c),
                _ => {
                    value.push('\\');
                    value.push(c);
                }
            }
            continue;
        }
        match c {
            '\\' if i < raw.len() - 1 => escaped = true,
            '\\' => value.push('\\'),
            '"' => {
                if !expect_trailing_quote || i < raw.len() - 1 {
                    return Err(unescaped_quote());
                }
                expect_trailing_quote = false;
            }
            c => value.push(c),
        }
    }
    if expect_trailing_quote {
        return Err(unescaped_quote());
    }
    let op = match &caps[2] {
        "=" => MatchType::Equal,
        "!=" => MatchType::NotEqual,
        "=~" => MatchType::Regexp,
        _ => MatchType::NotRegexp,
    };
    Matcher::new(op, &caps[1], &value)
}
