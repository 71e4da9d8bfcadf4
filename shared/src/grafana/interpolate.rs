//! Grafana's template interpolation, after Scenes' `sceneInterpolator` and format registry and
//! the Prometheus datasource's `interpolateQueryExpr`: `$var`, `${var}`, `${var.path}`,
//! `${var:format}`, `[[var]]`, `[[var:format]]`; scoped variables (a repeated panel's value,
//! `$__interval` kept for the backend) before the dashboard's variables before the macros
//! (`$__from`, `$__to`, `$__dashboard`, `$__user`, `$__org`); a name none of them knows stays as
//! written (Prometheus then says what it makes of it). A query's own format wins over the
//! datasource's; without either, Grafana's default (glob).
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a `$__all` value stands for.
pub const ALL_VALUE: &str = "$__all";
pub const ALL_TEXT: &str = "All";

/// A variable's value as a formatter receives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    One(String),
    Many(Vec<String>),
    /// `$__all` with a custom all value: passed on as written, then interpolated itself.
    CustomAll(String),
}

impl Value {
    /// JavaScript's `String(value)`.
    fn js_string(&self) -> String {
        match self {
            Value::One(s) | Value::CustomAll(s) => s.clone(),
            Value::Many(v) => v.join(","),
        }
    }
}

/// A variable as the interpolation sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub name: String,
    pub multi: bool,
    pub include_all: bool,
    pub value: Value,
    /// What the `text` format prints (`All`, `a + b`).
    pub text: String,
}

impl Var {
    /// A plain value (a scoped variable, a macro).
    pub fn plain(name: &str, value: &str) -> Self {
        Var {
            name: name.into(),
            multi: false,
            include_all: false,
            value: Value::One(value.into()),
            text: value.into(),
        }
    }
}

/// The time range and dashboard the macros read.
#[derive(Debug, Clone, Default)]
pub struct Macros {
    pub from_ms: i64,
    pub to_ms: i64,
    pub dashboard_title: String,
    pub dashboard_uid: String,
    pub user: String,
}

/// Everything a name may resolve to, in Grafana's order.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub scoped: BTreeMap<String, Var>,
    pub variables: BTreeMap<String, Var>,
    pub macros: Macros,
}

/// How values are formatted when the text names no format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grafana's own default, glob.
    Glob,
    /// The Prometheus datasource's `interpolateQueryExpr`.
    Prometheus,
    /// A named format (`regex` for a variable's regex).
    Named(&'static str),
}

/// The interpolated text, and the names left as written because nothing knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Replaced {
    pub text: String,
    pub unknown: Vec<String>,
}

fn variable_regex() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+?)(?::([A-Za-z0-9_]+))?\]\]|\$\{([A-Za-z0-9_]+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}",
        )
        .expect("the variable syntax compiles")
    })
}

/// The names of the variables `text` refers to (for the order variables resolve in).
pub fn names_in(text: &str) -> Vec<String> {
    variable_regex()
        .captures_iter(text)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(4)))
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Interpolate `text` in `scope`.
pub fn replace(text: &str, scope: &Scope, default: Format) -> Replaced {
    replace_depth(text, scope, default, 0)
}

fn replace_depth(text: &str, scope: &Scope, default: Format, depth: u8) -> Replaced {
    let mut unknown = Vec::new();
    let out = variable_regex().replace_all(text, |c: &regex::Captures| {
        let whole = c.get(0).map_or("", |m| m.as_str());
        let name = c
            .get(1)
            .or(c.get(2))
            .or(c.get(4))
            .map_or("", |m| m.as_str());
        let field = c.get(5).map(|m| m.as_str());
        let fmt = c.get(3).or(c.get(6)).map(|m| m.as_str());
        match lookup(name, field, scope) {
            Some(var) => format_var(&var, fmt, default, scope, depth),
            None => {
                unknown.push(name.to_string());
                whole.to_string()
            }
        }
    });
    Replaced {
        text: out.into_owned(),
        unknown,
    }
}

