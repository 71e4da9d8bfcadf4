//! Go's `regexp` (RE2) syntax, checked: what Prometheus and Alertmanager compile a matcher's
//! regex with. RE2's syntax is checked with regex-syntax, with what RE2 has and regex-syntax has
//! not (`\\Q...\\E`, octal escapes, a `{` that starts no repetition being a literal) and what
//! regex-syntax has and RE2 has not (the `x` flag, look-around) made alike first; the same rewrite
//! makes a regex that the `regex` crate matches as Go matches it ([`compile`]).

/// How the project wraps a matcher's regex before compiling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// Prometheus: `^(?s:re)$`.
    PromQL,
    /// Alertmanager: `^(?:re)$`.
    Alertmanager,
}

impl Anchor {
    fn wrap(self, re: &str) -> String {
        match self {
            Anchor::PromQL => format!("^(?s:{re})$"),
            Anchor::Alertmanager => format!("^(?:{re})$"),
        }
    }
}

/// How deep Go's `regexp/syntax` lets a regex nest (its `maxHeight`, 1000), as regex-syntax
/// counts the nesting of the anchored regex: 998 groups within the wrapper load, 999 do not.
const GO_NEST_LIMIT: u32 = 1000;

/// Does Go compile this regex, anchored as `anchor` says? The error says why as Go does
/// (`error parsing regexp: ...`). The same few regexes recur across a rule tree or a route tree:
/// each thread checks a distinct one once.
pub fn check(re: &str, anchor: Anchor) -> Result<(), String> {
    type Checked = std::collections::HashMap<(Anchor, String), Result<(), String>>;
    thread_local! {
        static CHECKED: std::cell::RefCell<Checked> = Default::default();
    }
    const REMEMBERED: usize = 4096;
    let key = (anchor, re.to_string());
    if let Some(known) = CHECKED.with(|c| c.borrow().get(&key).cloned()) {
        return known;
    }
    let result = check_uncached(re, anchor);
    CHECKED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() < REMEMBERED {
            c.insert(key, result.clone());
        }
    });
    result
}

/// [`check`] without the cache.
pub fn check_uncached(re: &str, anchor: Anchor) -> Result<(), String> {
    go_refuses(re)?;
    let prepared = re2_compatible(re)?;
    let pattern = anchor.wrap(&prepared);
    deep_stack(re, || {
        regex_syntax::ParserBuilder::new()
            .octal(true)
            .nest_limit(GO_NEST_LIMIT)
            .build()
            .parse(&pattern)
            .map(|_| ())
            .map_err(|e| go_error(&e, &pattern, re, anchor))
    })
}

/// Run `f` on a stack as deep as a regex nested as Go allows needs (regex-syntax and the regex
/// compiler recurse on its nesting); a regex that nests little on the caller's.
fn deep_stack<T>(re: &str, f: impl FnOnce() -> T) -> T {
    if re.bytes().filter(|b| matches!(b, b'(' | b'[')).count() > 64 {
        stacker::grow(256 << 20, f)
    } else {
        f()
    }
}

/// regex-syntax's error in Go's words: `error parsing regexp: CODE: `EXPR``, the code as Go's
/// `regexp/syntax` names it and the part of the expression it names.
fn go_error(e: &regex_syntax::Error, pattern: &str, re: &str, anchor: Anchor) -> String {
    use regex_syntax::ast::ErrorKind as K;
    let whole = match anchor {
        Anchor::PromQL => re.to_string(),
        Anchor::Alertmanager => anchor.wrap(re),
    };
    let (code, expr) = match e {
        regex_syntax::Error::Parse(p) => {
            let span = p.span();
            // Go names an unclosed class from its `[` to the end
            let end = match p.kind() {
                K::ClassUnclosed => pattern.len(),
                _ => span.end.offset,
            };
            let part = pattern
                .get(span.start.offset..end)
                .unwrap_or(re)
                .to_string();
            let code = match p.kind() {
                K::GroupUnclosed => {
                    return format!("error parsing regexp: missing closing ): `{whole}`")
                }
                K::GroupUnopened => "unexpected )",
                K::ClassUnclosed => "missing closing ]",
                K::ClassRangeInvalid | K::ClassRangeLiteral => "invalid character class range",
                K::ClassEscapeInvalid
                | K::EscapeUnrecognized
                | K::EscapeHexEmpty
                | K::EscapeHexInvalid
                | K::EscapeHexInvalidDigit
                | K::UnsupportedBackreference => "invalid escape sequence",
                K::EscapeUnexpectedEof => "trailing backslash at end of expression",
                K::RepetitionMissing => "missing argument to repetition operator",
                K::RepetitionCountInvalid => "invalid repeat count",
                K::NestLimitExceeded(_) => "expression nests too deeply",
                K::FlagUnrecognized
                | K::FlagDanglingNegation
                | K::FlagDuplicate { .. }
                | K::FlagRepeatedNegation { .. }
                | K::FlagUnexpectedEof
                | K::UnsupportedLookAround => "invalid or unsupported Perl syntax",
                K::GroupNameDuplicate { .. }
                | K::GroupNameEmpty
                | K::GroupNameInvalid
                | K::GroupNameUnexpectedEof => "invalid named capture",
                _ => return last_line_error(&e.to_string(), &whole),
            };
            (code, part)
        }
        other => return last_line_error(&other.to_string(), &whole),
    };
    format!("error parsing regexp: {code}: `{expr}`")
}

