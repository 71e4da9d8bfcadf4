//! Prometheus durations (`30s`, `5m`, `1h30m`, `2d`, `100ms`), as Prometheus and Alertmanager parse them:
//! units in decreasing order, each at most once.

const UNITS: [(&str, f64); 7] = [
    ("y", 365.0 * 86400.0),
    ("w", 7.0 * 86400.0),
    ("d", 86400.0),
    ("h", 3600.0),
    ("m", 60.0),
    ("s", 1.0),
    ("ms", 0.001),
];

/// Seconds of a Prometheus duration, `None` when it is not one. `"0"` is zero.
pub fn seconds(s: &str) -> Option<f64> {
    if s == "0" {
        return Some(0.0);
    }
    let mut rest = s;
    let mut last: Option<usize> = None;
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = if rest.starts_with("ms") {
            "ms"
        } else {
            rest.get(..1)?
        };
        let pos = UNITS.iter().position(|(u, _)| *u == unit)?;
        if last.is_some_and(|l| pos <= l) {
            return None;
        }
        last = Some(pos);
        total += n * UNITS[pos].1;
        rest = &rest[unit.len()..];
    }
    last.map(|_| total)
}

/// The value parser of every duration flag (`--timeout 10m`, `--for 1h30m`, `--range 90s`): a
/// Prometheus duration, or the sentence clap prints with exit 2.
pub fn parse_flag(s: &str) -> Result<std::time::Duration, String> {
    seconds(s.trim())
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("`{s}` is not a duration like 90s, 5m, 1h30m"))
}

/// [`parse_flag`] for a duration that is passed on as written (a rule's `for:`).
pub fn parse_flag_text(s: &str) -> Result<String, String> {
    parse_flag(s).map(|_| s.trim().to_string())
}

/// Is this a Prometheus duration?
pub fn is_valid(s: &str) -> bool {
    seconds(s).is_some()
}

/// A duration written as Prometheus writes one (`model.Duration.String()`): `30d`, `1h30m`,
/// `45s`, `250ms`; years and weeks only when they divide it (`90d`, not `12w6d`).
pub fn format(d: std::time::Duration) -> String {
    let mut ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    const DAY: u128 = 24 * 3600 * 1000;
    let mut out = String::new();
    for (unit, mult, exact) in [
        ("y", 365 * DAY, true),
        ("w", 7 * DAY, true),
        ("d", DAY, false),
        ("h", 3600 * 1000, false),
        ("m", 60 * 1000, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ] {
        if exact && ms % mult != 0 {
            continue;
        }
        let v = ms / mult;
        if v > 0 {
            out.push_str(&format!("{v}{unit}"));
            ms -= v * mult;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatted_as_prometheus_writes_it_and_read_back() {
        use std::time::Duration;
        for (d, s) in [
            (Duration::from_secs(3600), "1h"),
            (Duration::from_secs(30 * 86400), "30d"),
            (Duration::from_secs(14 * 86400), "2w"),
            (Duration::from_secs(5400), "1h30m"),
            (Duration::from_secs(300), "5m"),
            (Duration::from_secs(45), "45s"),
            (Duration::from_millis(250), "250ms"),
            (Duration::ZERO, "0s"),
        ] {
            assert_eq!(format(d), s);
            assert_eq!(seconds(s), Some(d.as_secs_f64()), "{s}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(seconds("30s"), Some(30.0));
        assert_eq!(seconds("1h30m"), Some(5400.0));
        assert_eq!(seconds("2d"), Some(172800.0));
        assert_eq!(seconds("100ms"), Some(0.1));
        assert_eq!(seconds("0"), Some(0.0));
        for bad in ["", "5", "m", "5x", "30s5m", "1.5h", "5m5m", "-5m"] {
            assert_eq!(seconds(bad), None, "{bad}");
        }
    }

    #[test]
    fn flags_take_the_same_grammar() {
        assert_eq!(
            parse_flag("1h30m"),
            Ok(std::time::Duration::from_secs(5400))
        );
        assert_eq!(parse_flag("90s"), Ok(std::time::Duration::from_secs(90)));
        assert!(parse_flag("soon").unwrap_err().contains("1h30m"));
        assert!(parse_flag("1.5h").is_err(), "one grammar: Prometheus's");
    }
}
