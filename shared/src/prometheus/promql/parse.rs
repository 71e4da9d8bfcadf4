//! The PromQL parser of Prometheus 3.14, written after its grammar (`generated_parser.y`) and
//! the checks its actions make (`parse.go`): a precedence-climbing parser over the tokens of
//! [`super::lex`], with the grammar's precedence (`or` < `and`/`unless` < comparisons and trims <
//! `+ -` < `* / % atan2` < `^`, right-associative; unary `+ -` at `*`'s level; `[...]`, `offset`,
//! `@`, `anchored` and `smoothed` bind to the operand before them), and the same messages.
//!
//! The first error is the one returned, as Prometheus reports only its first. A syntax error is
//! worded as the grammar's error rule that would catch it (`unexpected identifier "rate" in
//! aggregation`): each construct that has one pushes its context while it is parsed.
//! Expressions are then type-checked by [`super::check`].
use super::ast::*;
use super::functions;
use super::lex::{Item, Lexer};
use super::number;
use super::token::{item_desc, ItemType, ItemType::*};
use super::{Feature, Features, Gate, ParseError};

/// Where a syntax error is caught (the grammar's `error` rules): its context and what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Aggregation,
    GroupingOpen,
    GroupingLabel,
    GroupingNext,
    Offset,
    At,
    RangeStart,
    RangeNext,
    SubqueryStep,
    SubqueryEnd,
    MatcherStart,
    MatcherOp,
    MatcherValue,
    MatcherNext,
}

impl Ctx {
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Ctx::Aggregation => ("aggregation", ""),
            Ctx::GroupingOpen => ("grouping opts", "\"(\""),
            Ctx::GroupingLabel => ("grouping opts", "label"),
            Ctx::GroupingNext => ("grouping opts", "\",\" or \")\""),
            Ctx::Offset => ("offset", "number, duration, step(), or range()"),
            Ctx::At => ("@", "timestamp"),
            Ctx::RangeStart => (
                "subquery or range selector",
                "number, duration, step(), or range()",
            ),
            Ctx::RangeNext => ("subquery or range", "\":\" or \"]\""),
            Ctx::SubqueryStep => (
                "subquery selector",
                "number, duration, step(), range(), or \"]\"",
            ),
            Ctx::SubqueryEnd => ("subquery selector", "\"]\""),
            Ctx::MatcherStart => ("label matching", "identifier or \"}\""),
            Ctx::MatcherOp => ("label matching", "label matching operator"),
            Ctx::MatcherValue => ("label matching", "string"),
            Ctx::MatcherNext => ("label matching", "\",\" or \"}\""),
        }
    }
}

pub(super) type PResult<T> = Result<T, ParseError>;

pub(super) struct Parser<'a> {
    pub(super) input: &'a str,
    lex: Lexer<'a>,
    pub(super) tok: Item,
    peeked: Option<Item>,
    /// The current token was consumed; the next is read when the parser looks at it.
    pending: bool,
    pub(super) last_closing: usize,
    pub(super) features: Features,
    pub(super) ctx: Vec<Ctx>,
}

/// Binding power of a binary operator, and whether it is right-associative.
fn binary_precedence(t: ItemType) -> Option<(u8, bool)> {
    Some(match t {
        LOR => (1, false),
        LAND | LUNLESS => (2, false),
        EQLC | GTE | GTR | LSS | LTE | NEQ | TRIM_UPPER | TRIM_LOWER => (3, false),
        ADD | SUB => (4, false),
        MUL | DIV | MOD | ATAN2 => (5, false),
        POW => (6, true),
        _ => return None,
    })
}

/// Unary `+`/`-` bind as `*` does: their operand holds only `^`.
pub(super) const UNARY_OPERAND: u8 = 6;

impl<'a> Parser<'a> {
    pub(super) fn new(input: &'a str, features: Features) -> PResult<Self> {
        let mut p = Parser {
            input,
            lex: Lexer::new(input),
            tok: Item {
                typ: EOF,
                pos: 0,
                end: 0,
                message: None,
            },
            peeked: None,
            pending: false,
            last_closing: 0,
            features,
            ctx: Vec::new(),
        };
        p.advance()?;
        Ok(p)
    }

