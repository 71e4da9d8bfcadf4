//! The Prometheus datasource's variable queries (`PrometheusMetricFindQuery`): `label_names()`,
//! `label_names(match)`, `label_values(label)`, `label_values(selector, label)`, `metrics(regex)`,
//! `query_result(query)`, and any other text as a series selector; each asked of Prometheus
//! through Grafana ([`PromSource`]). Then a variable's `regex` and `sort` make its options
//! (`metricNamesToVariableValues`, with the JavaScript regex syntax Grafana reads: `/re/flags`,
//! else anchored).
use async_trait::async_trait;
use serde_json::Value;
use std::sync::OnceLock;

/// Where Prometheus API calls go: a datasource's uid, a path, its parameters; the answer's `data`.
#[async_trait]
pub trait PromSource: Send + Sync {
    async fn get(
        &self,
        ds_uid: &str,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Value, String>;
}

#[async_trait]
impl PromSource for super::GrafanaApi {
    async fn get(
        &self,
        ds_uid: &str,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Value, String> {
        match self.prometheus(ds_uid, path, params).await? {
            (_, true) => Err(format!(
                "{path}: the answer is larger than {} MiB",
                super::api::MAX_BODY >> 20
            )),
            (data, false) => Ok(data),
        }
    }
}

/// One value a variable query found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub text: String,
    pub value: Option<String>,
}

/// What a variable query asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindQuery {
    LabelNames(Option<String>),
    LabelValues {
        label: String,
        selector: Option<String>,
    },
    Metrics(String),
    QueryResult(String),
    Series(String),
    Nothing,
}

fn re(cell: &'static OnceLock<regex::Regex>, pattern: &str) -> &'static regex::Regex {
    cell.get_or_init(|| regex::Regex::new(pattern).expect("a fixed pattern"))
}

/// Which query `q` is, in the datasource's order.
pub fn parse(q: &str) -> FindQuery {
    static NAMES_MATCH: OnceLock<regex::Regex> = OnceLock::new();
    static NAMES: OnceLock<regex::Regex> = OnceLock::new();
    static VALUES: OnceLock<regex::Regex> = OnceLock::new();
    static METRICS: OnceLock<regex::Regex> = OnceLock::new();
    static RESULT: OnceLock<regex::Regex> = OnceLock::new();
    let group = |r: &regex::Regex, i: usize| {
        r.captures(q)
            .and_then(|c| c.get(i).map(|m| m.as_str().to_string()))
    };
    let names_match = re(&NAMES_MATCH, r"^label_names\((.+)\)\s*$");
    if let Some(m) = group(names_match, 1) {
        return FindQuery::LabelNames(Some(m));
    }
    if re(&NAMES, r"^label_names\(\)\s*$").is_match(q) {
        return FindQuery::LabelNames(None);
    }
    let values = re(
        &VALUES,
        r"^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$",
    );
    if let Some(c) = values.captures(q) {
        let selector = c
            .get(1)
            .map(|m| m.as_str().to_string())
            .filter(|f| !f.trim().is_empty() && f.replace(' ', "") != "{}");
        return FindQuery::LabelValues {
            label: c[2].to_string(),
            selector,
        };
    }
    if let Some(m) = group(re(&METRICS, r"^metrics\((.+)\)\s*$"), 1) {
        return FindQuery::Metrics(m);
    }
    if let Some(m) = group(re(&RESULT, r"^query_result\((.+)\)\s*$"), 1) {
        return FindQuery::QueryResult(m);
    }
    match q {
        "label_values()" | "metrics()" | "query_result()" => FindQuery::Nothing,
        _ => FindQuery::Series(q.to_string()),
    }
}

/// The time parameters of a variable query (`getPrometheusTime`: seconds, rounded up).
fn range_params(from_ms: i64, to_ms: i64) -> [(&'static str, String); 2] {
    let secs = |ms: i64| (ms as f64 / 1000.0).ceil() as i64;
    [
        ("start", secs(from_ms).to_string()),
        ("end", secs(to_ms).to_string()),
    ]
}

fn strings(data: &Value, what: &str) -> Result<Vec<String>, String> {
    data.as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                .collect()
        })
        .ok_or_else(|| format!("{what}: Prometheus answered no list"))
}

