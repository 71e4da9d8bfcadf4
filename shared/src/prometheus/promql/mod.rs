//! PromQL as Prometheus 3.14 (the chart's) parses it: [`lex`] and [`token`] (`lex.go`),
//! [`parse`] with [`parse_primary`], [`parse_modifiers`] and [`parse_duration`]
//! (`generated_parser.y` and the actions of `parse.go`), [`check`] (`checkAST`), [`functions`] (`functions.go`), [`number`] (numbers,
//! durations, strings, regexes as Go reads them) and the tree they build, [`ast`]: the one model
//! of an expression that `rules validate`, `rules lint` and the online checks read.
//!
//! What Prometheus accepts depends on its version and its `--enable-feature` flags: the
//! [`Features`] a parse is for. A construct refused only because a feature is off carries a
//! [`Gate`] naming the flag that enables it.
pub mod ast;
pub mod check;
pub mod functions;
pub mod lex;
mod lex_literal;
#[cfg(test)]
mod lex_tests;
pub mod model;
pub mod number;
mod parse;
mod parse_at_offset;
mod parse_duration;
mod parse_modifiers;
mod parse_primary;
pub mod quote;
pub mod token;

pub use ast::Expr;
use std::collections::HashMap;
use std::ops::Range;

/// A feature flag of Prometheus (`--enable-feature=NAME`; a Prometheus object's
/// `spec.enableFeatures`) that changes what PromQL it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Feature {
    /// `limitk`, `limit_ratio`, and the functions marked experimental.
    ExperimentalFunctions,
    /// `fill()`, `fill_left()`, `fill_right()` on binary operators.
    BinopFillModifiers,
    /// `anchored` and `smoothed` range selectors.
    ExtendedRangeSelectors,
}

impl Feature {
    pub const ALL: [Feature; 3] = [
        Feature::ExperimentalFunctions,
        Feature::BinopFillModifiers,
        Feature::ExtendedRangeSelectors,
    ];
    /// The flag's name, as `--enable-feature` takes it.
    pub fn flag(self) -> &'static str {
        match self {
            Feature::ExperimentalFunctions => "promql-experimental-functions",
            Feature::BinopFillModifiers => "promql-binop-fill-modifiers",
            Feature::ExtendedRangeSelectors => "promql-extended-range-selectors",
        }
    }
    /// The feature of a flag name.
    pub fn from_flag(name: &str) -> Option<Self> {
        Feature::ALL.into_iter().find(|f| f.flag() == name)
    }
}

/// The PromQL features a Prometheus has enabled. The default is none, as the chart's Prometheus
/// runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Features {
    pub experimental_functions: bool,
    pub fill_modifiers: bool,
    pub extended_range_selectors: bool,
}

impl Features {
    /// Every feature on (what Prometheus's own tests parse with).
    pub fn all() -> Self {
        Features {
            experimental_functions: true,
            fill_modifiers: true,
            extended_range_selectors: true,
        }
    }
    pub fn with(mut self, f: Feature) -> Self {
        match f {
            Feature::ExperimentalFunctions => self.experimental_functions = true,
            Feature::BinopFillModifiers => self.fill_modifiers = true,
            Feature::ExtendedRangeSelectors => self.extended_range_selectors = true,
        }
        self
    }
    pub fn has(self, f: Feature) -> bool {
        match f {
            Feature::ExperimentalFunctions => self.experimental_functions,
            Feature::BinopFillModifiers => self.fill_modifiers,
            Feature::ExtendedRangeSelectors => self.extended_range_selectors,
        }
    }
    /// The enabled ones' flag names, or `none`.
    pub fn describe(self) -> String {
        let on: Vec<&str> = Feature::ALL
            .into_iter()
            .filter(|f| self.has(*f))
            .map(Feature::flag)
            .collect();
        if on.is_empty() {
            "none".into()
        } else {
            on.join(", ")
        }
    }
}

/// The Prometheus an expression is checked for: the features it enables, and who says so (for
/// the message naming a flag it lacks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub features: Features,
    /// `the stack` (the chart's values), `Prometheus monitoring/kube-prometheus-prometheus`
    /// (a live object), `--enable-feature` (flags).
    pub who: String,
}