    fn fetch(&mut self) -> PResult<Item> {
        loop {
            let item = self.lex.next_item();
            match item.typ {
                COMMENT => continue,
                ERROR => {
                    return Err(ParseError::new(
                        item.pos..self.input.len(),
                        item.message.unwrap_or_default(),
                    ))
                }
                RIGHT_BRACE | RIGHT_PAREN | RIGHT_BRACKET | DURATION | NUMBER => {
                    self.last_closing = item.end;
                }
                _ => {}
            }
            return Ok(item);
        }
    }

    /// Move past the current token. The next one is read only when the parser looks at it
    /// ([`Self::typ`]), as Prometheus's parser reads a lookahead only when its grammar needs one:
    /// what finishes a construct (a function's name checked after its `)`, a regex after its
    /// string) comes before a lexer error in the token after it.
    pub(super) fn advance(&mut self) -> PResult<()> {
        self.pending = true;
        Ok(())
    }

    /// Read the token moved to, if not yet read.
    fn fill(&mut self) -> PResult<()> {
        if self.pending {
            self.pending = false;
            self.tok = match self.peeked.take() {
                Some(t) => t,
                None => self.fetch()?,
            };
        }
        Ok(())
    }

    /// The type of the current token (read now if it was not).
    pub(super) fn typ(&mut self) -> PResult<ItemType> {
        self.fill()?;
        Ok(self.tok.typ)
    }

    /// The token after the current one.
    pub(super) fn peek(&mut self) -> PResult<ItemType> {
        self.fill()?;
        if self.peeked.is_none() {
            self.peeked = Some(self.fetch()?);
        }
        Ok(self.peeked.as_ref().map_or(EOF, |t| t.typ))
    }

