//! Label matchers as Alertmanager 0.34 reads them in its config (`matchers:`, `source_matchers:`,
//! `target_matchers:`): in its default fallback mode, each line goes to the UTF-8 parser
//! ([`utf8`]) and, where that refuses it, to the classic parser ([`classic`]); a line both refuse
//! is refused with the classic parser's reason. Also the label-name rules of its config.
pub mod classic;
pub mod utf8;

use crate::go::re2::{self, Anchor};
use std::collections::BTreeMap;

/// A matcher's regex compiled as Alertmanager compiles it; the same few recur across a route
/// tree and its inhibit rules: each thread compiles a distinct one once.
fn compiled(value: &str) -> Result<regex::Regex, String> {
    type Compiled = std::collections::HashMap<String, Result<regex::Regex, String>>;
    thread_local! {
        static COMPILED: std::cell::RefCell<Compiled> = Default::default();
    }
    const REMEMBERED: usize = 1024;
    if let Some(known) = COMPILED.with(|c| c.borrow().get(value).cloned()) {
        return known;
    }
    let result = re2::compile(value, Anchor::Alertmanager);
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() < REMEMBERED {
            c.insert(value.to_string(), result.clone());
        }
    });
    result
}

/// `=`, `!=`, `=~`, `!~`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchType {
    Equal,
    NotEqual,
    Regexp,
    NotRegexp,
}

impl MatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regexp => "=~",
            MatchType::NotRegexp => "!~",
        }
    }
}

/// One label matcher: `name op value`, a regex compiled as Alertmanager compiles it (`^(?:v)$`).
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchType,
    pub value: String,
    re: Option<regex::Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        (self.op, &self.name, &self.value) == (other.op, &other.name, &other.value)
    }
}

impl Matcher {
    /// A matcher; a regex value must compile (Go's message when it does not).
    pub fn new(op: MatchType, name: &str, value: &str) -> Result<Self, String> {
        let re = match op {
            MatchType::Regexp | MatchType::NotRegexp => Some(compiled(value)?),
            _ => None,
        };
        Ok(Matcher {
            name: name.into(),
            op,
            value: value.into(),
            re,
        })
    }

    /// Does an alert with these labels match? A missing label reads as empty, as in Alertmanager.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.name).map(String::as_str).unwrap_or("");
        let re = || self.re.as_ref().is_some_and(|r| r.is_match(v));
        match self.op {
            MatchType::Equal => v == self.value,
            MatchType::NotEqual => v != self.value,
            MatchType::Regexp => re(),
            MatchType::NotRegexp => !re(),
        }
    }

    /// As Alertmanager prints it: `name="value"` (OpenMetrics escapes), a name with reserved
    /// characters quoted with its value.
    pub fn show(&self) -> String {
        if self.name.chars().any(utf8::is_reserved) {
            return format!(
                "{}{}{}",
                go_strconv_quote(&self.name),
                self.op.as_str(),
                go_strconv_quote(&self.value)
            );
        }
        let escaped = self
            .value
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('"', "\\\"");
        format!("{}{}\"{escaped}\"", self.name, self.op.as_str())
    }
}

/// Go's `strconv.Quote`.
fn go_strconv_quote(s: &str) -> String {
    crate::prometheus::promql::quote::go_quote(s)
}

/// How a line of matchers was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// By the UTF-8 parser.
    Utf8,
    /// By the classic parser only: Alertmanager logs that the line is not forwards compatible.
    ClassicFallback,
    /// By both, differently: Alertmanager takes the classic reading and logs a disagreement.
    Disagreement,
}

/// One line of zero or more matchers in fallback mode, and how it was read.
pub fn parse_matchers_how(line: &str) -> Result<(Vec<Matcher>, Parsed), String> {
    let new = utf8::matchers(line);
    let old = classic::matchers(line);
    match (new, old) {
        (Err(_), Err(e)) => Err(e),
        (Err(_), Ok(old)) => Ok((old, Parsed::ClassicFallback)),
        (Ok(new), Ok(old)) if new != old => Ok((old, Parsed::Disagreement)),
        (Ok(new), _) => Ok((new, Parsed::Utf8)),
    }
}

/// One line of zero or more matchers, as Alertmanager 0.34 reads a config's `matchers:` line.
pub fn parse_matchers(line: &str) -> Result<Vec<Matcher>, String> {
    parse_matchers_how(line).map(|(m, _)| m)
}

/// Exactly one matcher in fallback mode (`compat.Matcher`): braces refused first.
pub fn parse_matcher(input: &str) -> Result<Matcher, String> {
    if input.starts_with('{') || input.ends_with('}') {
        return Err(format!("unexpected open or close brace: {input}"));
    }
    match (utf8::matcher(input), classic::matcher(input)) {
        (Err(_), Err(e)) => Err(e),
        (Err(_), Ok(old)) => Ok(old),
        (Ok(new), Ok(old)) if new != old => Ok(old),
        (Ok(new), _) => Ok(new),
    }
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`: the classic label name (`match`, `match_re` and their inhibit-rule
/// forms keep it in every mode).
pub fn is_classic_label_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

/// A label name in fallback mode (`group_by`, route `labels`, inhibit `equal`): any non-empty
/// UTF-8 text.
pub fn is_label_name(s: &str) -> bool {
    !s.is_empty()
}

#[cfg(test)]
mod tests;
