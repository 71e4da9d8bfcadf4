//! The syntax tree of a PromQL expression, as Prometheus 3.14's parser builds it (`ast.go`):
//! what `rules validate` checks, `rules lint` reads (selectors, ranges, the labels an expression
//! yields), and the online checks ask Prometheus about. Every node knows its place in the input
//! (byte offsets), as the upstream positions are.
use super::functions::Function;
use super::token::ItemType;
use std::ops::Range;

/// Byte offsets of a node in the expression.
pub type Span = Range<usize>;

/// What an expression evaluates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    None,
    Vector,
    Scalar,
    Matrix,
    String,
}

impl ValueType {
    /// `DocumentedType`: the name the documentation (and the error messages) give it.
    pub fn documented(self) -> &'static str {
        match self {
            ValueType::None => "none",
            ValueType::Vector => "instant vector",
            ValueType::Scalar => "scalar",
            ValueType::Matrix => "range vector",
            ValueType::String => "string",
        }
    }
    /// `ValueType.String()` (as `%s` prints it in one message).
    pub fn name(self) -> &'static str {
        match self {
            ValueType::None => "none",
            ValueType::Vector => "vector",
            ValueType::Scalar => "scalar",
            ValueType::Matrix => "matrix",
            ValueType::String => "string",
        }
    }
}

/// A label matcher's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regexp,
    NotRegexp,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regexp => "=~",
            MatchOp::NotRegexp => "!~",
        }
    }
}

/// `name op "value"` inside a selector's braces (the metric name outside braces is one too).
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

/// A range, a subquery step or an offset: a number of seconds, or a duration expression
/// (`5m * 2`, `step()`) that Prometheus works out when it runs the query.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationValue {
    Seconds(f64),
    Expr(Box<DurationExpr>),
}

impl DurationValue {
    /// The seconds when known without running the query.
    pub fn seconds(&self) -> Option<f64> {
        match self {
            DurationValue::Seconds(s) => Some(*s),
            DurationValue::Expr(e) => e.constant(),
        }
    }
}

/// A duration expression: arithmetic of numbers, durations, `step()`, `range()`, `min_of`/`max_of`.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationExpr {
    Number {
        seconds: f64,
        span: Span,
    },
    Unary {
        op: ItemType,
        expr: Box<DurationExpr>,
        start: usize,
    },
    Binary {
        op: ItemType,
        lhs: Box<DurationExpr>,
        rhs: Box<DurationExpr>,
    },
    /// `step()`, `range()`
    Call {
        op: ItemType,
        span: Span,
    },
    /// `max_of(a, b)`, `min_of(a, b)`
    Pick {
        op: ItemType,
        lhs: Box<DurationExpr>,
        rhs: Box<DurationExpr>,
        span: Span,
    },
    Paren {
        expr: Box<DurationExpr>,
        span: Span,
    },
}

impl DurationExpr {
    /// Its value when it does not depend on the query (no `step()`/`range()`).
    pub fn constant(&self) -> Option<f64> {
        use ItemType::*;
        match self {
            DurationExpr::Number { seconds, .. } => Some(*seconds),
            DurationExpr::Unary { op, expr, .. } => {
                expr.constant().map(|v| if *op == SUB { -v } else { v })
            }
            DurationExpr::Binary { op, lhs, rhs } => {
                let (a, b) = (lhs.constant()?, rhs.constant()?);
                Some(match op {
                    ADD => a + b,
                    SUB => a - b,
                    MUL => a * b,
                    DIV => a / b,
                    MOD => a % b,
                    POW => a.powf(b),
                    _ => return None,
                })
            }
            DurationExpr::Call { .. } => None,
            DurationExpr::Pick { op, lhs, rhs, .. } => {
                let (a, b) = (lhs.constant()?, rhs.constant()?);
                Some(if *op == MAX_OF { a.max(b) } else { a.min(b) })
            }
            DurationExpr::Paren { expr, .. } => expr.constant(),
        }
    }
    pub fn span(&self) -> Span {
        match self {
            DurationExpr::Number { span, .. }
            | DurationExpr::Call { span, .. }
            | DurationExpr::Pick { span, .. }
            | DurationExpr::Paren { span, .. } => span.clone(),
            DurationExpr::Unary { expr, start, .. } => *start..expr.span().end,
            DurationExpr::Binary { lhs, rhs, .. } => lhs.span().start..rhs.span().end,
        }
    }
}

/// `@ <timestamp>`, `@ start()`, `@ end()`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    Timestamp(f64),
    Start,
    End,
}

/// The modifiers a selector or subquery can carry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modifiers {
    pub offset: Option<DurationValue>,
    pub at: Option<At>,
    pub anchored: bool,
    pub smoothed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VectorSelector {
    /// The metric name written before the braces.
    pub name: Option<String>,
    /// Every matcher, the one of the name written before the braces last.
    pub matchers: Vec<Matcher>,
    pub modifiers: Modifiers,
    pub span: Span,
}

