//! What a scalar is, as Go's yaml.v2 (2.4) resolves it: YAML 1.1's booleans (`yes`, `on`),
//! nulls, integers in Go's forms (`0x1F`, `0o17`, `017`, `0b1`, `1_000`), floats, timestamps
//! (kept as text), `!!binary`, and explicit tags that must match what the scalar is.
use serde_yaml::value::{Tag, TaggedValue};
use serde_yaml::{Number, Value as Yaml};

/// A number as Go reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    Int(i128),
    Float(f64),
}

const TRUE: [&str; 11] = [
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
];
const FALSE: [&str; 11] = [
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
];
const NULL: [&str; 5] = ["", "~", "null", "Null", "NULL"];

/// A plain scalar's value and its tag (`!!str`, `!!int`, ...).
fn plain(s: &str) -> (&'static str, Yaml) {
    if TRUE.contains(&s) || FALSE.contains(&s) {
        let v = match s {
            "true" | "false" => Yaml::Bool(s == "true"),
            // `yes`: a boolean, whose text is `yes` where a string is read
            _ => tagged("!!bool", s),
        };
        return ("!!bool", v);
    }
    if NULL.contains(&s) {
        return ("!!null", Yaml::Null);
    }
    match s {
        ".nan" | ".NaN" | ".NAN" => return ("!!float", Yaml::Number(f64::NAN.into())),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ("!!float", Yaml::Number(f64::INFINITY.into()))
        }
        "-.inf" | "-.Inf" | "-.INF" => return ("!!float", Yaml::Number(f64::NEG_INFINITY.into())),
        _ => {}
    }
    match number(s) {
        Some(n) => (
            if matches!(n, Num::Int(_)) {
                "!!int"
            } else {
                "!!float"
            },
            number_value(s, n),
        ),
        None => ("!!str", Yaml::String(s.to_string())),
    }
}

/// A number as yaml.v2 resolves plain text (`None`: not a number, or a timestamp).
pub fn number(s: &str) -> Option<Num> {
    match s.as_bytes().first()? {
        b'.' => go_float(s).map(Num::Float),
        b'0'..=b'9' | b'+' | b'-' => {
            // a timestamp (`2024-01-02`) is neither, and is kept as text
            let plain = s.replace('_', "");
            if let Some(i) = go_parse_int(&plain) {
                return Some(Num::Int(i));
            }
            // yaml.v2's float form, `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`,
            // is Rust's float grammar less `inf` and `nan`, which go_float refuses
            go_float(&plain).map(Num::Float)
        }
        _ => None,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the decimal forms yaml.v2 hands it; out of range is an
/// error, as in Go.
fn go_float(s: &str) -> Option<f64> {
    let ok = s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    let f: f64 = s.parse().ok().filter(|_| ok)?;
    f.is_finite().then_some(f)
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()? as i128;
    let v = if neg { -v } else { v };
    // ParseUint takes no sign
    let unsigned = !s.starts_with(['+', '-']) && v <= u64::MAX as i128;
    let fits = (i64::MIN as i128..=i64::MAX as i128).contains(&v) || unsigned;
    fits.then_some(v)
}

/// yaml.v2's timestamps: `YYYY-` and a date Go's `time.Parse` reads (kept as text).
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let date = s.split(['T', 't', ' ']).next().unwrap_or("");
    let parts: Vec<&str> = date.split('-').collect();
    let num = |p: &str, max: u32| {
        (1..=2).contains(&p.len()) && p.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n))
    };
    parts.len() == 3
        && num(parts[1], 12)
        && num(parts[2], 31)
        && (date.len() == s.len() || s.len() > date.len() + 1)
}

/// A number: as itself when that is how it is written, else its text tagged `!!int`/`!!float`,
/// so that a field read as text (Go's `n.value`) gets the text as written.
fn number_value(s: &str, n: Num) -> Yaml {
    let v: Number = match n {
        Num::Int(i) if i < 0 => (i as i64).into(),
        Num::Int(i) => (i as u64).into(),
        Num::Float(f) => f.into(),
    };
    if v.to_string() == s {
        return Yaml::Number(v);
    }
    tagged(
        if matches!(n, Num::Int(_)) {
            "!!int"
        } else {
            "!!float"
        },
        s,
    )
}

fn tagged(tag: &str, text: &str) -> Yaml {
    Yaml::Tagged(Box::new(TaggedValue {
        tag: Tag::new(tag),
        value: Yaml::String(text.to_string()),
    }))
}

