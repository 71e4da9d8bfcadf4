//! The literals of PromQL as Prometheus (Go) reads them: numbers (`strconv.ParseInt` with base
//! 0, else `strconv.ParseFloat`), durations (prometheus/common's `ParseDuration`), quoted strings
//! (`strutil.Unquote`), and regexes (RE2, which Go's `regexp` is) checked before they are used.
use super::quote::go_quote;

/// `parser.number`: the value of a NUMBER token, or `error parsing number: ...`.
pub fn parse_number(text: &str) -> Result<f64, String> {
    if let Some(i) = parse_int_base0(text) {
        return Ok(i as f64);
    }
    parse_float(text).map_err(|why| {
        format!(
            "error parsing number: strconv.ParseFloat: parsing {}: {why}",
            go_quote(text)
        )
    })
}

/// Go's `strconv.ParseInt(s, 0, 64)`: `0x` hex, a leading `0` octal, else decimal; underscores
/// between digits. `None` when it is not one (or out of range).
fn parse_int_base0(s: &str) -> Option<i64> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(o) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (o, 8)
    } else if let Some(b) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (b, 2)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    i64::from_str_radix(&clean, radix).ok()
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a digit.
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)` on what the lexer lets through: decimal floats (with
/// underscores between digits), `Inf`/`NaN`; a hexadecimal mantissa needs a `p` exponent.
fn parse_float(s: &str) -> Result<f64, &'static str> {
    let lower = s.to_ascii_lowercase();
    match lower.trim_start_matches(['+', '-']) {
        "inf" | "infinity" => {
            return Ok(if s.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    if lower.starts_with("0x") {
        // ParseFloat's hex form needs a `p` exponent, which the lexer never lets through
        return Err("invalid syntax");
    }
    if s.contains('_') && !underscore_ok(s) {
        return Err("invalid syntax");
    }
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    if clean.is_empty()
        || !clean
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return Err("invalid syntax");
    }
    match clean.parse::<f64>() {
        Ok(v) if v.is_infinite() => Err("value out of range"),
        Ok(v) => Ok(v),
        Err(_) => Err("invalid syntax"),
    }
}

/// prometheus/common's `ParseDuration`, in seconds: `0`, or numbers each with a unit (`y w d h
/// m s ms`), units from the largest down, each once, within what a time.Duration holds.
pub fn parse_duration(s: &str) -> Result<f64, String> {
    const UNITS: [(&str, u64); 7] = [
        ("y", 365 * 24 * 3_600_000_000_000),
        ("w", 7 * 24 * 3_600_000_000_000),
        ("d", 24 * 3_600_000_000_000),
        ("h", 3_600_000_000_000),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
    ];
    match s {
        "0" => return Ok(0.0),
        "" => return Err("empty duration string".into()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {}", go_quote(s));
    let mut rest = s;
    let mut last = 0usize;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid());
        }
        let v: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        if unit_len == 0 {
            return Err(invalid());
        }
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let Some(pos) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!(
                "unknown unit {} in duration {}",
                go_quote(unit),
                go_quote(s)
            ));
        };
        if pos < last {
            return Err(invalid());
        }
        last = pos + 1;
        let mult = UNITS[pos].1;
        if v > (1u64 << 63) / mult {
            return Err("duration out of range".into());
        }
        total = total.saturating_add(v * mult);
        if total > i64::MAX as u64 {
            return Err("duration out of range".into());
        }
    }
    Ok(total as f64 / 1e9)
}

