//! The operands of PromQL (numbers, strings, selectors, calls, aggregations, parentheses) and
//! the range or subquery that may follow one (`[range]`, `[range:step]`), as Prometheus 3.14's
//! grammar and actions have them; `offset`, `@`, `anchored` and `smoothed` are parse_at_offset's.
use super::ast::*;
use super::number;
use super::parse::{function, is_metric_identifier, starts_expr, Ctx, PResult, Parser};
use super::token::{ItemType, ItemType::*};
use super::{Feature, Gate, ParseError};

impl Parser<'_> {
    /// An operand and every modifier after it.
    pub(super) fn parse_postfix(&mut self) -> PResult<Expr> {
        let mut e = self.parse_primary()?;
        loop {
            match self.typ()? {
                LEFT_BRACKET => e = self.parse_range_or_subquery(e)?,
                OFFSET => {
                    self.advance()?;
                    let d = self.within(Ctx::Offset, |p| p.parse_offset_duration())?;
                    self.add_offset(&mut e, d)?;
                }
                AT => {
                    self.advance()?;
                    self.within(Ctx::At, |p| p.parse_at(&mut e))?;
                }
                ANCHORED | SMOOTHED => {
                    let anchored = self.typ()? == ANCHORED;
                    self.set_anchored_or_smoothed(&mut e, anchored)?;
                    self.advance()?;
                }
                _ => return Ok(e),
            }
        }
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        let t = self.typ()?;
        match t {
            NUMBER | DURATION => {
                let (val, span) = self.number_duration_literal()?;
                Ok(Expr::Number { val, span })
            }
            STRING => {
                let span = self.tok.pos..self.tok.end;
                let val =
                    number::unquote(self.val()).map_err(|e| ParseError::new(span.clone(), e))?;
                self.advance()?;
                Ok(Expr::String { val, span })
            }
            LEFT_PAREN => {
                let start = self.tok.pos;
                self.advance()?;
                let e = self.parse_expr(0)?;
                let close = self.expect(RIGHT_PAREN)?;
                Ok(Expr::Paren {
                    typ: e.value_type(),
                    expr: Box::new(e),
                    span: start..close.end,
                })
            }
            LEFT_BRACE => self.parse_vector_selector(None),
            t if t.is_aggregator() && matches!(self.peek()?, BY | WITHOUT | LEFT_PAREN) => {
                self.parse_aggregation()
            }
            IDENTIFIER | START | END | STEP | RANGE | MAX_OF | MIN_OF
                if self.peek()? == LEFT_PAREN =>
            {
                self.parse_call()
            }
            t if is_metric_identifier(t) => self.parse_metric_selector(),
            _ => Err(self.unexpected()),
        }
    }

    /// `name` or `name{matchers}`. Not inlined, as the other operands are not: a deep nesting
    /// of parentheses goes through [`Self::parse_primary`]'s frame at every level.
    #[inline(never)]
    fn parse_metric_selector(&mut self) -> PResult<Expr> {
        let name = self.val().to_string();
        let span = self.tok.pos..self.tok.end;
        self.advance()?;
        if self.typ()? == LEFT_BRACE {
            let mut e = self.parse_vector_selector(Some(name))?;
            if let Expr::Vector(v) = &mut e {
                v.span.start = span.start;
            }
            return Ok(e);
        }
        Ok(Expr::Vector(Box::new(VectorSelector {
            matchers: vec![Matcher {
                name: "__name__".into(),
                op: MatchOp::Equal,
                value: name.clone(),
            }],
            name: Some(name),
            modifiers: Modifiers::default(),
            span,
        })))
    }

    /// `name(args...)`.
    fn parse_call(&mut self) -> PResult<Expr> {
        let name = self.val().to_string();
        let name_span = self.tok.pos..self.tok.end;
        self.advance()?;
        let args = self.parse_call_body()?;
        let func = function(&name, name_span.clone(), self.features)?;
        Ok(Expr::Call {
            func,
            args,
            span: name_span.start..self.last_closing,
        })
    }

    /// `( expr, ... )`: a trailing comma is refused, as Prometheus refuses it.
    fn parse_call_body(&mut self) -> PResult<Vec<Expr>> {
        self.expect(LEFT_PAREN)?;
        let mut args = Vec::new();
        if self.typ()? == RIGHT_PAREN {
            self.advance()?;
            return Ok(args);
        }
        loop {
            args.push(self.parse_expr(0)?);
            match self.typ()? {
                COMMA => {
                    let comma = self.tok.pos..self.tok.end;
                    self.advance()?;
                    // the grammar's `function_call_args COMMA` is reduced (with this error) by
                    // whatever comes next that starts no expression, `)` or not
                    if !starts_expr(self.typ()?) {
                        return Err(ParseError::new(
                            comma,
                            "trailing commas not allowed in function call args".into(),
                        ));
                    }
                }
                RIGHT_PAREN => {
                    self.advance()?;
                    return Ok(args);
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    /// `sum by (l) (expr)`, `sum (expr) without (l)`, `topk(5, expr)`.
    fn parse_aggregation(&mut self) -> PResult<Expr> {
        let op = self.typ()?;
        let start = self.tok.pos;
        self.advance()?;
        self.within(Ctx::Aggregation, |p| {
            let mut grouping = None;
            if matches!(p.typ()?, BY | WITHOUT) {
                grouping = Some(p.parse_aggregate_modifier()?);
            }
            let args = p.parse_call_body()?;
            let mut end = p.last_closing;
            if grouping.is_none() && matches!(p.typ()?, BY | WITHOUT) {
                grouping = Some(p.parse_aggregate_modifier()?);
                end = p.last_closing;
            }
            p.new_aggregate(op, start..end, grouping, args)
        })
    }

    fn parse_aggregate_modifier(&mut self) -> PResult<(bool, Vec<String>)> {
        let without = self.typ()? == WITHOUT;
        self.advance()?;
        Ok((without, self.parse_grouping_labels()?))
    }

    /// `newAggregateExpr`: the arguments an aggregation takes.
    fn new_aggregate(
        &self,
        op: ItemType,
        span: std::ops::Range<usize>,
        grouping: Option<(bool, Vec<String>)>,
        mut args: Vec<Expr>,
    ) -> PResult<Expr> {
        let name = op.text().unwrap_or_default();
        if args.is_empty() {
            return Err(ParseError::new(
                span,
                "no arguments for aggregate expression provided".into(),
            ));
        }
        let mut want = 1;
        if op.is_aggregator_with_param() {
            if !self.features.experimental_functions && op.is_experimental_aggregator() {
                return Err(ParseError::gated(
                    span,
                    format!("{name}() is experimental and must be enabled with --enable-feature=promql-experimental-functions"),
                    Gate::new(name, Feature::ExperimentalFunctions),
                ));
            }
            want = 2;
        }
        if args.len() != want {
            return Err(ParseError::new(
                span,
                format!(
                    "wrong number of arguments for aggregate expression provided, expected {want}, got {}",
                    args.len()
                ),
            ));
        }
        let expr = args.pop().expect("counted");
        let param = args.pop();
        let (without, labels, has) = match grouping {
            Some((w, l)) => (w, l, true),
            None => (false, Vec::new(), false),
        };
        Ok(Expr::Aggregate(Box::new(Aggregate {
            op,
            expr,
            param,
            grouping: labels,
            without,
            has_grouping: has,
            span,
        })))
    }

    /// `{ matchers }`, with the metric name written before it if any.
    fn parse_vector_selector(&mut self, name: Option<String>) -> PResult<Expr> {
        let start = self.tok.pos;
        self.advance()?;
        let mut matchers = Vec::new();
        self.ctx.push(Ctx::MatcherStart);
        let r = (|| loop {
            *self.ctx.last_mut().expect("pushed") = Ctx::MatcherStart;
            if self.typ()? == RIGHT_BRACE {
                return Ok(());
            }
            matchers.push(self.parse_matcher()?);
            *self.ctx.last_mut().expect("pushed") = Ctx::MatcherNext;
            match self.typ()? {
                COMMA => self.advance()?,
                RIGHT_BRACE => return Ok(()),
                _ => return Err(self.unexpected()),
            }
        })();
        self.ctx.pop();
        r?;
        let end = self.tok.end;
        self.advance()?;
        if let Some(n) = &name {
            matchers.push(Matcher {
                name: "__name__".into(),
                op: MatchOp::Equal,
                value: n.clone(),
            });
        }
        Ok(Expr::Vector(Box::new(VectorSelector {
            name,
            matchers,
            modifiers: Modifiers::default(),
            span: start..end,
        })))
    }

    /// `label op "value"`, `"label" op "value"`, or `"metric"`.
    fn parse_matcher(&mut self) -> PResult<Matcher> {
        let start = self.tok.pos;
        let (name, quoted) = match self.typ()? {
            IDENTIFIER => (self.val().to_string(), false),
            STRING => {
                let span = self.tok.pos..self.tok.end;
                (
                    number::unquote(self.val()).map_err(|e| ParseError::new(span, e))?,
                    true,
                )
            }
            _ => return Err(self.unexpected()),
        };
        self.advance()?;
        let op = match self.typ()? {
            EQL => MatchOp::Equal,
            NEQ => MatchOp::NotEqual,
            EQL_REGEX => MatchOp::Regexp,
            NEQ_REGEX => MatchOp::NotRegexp,
            _ if quoted => {
                // a quoted name alone is the metric's name
                return Ok(Matcher {
                    name: "__name__".into(),
                    op: MatchOp::Equal,
                    value: name,
                });
            }
            _ => return Err(self.within(Ctx::MatcherOp, |p| Ok(p.unexpected()))?),
        };
        self.advance()?;
        if self.typ()? != STRING {
            return Err(self.within(Ctx::MatcherValue, |p| Ok(p.unexpected()))?);
        }
        let span = self.tok.pos..self.tok.end;
        let value = number::unquote(self.val()).map_err(|e| ParseError::new(span.clone(), e))?;
        self.advance()?;
        if matches!(op, MatchOp::Regexp | MatchOp::NotRegexp) {
            number::check_regex(&value).map_err(|e| ParseError::new(start..span.end, e))?;
        }
        Ok(Matcher { name, op, value })
    }

    /// `[range]` or `[range:step]` after an operand.
    #[inline(never)]
    fn parse_range_or_subquery(&mut self, e: Expr) -> PResult<Expr> {
        let open = self.tok.pos;
        self.advance()?;
        let range = self.within(Ctx::RangeStart, |p| p.parse_positive_duration())?;
        self.ctx.push(Ctx::RangeNext);
        let r = self.range_tail(e, open, range);
        self.ctx.pop();
        r
    }

    fn range_tail(&mut self, e: Expr, open: usize, range: DurationValue) -> PResult<Expr> {
        match self.typ()? {
            RIGHT_BRACKET => {
                let close_end = self.tok.end;
                self.advance()?;
                // as the grammar's action: a literal offset other than 0 and an `@ <timestamp>`
                // are refused before a range; an offset expression, `@ start()`/`@ end()` are not
                let why = match &e {
                    Expr::Vector(v) if matches!(v.modifiers.offset, Some(DurationValue::Seconds(s)) if s != 0.0) => {
                        Some("no offset modifiers allowed before range")
                    }
                    Expr::Vector(v) if matches!(v.modifiers.at, Some(At::Timestamp(_))) => {
                        Some("no @ modifiers allowed before range")
                    }
                    Expr::Vector(_) => None,
                    _ => Some("ranges only allowed for vector selectors"),
                };
                if let Some(why) = why {
                    return Err(ParseError::new(open..close_end, why.into()));
                }
                let mut e = e;
                let Expr::Vector(vs) = &mut e else {
                    unreachable!("checked")
                };
                let vs = std::mem::take(vs);
                Ok(Expr::Matrix {
                    vs,
                    range,
                    end: self.last_closing,
                })
            }
            COLON => {
                self.advance()?;
                *self.ctx.last_mut().expect("pushed") = Ctx::SubqueryStep;
                let step = if self.typ()? == RIGHT_BRACKET {
                    None
                } else {
                    let s = self.parse_positive_duration()?;
                    *self.ctx.last_mut().expect("pushed") = Ctx::SubqueryEnd;
                    Some(s)
                };
                let close = self.expect(RIGHT_BRACKET)?;
                Ok(Expr::Subquery(Box::new(Subquery {
                    start: e.span().start,
                    expr: e,
                    range,
                    step,
                    modifiers: Modifiers::default(),
                    end: close.end,
                })))
            }
            _ => Err(self.unexpected()),
        }
    }
}
