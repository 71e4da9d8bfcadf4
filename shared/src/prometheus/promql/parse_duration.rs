//! Durations in ranges, subquery steps and offsets, as Prometheus 3.14 parses them: a number or
//! duration literal, or a duration expression (`5m * 2`, `step()`, `max_of(1m, range())`), on by
//! default in 3.14. Inside `[...]` the whole arithmetic is read; after `offset` a literal, a
//! signed literal, `step()`/`range()`/`max_of`/`min_of` (signed or not) or `-( ... )` ends the
//! offset, so `foo offset 5m * 2` is `(foo offset 5m) * 2`, as the grammar's
//! `offset_duration_expr` has it; a parenthesised expression goes on (`foo offset (1m) + 1m`).
use super::ast::{DurationExpr, DurationValue};
use super::parse::{PResult, Parser, UNARY_OPERAND};
use super::token::{ItemType, ItemType::*};
use super::ParseError;

/// `durationLiteralOutOfRange`: seconds a time.Duration cannot hold.
#[allow(clippy::manual_range_contains)] // `!contains` would call NaN out of range: Go does not
fn out_of_range(seconds: f64) -> bool {
    // 2^63 nanoseconds, as `1<<63/1e9` is in Go
    const LIMIT: f64 = 9_223_372_036.854_776;
    // as Go compares: NaN is not out of range
    seconds > LIMIT || seconds < -LIMIT
}

fn precedence(t: ItemType) -> Option<(u8, bool)> {
    Some(match t {
        ADD | SUB => (4, false),
        MUL | DIV | MOD => (5, false),
        POW => (6, true),
        _ => return None,
    })
}

