//! The checks Prometheus 3.14 makes of a parsed expression (`parse.go`'s `checkAST`): the types
//! of operands, arguments and aggregation parameters, what binary operators and their
//! modifiers allow, a selector that would select everything. Children first, the first error
//! returned, as Prometheus reports its first.
use super::ast::*;
use super::quote::go_quote;
use super::token::ItemType::*;
use super::ParseError;

/// Check an expression; its type.
pub fn check(e: &Expr, input: &str) -> Result<ValueType, ParseError> {
    crate::input::deep::grow(|| check_here(e, input))
}

fn check_here(e: &Expr, input: &str) -> Result<ValueType, ParseError> {
    let typ = e.value_type();
    match e {
        Expr::Aggregate(a) => {
            expect_type(&a.expr, ValueType::Vector, "aggregation expression", input)?;
            if let Some(p) = &a.param {
                match a.op {
                    TOPK | BOTTOMK | QUANTILE | LIMITK | LIMIT_RATIO => {
                        expect_type(p, ValueType::Scalar, "aggregation parameter", input)?
                    }
                    COUNT_VALUES => {
                        expect_type(p, ValueType::String, "aggregation parameter", input)?
                    }
                    _ => {}
                }
            }
        }
        Expr::Binary(b) => check_binary(b, e.span(), input)?,
        Expr::Call { func, args, span } => check_call(func, args, span, input)?,
        Expr::Paren { expr, .. } => {
            check(expr, input)?;
        }
        Expr::Unary { expr, .. } => {
            let t = check(expr, input)?;
            if t != ValueType::Scalar && t != ValueType::Vector {
                return Err(ParseError::new(
                    e.span(),
                    format!(
                        "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                        go_quote(t.documented())
                    ),
                ));
            }
        }
        Expr::Subquery(s) => {
            let t = check(&s.expr, input)?;
            if t != ValueType::Vector {
                return Err(ParseError::new(
                    e.span(),
                    format!(
                        "subquery is only allowed on instant vector, got {} instead",
                        t.name()
                    ),
                ));
            }
        }
        Expr::Matrix { vs, .. } => check_selector(vs, false)?,
        Expr::Vector(vs) => check_selector(vs, false)?,
        Expr::Number { .. } | Expr::String { .. } => {}
    }
    Ok(typ)
}

fn expect_type(e: &Expr, want: ValueType, context: &str, input: &str) -> Result<(), ParseError> {
    let t = check(e, input)?;
    if t != want {
        return Err(ParseError::new(
            e.span(),
            format!(
                "expected type {} in {context}, got {}",
                want.documented(),
                t.documented()
            ),
        ));
    }
    Ok(())
}

/// The operator's place: from after the left operand to before the right one, spaces trimmed.
fn op_range(b: &Binary, input: &str) -> std::ops::Range<usize> {
    let bytes = input.as_bytes();
    let mut start = b.lhs.span().end;
    while start < bytes.len() && super::lex::is_space(bytes[start] as char) {
        start += 1;
    }
    let mut end = b.rhs.span().start.saturating_sub(1);
    while end > start && super::lex::is_space(bytes[end] as char) {
        end -= 1;
    }
    start..end
}

#[inline(never)]
fn check_binary(b: &Binary, span: std::ops::Range<usize>, input: &str) -> Result<(), ParseError> {
    let lt = check(&b.lhs, input)?;
    let rt = check(&b.rhs, input)?;
    let op = b.op.text().unwrap_or_default();
    let err = |at: std::ops::Range<usize>, m: String| Err(ParseError::new(at, m));
    if b.return_bool && !b.op.is_comparison() {
        return err(
            op_range(b, input),
            "bool modifier can only be used on comparison operators".into(),
        );
    }
    if b.op.is_comparison() && !b.return_bool && lt == ValueType::Scalar && rt == ValueType::Scalar
    {
        return err(
            op_range(b, input),
            "comparisons between scalars must use BOOL modifier".into(),
        );
    }
    let m = &b.matching;
    if m.on {
        if let Some((_, include)) = &m.group {
            if let Some(l) = m.labels.iter().find(|l| include.contains(l)) {
                return err(
                    op_range(b, input),
                    format!(
                        "label {} must not occur in ON and GROUP clause at once",
                        go_quote(l)
                    ),
                );
            }
        }
    }
    for (t, side) in [(lt, &b.lhs), (rt, &b.rhs)] {
        if t != ValueType::Scalar && t != ValueType::Vector {
            return err(
                side.span(),
                "binary expression must contain only scalar and instant vector types".into(),
            );
        }
    }
    let fill = m.fill_lhs.is_some() || m.fill_rhs.is_some();
    if lt != ValueType::Vector || rt != ValueType::Vector {
        if !m.labels.is_empty() {
            return err(
                span,
                "vector matching only allowed between instant vectors".into(),
            );
        }
        if fill {
            return err(
                span,
                "filling in missing series only allowed between instant vectors".into(),
            );
        }
    } else if b.op.is_set_operator() {
        if m.group.is_some() {
            return err(
                span.clone(),
                format!("no grouping allowed for {} operation", go_quote(op)),
            );
        }
        if fill {
            return err(
                span,
                "filling in missing series not allowed for set operators".into(),
            );
        }
    }
    if (lt == ValueType::Scalar || rt == ValueType::Scalar) && b.op.is_set_operator() {
        return err(
            span,
            format!(
                "set operator {} not allowed in binary scalar expression",
                go_quote(op)
            ),
        );
    }
    Ok(())
}

