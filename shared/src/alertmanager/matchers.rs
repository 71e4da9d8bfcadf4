//! The small grammars inside an Alertmanager config, checked as Alertmanager parses them: label
//! matchers (`severity=~"warning|critical"`, several per line, braces optional), regexes (Go's RE2,
//! anchored as Alertmanager anchors them), label names, time intervals, and the `{{ }}` of Go
//! templates (also in PrometheusRule annotations).

/// `[a-zA-Z_][a-zA-Z0-9_]*`: a label name as Alertmanager's config takes it.
pub fn is_label_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// Are the `{{ }}` of a Go template balanced (never closing more than opened, all closed)?
pub fn braces_balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let b = s.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'{', b'{') => {
                depth += 1;
                i += 2;
            }
            (b'}', b'}') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
                i += 2;
            }
            _ => i += 1,
        }
    }
    depth == 0
}

/// Does this regex compile as Alertmanager compiles it (`^(?:re)$`, Go RE2 syntax)? regex-syntax
/// parses the syntax RE2 shares with Go's regexp.
pub fn check_regex(re: &str) -> Result<(), String> {
    regex_syntax::Parser::new()
        .parse(&format!("^(?:{re})$"))
        .map(|_| ())
        .map_err(|e| {
            let first = e.to_string();
            let why = first
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim_start_matches("error: ");
            format!("invalid regex `{re}`: {why}")
        })
}

/// A quoted value (with Go escapes) at the start of `s`: the value and the rest after it.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                // the classic parser keeps other escapes as they are
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("a quoted value is not closed".into())
}

/// One label matcher: `name op value`, a regex compiled as Alertmanager compiles it.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    /// `=`, `!=`, `=~` or `!~`.
    pub op: &'static str,
    pub value: String,
    re: Option<regex::Regex>,
}

impl Matcher {
    /// A matcher; `=~`/`!~` values must compile (`^(?:value)$`).
    pub fn new(name: &str, op: &'static str, value: &str) -> Result<Self, String> {
        let re = match op.ends_with('~') {
            true => {
                check_regex(value)?;
                Some(
                    regex::Regex::new(&format!("^(?:{value})$"))
                        .map_err(|e| format!("invalid regex `{value}`: {e}"))?,
                )
            }
            false => None,
        };
        Ok(Matcher {
            name: name.into(),
            op,
            value: value.into(),
            re,
        })
    }

    /// Does an alert with these labels match? A missing label reads as empty, as in Alertmanager.
    pub fn matches(&self, labels: &std::collections::BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.name).map(String::as_str).unwrap_or("");
        let re = || self.re.as_ref().is_some_and(|r| r.is_match(v));
        match self.op {
            "=" => v == self.value,
            "!=" => v != self.value,
            "=~" => re(),
            _ => !re(),
        }
    }

    /// As `amtool` shows it: `name="value"`.
    pub fn show(&self) -> String {
        format!("{}{}\"{}\"", self.name, self.op, self.value)
    }
}

/// One line of matchers as Alertmanager (v0.27 and later: the UTF-8 parser, falling back to the
/// classic one) reads it: `name OP value`, comma-separated, braces optional; names plain or
/// quoted, values quoted or plain; `=~`/`!~` values compiled as regexes.
pub fn parse_matcher_line(line: &str) -> Result<Vec<Matcher>, String> {
    let s = line.trim();
    let s = s.strip_prefix('{').unwrap_or(s);
    let mut s = s.strip_suffix('}').unwrap_or(s).trim();
    if s.is_empty() {
        return Err("no matcher (want: name=\"value\", with =, !=, =~ or !~)".into());
    }
    let mut out = Vec::new();
    loop {
        // the label name
        let (name, rest) = if s.starts_with('"') {
            quoted(s)?
        } else {
            let n = s
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == ':'))
                .unwrap_or(s.len());
            if n == 0 {
                return Err("a matcher starts with a label name (want: name=\"value\", with =, !=, =~ or !~)".into());
            }
            (s[..n].to_string(), &s[n..])
        };
        let rest = rest.trim_start();
        let (op, rest) = ["=~", "!~", "!=", "="]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|r| (*op, r)))
            .ok_or("no matcher operator after the label name (want =, !=, =~ or !~)")?;
        let rest = rest.trim_start();
        let (value, rest) = if rest.starts_with('"') {
            quoted(rest)?
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            let v = rest[..end].trim();
            if v.contains('"') {
                return Err(format!("a stray quote in the value `{v}`"));
            }
            (v.to_string(), &rest[end..])
        };
        out.push(Matcher::new(&name, op, &value)?);
        let rest = rest.trim_start();
        match rest.strip_prefix(',') {
            Some(more) if !more.trim().is_empty() => s = more.trim_start(),
            Some(_) => return Ok(out),
            None if rest.is_empty() => return Ok(out),
            None => return Err(format!("unexpected `{rest}` after a matcher")),
        }
    }
}

