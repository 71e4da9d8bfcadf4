//! Grafana template variables in panel queries, replaced so the query can be parsed (validate) or
//! run (check): `$__rate_interval`, `$__interval`, `$__range` and friends, `$var`, `${var}`,
//! `${var:format}` and the old `[[var]]`.

/// What to put in place of variables.
#[derive(Debug, Clone, Copy)]
pub struct Substitution<'a> {
    /// For interval variables (`$__rate_interval`, a `$var` used as a range).
    pub interval: &'a str,
    /// For `$__range`.
    pub range: &'a str,
    /// For any other variable inside a string literal (a label value or regex).
    pub in_string: &'a str,
    /// For any other variable outside strings.
    pub bare: &'a str,
}

/// For parsing only.
pub const PARSE: Substitution<'static> = Substitution {
    interval: "5m",
    range: "1h",
    in_string: "x",
    bare: "x",
};

/// Replace every variable in `expr`.
pub fn substitute(expr: &str, s: Substitution) -> String {
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' && q != b'`' && i + 1 < b.len() {
                out.push_str(&expr[i..i + 2]);
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else if matches!(c, b'"' | b'\'' | b'`') {
            quote = Some(c);
        }
        // the variable at i, if any: (name, length of its text)
        let var = if c == b'$' {
            if b.get(i + 1) == Some(&b'{') {
                expr[i + 2..].find('}').map(|end| {
                    (
                        expr[i + 2..i + 2 + end]
                            .split(':')
                            .next()
                            .unwrap_or("")
                            .to_string(),
                        end + 3,
                    )
                })
            } else {
                let n = expr[i + 1..]
                    .bytes()
                    .take_while(|x| x.is_ascii_alphanumeric() || *x == b'_')
                    .count();
                (n > 0).then(|| (expr[i + 1..i + 1 + n].to_string(), n + 1))
            }
        } else if c == b'[' && b.get(i + 1) == Some(&b'[') {
            expr[i + 2..]
                .find("]]")
                .map(|end| (expr[i + 2..i + 2 + end].to_string(), end + 4))
        } else {
            None
        };
        match var {
            Some((name, len))
                if !name.is_empty() && !name.chars().all(|ch| ch.is_ascii_digit()) =>
            {
                let prev = out.trim_end().chars().last();
                let value = if name == "__range" {
                    s.range
                } else if name.ends_with("_ms") || name.ends_with("_s") {
                    "60"
                } else if name.starts_with("__")
                    || (quote.is_none() && matches!(prev, Some('[') | Some(':')))
                {
                    s.interval
                } else if quote.is_some() {
                    s.in_string
                } else {
                    s.bare
                };
                out.push_str(value);
                i += len;
            }
            _ => {
                let ch = expr[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_variable() {
        assert_eq!(
            substitute("sum(rate(x_total{job=\"$job\"}[$__rate_interval]))", PARSE),
            "sum(rate(x_total{job=\"x\"}[5m]))"
        );
        assert_eq!(
            substitute("rate(x_total{a=~\"${node:regex}\"}[${interval}])", PARSE),
            "rate(x_total{a=~\"x\"}[5m])"
        );
        assert_eq!(
            substitute("up{i=\"[[instance]]\"} offset $__range", PARSE),
            "up{i=\"x\"} offset 1h"
        );
        assert_eq!(
            substitute("max_over_time(up[$__range:$__interval])", PARSE),
            "max_over_time(up[1h:5m])"
        );
        assert_eq!(
            substitute("sum by ($group) (up) > $threshold", PARSE),
            "sum by (x) (up) > x"
        );
        assert_eq!(
            substitute("label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")", PARSE),
            "label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")",
            "$1 is a capture reference"
        );
        assert_eq!(substitute("x / $__range_s", PARSE), "x / 60");
    }
}