#[inline(never)]
fn check_call(
    func: &super::functions::Function,
    args: &[Expr],
    span: &std::ops::Range<usize>,
    input: &str,
) -> Result<(), ParseError> {
    let nargs = func.arg_types.len();
    let name = go_quote(func.name);
    let count = |m: String| Err(ParseError::new(span.clone(), m));
    if func.variadic == 0 {
        if nargs != args.len() {
            return count(format!(
                "expected {nargs} argument(s) in call to {name}, got {}",
                args.len()
            ));
        }
    } else {
        let na = nargs - 1;
        if na > args.len() {
            return count(format!(
                "expected at least {na} argument(s) in call to {name}, got {}",
                args.len()
            ));
        }
        let max = na as i64 + func.variadic as i64;
        if func.variadic > 0 && max < args.len() as i64 {
            return count(format!(
                "expected at most {max} argument(s) in call to {name}, got {}",
                args.len()
            ));
        }
    }
    let mut bypass = None;
    if func.name == "info" && args.len() > 1 {
        let t = args[1].value_type();
        if t != ValueType::Vector {
            return count(format!(
                "expected type instant vector in call to function {name}, got {}",
                t.documented()
            ));
        }
        match &args[1] {
            Expr::Vector(v) if v.name.is_some() => {
                return Err(ParseError::new(
                    args[1].span(),
                    "expected label selectors only, got vector selector instead".into(),
                ))
            }
            Expr::Vector(_) => bypass = Some(1),
            a => {
                return Err(ParseError::new(
                    a.span(),
                    "expected label selectors only".into(),
                ))
            }
        }
    }
    for (i, arg) in args.iter().enumerate() {
        let i = if i >= nargs {
            if func.variadic == 0 {
                break;
            }
            nargs - 1
        } else {
            i
        };
        let t = match (bypass, arg) {
            (Some(b), Expr::Vector(v)) if std::ptr::eq(arg, &args[b]) => {
                check_selector(v, true)?;
                ValueType::Vector
            }
            _ => check(arg, input)?,
        };
        if t != func.arg_types[i] {
            return Err(ParseError::new(
                arg.span(),
                format!(
                    "expected type {} in call to function {name}, got {}",
                    func.arg_types[i].documented(),
                    t.documented()
                ),
            ));
        }
    }
    Ok(())
}

/// A selector names its metric once, and selects something: one matcher that does not match
/// the empty value (else it would select every series).
fn check_selector(vs: &VectorSelector, bypass_empty: bool) -> Result<(), ParseError> {
    if let Some(name) = &vs.name {
        let before = &vs.matchers[..vs.matchers.len().saturating_sub(1)];
        if let Some(m) = before.iter().find(|m| m.name == "__name__") {
            return Err(ParseError::new(
                vs.span.clone(),
                format!(
                    "metric name must not be set twice: {} or {}",
                    go_quote(name),
                    go_quote(&m.value)
                ),
            ));
        }
        return Ok(());
    }
    if bypass_empty || vs.matchers.iter().any(|m| !matches_empty(m)) {
        return Ok(());
    }
    Err(ParseError::new(
        vs.span.clone(),
        "vector selector must contain at least one non-empty matcher".into(),
    ))
}

/// Does the matcher match the empty value (as a missing label)?
pub fn matches_empty(m: &Matcher) -> bool {
    match m.op {
        MatchOp::Equal => m.value.is_empty(),
        MatchOp::NotEqual => !m.value.is_empty(),
        MatchOp::Regexp => regex_matches_empty(&m.value),
        MatchOp::NotRegexp => !regex_matches_empty(&m.value),
    }
}

fn regex_matches_empty(re: &str) -> bool {
    if re.is_empty() || re == ".*" {
        return true;
    }
    match regex::Regex::new(&format!("^(?s:{re})$")) {
        Ok(r) => r.is_match(""),
        // a class this build of the regex engine lacks: it is not known to match the empty value
        Err(_) => false,
    }
}