/// [`parse_matcher_line`] for a check: what is wrong, if anything.
pub fn check_matcher_line(line: &str) -> Result<(), String> {
    parse_matcher_line(line).map(|_| ())
}

const WEEKDAYS: &[&str] = &[
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const MONTHS: &[&str] = &[
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

/// `a:b` or `a`, each side parsed by `f`; the range must not run backwards.
fn range<T: PartialOrd>(s: &str, f: impl Fn(&str) -> Option<T>, what: &str) -> Result<(), String> {
    let (a, b) = s.split_once(':').unwrap_or((s, s));
    match (f(a.trim()), f(b.trim())) {
        (Some(x), Some(y)) if x <= y => Ok(()),
        (Some(_), Some(_)) => Err(format!("`{s}`: the {what} range runs backwards")),
        _ => Err(format!("`{s}` is not a valid {what}")),
    }
}

fn minutes(t: &str) -> Option<u32> {
    let (h, m) = t.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24
        && m < 60
        && (h < 24 || m == 0)
        && h.to_string().len() <= 2
        && m.to_string().len() <= 2)
        .then_some(h * 60 + m)
}

/// What Alertmanager refuses in one time interval spec (times, weekdays, days_of_month, months, years).
pub fn time_interval_problems(spec: &serde_yaml::Mapping) -> Vec<String> {
    use serde_yaml::Value as Yaml;
    let mut out = Vec::new();
    let list = |k: &str| -> Vec<String> {
        spec.get(k)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
            .map(|v| match v {
                Yaml::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            })
            .collect()
    };
    for t in spec
        .get("times")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
    {
        let get = |k: &str| t.get(k).and_then(Yaml::as_str).unwrap_or_default();
        match (minutes(get("start_time")), minutes(get("end_time"))) {
            (Some(a), Some(b)) if a < b => {}
            (Some(_), Some(_)) => out.push(format!(
                "start_time `{}` must be before end_time `{}`",
                get("start_time"),
                get("end_time")
            )),
            _ => out.push(format!(
                "times: `{}`-`{}` are not HH:MM times between 00:00 and 24:00",
                get("start_time"),
                get("end_time")
            )),
        }
    }
    let day = |s: &str| WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(s));
    for w in list("weekdays") {
        out.extend(
            range(&w, day, "weekday")
                .err()
                .map(|_| format!("{w} is not a valid weekday")),
        );
    }
    let dom = |s: &str| {
        s.parse::<i32>()
            .ok()
            .filter(|d| *d != 0 && (-31..=31).contains(d))
    };
    for d in list("days_of_month") {
        let (a, b) = d.split_once(':').unwrap_or((&d, &d));
        match (dom(a.trim()), dom(b.trim())) {
            // negative days count from the end: -1 is the last; a range may mix them
            (Some(x), Some(y)) if x.signum() != y.signum() || x <= y => {}
            _ => out.push(format!(
                "`{d}` is not a valid day of the month (1 to 31, or -31 to -1)"
            )),
        }
    }
    let month = |s: &str| {
        MONTHS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(s))
            .map(|i| i as u32 + 1)
            .or_else(|| s.parse::<u32>().ok().filter(|m| (1..=12).contains(m)))
    };
    for m in list("months") {
        out.extend(range(&m, month, "month").err());
    }
    for y in list("years") {
        out.extend(range(&y, |s| s.parse::<u32>().ok().filter(|y| *y > 0), "year").err());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_as_alertmanager_reads_them() {
        for ok in [
            "severity=\"critical\"",
            "severity = critical",
            "{a=\"b\", c=~\"x|y\"}",
            "team!~\"db|web\"",
            "\"dotted.name\"=\"v\"",
            "alertname=Watchdog",
            "a=\"with, comma\"",
            "a=b c",
            "{a=b",
            "a=b,",
            "a=\"x\\qy\"",
            "alertname = \"Watchdog\"",
            "severity=~\"warning|info\"",
            "a!=b",
            "team !~ \"x\\\"y\"",
            "{a=\"b\"}",
        ] {
            assert_eq!(check_matcher_line(ok), Ok(()), "{ok}");
        }
        for bad in [
            "severity=~\"(critical\"",
            "not a matcher",
            "=x",
            "a=\"open",
            "alertname",
            "= \"x\"",
            "a == \"b",
            "a = \"b",
        ] {
            assert!(check_matcher_line(bad).is_err(), "{bad}");
        }
        assert!(check_matcher_line("severity=~\"(critical\"")
            .unwrap_err()
            .contains("invalid regex `(critical`"));
        assert_eq!(
            parse_matcher_line("{a=\"b\", c=~\"x|y\"}").unwrap().len(),
            2
        );
    }

    #[test]
    fn matchers_match_as_alertmanager_matches() {
        let l = |v: &str| std::collections::BTreeMap::from([("a".to_string(), v.to_string())]);
        for (m, yes, no) in [
            ("a=\"1\"", "1", "2"),
            ("a!=1", "2", "1"),
            ("a=~\"x|y\"", "y", "xy"),
            ("{a!~\"z.*\"}", "q", "zed"),
            ("a = \"sp ace\"", "sp ace", "space"),
        ] {
            let parsed = &parse_matcher_line(m).unwrap_or_else(|e| panic!("{m}: {e}"))[0];
            assert!(parsed.matches(&l(yes)), "{m} should match {yes}");
            assert!(!parsed.matches(&l(no)), "{m} should not match {no}");
        }
        assert_eq!(
            parse_matcher_line("a=~\"x|y\"").unwrap()[0].show(),
            "a=~\"x|y\""
        );
    }

    #[test]
    fn time_intervals_as_alertmanager_reads_them() {
        let spec = |y: &str| serde_yaml::from_str::<serde_yaml::Mapping>(y).unwrap();
        assert!(time_interval_problems(&spec("times: [{start_time: '09:00', end_time: '17:30'}]\nweekdays: ['monday:friday', saturday]\ndays_of_month: ['1:5', '-3:-1']\nmonths: ['january:march', '12']\nyears: ['2025:2027']")).is_empty());
        assert_eq!(
            time_interval_problems(&spec("weekdays: [funday]")),
            ["funday is not a valid weekday"]
        );
        assert_eq!(
            time_interval_problems(&spec("times: [{start_time: '18:00', end_time: '09:00'}]"))
                .len(),
            1
        );
        assert_eq!(
            time_interval_problems(&spec("times: [{start_time: '25:00', end_time: '26:00'}]"))
                .len(),
            1
        );
        assert_eq!(
            time_interval_problems(&spec("days_of_month: ['0']")).len(),
            1
        );
        assert_eq!(
            time_interval_problems(&spec("months: ['march:january']")).len(),
            1
        );
    }

    #[test]
    fn template_braces() {
        assert!(braces_balanced(
            "{{ $labels.instance }} is down {{ $value }}"
        ));
        assert!(braces_balanced("no templates { here }"));
        assert!(!braces_balanced("{{ $labels.pod }"));
        assert!(!braces_balanced("}} {{"));
        assert!(!braces_balanced("{{ {{ }}"));
    }
}
