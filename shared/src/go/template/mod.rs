//! Go's `text/template`, as far as its parse goes (`text/template/parse/parse.go` of Go 1.26,
//! which Prometheus 3.14.0 is built with): whether a template parses, with the functions and variables its user defines, and Go's
//! message when it does not (`template: NAME:LINE: undefined variable "$label"`). Prometheus
//! parses every alert's labels and annotations this way when it loads a rule file and refuses
//! the file when one does not parse; [`crate::prometheus::rule`] asks this module.
//! Nothing is executed.
mod lex;
mod lex_action;
mod literal;
mod parse;
#[cfg(test)]
mod tests;
mod vars;

/// What a template may use besides Go's built-in functions.
pub struct Scope<'a> {
    /// The template's name in messages (`__alert_HighLatency`).
    pub name: &'a str,
    /// Functions the user adds (`humanize`, `query`, ...).
    pub functions: &'a [&'a str],
    /// Variables declared before the text (`$labels`, `$value`, ...).
    pub variables: &'a [&'a str],
}

/// Go's built-in template functions.
pub const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Parse `text` as Go does; the error as Go words it.
pub fn check(text: &str, scope: &Scope<'_>) -> Result<(), String> {
    parse::parse(text, scope)
}