    pub(super) fn val(&self) -> &'a str {
        self.tok.val(self.input)
    }

    /// A syntax error at the current token, worded by the innermost context that catches it.
    pub(super) fn unexpected(&self) -> ParseError {
        let mut msg = format!("unexpected {}", item_desc(self.tok.typ, self.val()));
        if let Some(ctx) = self.ctx.last() {
            let (context, expected) = ctx.words();
            msg.push_str(" in ");
            msg.push_str(context);
            if !expected.is_empty() {
                msg.push_str(", expected ");
                msg.push_str(expected);
            }
        }
        ParseError::new(self.tok.pos..self.tok.end, msg)
    }

    pub(super) fn expect(&mut self, t: ItemType) -> PResult<Item> {
        if self.typ()? != t {
            return Err(self.unexpected());
        }
        let item = self.tok.clone();
        self.advance()?;
        Ok(item)
    }

    /// Run `f` with `ctx` as the context of its syntax errors.
    pub(super) fn within<T>(
        &mut self,
        ctx: Ctx,
        f: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> PResult<T> {
        self.ctx.push(ctx);
        let r = f(self);
        self.ctx.pop();
        r
    }

    /// The whole input as one expression.
    pub(super) fn parse_top(&mut self) -> PResult<Expr> {
        if self.typ()? == EOF {
            return Err(ParseError::new(0..0, "no expression found in input".into()));
        }
        let e = self.parse_expr(0)?;
        if self.typ()? != EOF {
            return Err(self.unexpected());
        }
        Ok(e)
    }

    /// An expression of operators binding at least as tightly as `min`. Every nesting of the
    /// grammar (parentheses, arguments, operands of unary and right-associative operators)
    /// comes back here, so this is where the stack grows.
    pub(super) fn parse_expr(&mut self, min: u8) -> PResult<Expr> {
        crate::input::deep::grow(|| self.parse_expr_here(min))
    }

    fn parse_expr_here(&mut self, min: u8) -> PResult<Expr> {
        let lhs = self.parse_unary()?;
        self.parse_binary_rest(lhs, min)
    }

    /// The operators (binding at least as tightly as `min`) after a first operand. Not inlined:
    /// its locals stay off the frames of a deep nesting of operands.
    #[inline(never)]
    fn parse_binary_rest(&mut self, mut lhs: Expr, min: u8) -> PResult<Expr> {
        loop {
            let op = self.typ()?;
            let Some((prec, right)) = binary_precedence(op) else {
                break;
            };
            if prec < min {
                break;
            }
            self.advance()?;
            let mut b = self.parse_bin_modifiers()?;
            let rhs = self.parse_expr(if right { prec } else { prec + 1 })?;
            let fill = b.matching.fill_lhs.is_some() || b.matching.fill_rhs.is_some();
            b.span = lhs.span().start..rhs.span().end;
            b.typ =
                if lhs.value_type() == ValueType::Scalar && rhs.value_type() == ValueType::Scalar {
                    ValueType::Scalar
                } else {
                    ValueType::Vector
                };
            b.op = op;
            b.lhs = lhs;
            b.rhs = rhs;
            if fill && !self.features.fill_modifiers {
                return Err(ParseError::gated(
                    b.span.clone(),
                    "binop fill modifiers are experimental and not enabled".into(),
                    Gate::new("fill()", Feature::BinopFillModifiers),
                ));
            }
            lhs = Expr::Binary(b);
        }
        Ok(lhs)
    }

    fn parse_unary(&mut self) -> PResult<Expr> {
        if !matches!(self.typ()?, ADD | SUB) {
            return self.parse_postfix();
        }
        let (op, start) = (self.typ()?, self.tok.pos);
        self.advance()?;
        let e = self.parse_expr(UNARY_OPERAND)?;
        let span = start..e.span().end;
        Ok(match e {
            Expr::Number { val, .. } => Expr::Number {
                val: if op == SUB { -val } else { val },
                span,
            },
            e => Expr::Unary {
                op,
                typ: e.value_type(),
                expr: Box::new(e),
                span,
            },
        })
    }

    /// A NUMBER or DURATION token's value in seconds (and its span).
    pub(super) fn number_duration_literal(&mut self) -> PResult<(f64, std::ops::Range<usize>)> {
        let span = self.tok.pos..self.tok.end;
        let text = self.val();
        let v = if self.typ()? == DURATION {
            number::parse_duration(text).map_err(|e| ParseError::new(span.clone(), e))?
        } else {
            number::parse_number(text).map_err(|e| ParseError::new(span.clone(), e))?
        };
        self.advance()?;
        Ok((v, span))
    }
}

/// Tokens an expression can start with (the grammar's FIRST set of `expr`).
pub(super) fn starts_expr(t: ItemType) -> bool {
    is_metric_identifier(t)
        || matches!(
            t,
            NUMBER
                | DURATION
                | STRING
                | LEFT_PAREN
                | LEFT_BRACE
                | ADD
                | SUB
                | IDENTIFIER
                | START
                | END
                | STEP
                | RANGE
                | MAX_OF
                | MIN_OF
        )
}

/// Keywords that may name a metric (`metric_identifier`).
pub(super) fn is_metric_identifier(t: ItemType) -> bool {
    t.is_aggregator()
        || matches!(
            t,
            BY | FILL
                | FILL_LEFT
                | FILL_RIGHT
                | IDENTIFIER
                | LAND
                | LOR
                | LUNLESS
                | METRIC_IDENTIFIER
                | OFFSET
                | WITHOUT
                | START
                | END
                | STEP
                | RANGE
                | ANCHORED
                | SMOOTHED
                | MAX_OF
                | MIN_OF
        )
}

/// The function a name calls, or the error `function_call`'s action gives.
pub(super) fn function(
    name: &str,
    span: std::ops::Range<usize>,
    features: Features,
) -> PResult<&'static functions::Function> {
    let Some(f) = functions::get(name) else {
        return Err(ParseError::new(
            span,
            format!(
                "unknown function with name {}",
                super::quote::go_quote(name)
            ),
        ));
    };
    if f.experimental && !features.experimental_functions {
        return Err(ParseError::gated(
            span,
            format!("function {} is not enabled", super::quote::go_quote(name)),
            Gate::new(name, Feature::ExperimentalFunctions),
        ));
    }
    Ok(f)
}
