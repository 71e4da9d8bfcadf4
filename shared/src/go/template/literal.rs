//! The literals of an action as Go reads them: strings (`strconv.Unquote`) and numbers.
use super::lex::Kind;

/// `strconv.Unquote` of a string token.
pub(super) fn unquote(s: &str) -> Result<String, String> {
    crate::prometheus::promql::number::unquote(s).map_err(|_| "invalid syntax".into())
}

/// `newNumber`'s checks: a number Go can read as an integer, a float or a character.
pub(super) fn number(text: &str, kind: Kind) -> Result<(), String> {
    let illegal = || {
        format!(
            "illegal number syntax: {}",
            crate::prometheus::promql::quote::go_quote(text)
        )
    };
    match kind {
        Kind::CharConstant => {
            let inner = unquote(&format!("\"{}\"", &text[1..text.len() - 1]))
                .map_err(|_| "malformed character constant".to_string())?;
            if inner.chars().count() != 1 {
                return Err(format!(
                    "malformed character constant: {}",
                    crate::prometheus::promql::quote::go_quote(text)
                ));
            }
            Ok(())
        }
        Kind::Complex => Ok(()),
        _ => {
            let t = text.trim_start_matches(['+', '-']).trim_end_matches('i');
            let clean: String = t.chars().filter(|c| *c != '_').collect();
            let ok = clean.parse::<f64>().is_ok()
                || ["0x", "0X"].iter().any(|p| {
                    clean.strip_prefix(p).is_some_and(|h| {
                        !h.is_empty()
                            && h.chars().all(|c| {
                                c.is_ascii_hexdigit()
                                    || c == '.'
                                    || c == 'p'
                                    || c == 'P'
                                    || c == '+'
                                    || c == '-'
                            })
                    })
                })
                || ["0o", "0O"].iter().any(|p| {
                    clean.strip_prefix(p).is_some_and(|o| {
                        !o.is_empty() && o.chars().all(|c| ('0'..='7').contains(&c))
                    })
                })
                || ["0b", "0B"].iter().any(|p| {
                    clean
                        .strip_prefix(p)
                        .is_some_and(|b| !b.is_empty() && b.chars().all(|c| c == '0' || c == '1'))
                });
            if ok {
                Ok(())
            } else {
                Err(illegal())
            }
        }
    }
}