impl Default for Target {
    /// The chart's Prometheus as promstack installs it: no feature enabled.
    fn default() -> Self {
        Target {
            features: Features::default(),
            who: "the stack".into(),
        }
    }
}

impl Target {
    /// Every feature on: what any Prometheus 3.14 could accept (the syntax, before it is known
    /// which Prometheus will load the rules).
    pub fn any() -> Self {
        Target {
            features: Features::all(),
            who: "any Prometheus".into(),
        }
    }
    /// `(the stack enables: none)`.
    pub fn says(&self) -> String {
        format!("{} enables: {}", self.who, self.features.describe())
    }
}

/// A construct that only a feature flag enables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// What the expression uses: `limitk`, `fill()`, `anchored`.
    pub construct: String,
    pub feature: Feature,
}

impl Gate {
    pub fn new(construct: &str, feature: Feature) -> Self {
        Gate {
            construct: construct.into(),
            feature,
        }
    }
}

/// Why an expression does not parse: Prometheus's message and where (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub span: Range<usize>,
    pub message: String,
    /// Set when only a feature flag is missing.
    pub gate: Option<Gate>,
}

impl ParseError {
    pub fn new(span: Range<usize>, message: String) -> Self {
        ParseError {
            span,
            message,
            gate: None,
        }
    }
    pub fn gated(span: Range<usize>, message: String, gate: Gate) -> Self {
        ParseError {
            span,
            message,
            gate: Some(gate),
        }
    }
    /// `line:col` of the error in `input` (1-based, the column in bytes), as Prometheus shows it.
    pub fn position(&self, input: &str) -> String {
        if input.is_empty() {
            return "unknown position".into();
        }
        let pos = self.span.start.min(input.len());
        let before = &input.as_bytes()[..pos];
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        let col = pos
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        format!("{line}:{col}")
    }
    /// What promstack says: `L:C: message`, and for a gated construct what enables it and
    /// what the target enables (`target`: [`Target::says`]).
    pub fn explain(&self, input: &str, target: &str) -> String {
        match &self.gate {
            Some(g) => format!(
                "{}: `{}` needs --enable-feature={} on Prometheus ({target})",
                self.position(input),
                g.construct,
                g.feature.flag()
            ),
            None => format!("{}: {}", self.position(input), self.message),
        }
    }
}

/// Parse and check an expression as a Prometheus with `features` does.
pub fn parse(input: &str, features: Features) -> Result<Expr, ParseError> {
    let mut p = parse::Parser::new(input, features)?;
    let e = p.parse_top()?;
    check::check(&e, input)?;
    Ok(e)
}

/// [`parse`] for the chart's Prometheus (no feature enabled), with the error as promstack
/// prints it: `invalid PromQL: 1:14: unexpected identifier "rate" in aggregation`.
pub fn parse_promql(expr: &str) -> Result<Expr, String> {
    parse_for(expr, &Target::default())
}

/// [`parse`] for a target, with the error as promstack prints it. An expression longer than a
/// whole rule file the operator loads is not parsed: no Prometheus of the stack ever sees it,
/// and parsing it would take memory in proportion (a tree as deep as the input is long).
pub fn parse_for(expr: &str, target: &Target) -> Result<Expr, String> {
    let max = crate::kube::limits::RULE_FILE_MAX_BYTES;
    if expr.len() > max {
        return Err(format!(
            "expression of {} bytes not parsed: a whole rule file may have at most {max} (the Prometheus Operator refuses a larger one)",
            expr.len()
        ));
    }
    parse(expr, target.features)
        .map_err(|e| format!("invalid PromQL: {}", e.explain(expr, &target.says())))
}

/// Parse each distinct expression once, spread over the machine's cores. Returns the error of
/// each bad expression, as [`parse_for`] words it.
pub fn check_exprs<'a>(
    exprs: impl Iterator<Item = &'a str>,
    target: &Target,
) -> HashMap<&'a str, String> {
    let unique: Vec<&str> = exprs
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let results = crate::input::par::map(&unique, |e| parse_for(e, target).err());
    unique
        .into_iter()
        .zip(results)
        .filter_map(|(e, r)| r.map(|err| (e, err)))
        .collect()
}
