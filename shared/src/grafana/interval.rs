//! Grafana's interval arithmetic, in milliseconds, after its frontend (`rangeUtil.calculateInterval`:
//! the panel's `intervalMs` from the range, its max data points and its min interval) and its
//! Prometheus backend (`pkg/promlib/models/query.go`: the step, `$__rate_interval`, and the
//! built-in variables it substitutes, `gtime.FormatInterval`, Go's `Duration.String`).

/// The Prometheus backend's safe resolution: no step below range / 11000.
const SAFE_RESOLUTION: i64 = 11000;

/// A Scenes panel's max data points when neither the panel nor its width says (`SceneQueryRunner`).
pub const DEFAULT_MAX_DATA_POINTS: i64 = 500;

/// Grafana's "nice" interval for a raw one (`gtime.RoundInterval`, `rangeUtil.roundInterval`).
pub fn round(ms: i64) -> i64 {
    const TABLE: &[(i64, i64)] = &[
        (10, 1),
        (15, 10),
        (35, 20),
        (75, 50),
        (150, 100),
        (350, 200),
        (750, 500),
        (1_500, 1_000),
        (3_500, 2_000),
        (7_500, 5_000),
        (12_500, 10_000),
        (17_500, 15_000),
        (25_000, 20_000),
        (45_000, 30_000),
        (90_000, 60_000),
        (210_000, 120_000),
        (450_000, 300_000),
        (750_000, 600_000),
        (1_050_000, 900_000),
        (1_500_000, 1_200_000),
        (2_700_000, 1_800_000),
        (5_400_000, 3_600_000),
        (9_000_000, 7_200_000),
        (16_200_000, 10_800_000),
        (32_400_000, 21_600_000),
        (86_400_000, 43_200_000),
        (604_800_000, 86_400_000),
        (1_814_400_000, 604_800_000),
    ];
    if let Some((_, nice)) = TABLE.iter().find(|(upto, _)| ms <= *upto) {
        return *nice;
    }
    if ms < 3_628_800_000 {
        2_592_000_000
    } else {
        31_536_000_000
    }
}

/// `gtime.FormatInterval`: the largest whole unit (`1y`, `2d`, `3h`, `5m`, `30s`, `100ms`).
pub fn format(ms: i64) -> String {
    const UNITS: &[(i64, &str)] = &[
        (31_536_000_000, "y"),
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
        (1, "ms"),
    ];
    UNITS
        .iter()
        .find(|(u, _)| ms >= *u)
        .map(|(u, name)| format!("{}{name}", ms / u))
        .unwrap_or_else(|| "1ms".into())
}

/// Go's `time.Duration.String()` of a whole number of milliseconds (`2m0s`, `1h0m0s`, `1.5s`, `250ms`).
pub fn go_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let neg = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    if ms < 1000 {
        return format!("{neg}{ms}ms");
    }
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let secs = match frac {
        0 => format!("{s}s"),
        f => format!("{s}.{}s", format!("{f:03}").trim_end_matches('0')),
    };
    match (h, m) {
        (0, 0) => format!("{neg}{secs}"),
        (0, m) => format!("{neg}{m}m{secs}"),
        (h, m) => format!("{neg}{h}h{m}m{secs}"),
    }
}

/// An interval as Grafana reads one (`gtime.ParseIntervalStringToTimeDuration`): one `<` and one
/// `>` dropped, a bare number is seconds, `1d`/`2w`/`1M`/`1y`, else Go's duration syntax
/// (`1h30m`, `1.5s`, `250ms`). `None` when it is none of these.
pub fn parse(s: &str) -> Option<i64> {
    let s = s.trim().replacen('<', "", 1).replacen('>', "", 1);
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().map(|n| n * 1000);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    if !num.is_empty() {
        let n: i64 = num.parse().ok()?;
        let day = 86_400_000;
        let year = day * 36525 / 100;
        match unit {
            "d" => return Some(n * day),
            "w" => return Some(n * 7 * day),
            "M" => return Some(n * year / 12),
            "y" => return Some(n * year),
            _ => {}
        }
    }
    go_parse(&s)
}

/// Go's `time.ParseDuration`, to the millisecond.
fn go_parse(s: &str) -> Option<i64> {
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..u] {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 6e4,
            "h" => 3.6e6,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[u..];
    }
    Some(total.round() as i64)
}

/// What the frontend sends with a panel's queries (`rangeUtil.calculateInterval`): range / max
/// data points, made nice, and at least the low limit (the panel's min interval, else the
/// datasource's scrape interval).
pub fn frontend_interval(range_ms: i64, max_data_points: i64, low_limit: Option<&str>) -> i64 {
    let low = low_limit.and_then(parse).unwrap_or(1);
    round(range_ms / max_data_points.max(1)).max(low)
}

/// One panel query's timing as Grafana's Prometheus backend computes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The frontend's `intervalMs`.
    pub interval_ms: i64,
    /// The query's step (`calculatePrometheusInterval`); `$__interval` becomes this.
    pub step_ms: i64,
    /// `$__rate_interval`.
    pub rate_interval_ms: i64,
}

/// What the backend reads of a target to time it.
#[derive(Debug, Clone, Copy)]
pub struct TimingInput<'a> {
    pub range_ms: i64,
    pub max_data_points: i64,
    /// The frontend's `intervalMs` ([`frontend_interval`]).
    pub interval_ms: i64,
    /// The target's `interval` (its min step), variables already replaced by the frontend.
    pub target_interval: &'a str,
    pub interval_factor: i64,
    /// The datasource's `jsonData.timeInterval`.
    pub scrape_interval: Option<&'a str>,
}

