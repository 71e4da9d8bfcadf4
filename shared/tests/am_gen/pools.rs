//! Samples of each scalar form a config field takes, as YAML source: ones Alertmanager should
//! load (`good`) and ones at or past the edge of what it reads (`odd`), and the random parts of
//! matcher lines.
use promstack_shared::alertmanager::config::schema::Ty;

pub use promstack_shared::testing::Rng;

pub const STR_GOOD: &[&str] = &[
    "x",
    "ops",
    "'hello world'",
    "\"{{ .CommonLabels.alertname }}\"",
    "'{{ template \"slack.default.title\" . }}'",
    "team-db",
    "'5'",
    "/etc/alertmanager/secret",
];
pub const STR_ODD: &[&str] = &[
    "''",
    "5",
    "true",
    "yes",
    "~",
    "[a, b]",
    "{a: b}",
    "1.5",
    "0x1F",
    "2024-01-02",
];
const BOOL_GOOD: &[&str] = &["true", "false", "yes", "no", "on", "off", "True", "FALSE"];
const BOOL_ODD: &[&str] = &["'true'", "1", "x", "[true]", "y", "\"no\"", "0"];
const INT_GOOD: &[&str] = &["1", "0", "42", "-5", "0x1F", "1_000", "0755"];
const INT_ODD: &[&str] = &[
    "x",
    "'5'",
    "1.5",
    "1e3",
    "99999999999999999999",
    "9223372036854775807",
    "-9223372036854775809",
    "0b101",
    ".inf",
    "09",
    "+7",
    "[1]",
];
const FLOAT_GOOD: &[&str] = &["0.5", "1", "0", "1e-3"];
const FLOAT_ODD: &[&str] = &["x", "'0.5'", ".inf", ".nan", "-1", "1_0.5", "true"];
const MODEL_DURATION_GOOD: &[&str] = &["5m", "30s", "1h30m", "1d", "2w", "1y", "100ms", "4h"];
const MODEL_DURATION_ODD: &[&str] = &[
    "0",
    "0s",
    "1.5h",
    "5",
    "''",
    "5x",
    "-5m",
    "1h1h",
    "1m1h",
    "10",
    "1d2h3m4s5ms",
    "0d",
];
const GO_DURATION_GOOD: &[&str] = &["10s", "1.5s", "300ms", "1m30s", "2h45m", "1us"];
const GO_DURATION_ODD: &[&str] = &[
    "0", "5d", "5", "''", "x", "1.5", "5000000", "-1s", "'10'", "1µs", ".5s", "1.s", "+3m",
];
const URL_GOOD: &[&str] = &[
    "https://example.com/hook",
    "http://127.0.0.1:9093/api?x=1",
    "'http://[::1]:80/'",
    "https://user:pw@example.com/x#frag",
];
const URL_ODD: &[&str] = &[
    "ftp://example.com/",
    "'not a url'",
    "https:///path",
    "http://host:port/",
    "''",
    "'<secret>'",
    "http://",
    "'http://ho st/'",
    "'http://x/%zz'",
    "':foo'",
    "mailto:x@example.com",
    "HTTPS://EXAMPLE.COM/",
    "//example.com/x",
    "'http://[::1/'",
    "'http://a b@host/'",
];
const TEMPLATE_URL_EXTRA: &[&str] = &[
    "'https://example.com/{{ .GroupLabels.team }}'",
    "'{{ broken'",
    "'{{ .X }}'",
    "'{{ template \"x\" . }}'",
    "'{{ end }}'",
];
const ANY_URL: &[&str] = &[
    "http://proxy:3128",
    "'%zz'",
    "':x'",
    "socks5://proxy:1080",
    "''",
    "'http://a b'",
];
const HOST_PORT: &[&str] = &[
    "smtp.example.com:25",
    "'[::1]:25'",
    "smtp",
    "'a:b:c'",
    "'x:'",
    "''",
    "':25'",
    "'[::1]'",
    "'[a]b:25'",
];
const TLS_VERSION: &[&str] = &["TLS12", "TLS13", "TLS10", "TLS11", "TLS14", "tls12", "''"];
const LOCATION: &[&str] = &[
    "UTC",
    "Local",
    "Europe/Berlin",
    "America/New_York",
    "europe/berlin",
    "Mars/Olympus",
    "''",
    "../etc",
    "Etc/GMT+5",
];
const REGEXP: &[&str] = &[
    "'a|b'",
    "'.*'",
    "critical",
    "'('",
    "'[z-a]'",
    "'a{2,1}'",
    "''",
    "'\\d+'",
    "'(?i)x'",
    "'(?P<n>x)'",
    "'x**'",
];
const WEEKDAY: &[&str] = &[
    "monday",
    "'monday:friday'",
    "Saturday",
    "funday",
    "'friday:monday'",
    "'a:b:c'",
    "''",
];
const DAY_OF_MONTH: &[&str] = &[
    "'1'", "'1:5'", "'-3:-1'", "'0'", "'-1:5'", "'32'", "'10:-20'", "'25:-1'", "x", "'+1'",
];
const MONTH: &[&str] = &[
    "january",
    "'1:3'",
    "'january:march'",
    "smarch",
    "'march:january'",
    "'13'",
    "'0'",
    "May",
];
const YEAR: &[&str] = &["'2025'", "'2025:2027'", "'2027:2025'", "x", "'-1'", "'0'"];
pub const LABEL_NAMES: &[&str] = &[
    "severity",
    "team",
    "alertname",
    "'service.name'",
    "foo-bar",
    "1abc",
    "''",
    "'🙂'",
    "__name__",
    "'a b'",
    "instance",
];