fn texts(v: Vec<String>) -> Vec<Found> {
    v.into_iter()
        .map(|text| Found { text, value: None })
        .collect()
}

/// Run a variable query through `ds` over `from_ms..to_ms`.
pub async fn run(
    src: &dyn PromSource,
    ds: &str,
    query: &FindQuery,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Found>, String> {
    let [start, end] = range_params(from_ms, to_ms);
    match query {
        FindQuery::Nothing => Ok(vec![]),
        FindQuery::LabelNames(m) => {
            let mut params = vec![start, end];
            if let Some(m) = m {
                params.push(("match[]", format!("{{__name__=~\".*{m}.*\"}}")));
            }
            let names = strings(&src.get(ds, "api/v1/labels", &params).await?, "labels")?;
            Ok(names
                .into_iter()
                .map(|n| Found {
                    value: Some(n.clone()),
                    text: n,
                })
                .collect())
        }
        FindQuery::LabelValues { label, selector } => {
            let mut params = vec![start, end];
            if let Some(s) = selector {
                params.push(("match[]", s.clone()));
            }
            let path = format!("api/v1/label/{label}/values");
            Ok(texts(strings(&src.get(ds, &path, &params).await?, &path)?))
        }
        FindQuery::Metrics(pattern) => {
            let r = regex::Regex::new(pattern)
                .map_err(|e| format!("metrics({pattern}): not a regular expression: {e}"))?;
            let path = "api/v1/label/__name__/values";
            let names = strings(&src.get(ds, path, &[start, end]).await?, path)?;
            Ok(texts(names.into_iter().filter(|n| r.is_match(n)).collect()))
        }
        FindQuery::QueryResult(q) => {
            let params = [("query", q.clone()), ("time", end.1)];
            query_result(&src.get(ds, "api/v1/query", &params).await?)
        }
        FindQuery::Series(s) => {
            let params = [("match[]", s.clone()), start, end];
            let data = src.get(ds, "api/v1/series", &params).await?;
            Ok(texts(
                data.as_array()
                    .into_iter()
                    .flatten()
                    .map(metric_name)
                    .collect(),
            ))
        }
    }
}

/// `name{a="x",b="y"}` of a label set (`getOriginalMetricName`).
fn metric_name(labels: &Value) -> String {
    let name = labels["__name__"].as_str().unwrap_or_default();
    let rest: Vec<String> = labels
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}=\"{}\"", v.as_str().unwrap_or_default()))
        .collect();
    format!("{name}{{{}}}", rest.join(","))
}

/// `query_result(...)`: each sample as `name{labels} value timestamp_ms`; a scalar or string as itself.
fn query_result(data: &Value) -> Result<Vec<Found>, String> {
    match data["resultType"].as_str() {
        Some("scalar") | Some("string") => Ok(texts(vec![data["result"][1]
            .as_str()
            .unwrap_or_default()
            .to_string()])),
        Some("vector") => Ok(texts(
            data["result"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    let ts = s["value"][0].as_f64().unwrap_or_default() * 1000.0;
                    format!(
                        "{} {} {ts}",
                        metric_name(&s["metric"]),
                        s["value"][1].as_str().unwrap_or_default()
                    )
                })
                .collect(),
        )),
        other => Err(format!(
            "Unknown/Unhandled result type: [{}]",
            other.unwrap_or("undefined")
        )),
    }
}

/// A variable regex as Grafana compiles it (`stringToJsRegex`): `/re/flags` (flags of `gimys`),
/// else anchored `^re$`. Whether it is global (all matches) comes with it.
pub fn js_regex(s: &str) -> Result<(regex::Regex, bool), String> {
    if !s.starts_with('/') {
        return regex::Regex::new(&format!("^{s}$"))
            .map(|r| (r, false))
            .map_err(|e| format!("regex `{s}`: {e}"));
    }
    static FORM: OnceLock<regex::Regex> = OnceLock::new();
    let c = re(&FORM, r"^/(.*?)/(g?i?m?y?s?)$")
        .captures(s)
        .ok_or_else(|| format!("'{s}' is not a valid regular expression."))?;
    let flags: String = c[2].chars().filter(|f| "ims".contains(*f)).collect();
    let inline = match flags.is_empty() {
        true => String::new(),
        false => format!("(?{flags})"),
    };
    regex::Regex::new(&format!("{inline}{}", &c[1]))
        .map(|r| (r, c[2].contains('g')))
        .map_err(|e| format!("regex `{s}`: {e}"))
}

