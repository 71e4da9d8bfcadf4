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

    /// Move to the next token.
    pub(super) fn advance(&mut self) -> PResult<()> {
        self.tok = match self.peeked.take() {
            Some(t) => t,
            None => self.fetch()?,
        };
        Ok(())
    }

    /// The token after the current one.
    pub(super) fn peek(&mut self) -> PResult<ItemType> {
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
        if self.tok.typ != t {
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
        if self.tok.typ == EOF {
            return Err(ParseError::new(0..0, "no expression found in input".into()));
        }
        let e = self.parse_expr(0)?;
        if self.tok.typ != EOF {
            return Err(self.unexpected());
        }
        Ok(e)
    }

    pub(super) fn parse_expr(&mut self, min: u8) -> PResult<Expr> {
        let mut lhs = self.parse_unary()?;
        loop {
            let op = self.tok.typ;
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
            let start = lhs.span().start;
            b.op = op;
            b.lhs = lhs;
            b.rhs = rhs;
            if fill && !self.features.fill_modifiers {
                return Err(ParseError::gated(
                    start..b.rhs.span().end,
                    "binop fill modifiers are experimental and not enabled".into(),
                    Gate::new("fill()", Feature::BinopFillModifiers),
                ));
            }
            lhs = Expr::Binary(Box::new(b));
        }
        Ok(lhs)
    }

    fn parse_unary(&mut self) -> PResult<Expr> {
        if !matches!(self.tok.typ, ADD | SUB) {
            return self.parse_postfix();
        }
        let (op, start) = (self.tok.typ, self.tok.pos);
        self.advance()?;
        let e = self.parse_expr(UNARY_OPERAND)?;
        Ok(match e {
            Expr::Number { val, span } => Expr::Number {
                val: if op == SUB { -val } else { val },
                span: start..span.end,
            },
            e => Expr::Unary {
                op,
                expr: Box::new(e),
                start,
            },
        })
    }

    /// `bool`, `on(...)`/`ignoring(...)`, `group_left`/`group_right`, `fill(...)` after an operator.
    fn parse_bin_modifiers(&mut self) -> PResult<Binary> {
        let mut b = Binary {
            op: EOF,
            lhs: Expr::Number {
                val: 0.0,
                span: 0..0,
            },
            rhs: Expr::Number {
                val: 0.0,
                span: 0..0,
            },
            return_bool: false,
            matching: VectorMatching::default(),
        };
        if self.tok.typ == BOOL {
            b.return_bool = true;
            self.advance()?;
        }
        if matches!(self.tok.typ, ON | IGNORING) {
            b.matching.on = self.tok.typ == ON;
            b.matching.explicit = true;
            self.advance()?;
            b.matching.labels = self.parse_grouping_labels()?;
            if matches!(self.tok.typ, GROUP_LEFT | GROUP_RIGHT) {
                let right = self.tok.typ == GROUP_RIGHT;
                self.advance()?;
                let include = if self.tok.typ == LEFT_PAREN {
                    self.parse_grouping_labels()?
                } else {
                    Vec::new()
                };
                b.matching.group = Some((right, include));
            }
        }
        match self.tok.typ {
            FILL => {
                self.advance()?;
                let v = self.parse_fill_value()?;
                b.matching.fill_lhs = Some(v);
                b.matching.fill_rhs = Some(v);
            }
            FILL_LEFT | FILL_RIGHT => {
                let first_left = self.tok.typ == FILL_LEFT;
                self.advance()?;
                let v = self.parse_fill_value()?;
                let second = if first_left { FILL_RIGHT } else { FILL_LEFT };
                let w = if self.tok.typ == second {
                    self.advance()?;
                    Some(self.parse_fill_value()?)
                } else {
                    None
                };
                let (l, r) = if first_left {
                    (Some(v), w)
                } else {
                    (w, Some(v))
                };
                b.matching.fill_lhs = l;
                b.matching.fill_rhs = r;
            }
            _ => {}
        }
        Ok(b)
    }

    /// `( number )` or `( -number )` of a fill modifier.
    fn parse_fill_value(&mut self) -> PResult<f64> {
        self.expect(LEFT_PAREN)?;
        let neg = match self.tok.typ {
            ADD | SUB => {
                let neg = self.tok.typ == SUB;
                self.advance()?;
                neg
            }
            _ => false,
        };
        let v = match self.tok.typ {
            NUMBER | DURATION => self.number_duration_literal()?.0,
            _ => return Err(self.unexpected()),
        };
        self.expect(RIGHT_PAREN)?;
        Ok(if neg { -v } else { v })
    }

    /// A NUMBER or DURATION token's value in seconds (and its span).
    pub(super) fn number_duration_literal(&mut self) -> PResult<(f64, std::ops::Range<usize>)> {
        let span = self.tok.pos..self.tok.end;
        let text = self.val();
        let v = if self.tok.typ == DURATION {
            number::parse_duration(text).map_err(|e| ParseError::new(span.clone(), e))?
        } else {
            number::parse_number(text).map_err(|e| ParseError::new(span.clone(), e))?
        };
        self.advance()?;
        Ok((v, span))
    }

    /// `( label, ... )` of by/without/on/ignoring/group_left/group_right.
    pub(super) fn parse_grouping_labels(&mut self) -> PResult<Vec<String>> {
        self.within(Ctx::GroupingOpen, |p| p.expect(LEFT_PAREN))?;
        let mut labels = Vec::new();
        self.ctx.push(Ctx::GroupingLabel);
        let r = (|| {
            if self.tok.typ == RIGHT_PAREN {
                self.advance()?;
                return Ok(());
            }
            loop {
                labels.push(self.grouping_label()?);
                *self.ctx.last_mut().expect("pushed") = Ctx::GroupingNext;
                match self.tok.typ {
                    COMMA => {
                        self.advance()?;
                        *self.ctx.last_mut().expect("pushed") = Ctx::GroupingLabel;
                        if self.tok.typ == RIGHT_PAREN {
                            self.advance()?;
                            return Ok(());
                        }
                    }
                    RIGHT_PAREN => {
                        self.advance()?;
                        return Ok(());
                    }
                    _ => return Err(self.unexpected()),
                }
            }
        })();
        self.ctx.pop();
        r.map(|()| labels)
    }

    fn grouping_label(&mut self) -> PResult<String> {
        let t = self.tok.typ;
        let label = match t {
            STRING => {
                let span = self.tok.pos..self.tok.end;
                let s =
                    number::unquote(self.val()).map_err(|e| ParseError::new(span.clone(), e))?;
                if s.is_empty() {
                    return Err(ParseError::new(
                        span,
                        format!(
                            "invalid label name for grouping: {}",
                            super::quote::go_quote(&s)
                        ),
                    ));
                }
                s
            }
            IDENTIFIER | METRIC_IDENTIFIER => self.val().to_string(),
            t if is_maybe_label(t) => self.val().to_string(),
            _ => return Err(self.unexpected()),
        };
        self.advance()?;
        Ok(label)
    }
}

/// Keywords that may name a label in grouping options (`maybe_label`).
fn is_maybe_label(t: ItemType) -> bool {
    t.is_aggregator()
        || matches!(
            t,
            BOOL | BY
                | GROUP_LEFT
                | GROUP_RIGHT
                | FILL
                | FILL_LEFT
                | FILL_RIGHT
                | IGNORING
                | LAND
                | LOR
                | LUNLESS
                | OFFSET
                | ON
                | START
                | END
                | ATAN2
                | STEP
                | RANGE
                | ANCHORED
                | SMOOTHED
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