/// Scoped variables, then the dashboard's, then the macros.
fn lookup(name: &str, field: Option<&str>, scope: &Scope) -> Option<Var> {
    if let Some(v) = scope.scoped.get(name).or_else(|| scope.variables.get(name)) {
        let mut v = v.clone();
        if let (Some(path), Value::Many(values)) = (field, &v.value) {
            if let Some(one) = path.parse::<usize>().ok().and_then(|i| values.get(i)) {
                v.value = Value::One(one.clone());
            }
        }
        return Some(v);
    }
    let m = &scope.macros;
    let value = match (name, field) {
        ("__from", _) => m.from_ms.to_string(),
        ("__to", _) => m.to_ms.to_string(),
        ("__dashboard", Some("uid")) => m.dashboard_uid.clone(),
        ("__dashboard", _) => m.dashboard_title.clone(),
        ("__user", Some("id")) => "1".into(),
        ("__user", _) => m.user.clone(),
        ("__org", Some("name")) => "Main Org.".into(),
        ("__org", _) => "1".into(),
        ("__timezone", _) => "utc".into(),
        _ => return None,
    };
    Some(Var::plain(name, &value))
}

fn format_var(var: &Var, fmt: Option<&str>, default: Format, scope: &Scope, depth: u8) -> String {
    if let Value::CustomAll(all) = &var.value {
        return match fmt {
            Some("text") => ALL_TEXT.into(),
            Some("percentencode") => percent_encode(all, false),
            Some("queryparam") => format!("var-{}={}", var.name, percent_encode(ALL_TEXT, false)),
            // passed on as written, its own variables interpolated (Grafana's default format)
            _ if depth < 8 => replace_depth(all, scope, Format::Glob, depth + 1).text,
            _ => all.clone(),
        };
    }
    match (fmt, default) {
        (Some(f), _) => format_named(var, f),
        (None, Format::Prometheus) => prometheus(var),
        (None, Format::Named(f)) => format_named(var, f),
        (None, Format::Glob) => format_named(var, "glob"),
    }
}

/// The Prometheus datasource's `interpolateQueryExpr` (Grafana 12, without the
/// `prometheusSpecialCharsInLabelValues` feature toggle): a variable that is neither multi nor
/// include-all is escaped for a string literal; others for a regex, several values as `(a|b)`.
pub fn prometheus(var: &Var) -> String {
    if !var.multi && !var.include_all {
        return match &var.value {
            Value::One(s) => regular_escape(s),
            other => other.js_string(),
        };
    }
    match &var.value {
        Value::Many(v) if v.len() == 1 => special_regex_escape(&v[0]),
        Value::Many(v) => format!(
            "({})",
            v.iter()
                .map(|s| special_regex_escape(s))
                .collect::<Vec<_>>()
                .join("|")
        ),
        Value::One(s) | Value::CustomAll(s) => special_regex_escape(s),
    }
}

/// `prometheusRegularEscape`: `\` → `\\`, `'` → `\\'`.
pub fn regular_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\\\'")
}

