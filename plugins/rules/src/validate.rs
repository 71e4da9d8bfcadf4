//! `rules validate`: structure, PromQL (promql-parser), names, duplicates, durations, templates.
use crate::load::{Loaded, Loc};
use promstack_shared::duration;
use serde::Serialize;
use std::collections::HashMap;

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: group `{}`", self.file, self.line, self.group)?;
        if let Some(r) = &self.rule {
            write!(f, ", rule `{r}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

fn problem(loc: Loc, group: &str, rule: Option<&str>, message: impl Into<String>) -> Problem {
    Problem {
        file: loc.file,
        line: loc.line,
        group: group.into(),
        rule: rule.map(str::to_string),
        message: message.into(),
    }
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub fn is_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
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

/// Parse PromQL; promql-parser sometimes only says "invalid promql query", so say more.
pub fn parse_promql(expr: &str) -> Result<promql_parser::parser::Expr, String> {
    promql_parser::parser::parse(expr).map_err(|e| {
        if e.contains("invalid promql query") {
            "invalid PromQL (the parser gives no position: check brackets, quotes and operators)"
                .to_string()
        } else {
            format!("invalid PromQL: {e}")
        }
    })
}

/// The expression with the literal of every `=~`/`!~` matcher emptied, and those literals'
/// values. `None` when the text has something this scanner does not handle (then parse it whole).
pub fn split_regexes(expr: &str) -> Option<(String, Vec<String>)> {
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut regexes = Vec::new();
    let mut i = 0;
    let mut last = 0;
    let mut after_re_op = false;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'' | b'`') => {
                // a string literal: find its end (backquoted strings have no escapes)
                let start = i;
                i += 1;
                let mut value = String::new();
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' && q != b'`' {
                        let c = *b.get(i + 1)? as char;
                        match c {
                            '\\' | '"' | '\'' => value.push(c),
                            'n' => value.push('\n'),
                            't' => value.push('\t'),
                            _ => return None,
                        }
                        i += 2;
                    } else {
                        let ch = expr[i..].chars().next()?;
                        value.push(ch);
                        i += ch.len_utf8();
                    }
                }
                if i >= b.len() {
                    return None;
                }
                i += 1;
                if after_re_op {
                    out.push_str(&expr[last..start]);
                    out.push_str("\"\"");
                    last = i;
                    regexes.push(value);
                }
                after_re_op = false;
            }
            b'=' | b'!' if b.get(i + 1) == Some(&b'~') => {
                after_re_op = true;
                i += 2;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                after_re_op = false;
                i += 1;
            }
        }
    }
    out.push_str(&expr[last..]);
    Some((out, regexes))
}

/// Is this a regex promql-parser accepts? Checked with regex-syntax (what the `regex` crate parses
/// with), anchored the way promql-parser anchors it; the answer for what regex-syntax refuses is
/// left to the full parse.
fn regex_syntax_ok(re: &str) -> bool {
    regex_syntax::Parser::new()
        .parse(&format!("^(?:{re})$"))
        .is_ok()
}

/// Check one expression: the grammar with promql-parser, regexes with regex-syntax (compiling them,
/// as promql-parser does, is most of its time); anything unusual goes through the full parse.
pub fn check_expr(expr: &str) -> Result<(), String> {
    match split_regexes(expr) {
        // a stripped expression that parses means the original does (its regexes were checked
        // apart); when it does not, emptying a regex may be the cause ({job=~".+"} is valid,
        // {job=~""} is not): the full parse decides
        Some((stripped, regexes))
            if regexes.iter().all(|r| regex_syntax_ok(r)) && parse_promql(&stripped).is_ok() =>
        {
            Ok(())
        }
        _ => parse_promql(expr).map(|_| ()),
    }
}

/// Parse each distinct expression once, spread over the machine's cores (promql-parser compiles
/// every `=~` regex, which dominates validation time). Returns the error of each bad expression.
pub fn check_exprs<'a>(exprs: impl Iterator<Item = &'a str>) -> HashMap<&'a str, String> {
    let unique: Vec<&str> = exprs
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let results = promstack_shared::par::map(&unique, |e| check_expr(e).err());
    unique
        .into_iter()
        .zip(results)
        .filter_map(|(e, r)| r.map(|err| (e, err)))
        .collect()
}

/// Every problem of the loaded rules (empty when valid).
pub fn validate(l: &Loaded) -> Vec<Problem> {
    let mut out = Vec::new();
    let expr_errors = check_exprs(
        l.each_rule()
            .map(|(_, _, r)| r.expr.as_str())
            .filter(|e| !e.trim().is_empty()),
    );

    for (o, obj) in l.objects.iter().enumerate() {
        let mut seen_groups = std::collections::BTreeSet::new();
        for (g, group) in obj.spec.groups.iter().enumerate() {
            let gl = l.group_loc(o, g);
            let gname = group.name.as_str();
            if gname.trim().is_empty() {
                out.push(problem(gl.clone(), gname, None, "the group has no name"));
            } else if !seen_groups.insert(gname) {
                out.push(problem(
                    gl.clone(),
                    gname,
                    None,
                    "a group of this name already exists in this PrometheusRule",
                ));
            }
            if group.rules.is_empty() {
                out.push(problem(
                    gl.clone(),
                    gname,
                    None,
                    "empty group: a group needs at least one rule",
                ));
            }
            for (key, v) in [
                ("interval", &group.interval),
                ("query_offset", &group.query_offset),
            ] {
                if let Some(d) = v {
                    if !duration::is_valid(d) {
                        out.push(problem(
                            gl.clone(),
                            gname,
                            None,
                            format!("{key} `{d}` is not a duration like 30s, 5m, 1h"),
                        ));
                    }
                }
            }
            let mut alerts: Vec<(&str, &std::collections::BTreeMap<String, String>)> = Vec::new();
            for (r, rule) in group.rules.iter().enumerate() {
                let loc = l.rule_loc(o, g, r);
                let name = rule.alert.as_deref().or(rule.record.as_deref());
                let p = |m: String| problem(loc.clone(), gname, name, m);
                match (&rule.alert, &rule.record) {
                    (Some(_), Some(_)) => {
                        out.push(p("a rule is either `alert` or `record`, not both".into()))
                    }
                    (None, None) => out.push(p("a rule needs `alert` or `record`".into())),
                    (Some(a), None) => {
                        if a.trim().is_empty() {
                            out.push(p("empty alert name".into()));
                        } else if alerts.iter().any(|(n, lb)| *n == a && **lb == rule.labels) {
                            out.push(p(format!(
                                "duplicate alert `{a}` in this group (same name and labels)"
                            )));
                        }
                        alerts.push((a, &rule.labels));
                    }
                    (None, Some(rec)) => {
                        if !is_metric_name(rec) {
                            out.push(p(format!(
                                "`{rec}` is not a valid metric name for a recording rule"
                            )));
                        }
                        if rule.for_.is_some() || rule.keep_firing_for.is_some() {
                            out.push(p(
                                "`for`/`keep_firing_for` only apply to alerting rules".into()
                            ));
                        }
                        if !rule.annotations.is_empty() {
                            out.push(p("annotations only apply to alerting rules".into()));
                        }
                    }
                }
                if rule.expr.trim().is_empty() {
                    out.push(p("empty expr".into()));
                } else if let Some(e) = expr_errors.get(rule.expr.as_str()) {
                    out.push(p(e.clone()));
                }

                for (key, v) in [
                    ("for", &rule.for_),
                    ("keep_firing_for", &rule.keep_firing_for),
                ] {
                    if let Some(d) = v {
                        if !duration::is_valid(d) {
                            out.push(p(format!(
                                "`{key}: {d}` is not a duration like 30s, 5m, 1h"
                            )));
                        }
                    }
                }
                for (k, v) in &rule.labels {
                    if !is_label_name(k) || k == "__name__" {
                        out.push(p(format!("`{k}` is not a valid label name")));
                    }
                    if !braces_balanced(v) {
                        out.push(p(format!(
                            "label `{k}`: unbalanced `{{{{ }}}}` in the template"
                        )));
                    }
                }
                for (k, v) in &rule.annotations {
                    if !is_label_name(k) {
                        out.push(p(format!("`{k}` is not a valid annotation name")));
                    }
                    if !braces_balanced(v) {
                        out.push(p(format!(
                            "annotation `{k}`: unbalanced `{{{{ }}}}` in the template"
                        )));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_braces() {
        assert!(
            is_metric_name("job:up:sum")
                && is_metric_name("_x")
                && !is_metric_name("1x")
                && !is_metric_name("a-b")
                && !is_metric_name("")
        );
        assert!(is_label_name("severity") && !is_label_name("se:v") && !is_label_name("1a"));
        assert!(braces_balanced(
            "{{ $labels.pod }} is {{ $value | humanize }}"
        ));
        assert!(braces_balanced("no templates { here }"));
        assert!(!braces_balanced("{{ $labels.pod }"));
        assert!(!braces_balanced("}} {{"));
        assert!(!braces_balanced("{{ {{ }}"));
    }

    #[test]
    fn regex_literals_are_split_out_exactly() {
        let (s, r) = split_regexes(
            r#"sum(rate(x_total{job="api", verb=~"GET|LIST", code!~'5..'}[5m])) by (job)"#,
        )
        .unwrap();
        assert_eq!(
            s,
            r#"sum(rate(x_total{job="api", verb=~"", code!~""}[5m])) by (job)"#
        );
        assert_eq!(r, ["GET|LIST", "5.."]);
        let (s, r) = split_regexes(r#"up{a=~"a\\.b\"c", b="x=~y"}"#).unwrap();
        assert_eq!(
            s, r#"up{a=~"", b="x=~y"}"#,
            "a =~ inside a string is not an operator"
        );
        assert_eq!(r, [r#"a\.b"c"#]);
        assert_eq!(split_regexes("up{a=~`raw\\d`}").unwrap().1, [r"raw\d"]);
        assert!(
            split_regexes(r#"up{a=~"\u00e9"}"#).is_none(),
            "unusual escapes take the full parse"
        );
        assert!(split_regexes(r#"up{a=~"open"#).is_none());
    }

    #[test]
    fn the_fast_check_agrees_with_the_full_parse() {
        for e in [
            r#"sum(rate(x_total{verb=~"GET|LIST"}[5m]))"#,
            r#"up{job=~"(unclosed"}"#,
            r#"up{job=~"a{2,3}"}"#,
            r#"up{job=~"a{"}"#,
            r#"up{job!~".*", x=~"\\d+"}"#,
            r#"sum(up{a=~"x"}) by (job"#,
            "up ==",
            r#"label_replace(up, "a", "$1", "b", "(.*)")"#,
            r#"{job=~".+"}"#,
            r#"{job=~".*"}"#,
            r#"{job=~".*", instance=~".+"}"#,
            r#"count({__name__=~"node_.+"})"#,
        ] {
            assert_eq!(check_expr(e).is_ok(), parse_promql(e).is_ok(), "{e}");
        }
    }

    #[test]
    fn promql_errors_say_something() {
        assert!(parse_promql("sum(rate(x_total[5m])) by (job)").is_ok());
        assert!(parse_promql("sum(rate(x_total[5m]) by (job)").is_err());
        assert!(parse_promql("up ==").unwrap_err().contains("PromQL"));
    }
}