impl Parser<'_> {
    /// A range or a subquery step: greater than 0 when it is a literal.
    pub(super) fn parse_positive_duration(&mut self) -> PResult<DurationValue> {
        let d = self.parse_duration_expr(0)?;
        if let DurationExpr::Number { seconds, span } = &d {
            if *seconds <= 0.0 {
                return Err(ParseError::new(
                    span.clone(),
                    "duration must be greater than 0".into(),
                ));
            }
        }
        Ok(value(d))
    }

    /// What follows `offset` (see the module docs).
    pub(super) fn parse_offset_duration(&mut self) -> PResult<DurationValue> {
        let signed = matches!(self.typ()?, ADD | SUB);
        let next = if signed { self.peek()? } else { self.typ()? };
        let ends = match next {
            NUMBER | DURATION | STEP | RANGE | MAX_OF | MIN_OF => true,
            LEFT_PAREN => signed,
            _ => false,
        };
        if !ends {
            return self.parse_duration_expr(0).map(value);
        }
        let (op, start) = (self.typ()?, self.tok.pos);
        if signed {
            self.advance()?;
        }
        let inner = match self.typ()? {
            NUMBER | DURATION => {
                let (seconds, span) = self.number_duration_literal()?;
                let seconds = if op == SUB { -seconds } else { seconds };
                if out_of_range(seconds) {
                    let at = if signed { start..start + 1 } else { span };
                    return Err(ParseError::new(at, "duration out of range".into()));
                }
                return Ok(DurationValue::Seconds(seconds));
            }
            LEFT_PAREN => self.parse_duration_operand()?,
            _ => self.parse_duration_call()?,
        };
        Ok(value(if signed {
            self.apply_unary(op, start, inner)?
        } else {
            inner
        }))
    }

    /// Arithmetic of durations with the grammar's precedence.
    fn parse_duration_expr(&mut self, min: u8) -> PResult<DurationExpr> {
        crate::input::deep::grow(|| self.parse_duration_expr_here(min))
    }

    fn parse_duration_expr_here(&mut self, min: u8) -> PResult<DurationExpr> {
        let mut lhs = self.parse_duration_unary()?;
        loop {
            let op = self.typ()?;
            let Some((prec, right)) = precedence(op) else {
                break;
            };
            if prec < min {
                break;
            }
            let op_span = self.tok.pos..self.tok.end;
            self.advance()?;
            let rhs = self.parse_duration_expr(if right { prec } else { prec + 1 })?;
            if let (DIV | MOD, DurationExpr::Number { seconds, .. }) = (op, &rhs) {
                if *seconds == 0.0 {
                    let what = if op == DIV { "division" } else { "modulo" };
                    return Err(ParseError::new(op_span, format!("{what} by zero")));
                }
            }
            lhs = DurationExpr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            };
        }
        Ok(lhs)
    }

    fn parse_duration_unary(&mut self) -> PResult<DurationExpr> {
        if matches!(self.typ()?, ADD | SUB) {
            let (op, start) = (self.typ()?, self.tok.pos);
            self.advance()?;
            let e = self.parse_duration_expr(UNARY_OPERAND)?;
            return self.apply_unary(op, start, e);
        }
        self.parse_duration_operand()
    }

    /// A literal, `( expr )`, `step()`, `range()`, `max_of(a, b)`, `min_of(a, b)`.
    fn parse_duration_operand(&mut self) -> PResult<DurationExpr> {
        match self.typ()? {
            NUMBER | DURATION => {
                let (seconds, span) = self.number_duration_literal()?;
                if out_of_range(seconds) {
                    return Err(ParseError::new(span, "duration out of range".into()));
                }
                Ok(DurationExpr::Number { seconds, span })
            }
            LEFT_PAREN => {
                let start = self.tok.pos;
                self.advance()?;
                let e = self.parse_duration_expr(0)?;
                let close = self.expect(RIGHT_PAREN)?;
                Ok(match e {
                    // a parenthesised literal stays one (`-(5)` is -5)
                    n @ DurationExpr::Number { .. } => n,
                    e => DurationExpr::Paren {
                        expr: Box::new(e),
                        span: start..close.end,
                    },
                })
            }
            STEP | RANGE | MAX_OF | MIN_OF => self.parse_duration_call(),
            _ => Err(self.unexpected()),
        }
    }

    fn parse_duration_call(&mut self) -> PResult<DurationExpr> {
        let (op, start) = (self.typ()?, self.tok.pos);
        match op {
            STEP | RANGE => {
                self.advance()?;
                self.expect(LEFT_PAREN)?;
                let close = self.expect(RIGHT_PAREN)?;
                Ok(DurationExpr::Call {
                    op,
                    span: start..close.end,
                })
            }
            MAX_OF | MIN_OF => {
                self.advance()?;
                self.expect(LEFT_PAREN)?;
                let lhs = self.parse_duration_expr(0)?;
                self.expect(COMMA)?;
                let rhs = self.parse_duration_expr(0)?;
                let close = self.expect(RIGHT_PAREN)?;
                Ok(DurationExpr::Pick {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    span: start..close.end,
                })
            }
            _ => Err(self.unexpected()),
        }
    }

    /// `applyUnaryOpToDurationExpr`: a sign on a literal is folded into it.
    fn apply_unary(&self, op: ItemType, start: usize, e: DurationExpr) -> PResult<DurationExpr> {
        match e {
            DurationExpr::Number { seconds, ref span } => {
                let span = span.clone();
                let seconds = if op == SUB { -seconds } else { seconds };
                if out_of_range(seconds) {
                    return Err(ParseError::new(
                        start..start + 1,
                        "duration out of range".into(),
                    ));
                }
                Ok(DurationExpr::Number {
                    seconds,
                    span: start..span.end,
                })
            }
            e if op == SUB => Ok(DurationExpr::Unary {
                op,
                expr: Box::new(e),
                start,
            }),
            e => Ok(e),
        }
    }
}

/// A literal is its seconds, anything else an expression worked out at query time.
fn value(d: DurationExpr) -> DurationValue {
    match d {
        DurationExpr::Number { seconds, .. } => DurationValue::Seconds(seconds),
        e => DurationValue::Expr(Box::new(e)),
    }
}