impl VectorSelector {
    /// The metric it selects, before the braces or as `__name__="..."` inside.
    pub fn metric(&self) -> Option<&str> {
        self.name.as_deref().or_else(|| {
            self.matchers
                .iter()
                .find(|m| m.name == "__name__" && m.op == MatchOp::Equal)
                .map(|m| m.value.as_str())
        })
    }
}

/// `on(...)`/`ignoring(...)`, `group_left`/`group_right`, `fill(...)`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VectorMatching {
    pub on: bool,
    pub labels: Vec<String>,
    /// `group_left` (`Some(false)`) or `group_right` (`Some(true)`), with its extra labels.
    pub group: Option<(bool, Vec<String>)>,
    pub fill_lhs: Option<f64>,
    pub fill_rhs: Option<f64>,
    /// `on`/`ignoring` written (an empty `on()` is still one).
    pub explicit: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Binary {
    pub op: ItemType,
    pub lhs: Expr,
    pub rhs: Expr,
    pub return_bool: bool,
    pub matching: VectorMatching,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub op: ItemType,
    pub expr: Expr,
    pub param: Option<Expr>,
    pub grouping: Vec<String>,
    pub without: bool,
    /// `by`/`without` written.
    pub has_grouping: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subquery {
    pub expr: Expr,
    pub range: DurationValue,
    pub step: Option<DurationValue>,
    pub modifiers: Modifiers,
    pub end: usize,
}

/// A PromQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number {
        val: f64,
        span: Span,
    },
    String {
        val: String,
        span: Span,
    },
    Vector(Box<VectorSelector>),
    Matrix {
        vs: Box<VectorSelector>,
        range: DurationValue,
        end: usize,
    },
    Subquery(Box<Subquery>),
    Call {
        func: &'static Function,
        args: Vec<Expr>,
        span: Span,
    },
    Aggregate(Box<Aggregate>),
    Binary(Box<Binary>),
    Unary {
        op: ItemType,
        expr: Box<Expr>,
        start: usize,
    },
    Paren {
        expr: Box<Expr>,
        span: Span,
    },
}

impl Expr {
    /// What it evaluates to (`Type()`).
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number { .. } => ValueType::Scalar,
            Expr::String { .. } => ValueType::String,
            Expr::Vector(_) | Expr::Aggregate(_) => ValueType::Vector,
            Expr::Matrix { .. } | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Call { func, .. } => func.return_type,
            Expr::Binary(b) => {
                if b.lhs.value_type() == ValueType::Scalar
                    && b.rhs.value_type() == ValueType::Scalar
                {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                }
            }
            Expr::Unary { expr, .. } | Expr::Paren { expr, .. } => expr.value_type(),
        }
    }

    /// Where it is in the input (`PositionRange()`).
    pub fn span(&self) -> Span {
        match self {
            Expr::Number { span, .. }
            | Expr::String { span, .. }
            | Expr::Call { span, .. }
            | Expr::Paren { span, .. } => span.clone(),
            Expr::Vector(v) => v.span.clone(),
            Expr::Matrix { vs, end, .. } => vs.span.start..*end,
            Expr::Subquery(s) => s.expr.span().start..s.end,
            Expr::Aggregate(a) => a.span.clone(),
            Expr::Binary(b) => b.lhs.span().start..b.rhs.span().end,
            Expr::Unary { expr, start, .. } => *start..expr.span().end,
        }
    }

    /// Every node, this one first, then its children in order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Subquery(s) => s.expr.walk(f),
            Expr::Call { args, .. } => args.iter().for_each(|a| a.walk(f)),
            Expr::Aggregate(a) => {
                if let Some(p) = &a.param {
                    p.walk(f);
                }
                a.expr.walk(f);
            }
            Expr::Binary(b) => {
                b.lhs.walk(f);
                b.rhs.walk(f);
            }
            Expr::Unary { expr, .. } | Expr::Paren { expr, .. } => expr.walk(f),
            _ => {}
        }
    }

    /// The selectors of the expression, in order (a range selector's inner one included).
    pub fn selectors(&self) -> Vec<&VectorSelector> {
        let mut out = Vec::new();
        self.walk(&mut |e| match e {
            Expr::Vector(v) => out.push(v.as_ref()),
            Expr::Matrix { vs, .. } => out.push(vs.as_ref()),
            _ => {}
        });
        out
    }

    /// Without parentheses around it.
    pub fn unparen(&self) -> &Expr {
        match self {
            Expr::Paren { expr, .. } => expr.unparen(),
            e => e,
        }
    }
}
