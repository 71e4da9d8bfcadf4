//! Go's quoting, as Prometheus's messages show tokens and characters (`%q`, `%.10q`, `%#U`).

/// The lexer's stand-in for the end of input.
const EOF_CHAR: char = '\u{10FFFF}';

/// Go's `%q` of a string: double-quoted, with Go's escapes; printable non-ASCII kept.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `%.Nq`: the first `n` characters, quoted.
pub fn go_quote_prefix(s: &str, n: usize) -> String {
    let prefix: String = s.chars().take(n).collect();
    go_quote(&prefix)
}

/// Go's `%q` of a rune: single-quoted.
pub fn go_quote_rune(c: char) -> String {
    if c == EOF_CHAR {
        return "'\\U0010ffff'".into();
    }
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

/// Go's `%#U`: `U+0064 'd'`.
pub fn go_unicode(c: char) -> String {
    let code = if c == EOF_CHAR { 0x10FFFF } else { c as u32 };
    if c != EOF_CHAR && !c.is_control() {
        format!("U+{code:04X} '{c}'")
    } else {
        format!("U+{code:04X}")
    }
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        char::REPLACEMENT_CHARACTER => out.push_str("\\ufffd"),
        c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if c.is_control() => {
            if (c as u32) < 0x10000 {
                out.push_str(&format!("\\u{:04x}", c as u32))
            } else {
                out.push_str(&format!("\\U{:08x}", c as u32))
            }
        }
        c => out.push(c),
    }
}
