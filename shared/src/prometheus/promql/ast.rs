//! The syntax tree of a PromQL expression, as Prometheus 3.14's parser builds it (`ast.go`):
//! what `rules validate` checks, `rules lint` reads (selectors, ranges, the labels an expression
//! yields), and the online checks ask Prometheus about. Every node knows its place in the input
//! (byte offsets), as the upstream positions are.
//!
//! A tree can be as deep as its input is long (a sum of 20,000 terms is 20,000 levels): every node
//! keeps its span and type, so asking them is one step, and what walks a tree either loops
//! ([`Expr::walk`], dropping a tree) or recurses through [`crate::input::deep::grow`].
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
        crate::input::deep::grow(|| self.constant_here())
    }
    fn constant_here(&self) -> Option<f64> {
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
        crate::input::deep::grow(|| self.span_here())
    }
    fn span_here(&self) -> Span {
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

/// Taken apart with a loop, as [`Expr`] is.
impl Drop for DurationExpr {
    fn drop(&mut self) {
        fn take(e: &mut DurationExpr, out: &mut Vec<DurationExpr>) {
            if !matches!(e, DurationExpr::Number { .. } | DurationExpr::Call { .. }) {
                let leaf = DurationExpr::Number {
                    seconds: 0.0,
                    span: 0..0,
                };
                out.push(std::mem::replace(e, leaf));
            }
        }
        fn operands(e: &mut DurationExpr, out: &mut Vec<DurationExpr>) {
            match e {
                DurationExpr::Unary { expr, .. } | DurationExpr::Paren { expr, .. } => {
                    take(expr, out)
                }
                DurationExpr::Binary { lhs, rhs, .. } | DurationExpr::Pick { lhs, rhs, .. } => {
                    take(lhs, out);
                    take(rhs, out);
                }
                DurationExpr::Number { .. } | DurationExpr::Call { .. } => {}
            }
        }
        let mut todo = Vec::new();
        operands(self, &mut todo);
        while let Some(mut e) = todo.pop() {
            operands(&mut e, &mut todo);
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

#[derive(Debug, Clone, Default, PartialEq)]
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
    /// From the left operand's start to the right one's end.
    pub span: Span,
    /// Scalar when both operands are, else instant vector.
    pub typ: ValueType,
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
    /// Where its expression starts.
    pub start: usize,
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
        span: Span,
        /// Its operand's.
        typ: ValueType,
    },
    Paren {
        expr: Box<Expr>,
        span: Span,
        /// Its expression's.
        typ: ValueType,
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
            Expr::Binary(b) => b.typ,
            Expr::Unary { typ, .. } | Expr::Paren { typ, .. } => *typ,
        }
    }

    /// Where it is in the input (`PositionRange()`).
    pub fn span(&self) -> Span {
        match self {
            Expr::Number { span, .. }
            | Expr::String { span, .. }
            | Expr::Call { span, .. }
            | Expr::Paren { span, .. }
            | Expr::Unary { span, .. } => span.clone(),
            Expr::Vector(v) => v.span.clone(),
            Expr::Matrix { vs, end, .. } => vs.span.start..*end,
            Expr::Subquery(s) => s.start..s.end,
            Expr::Aggregate(a) => a.span.clone(),
            Expr::Binary(b) => b.span.clone(),
        }
    }

    /// Every node, this one first, then its children in order (a loop, at any depth).
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        let mut todo = vec![self];
        while let Some(e) = todo.pop() {
            f(e);
            let at = todo.len();
            e.each_child(|c| todo.push(c));
            todo[at..].reverse();
        }
    }

    /// Its operands, in order.
    pub fn each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match self {
            Expr::Subquery(s) => f(&s.expr),
            Expr::Call { args, .. } => args.iter().for_each(f),
            Expr::Aggregate(a) => {
                if let Some(p) = &a.param {
                    f(p);
                }
                f(&a.expr);
            }
            Expr::Binary(b) => {
                f(&b.lhs);
                f(&b.rhs);
            }
            Expr::Unary { expr, .. } | Expr::Paren { expr, .. } => f(expr),
            Expr::Number { .. } | Expr::String { .. } | Expr::Vector(_) | Expr::Matrix { .. } => {}
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
        let mut e = self;
        while let Expr::Paren { expr, .. } = e {
            e = expr;
        }
        e
    }

    /// A leaf that owns nothing on the heap: what a node's operand is swapped for when the node
    /// is taken apart.
    pub(super) fn placeholder() -> Expr {
        Expr::Number {
            val: 0.0,
            span: 0..0,
        }
    }

    /// Move out an operand that has operands of its own, leaving a placeholder.
    fn take_inner(e: &mut Expr, out: &mut Vec<Expr>) {
        if !matches!(
            e,
            Expr::Number { .. } | Expr::String { .. } | Expr::Vector(_) | Expr::Matrix { .. }
        ) {
            out.push(std::mem::replace(e, Expr::placeholder()));
        }
    }

    /// Move out the operands of this node that have operands of their own.
    fn take_operands(&mut self, out: &mut Vec<Expr>) {
        match self {
            Expr::Subquery(s) => Expr::take_inner(&mut s.expr, out),
            Expr::Call { args, .. } => args.iter_mut().for_each(|a| Expr::take_inner(a, out)),
            Expr::Aggregate(a) => {
                if let Some(p) = &mut a.param {
                    Expr::take_inner(p, out);
                }
                Expr::take_inner(&mut a.expr, out);
            }
            Expr::Binary(b) => {
                Expr::take_inner(&mut b.lhs, out);
                Expr::take_inner(&mut b.rhs, out);
            }
            Expr::Unary { expr, .. } | Expr::Paren { expr, .. } => Expr::take_inner(expr, out),
            Expr::Number { .. } | Expr::String { .. } | Expr::Vector(_) | Expr::Matrix { .. } => {}
        }
    }
}

/// A tree is taken apart with a loop: dropping it node by node, recursively, would overflow the
/// stack on a deep one.
impl Drop for Expr {
    fn drop(&mut self) {
        let mut todo = Vec::new();
        self.take_operands(&mut todo);
        while let Some(mut e) = todo.pop() {
            e.take_operands(&mut todo);
        }
    }
}