/// `prometheusSpecialRegexEscape`: `\` → `\\\\`, each of `$^*{}[]+?.()|` → `\\` before it.
pub fn special_regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\\\\\"),
            '$' | '^' | '*' | '{' | '}' | '[' | ']' | '+' | '?' | '.' | '(' | ')' | '|' => {
                out.push_str("\\\\");
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// `escapeRegex` of @grafana/data: one `\` before each of `\^$*+?.()|[]{}/`.
pub fn escape_regex(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\^$*+?.()|[]{}/".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn list(v: &Value) -> Option<&[String]> {
    match v {
        Value::Many(v) => Some(v),
        _ => None,
    }
}

/// The Scenes format registry (`glob` for a name it does not know, as Grafana falls back).
fn format_named(var: &Var, spec: &str) -> String {
    let mut parts = spec.split(':');
    let id = parts.next().unwrap_or("");
    let args: Vec<&str> = parts.collect();
    let v = &var.value;
    let each = |f: &dyn Fn(&str) -> String, sep: &str| match v {
        Value::Many(all) => all.iter().map(|s| f(s)).collect::<Vec<_>>().join(sep),
        other => f(&other.js_string()),
    };
    match id {
        "raw" => v.js_string(),
        "regex" => match list(v) {
            Some([one]) => escape_regex(one),
            Some(all) => format!(
                "({})",
                all.iter()
                    .map(|s| escape_regex(s))
                    .collect::<Vec<_>>()
                    .join("|")
            ),
            None => escape_regex(&v.js_string()),
        },
        "pipe" => each(&|s| s.to_string(), "|"),
        "csv" | "join" => each(
            &|s| s.to_string(),
            args.first()
                .copied()
                .filter(|_| id == "join")
                .unwrap_or(","),
        ),
        "distributed" => match list(v) {
            Some(all) => all
                .iter()
                .enumerate()
                .map(|(i, s)| match i {
                    0 => s.clone(),
                    _ => format!("{}={s}", var.name),
                })
                .collect::<Vec<_>>()
                .join(","),
            None => v.js_string(),
        },
        "json" => match list(v) {
            Some(all) => serde_json::to_string(all).unwrap_or_default(),
            None => v.js_string(),
        },
        "lucene" => match list(v) {
            Some([]) => "__empty__".into(),
            Some(all) => format!(
                "({})",
                all.iter()
                    .map(|s| format!("\"{}\"", lucene_escape(s)))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
            None => lucene_escape(&v.js_string()),
        },
        "percentencode" | "uriencode" => {
            let text = match list(v) {
                Some(all) => format!("{{{}}}", all.join(",")),
                None => v.js_string(),
            };
            percent_encode(&text, id == "uriencode")
        }
        "singlequote" => each(&|s| format!("'{}'", s.replace('\'', "\\'")), ","),
        "doublequote" => each(&|s| format!("\"{}\"", s.replace('"', "\\\"")), ","),
        "sqlstring" => each(
            &|s| format!("'{}'", s.replace('\'', "''").replace('"', "\\\"")),
            ",",
        ),
        "text" => var.text.clone(),
        "queryparam" => each(
            &|s| format!("var-{}={}", var.name, percent_encode(s, false)),
            "&",
        ),
        "date" => date(&v.js_string(), args.first().copied().unwrap_or("iso")),
        _ => match list(v) {
            Some(all) if all.len() > 1 => format!("{{{}}}", all.join(",")),
            _ => v.js_string(),
        },
    }
}

fn lucene_escape(s: &str) -> String {
    if s.trim().is_empty() || s.trim().parse::<f64>().is_ok() {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if "!*+-=<>&|()[]{}^~?:\\/\"".contains(c) || c.is_whitespace() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `encodeURIComponent` (or `encodeURI`) with `!'()*` encoded too, as Grafana's strict variants.
fn percent_encode(s: &str, uri: bool) -> String {
    let keep = |b: u8| {
        b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (uri && b";,/?:@&=+$#".contains(&b))
    };
    s.bytes()
        .map(|b| match keep(b) {
            true => (b as char).to_string(),
            false => format!("%{b:02X}"),
        })
        .collect()
}

/// The `date` format of a millisecond timestamp: `ms`, `seconds`, else ISO 8601.
fn date(value: &str, arg: &str) -> String {
    let Ok(ms) = value.parse::<i64>() else {
        return "NaN".into();
    };
    match arg {
        "ms" => value.to_string(),
        "seconds" => ((ms as f64) / 1000.0).round().to_string(),
        _ => iso8601(ms),
    }
}

/// A millisecond timestamp as `2026-01-02T03:04:05.000Z`.
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil from days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}