/// The boolean a value holds (`true`, or `yes` written as such).
pub fn as_bool(v: &Yaml) -> Option<bool> {
    match v {
        Yaml::Bool(b) => Some(*b),
        Yaml::Tagged(t) if t.tag == "!!bool" => match &t.value {
            Yaml::String(s) => Some(TRUE.contains(&s.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// The number a value holds, as Go reads it (a number, or a number's text tagged as one).
pub fn as_number(v: &Yaml) -> Option<Num> {
    match v {
        Yaml::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Some(Num::Int(i.into())),
            (_, Some(u)) => Some(Num::Int(u.into())),
            _ => n.as_f64().map(Num::Float),
        },
        Yaml::Tagged(t) if t.tag == "!!int" || t.tag == "!!float" => match &t.value {
            Yaml::String(s) => number(s),
            _ => None,
        },
        _ => None,
    }
}

/// A scalar event's value: plain ones resolved, quoted ones text, tagged ones as their tag says
/// (Go's error when the scalar is not what its tag says).
pub fn scalar(value: &str, tag: Option<&str>, plain_style: bool) -> Result<Yaml, String> {
    let short = tag.map(|t| t.replace("tag:yaml.org,2002:", "!!"));
    match short.as_deref() {
        None if plain_style => Ok(plain(value).1),
        None | Some("!!str") => Ok(Yaml::String(value.to_string())),
        Some("!!binary") => binary(value),
        Some(t @ ("!!bool" | "!!int" | "!!float" | "!!null" | "!!timestamp")) => {
            let (resolved, v) = plain(value);
            let resolved = match resolved {
                "!!str" if number(value).is_none() && is_timestamp(value) => "!!timestamp",
                r => r,
            };
            match (t, resolved) {
                (t, r) if t == r => Ok(v),
                ("!!float", "!!int") => Ok(v),
                _ => Err(format!("cannot decode {resolved} `{value}` as a {t}")),
            }
        }
        Some(_) => Ok(Yaml::String(value.to_string())),
    }
}

/// `!!binary`: base64, its bytes as text.
fn binary(value: &str) -> Result<Yaml, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let clean: Vec<u8> = value.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let bad = || "!!binary value contains invalid base64 data".to_string();
    if clean.len() % 4 != 0 {
        return Err(bad());
    }
    let mut out = Vec::new();
    for chunk in clean.chunks(4) {
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        let mut acc = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            let v = match ALPHABET.iter().position(|a| a == b) {
                Some(v) => v as u32,
                None if *b == b'=' && i >= 4 - pad && pad <= 2 => 0,
                None => return Err(bad()),
            };
            acc = acc << 6 | v;
        }
        out.extend_from_slice(&acc.to_be_bytes()[1..4 - pad]);
    }
    Ok(Yaml::String(String::from_utf8_lossy(&out).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_as_yaml_v2_resolves_them() {
        assert_eq!(as_bool(&scalar("yes", None, true).unwrap()), Some(true));
        assert_eq!(as_bool(&scalar("Off", None, true).unwrap()), Some(false));
        assert_eq!(
            scalar("yes", None, false).unwrap(),
            Yaml::String("yes".into())
        );
        assert_eq!(scalar("~", None, true).unwrap(), Yaml::Null);
        for (text, n) in [
            ("0x1F", Num::Int(31)),
            ("0o17", Num::Int(15)),
            ("017", Num::Int(15)),
            ("0b101", Num::Int(5)),
            ("1_000", Num::Int(1000)),
            ("+7", Num::Int(7)),
            ("09", Num::Float(9.0)),
            ("1e3", Num::Float(1000.0)),
            ("18446744073709551615", Num::Int(u64::MAX as i128)),
        ] {
            assert_eq!(
                as_number(&scalar(text, None, true).unwrap()),
                Some(n),
                "{text}"
            );
        }
        assert_eq!(number("99999999999999999999"), Some(Num::Float(1e20)));
        assert_eq!(number("1e400"), None, "out of range: text");
        assert_eq!(number("2024-01-02"), None);
        assert_eq!(number("-0x10"), Some(Num::Int(-16)));
        // the float form: a leading or trailing point, an exponent; not half of one
        for (text, f) in [(".5", 0.5), ("+.5e1", 5.0), ("1.", 1.0), ("1.E-1", 0.1)] {
            assert_eq!(number(text), Some(Num::Float(f)), "{text}");
        }
        for text in [
            ".", "-.", "1e", "1e+", ".e1", "1.5.2", "+inf", "1e5e5", "--1",
        ] {
            assert_eq!(number(text), None, "{text}");
        }
        // YAML 1.1's infinities and not-a-number, in their three spellings each
        for text in [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"] {
            assert_eq!(
                as_number(&scalar(text, None, true).unwrap()),
                Some(Num::Float(f64::INFINITY)),
                "{text}"
            );
        }
        for text in ["-.inf", "-.Inf", "-.INF"] {
            assert_eq!(
                as_number(&scalar(text, None, true).unwrap()),
                Some(Num::Float(f64::NEG_INFINITY)),
                "{text}"
            );
        }
        for text in [".nan", ".NaN", ".NAN"] {
            let n = as_number(&scalar(text, None, true).unwrap());
            assert!(
                matches!(n, Some(Num::Float(f)) if f.is_nan()),
                "{text}: {n:?}"
            );
        }
        assert_eq!(
            scalar(".Nan", None, true).unwrap(),
            Yaml::String(".Nan".into())
        );
        // Go's ParseInt and ParseUint: a lone 0 is decimal, no sign after a base prefix, no
        // sign for what only an unsigned integer holds (a float then)
        assert_eq!(number("0"), Some(Num::Int(0)));
        assert_eq!(number("0x+5"), None);
        assert_eq!(
            number("+18446744073709551615"),
            Some(Num::Float(18446744073709551615.0))
        );
    }

    /// yaml.v2's timestamps (four digits, `-`, a date) are what a `!!timestamp` tag takes, and
    /// are not integers.
    #[test]
    fn a_timestamp_tag_takes_a_date() {
        let tag = |t: &str| format!("tag:yaml.org,2002:{t}");
        assert_eq!(
            scalar("2024-01-02", Some(&tag("timestamp")), true).unwrap(),
            Yaml::String("2024-01-02".into())
        );
        assert_eq!(
            scalar("2024-01-02", Some(&tag("int")), true).unwrap_err(),
            "cannot decode !!timestamp `2024-01-02` as a !!int"
        );
        assert_eq!(
            scalar("12345-01-02", Some(&tag("timestamp")), true).unwrap_err(),
            "cannot decode !!str `12345-01-02` as a !!timestamp"
        );
        // each against yaml.v2 2.4 (`a: !!timestamp X`)
        let ts = |v: &str| scalar(v, Some(&tag("timestamp")), true).is_ok();
        for v in ["2024-1-2", "2024-01-02T10:00:00Z", "2024-01-02 10:00:00"] {
            assert!(ts(v), "{v}");
        }
        for v in [
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024-001-02",
            "2024-01",
            "2024-01-02-03",
            "2024-01-02T",
            "2024-01-02x",
        ] {
            assert!(!ts(v), "{v}");
        }
    }

    /// A number is a number where it is written as one, its text (tagged) where not; a boolean
    /// written `yes` is a boolean, a number's text is not.
    #[test]
    fn numbers_and_booleans_as_values() {
        assert_eq!(scalar("-5", None, true).unwrap(), Yaml::Number((-5).into()));
        assert_eq!(
            scalar("18446744073709551615", None, true).unwrap(),
            Yaml::Number(u64::MAX.into())
        );
        assert_eq!(as_bool(&scalar("0x1F", None, true).unwrap()), None);
        assert_eq!(as_bool(&scalar("on", None, true).unwrap()), Some(true));
    }

    #[test]
    fn a_number_keeps_its_text_where_a_string_is_read() {
        let v = scalar("0x1F", None, true).unwrap();
        assert_eq!(
            crate::alertmanager::config::scalar_text(&v).as_deref(),
            Some("0x1F")
        );
        assert_eq!(scalar("42", None, true).unwrap(), Yaml::Number(42.into()));
    }

    #[test]
    fn explicit_tags_must_match_the_scalar() {
        assert_eq!(
            scalar("5", Some("tag:yaml.org,2002:str"), true).unwrap(),
            Yaml::String("5".into())
        );
        assert_eq!(
            as_number(&scalar("5", Some("tag:yaml.org,2002:float"), true).unwrap()),
            Some(Num::Int(5))
        );
        assert_eq!(
            scalar("x", Some("tag:yaml.org,2002:int"), true).unwrap_err(),
            "cannot decode !!str `x` as a !!int"
        );
        assert_eq!(
            scalar("aGk=", Some("tag:yaml.org,2002:binary"), true).unwrap(),
            Yaml::String("hi".into())
        );
        assert!(scalar("a", Some("tag:yaml.org,2002:binary"), true).is_err());
        // Go's base64.StdEncoding: padding only at the end, at most two, no other character
        assert_eq!(
            scalar("aA==", Some("tag:yaml.org,2002:binary"), true).unwrap(),
            Yaml::String("h".into())
        );
        for bad in ["=a==", "a=bc", "a!==", "a==="] {
            assert_eq!(
                scalar(bad, Some("tag:yaml.org,2002:binary"), true).unwrap_err(),
                "!!binary value contains invalid base64 data",
                "{bad}"
            );
        }
        assert_eq!(
            scalar("5", Some("!custom"), true).unwrap(),
            Yaml::String("5".into())
        );
    }
}
