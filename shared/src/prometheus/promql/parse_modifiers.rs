//! What may follow a binary operator (`bool`, `on(...)`/`ignoring(...)`, `group_left`/
//! `group_right`, `fill(...)`) and the label lists of those and of `by`/`without`, as Prometheus
//! 3.14's grammar has them (`bin_modifier`, `grouping_labels`, `maybe_label`).
use super::ast::*;
use super::number;
use super::parse::{starts_expr, Ctx, PResult, Parser};
use super::token::{ItemType, ItemType::*};
use super::ParseError;

impl Parser<'_> {
    /// `bool`, `on(...)`/`ignoring(...)`, `group_left`/`group_right`, `fill(...)` after an operator.
    pub(super) fn parse_bin_modifiers(&mut self) -> PResult<Box<Binary>> {
        let mut b = Box::new(Binary {
            op: EOF,
            lhs: Expr::placeholder(),
            rhs: Expr::placeholder(),
            return_bool: false,
            matching: VectorMatching::default(),
            span: 0..0,
            typ: ValueType::Vector,
        });
        if self.typ()? == BOOL {
            b.return_bool = true;
            self.advance()?;
        }
        if matches!(self.typ()?, ON | IGNORING) {
            b.matching.on = self.typ()? == ON;
            b.matching.explicit = true;
            self.advance()?;
            b.matching.labels = self.parse_grouping_labels()?;
            if matches!(self.typ()?, GROUP_LEFT | GROUP_RIGHT) {
                let right = self.typ()? == GROUP_RIGHT;
                self.advance()?;
                let include = match self.typ()? {
                    LEFT_PAREN => self.parse_grouping_labels()?,
                    // what starts no operand is caught by `maybe_grouping_labels`
                    t if !starts_expr(t) => {
                        return Err(self.within(Ctx::GroupingOpen, |p| Ok(p.unexpected()))?)
                    }
                    _ => Vec::new(),
                };
                b.matching.group = Some((right, include));
            }
        }
        match self.typ()? {
            FILL => {
                self.advance()?;
                let v = self.parse_fill_value()?;
                b.matching.fill_lhs = Some(v);
                b.matching.fill_rhs = Some(v);
            }
            FILL_LEFT | FILL_RIGHT => {
                let first_left = self.typ()? == FILL_LEFT;
                self.advance()?;
                let v = self.parse_fill_value()?;
                let second = if first_left { FILL_RIGHT } else { FILL_LEFT };
                let w = if self.typ()? == second {
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
        let neg = match self.typ()? {
            ADD | SUB => {
                let neg = self.typ()? == SUB;
                self.advance()?;
                neg
            }
            _ => false,
        };
        let v = match self.typ()? {
            NUMBER | DURATION => self.number_duration_literal()?.0,
            _ => return Err(self.unexpected()),
        };
        self.expect(RIGHT_PAREN)?;
        Ok(if neg { -v } else { v })
    }

    /// `( label, ... )` of by/without/on/ignoring/group_left/group_right.
    pub(super) fn parse_grouping_labels(&mut self) -> PResult<Vec<String>> {
        self.within(Ctx::GroupingOpen, |p| p.expect(LEFT_PAREN))?;
        let mut labels = Vec::new();
        self.ctx.push(Ctx::GroupingLabel);
        let r = (|| {
            if self.typ()? == RIGHT_PAREN {
                self.advance()?;
                return Ok(());
            }
            loop {
                labels.push(self.grouping_label()?);
                *self.ctx.last_mut().expect("pushed") = Ctx::GroupingNext;
                match self.typ()? {
                    COMMA => {
                        self.advance()?;
                        *self.ctx.last_mut().expect("pushed") = Ctx::GroupingLabel;
                        if self.typ()? == RIGHT_PAREN {
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
        let t = self.typ()?;
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