fn is_interval_variable(s: &str) -> bool {
    [
        "$__interval",
        "$__interval_ms",
        "$__rate_interval",
        "$__rate_interval_ms",
        "${__interval}",
        "${__interval_ms}",
        "${__rate_interval}",
        "${__rate_interval_ms}",
    ]
    .contains(&s)
}

fn is_rate_interval(s: &str) -> bool {
    s == "$__rate_interval" || s == "${__rate_interval}"
}

/// `calculateRateInterval`: max(interval + scrape, 4 × scrape), the scrape interval defaulting to 15s.
fn rate_interval(interval_ms: i64, min_step: &str) -> i64 {
    let scrape = if min_step.is_empty() { "15s" } else { min_step };
    match parse(scrape) {
        Some(s) => (interval_ms + s).max(4 * s),
        None => 0,
    }
}

/// The step and `$__rate_interval` of one target (`calculatePrometheusInterval`, `interpolateVariables`).
pub fn timing(t: TimingInput) -> Timing {
    let scrape = t.scrape_interval.unwrap_or("");
    let query_interval = match is_interval_variable(t.target_interval) {
        true => "",
        false => t.target_interval,
    };
    // gtime.GetIntervalFrom: the target's min step, else intervalMs, else the scrape interval, else 15s
    let min = match query_interval {
        "" | "0s" if t.interval_ms != 0 => t.interval_ms,
        "" | "0s" => parse(scrape).unwrap_or(15_000),
        s => parse(s).unwrap_or(15_000),
    };
    let raw = t.range_ms / t.max_data_points.max(1);
    let calculated = if raw < min { min } else { round(raw) };
    let adjusted = calculated.max(round(t.range_ms / SAFE_RESOLUTION));
    let step = if is_rate_interval(t.target_interval) {
        rate_interval(adjusted, scrape)
    } else {
        adjusted * t.interval_factor.max(1)
    };
    let rate = if is_rate_interval(t.target_interval) {
        step
    } else {
        let min_step = match t.target_interval {
            "$__interval" | "${__interval}" => go_duration(step),
            "" => scrape.to_string(),
            s => s.to_string(),
        };
        rate_interval(t.interval_ms, &min_step)
    };
    Timing {
        interval_ms: t.interval_ms,
        step_ms: step,
        rate_interval_ms: rate,
    }
}

/// The built-in variables the Prometheus backend replaces in the expression, in its order
/// (`$__interval_ms` before `$__interval`, `$__range_s` before `$__range`).
pub fn backend_builtins(expr: &str, t: Timing, range_ms: i64) -> String {
    let range_s = ((range_ms as f64) / 1000.0).round() as i64;
    let pairs = [
        ("__interval_ms", t.step_ms.to_string()),
        ("__interval", format(t.step_ms)),
        ("__range_ms", range_ms.to_string()),
        ("__range_s", range_s.to_string()),
        ("__range", format!("{range_s}s")),
        ("__rate_interval_ms", t.rate_interval_ms.to_string()),
        ("__rate_interval", go_duration(t.rate_interval_ms)),
    ];
    let mut out = expr.to_string();
    for (name, value) in &pairs {
        out = out.replace(&format!("${name}"), value);
    }
    for (name, value) in &pairs {
        out = out.replace(&format!("${{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_grafana_and_go_do() {
        assert_eq!(format(30_000), "30s");
        assert_eq!(format(90_000), "1m");
        assert_eq!(format(86_400_000 * 2), "2d");
        assert_eq!(format(0), "1ms");
        assert_eq!(go_duration(120_000), "2m0s");
        assert_eq!(go_duration(3_600_000), "1h0m0s");
        assert_eq!(go_duration(90_500), "1m30.5s");
        assert_eq!(go_duration(250), "250ms");
        assert_eq!(go_duration(15_000), "15s");
    }

    #[test]
    fn intervals_parse_as_grafana_reads_them() {
        assert_eq!(parse("30s"), Some(30_000));
        assert_eq!(parse(">1m"), Some(60_000));
        assert_eq!(parse("15"), Some(15_000));
        assert_eq!(parse("1h30m"), Some(5_400_000));
        assert_eq!(parse("1.5s"), Some(1_500));
        assert_eq!(parse("2d"), Some(172_800_000));
        assert_eq!(parse("1w"), Some(604_800_000));
        assert_eq!(parse("x"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn rounding_follows_grafana_s_table() {
        assert_eq!(round(7_200), 5_000);
        assert_eq!(round(12_000), 10_000);
        assert_eq!(round(3_600_000 / 500), 5_000);
        assert_eq!(round(86_400_000 / 500), 120_000);
    }

    #[test]
    fn an_hour_with_a_30s_scrape_interval() {
        let interval_ms = frontend_interval(3_600_000, 500, Some("30s"));
        assert_eq!(interval_ms, 30_000);
        let hour = TimingInput {
            range_ms: 3_600_000,
            max_data_points: 500,
            interval_ms,
            target_interval: "",
            interval_factor: 1,
            scrape_interval: Some("30s"),
        };
        let t = timing(hour);
        assert_eq!((t.step_ms, t.rate_interval_ms), (30_000, 120_000));
        assert_eq!(
            backend_builtins(
                "rate(x[$__rate_interval]) / $__interval_ms / ${__range_s}",
                t,
                3_600_000
            ),
            "rate(x[2m0s]) / 30000 / 3600"
        );
        // a target's own min step, and the rate interval as its step
        let t = timing(TimingInput {
            target_interval: "1m",
            interval_factor: 2,
            ..hour
        });
        assert_eq!((t.step_ms, t.rate_interval_ms), (120_000, 240_000));
        let t = timing(TimingInput {
            target_interval: "$__rate_interval",
            ..hour
        });
        assert_eq!((t.step_ms, t.rate_interval_ms), (120_000, 120_000));
    }
}
