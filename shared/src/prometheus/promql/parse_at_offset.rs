//! What may follow an operand after its range or subquery: `@ <timestamp>`/`@ start()`/
//! `@ end()`, `offset <duration>` (a duration expression included) and `anchored`/`smoothed`, as
//! Prometheus 3.14's grammar and actions have them (`offset_expr`, `at_modifier`, and the checks
//! of `setTimestamp`/`addOffset` in its parser).
use super::ast::*;
use super::parse::{PResult, Parser};
use super::token::ItemType::*;
use super::{Feature, Gate, ParseError};

impl Parser<'_> {
    /// `@ <timestamp>` or `@ start()`/`@ end()`.
    #[inline(never)]
    pub(super) fn parse_at(&mut self, e: &mut Expr) -> PResult<()> {
        let at = match self.typ()? {
            START | END => {
                let at = if self.typ()? == START {
                    At::Start
                } else {
                    At::End
                };
                self.advance()?;
                self.expect(LEFT_PAREN)?;
                self.expect(RIGHT_PAREN)?;
                at
            }
            ADD | SUB | NUMBER | DURATION => {
                let neg = self.typ()? == SUB;
                if matches!(self.typ()?, ADD | SUB) {
                    self.advance()?;
                    if !matches!(self.typ()?, NUMBER | DURATION) {
                        return Err(self.unexpected());
                    }
                }
                let (v, _) = self.number_duration_literal()?;
                let ts = if neg { -v } else { v };
                if !ts.is_finite() || ts >= i64::MAX as f64 || ts <= i64::MIN as f64 {
                    return Err(ParseError::new(
                        e.span(),
                        format!("timestamp out of bounds for @ modifier: {}", go_f(ts)),
                    ));
                }
                At::Timestamp(ts)
            }
            _ => return Err(self.unexpected()),
        };
        let m = self.modifiers_of(e, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery")?;
        if m.at.is_some() {
            return Err(ParseError::new(
                e.span(),
                "@ <timestamp> may not be set multiple times".into(),
            ));
        }
        self.modifiers_of(e, "")?.at = Some(at);
        self.end_at_last_closing(e);
        Ok(())
    }

    #[inline(never)]
    pub(super) fn add_offset(&mut self, e: &mut Expr, d: DurationValue) -> PResult<()> {
        let m = self.modifiers_of(e, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")?;
        // as `addOffset`: a literal 0 offset counts as none, an expression always as one
        if m.offset
            .as_ref()
            .is_some_and(|o| !matches!(o, DurationValue::Seconds(s) if *s == 0.0))
        {
            return Err(ParseError::new(
                e.span(),
                "offset may not be set multiple times".into(),
            ));
        }
        self.modifiers_of(e, "")?.offset = Some(d);
        self.end_at_last_closing(e);
        Ok(())
    }

    /// A selector, range or subquery given a modifier ends where the modifier does (its
    /// `PosRange.End`/`EndPos` set to `lastClosing`, as `addOffset` and `setTimestamp` do).
    pub(super) fn end_at_last_closing(&self, e: &mut Expr) {
        match e {
            Expr::Vector(v) => v.span.end = self.last_closing,
            Expr::Matrix { end, .. } => *end = self.last_closing,
            Expr::Subquery(s) => s.end = self.last_closing,
            _ => {}
        }
    }

    #[inline(never)]
    pub(super) fn set_anchored_or_smoothed(&mut self, e: &mut Expr, anchored: bool) -> PResult<()> {
        let word = if anchored { "anchored" } else { "smoothed" };
        if !self.features.extended_range_selectors {
            return Err(ParseError::gated(
                e.span(),
                format!("{word} modifier is experimental and not enabled"),
                Gate::new(word, Feature::ExtendedRangeSelectors),
            ));
        }
        let span = e.span();
        let m = match e {
            Expr::Vector(v) => &mut v.modifiers,
            Expr::Matrix { vs, .. } => &mut vs.modifiers,
            Expr::Subquery(_) => {
                return Err(ParseError::new(
                    span,
                    format!("{word} modifier is not supported for subqueries"),
                ))
            }
            _ => {
                return Err(ParseError::new(
                    span,
                    format!("{word} modifier not implemented"),
                ))
            }
        };
        if (anchored && m.smoothed) || (!anchored && m.anchored) {
            return Err(ParseError::new(
                span,
                "anchored and smoothed modifiers cannot be used together".into(),
            ));
        }
        if anchored {
            m.anchored = true;
        } else {
            m.smoothed = true;
        }
        Ok(())
    }

    /// The modifiers of a selector, range selector or subquery; `why` for anything else.
    pub(super) fn modifiers_of<'e>(
        &self,
        e: &'e mut Expr,
        why: &str,
    ) -> PResult<&'e mut Modifiers> {
        let span = e.span();
        match e {
            Expr::Vector(v) => Ok(&mut v.modifiers),
            Expr::Matrix { vs, .. } => Ok(&mut vs.modifiers),
            Expr::Subquery(s) => Ok(&mut s.modifiers),
            _ => Err(ParseError::new(span, why.into())),
        }
    }
}

/// Go's `%f`: six decimals.
fn go_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{v:.6}")
    }
}