/// An error Go has no code for: regex-syntax's own reason (the last line of its report).
fn last_line_error(text: &str, whole: &str) -> String {
    let why = text
        .lines()
        .last()
        .unwrap_or("invalid")
        .trim_start_matches("error: ");
    format!("error parsing regexp: {why}: `{whole}`")
}

/// The regex as the `regex` crate compiles it to match as Go does (checked first).
pub fn compile(re: &str, anchor: Anchor) -> Result<regex::Regex, String> {
    check(re, anchor)?;
    let prepared = re2_compatible(re)?;
    let pattern = anchor.wrap(&prepared);
    deep_stack(re, || {
        regex::RegexBuilder::new(&pattern)
            .octal(true)
            .nest_limit(GO_NEST_LIMIT)
            .build()
    })
    .map_err(|e| format!("error parsing regexp: {e}: `{re}`"))
}

/// The regex with RE2's forms that regex-syntax reads otherwise rewritten (see [`check`]).
fn re2_compatible(re: &str) -> Result<String, String> {
    let mut out = String::with_capacity(re.len());
    let mut chars = re.char_indices().peekable();
    let mut in_class = false;
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                let Some((_, e)) = chars.next() else {
                    return Err(
                        "error parsing regexp: trailing backslash at end of expression: ``".into(),
                    );
                };
                if e == 'Q' && !in_class {
                    // \Q...\E: literal text
                    let rest = &re[i + 2..];
                    let (lit, skip) = match rest.find("\\E") {
                        Some(end) => (&rest[..end], end + 2),
                        None => (rest, rest.len()),
                    };
                    out.push_str(&regex_syntax::escape(lit));
                    for _ in 0..lit.chars().count() + (skip - lit.len()) {
                        chars.next();
                    }
                    continue;
                }
                out.push('\\');
                out.push(e);
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // a `]` or `^]` right after `[` is part of the class
                if let Some((_, '^')) = chars.peek() {
                    out.push('^');
                    chars.next();
                }
                if let Some((_, ']')) = chars.peek() {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '{' if !in_class && !starts_repetition(&re[i..]) => out.push_str("\\{"),
            '(' if !in_class && re[i..].starts_with("(?") => {
                // RE2's flags are i, m, s, U
                let flags: String = re[i + 2..]
                    .chars()
                    .take_while(|f| *f != ')' && *f != ':')
                    .collect();
                if flags.chars().any(|f| !"imsU-".contains(f))
                    && !flags.starts_with('P')
                    && !flags.starts_with('<')
                {
                    return Err(format!(
                        "error parsing regexp: invalid or unsupported Perl syntax: `(?{}`",
                        flags.chars().next().unwrap_or(')')
                    ));
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// What Go refuses and regex-syntax reads: escapes RE2 has not (`\\u`, `\\e`, a lone
/// `\\1`, `\\b` in a class), and a repetition of a repetition (`a**`, `a+*`, `a{2}{3}`; `a*?` is
/// a lazy star).
fn go_refuses(re: &str) -> Result<(), String> {
    let c: Vec<char> = re.chars().collect();
    let (mut i, mut in_class, mut class_start) = (0, false, 0);
    // after a repetition: whether its lazy `?` may still follow
    let mut repeated: Option<bool> = None;
    while i < c.len() {
        let ch = c[i];
        if ch == '\\' {
            let Some(&e) = c.get(i + 1) else { break };
            if e == 'Q' && !in_class {
                let rest: String = c[i + 2..].iter().collect();
                i += 2 + rest
                    .find("\\E")
                    .map_or(c.len(), |end| rest[..end].chars().count() + 2);
                repeated = None;
                continue;
            }
            let known = match e {
                '0' | 'x' | 'a' | 'f' | 'n' | 'r' | 't' | 'v' | 'd' | 'D' | 's' | 'S' | 'w'
                | 'W' | 'p' | 'P' => true,
                '1'..='7' => c.get(i + 2).is_some_and(|d| ('0'..='7').contains(d)),
                'b' | 'B' | 'A' | 'z' => !in_class,
                e => e.is_ascii() && !e.is_ascii_alphanumeric(),
            };
            if !known {
                return Err(format!(
                    "error parsing regexp: invalid escape sequence: `\\{e}`"
                ));
            }
            (i, repeated) = (i + 2, None);
            continue;
        }
        if in_class {
            in_class = !(ch == ']' && i > class_start);
            i += 1;
            continue;
        }
        let group_flag = ch == '?' && i > 0 && c[i - 1] == '(';
        let rest: String = if ch == '{' {
            c[i..].iter().collect()
        } else {
            String::new()
        };
        let op_len = match ch {
            '*' | '+' | '?' if !group_flag => 1,
            '{' if starts_repetition(&rest) => {
                rest.find('}').map_or(1, |e| rest[..=e].chars().count())
            }
            _ => 0,
        };
        match (op_len, repeated) {
            (0, _) => repeated = None,
            (1, Some(true)) if ch == '?' => repeated = Some(false),
            (_, Some(_)) => {
                return Err(format!(
                    "error parsing regexp: invalid nested repetition operator: `{}`",
                    c[i - 1..i + op_len].iter().collect::<String>()
                ))
            }
            (_, None) => repeated = Some(true),
        }
        if ch == '[' {
            (in_class, class_start) = (true, i + 1 + usize::from(c.get(i + 1) == Some(&'^')));
        }
        i += op_len.max(1);
    }
    Ok(())
}

/// Does `{n}`, `{n,}` or `{n,m}` start here?
fn starts_repetition(s: &str) -> bool {
    let Some(end) = s.find('}') else {
        return false;
    };
    let inner = &s[1..end];
    let (a, b) = match inner.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (inner, None),
    };
    !a.is_empty()
        && a.bytes().all(|c| c.is_ascii_digit())
        && b.is_none_or(|b| b.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alertmanager_anchors_without_dot_all() {
        let re = compile("a.b", Anchor::Alertmanager).unwrap();
        assert!(re.is_match("axb"));
        assert!(
            !re.is_match("a\nb"),
            "`.` does not match a line break in Alertmanager"
        );
        assert!(!re.is_match("xaxb"), "anchored");
        let re = compile("a.b", Anchor::PromQL).unwrap();
        assert!(re.is_match("a\nb"), "PromQL's (?s)");
        assert!(check("(critical", Anchor::Alertmanager)
            .unwrap_err()
            .starts_with("error parsing regexp: "));
        assert!(compile("\\Q.*\\E", Anchor::Alertmanager)
            .unwrap()
            .is_match(".*"));
        assert!(compile("a{", Anchor::Alertmanager).unwrap().is_match("a{"));
    }

    #[test]
    fn nested_as_deep_as_go_lets_it() {
        let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
        assert!(compile(&nested(998), Anchor::Alertmanager).is_ok());
        assert!(check_uncached(&nested(999), Anchor::Alertmanager)
            .unwrap_err()
            .contains("expression nests too deeply"));
        assert!(check_uncached(&nested(100_000), Anchor::Alertmanager).is_err());
    }

    #[test]
    fn what_go_refuses_and_regex_syntax_reads() {
        for bad in [
            "x**", "a+*", "a{2}{3}", "a*??", "\\u0041", "\\e", "\\1", "[\\b]", "\\C",
        ] {
            assert!(check_uncached(bad, Anchor::Alertmanager).is_err(), "{bad}");
        }
        for ok in [
            "a*?", "a??", "(?i)x", "(?:a)*", "\\.\\*", "\\12", "[*+]*", "\\Q**\\E", "a{2}?",
            "\\bx\\B",
        ] {
            assert!(check_uncached(ok, Anchor::Alertmanager).is_ok(), "{ok}");
        }
    }
}