/// `strutil.Unquote`: the value of a quoted string token (`"..."`, `'...'`, `` `...` ``), its
/// bytes (a `\x` escape may make them other than UTF-8).
pub fn unquote_bytes(s: &str) -> Result<Vec<u8>, String> {
    let err = || format!("error unquoting string {}: invalid syntax", go_quote(s));
    let b = s.as_bytes();
    if b.len() < 2 || b[0] != b[b.len() - 1] {
        return Err(err());
    }
    let quote = b[0];
    let inner = &s[1..s.len() - 1];
    if quote == b'`' {
        if inner.contains('`') {
            return Err(err());
        }
        return Ok(inner.bytes().filter(|c| *c != b'\r').collect());
    }
    if quote != b'"' && quote != b'\'' {
        return Err(err());
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if c as u32 == quote as u32 || c == '\n' {
                return Err(err());
            }
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let e = chars.next().ok_or_else(err)?;
        let simple = match e {
            'a' => Some(7u8),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(11),
            '\\' => Some(b'\\'),
            '\'' | '"' if e as u32 == quote as u32 => Some(e as u8),
            _ => None,
        };
        if let Some(v) = simple {
            out.push(v);
            continue;
        }
        let (n, radix) = match e {
            '0'..='7' => (3, 8),
            'x' => (2, 16),
            'u' => (4, 16),
            'U' => (8, 16),
            _ => return Err(err()),
        };
        let mut digits = String::new();
        if radix == 8 {
            digits.push(e);
        }
        while digits.len() < n {
            digits.push(chars.next().ok_or_else(err)?);
        }
        let v = u32::from_str_radix(&digits, radix).map_err(|_| err())?;
        match e {
            'x' => out.push(v as u8),
            '0'..='7' if v <= 255 => out.push(v as u8),
            '0'..='7' => return Err(err()),
            _ => {
                let c = char::from_u32(v).ok_or_else(err)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Ok(out)
}

/// [`unquote_bytes`] as text (bytes that are not UTF-8 read as U+FFFD, as Go's regexp reads them).
pub fn unquote(s: &str) -> Result<String, String> {
    unquote_bytes(s).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// Does Go's `regexp` (RE2) compile this as a PromQL matcher's regex (`^(?s:re)$`)? See
/// [`crate::go::re2`].
pub fn check_regex(re: &str) -> Result<(), String> {
    crate::go::re2::check(re, crate::go::re2::Anchor::PromQL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_go_reads_them() {
        assert_eq!(parse_number("0755"), Ok(493.0));
        assert_eq!(parse_number("0x1F"), Ok(31.0));
        assert_eq!(parse_number("09"), Ok(9.0));
        assert_eq!(parse_number("1_000"), Ok(1000.0));
        assert_eq!(parse_number("1e3"), Ok(1000.0));
        assert_eq!(parse_number(".5"), Ok(0.5));
        assert!(parse_number("Inf").unwrap().is_infinite());
        assert!(parse_number("NaN").unwrap().is_nan());
        let big = format!("1{}", "0".repeat(310));
        assert_eq!(
            parse_number(&big).unwrap_err(),
            format!(
                "error parsing number: strconv.ParseFloat: parsing \"{big}\": value out of range"
            )
        );
        assert_eq!(parse_number("99999999999999999999"), Ok(1e20));
    }

    #[test]
    fn durations_as_prometheus_reads_them() {
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("100ms"), Ok(0.1));
        assert_eq!(parse_duration("0"), Ok(0.0));
        assert_eq!(
            parse_duration("5hs").unwrap_err(),
            "unknown unit \"hs\" in duration \"5hs\""
        );
        assert_eq!(
            parse_duration("1m1h").unwrap_err(),
            "not a valid duration string: \"1m1h\""
        );
        assert_eq!(parse_duration("300y").unwrap_err(), "duration out of range");
    }

    #[test]
    fn strings_as_prometheus_unquotes_them() {
        assert_eq!(unquote("\"a\\nb\"").unwrap(), "a\nb");
        assert!(unquote("'it''s'").unwrap_err().contains("invalid syntax"));
        assert_eq!(unquote("`a\\dos\\path`").unwrap(), "a\\dos\\path");
        assert_eq!(unquote("\"\\u00e9\"").unwrap(), "é");
        assert_eq!(unquote_bytes("\"a\\xc5z\"").unwrap(), b"a\xc5z");
        assert_eq!(unquote("'multi char'").unwrap(), "multi char");
    }

    #[test]
    fn regexes_as_re2_compiles_them() {
        assert!(check_regex("foo|bar.*").is_ok());
        assert!(
            check_regex("a{").is_ok(),
            "RE2: a `{{` that starts no repetition is a literal"
        );
        assert!(check_regex("\\Q.*\\E").is_ok());
        assert!(check_regex("\\141").is_ok(), "octal");
        assert!(check_regex("(?i)x").is_ok());
        assert!(check_regex("(")
            .unwrap_err()
            .starts_with("error parsing regexp: "));
        assert!(check_regex("(?=x)").is_err(), "no look-around in RE2");
        assert!(check_regex("(?x) a").is_err(), "no x flag in RE2");
        assert!(check_regex("\\d+").is_ok());
    }

    #[test]
    fn a_regex_checked_again_gets_the_same_answer() {
        for re in ["(", "(?=x)", "job|node", "\\Q.*\\E"] {
            let first = check_regex(re);
            assert_eq!(check_regex(re), first, "{re}");
            assert_eq!(
                crate::go::re2::check_uncached(re, crate::go::re2::Anchor::PromQL),
                first,
                "{re}"
            );
        }
    }
}