/// One option of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub text: String,
    pub value: String,
}

/// `metricNamesToVariableValues`: the regex picks (its `value`/`text` groups, else its first
/// group, every match with `g`), duplicates by value dropped, then sorted by `sort`.
pub fn to_options(regex: Option<&(regex::Regex, bool)>, sort: i64, found: Vec<Found>) -> Vec<Opt> {
    let mut out: Vec<Opt> = Vec::new();
    for f in found {
        let value = f.value.clone().unwrap_or_else(|| f.text.clone());
        let text = f.text;
        let picked = match regex {
            None => vec![Opt { text, value }],
            Some((r, global)) => pick(r, *global, text, value),
        };
        for o in picked {
            if !out.iter().any(|x| x.value == o.value) {
                out.push(o);
            }
        }
    }
    sort_options(out, sort)
}

fn pick(r: &regex::Regex, global: bool, text: String, value: String) -> Vec<Opt> {
    let matches: Vec<regex::Captures> = match global {
        true => r.captures_iter(&value).collect(),
        false => r.captures(&value).into_iter().collect(),
    };
    if matches.is_empty() {
        return vec![];
    }
    let named = |n: &str| {
        matches
            .iter()
            .find_map(|m| m.name(n).map(|g| g.as_str()).filter(|g| !g.is_empty()))
            .map(String::from)
    };
    let (v, t) = (named("value"), named("text"));
    if v.is_some() || t.is_some() {
        let value = v.clone().or(t.clone()).unwrap_or_default();
        let text = t.or(v).unwrap_or_default();
        return vec![Opt { text, value }];
    }
    let first_group = |m: &regex::Captures| m.get(1).map_or(String::new(), |g| g.as_str().into());
    match (r.captures_len() > 1, matches.len() > 1) {
        (true, true) => matches
            .iter()
            .map(|m| Opt {
                text: first_group(m),
                value: first_group(m),
            })
            .collect(),
        (true, false) => vec![Opt {
            text: first_group(&matches[0]),
            value: first_group(&matches[0]),
        }],
        (false, _) => vec![Opt { text, value }],
    }
}

/// `sortVariableValues`: 1/2 alphabetical, 3/4 numerical (the first number in the text), 5/6
/// case-insensitive, 7/8 natural; even is descending; 0 as found.
pub fn sort_options(mut options: Vec<Opt>, sort: i64) -> Vec<Opt> {
    if sort <= 0 {
        return options;
    }
    let number = |t: &str| -> i64 {
        let digits: String = t
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap_or(-1)
    };
    match (sort + 1) / 2 {
        1 => options.sort_by(|a, b| a.text.cmp(&b.text)),
        2 => options.sort_by_key(|o| number(&o.text)),
        3 => options.sort_by_key(|o| o.text.to_lowercase()),
        _ => options.sort_by(|a, b| natural(&a.text, &b.text)),
    }
    if sort % 2 == 0 {
        options.reverse();
    }
    options
}

/// Natural order: runs of digits compare as numbers, the rest case-insensitively.
fn natural(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let d = c.is_ascii_digit();
            match out.last_mut() {
                Some((kind, text)) if *kind == d => text.push(c),
                _ => out.push((d, c.to_string())),
            }
        }
        out
    }
    for (x, y) in chunks(a).iter().zip(chunks(b).iter()) {
        let o = match (x.0, y.0) {
            (true, true) => x.1.parse::<u128>().ok().cmp(&y.1.parse::<u128>().ok()),
            _ => x.1.to_lowercase().cmp(&y.1.to_lowercase()),
        };
        if o.is_ne() {
            return o;
        }
    }
    a.len().cmp(&b.len())
}