/// Raw YAML samples for a scalar type (`good`: what should load).
pub fn samples(ty: &Ty, good: bool) -> &'static [&'static str] {
    let (g, o): (&[&str], &[&str]) = match ty {
        Ty::Str | Ty::Any => (STR_GOOD, STR_ODD),
        Ty::Bool => (BOOL_GOOD, BOOL_ODD),
        Ty::Int | Ty::Uint => (INT_GOOD, INT_ODD),
        Ty::Float => (FLOAT_GOOD, FLOAT_ODD),
        Ty::ModelDuration => (MODEL_DURATION_GOOD, MODEL_DURATION_ODD),
        Ty::GoDuration | Ty::TextDuration => (GO_DURATION_GOOD, GO_DURATION_ODD),
        Ty::Url | Ty::SecretUrl => (URL_GOOD, URL_ODD),
        Ty::TemplateUrl => (URL_GOOD, TEMPLATE_URL_EXTRA),
        Ty::AnyUrl => (&ANY_URL[..2], ANY_URL),
        Ty::HostPort => (&HOST_PORT[..2], HOST_PORT),
        Ty::TlsVersion => (&TLS_VERSION[..4], TLS_VERSION),
        Ty::Location => (&LOCATION[..4], LOCATION),
        Ty::Regexp => (&REGEXP[..3], REGEXP),
        Ty::Weekday => (&WEEKDAY[..3], WEEKDAY),
        Ty::DayOfMonth => (&DAY_OF_MONTH[..3], DAY_OF_MONTH),
        Ty::Month => (&MONTH[..3], MONTH),
        Ty::Year => (&YEAR[..2], YEAR),
        _ => (STR_GOOD, STR_ODD),
    };
    if good {
        g
    } else {
        o
    }
}

const MATCHER_NAMES: &[&str] = &[
    "severity",
    "team",
    "a",
    "\"quoted name\"",
    "service.name",
    "🙂",
    "1abc",
    "",
    "foo-bar",
    "\"a\\\"b\"",
    "__name__",
];
const MATCHER_OPS: &[&str] = &["=", "!=", "=~", "!~", "==", "~", "!", "=!"];
const MATCHER_VALUES: &[&str] = &[
    "\"critical\"",
    "critical",
    "\"db|storage\"",
    "\"(\"",
    "",
    "\"unterminated",
    "x y",
    "\"\\\\d+\"",
    "\"a,b\"",
    "bar\\\"",
    "\"\\u00e9\"",
    "\"\\x\"",
    "🙂",
    "\"a\"b\"",
    "{x}",
];

/// A random line of matchers (before YAML quoting): 0-3 matchers, commas, maybe braces.
pub fn matcher_line(r: &mut Rng) -> String {
    let n = r.below(4) + usize::from(r.chance(60));
    let mut parts = Vec::new();
    for _ in 0..n.max(1) {
        let sp = if r.chance(15) { " " } else { "" };
        parts.push(format!(
            "{}{sp}{}{sp}{}",
            pick_mostly(r, MATCHER_NAMES, 3),
            pick_mostly(r, MATCHER_OPS, 4),
            pick_mostly(r, MATCHER_VALUES, 3)
        ));
    }
    let sep = *r.pick(&[",", ",", ", ", ", ", " , ", ",,"]);
    let mut line = parts.join(sep);
    if n == 0 {
        line = r.pick(&["", "{}", "{", "}", " "]).to_string();
    }
    match r.below(20) {
        0 | 1 => format!("{{{line}}}"),
        2 => format!("{{{line}"),
        3 => format!("{line},"),
        _ => line,
    }
}

/// One of the first `usual` of `from` three times in four, else any.
fn pick_mostly<'a>(r: &mut Rng, from: &[&'a str], usual: usize) -> &'a str {
    if r.chance(88) {
        r.pick::<&str>(&from[..usual])
    } else {
        r.pick::<&str>(from)
    }
}

/// `s` as a single-quoted YAML scalar.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
