//! What an expression asks of the data, from its AST alone: its selectors and whether a missing
//! series is guarded (`absent(...)`, `... or vector(0)`), its ranges, its explicit vector
//! matchings, and the labels its result carries. `rules lint` checks these offline and against a
//! live Prometheus; `rules validate` parses with the same parser.
use super::ast::{Expr, VectorSelector};
use super::token::ItemType;
use std::collections::BTreeSet;

/// A selector and how the expression treats it when it matches nothing.
#[derive(Debug, Clone, Copy)]
pub struct SelectorUse<'a> {
    pub selector: &'a VectorSelector,
    /// Inside `absent()`/`absent_over_time()`, or on a side of `or` whose other side is a
    /// constant (`or vector(0)`, `or on() vector(1)`): matching nothing is expected.
    pub guarded: bool,
}

/// Every selector, in order, with whether matching nothing is guarded.
pub fn selectors(expr: &Expr) -> Vec<SelectorUse<'_>> {
    let mut out = Vec::new();
    walk_guarded(expr, false, &mut out);
    out
}

fn walk_guarded<'a>(e: &'a Expr, guarded: bool, out: &mut Vec<SelectorUse<'a>>) {
    crate::input::deep::grow(|| walk_guarded_here(e, guarded, out))
}

fn walk_guarded_here<'a>(e: &'a Expr, guarded: bool, out: &mut Vec<SelectorUse<'a>>) {
    match e {
        Expr::Vector(v) => out.push(SelectorUse {
            selector: v,
            guarded,
        }),
        Expr::Matrix { vs, .. } => out.push(SelectorUse {
            selector: vs,
            guarded,
        }),
        Expr::Call { func, args, .. } => {
            let g = guarded || matches!(func.name, "absent" | "absent_over_time");
            args.iter().for_each(|a| walk_guarded(a, g, out));
        }
        Expr::Binary(b) => {
            let or = b.op == ItemType::LOR;
            let lhs = guarded || (or && is_constant(&b.rhs));
            let rhs = guarded || (or && is_constant(&b.lhs));
            walk_guarded(&b.lhs, lhs, out);
            walk_guarded(&b.rhs, rhs, out);
        }
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                walk_guarded(p, guarded, out);
            }
            walk_guarded(&a.expr, guarded, out);
        }
        Expr::Subquery(s) => walk_guarded(&s.expr, guarded, out),
        Expr::Unary { expr, .. } | Expr::Paren { expr, .. } => walk_guarded(expr, guarded, out),
        Expr::Number { .. } | Expr::String { .. } => {}
    }
}

/// A value that needs no series: a number, `vector(<number>)`, `time()`, and arithmetic of them.
fn is_constant(e: &Expr) -> bool {
    crate::input::deep::grow(|| is_constant_here(e))
}

fn is_constant_here(e: &Expr) -> bool {
    match e {
        Expr::Number { .. } => true,
        Expr::Call { func, args, .. } => {
            matches!(func.name, "vector" | "scalar" | "time" | "pi") && args.iter().all(is_constant)
        }
        Expr::Paren { expr, .. } | Expr::Unary { expr, .. } => is_constant(expr),
        Expr::Binary(b) => is_constant(&b.lhs) && is_constant(&b.rhs),
        _ => false,
    }
}

/// Every range of the expression (range selectors and subqueries) whose length is known, in
/// seconds, with the text of what it applies to.
pub fn ranges(expr: &Expr) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    expr.walk(&mut |e| match e {
        Expr::Matrix { vs, range, .. } => {
            if let Some(s) = range.seconds() {
                out.push((s, vs.metric().unwrap_or("{...}").to_string()));
            }
        }
        Expr::Subquery(s) => {
            if let Some(secs) = s.range.seconds() {
                out.push((secs, "a subquery".to_string()));
            }
        }
        _ => {}
    });
    out
}

/// The labels a result carries, as far as the expression alone says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// Exactly these (after `by (...)`, `count_values`, `vector()`, …).
    Exactly(BTreeSet<String>),
    /// Whatever the data has, except these (after `without (...)`, `ignoring`, functions that
    /// drop the metric name, …).
    AllBut(BTreeSet<String>),
}

impl Labels {
    /// Does the result certainly lack `name`?
    pub fn lacks(&self, name: &str) -> bool {
        match self {
            Labels::Exactly(set) => !set.contains(name),
            Labels::AllBut(gone) => gone.contains(name),
        }
    }

    fn none() -> Self {
        Labels::Exactly(BTreeSet::new())
    }

    fn all() -> Self {
        Labels::AllBut(BTreeSet::new())
    }

    fn without(self, names: impl IntoIterator<Item = String>) -> Self {
        match self {
            Labels::Exactly(mut s) => {
                for n in names {
                    s.remove(&n);
                }
                Labels::Exactly(s)
            }
            Labels::AllBut(mut s) => {
                s.extend(names);
                Labels::AllBut(s)
            }
        }
    }

    fn only(self, names: &[String]) -> Self {
        let keep: BTreeSet<String> = names.iter().cloned().collect();
        match self {
            Labels::Exactly(s) => Labels::Exactly(s.intersection(&keep).cloned().collect()),
            Labels::AllBut(gone) => Labels::Exactly(keep.difference(&gone).cloned().collect()),
        }
    }

    fn with(self, names: &[String]) -> Self {
        match self {
            Labels::Exactly(mut s) => {
                s.extend(names.iter().cloned());
                Labels::Exactly(s)
            }
            Labels::AllBut(mut gone) => {
                for n in names {
                    gone.remove(n);
                }
                Labels::AllBut(gone)
            }
        }
    }
}

/// The labels of the result of `expr` (the metric name among them while it is kept).
pub fn output_labels(expr: &Expr) -> Labels {
    crate::input::deep::grow(|| output_labels_here(expr))
}

fn output_labels_here(expr: &Expr) -> Labels {
    match expr {
        Expr::Number { .. } | Expr::String { .. } => Labels::none(),
        Expr::Vector(_) | Expr::Matrix { .. } => Labels::all(),
        Expr::Subquery(s) => output_labels(&s.expr),
        Expr::Paren { expr, .. } => output_labels(expr),
        Expr::Unary { expr, .. } => output_labels(expr).without(["__name__".to_string()]),
        Expr::Aggregate(a) => {
            let inner = output_labels(&a.expr);
            let grouped = match (a.has_grouping, a.without) {
                (true, true) => inner
                    .clone()
                    .without(a.grouping.iter().cloned().chain(["__name__".into()])),
                (true, false) => inner.clone().only(&a.grouping),
                (false, _) => Labels::none(),
            };
            match a.op {
                // these keep the series of their input, labels and all
                ItemType::TOPK | ItemType::BOTTOMK | ItemType::LIMITK | ItemType::LIMIT_RATIO => {
                    inner
                }
                ItemType::COUNT_VALUES => match a.param.as_ref() {
                    Some(Expr::String { val, .. }) => grouped.with(std::slice::from_ref(val)),
                    _ => grouped,
                },
                _ => grouped,
            }
        }
        Expr::Call { func, args, .. } => match func.name {
            "vector" | "time" | "pi" | "scalar" => Labels::none(),
            "label_replace" => match args.get(1) {
                Some(Expr::String { val, .. }) => {
                    output_labels(&args[0]).with(std::slice::from_ref(val))
                }
                _ => Labels::all(),
            },
            "label_join" => match args.get(1) {
                Some(Expr::String { val, .. }) => {
                    output_labels(&args[0]).with(std::slice::from_ref(val))
                }
                _ => Labels::all(),
            },
            // absent() of a selector carries its equality matchers' labels: unknown in general
            "absent" | "absent_over_time" => Labels::all(),
            _ => match args
                .iter()
                .find(|a| a.value_type() != super::ast::ValueType::Scalar)
            {
                Some(a) => output_labels(a).without(["__name__".to_string()]),
                None => Labels::none(),
            },
        },
        Expr::Binary(b) => {
            let (l, r) = (output_labels(&b.lhs), output_labels(&b.rhs));
            let scalar = |e: &Expr| e.value_type() == super::ast::ValueType::Scalar;
            let base = match (scalar(&b.lhs), scalar(&b.rhs)) {
                (true, true) => return Labels::none(),
                (false, true) => l,
                (true, false) => r,
                (false, false) => match &b.matching.group {
                    Some((true, extra)) => r.with(extra),
                    Some((false, extra)) => l.with(extra),
                    None if matches!(b.op, ItemType::LOR) => union(l, r),
                    None => l,
                },
            };
            let drops_name = b.op.is_comparison() && !b.return_bool;
            match drops_name || b.op.is_set_operator() {
                true => base,
                false => base.without(["__name__".to_string()]),
            }
        }
    }
}

fn union(a: Labels, b: Labels) -> Labels {
    match (a, b) {
        (Labels::Exactly(x), Labels::Exactly(y)) => Labels::Exactly(x.union(&y).cloned().collect()),
        (Labels::AllBut(x), Labels::AllBut(y)) => {
            Labels::AllBut(x.intersection(&y).cloned().collect())
        }
        (Labels::AllBut(x), Labels::Exactly(y)) | (Labels::Exactly(y), Labels::AllBut(x)) => {
            Labels::AllBut(x.difference(&y).cloned().collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prometheus::promql::parse;

    fn e(s: &str) -> Expr {
        parse(s, crate::prometheus::promql::Features::all()).unwrap()
    }

    #[test]
    fn guards_are_understood() {
        let ex = e("absent(up{job=\"x\"}) or (sum(rate(a_total[5m])) or vector(0)) and b");
        let uses: Vec<(Option<&str>, bool)> = selectors(&ex)
            .iter()
            .map(|u| (u.selector.metric(), u.guarded))
            .collect();
        assert_eq!(
            uses,
            [
                (Some("up"), true),
                (Some("a_total"), true),
                (Some("b"), false)
            ]
        );
    }

    #[test]
    fn labels_after_aggregation_and_joins() {
        let by_job = output_labels(&e("sum by (job) (rate(x_total[5m])) > 1"));
        assert!(by_job.lacks("instance") && !by_job.lacks("job"));
        let without = output_labels(&e("sum without (instance) (x)"));
        assert!(without.lacks("instance") && !without.lacks("job"));
        let joined = output_labels(&e("sum by (ns) (x) * on (ns) group_left (owner) y"));
        assert!(!joined.lacks("owner") && joined.lacks("pod"));
        assert!(output_labels(&e("vector(1)")).lacks("job"));
        assert!(!output_labels(&e("up == 0")).lacks("instance"));
        let replaced = output_labels(&e(
            "label_replace(sum by (a) (x), \"b\", \"$1\", \"a\", \"(.*)\")",
        ));
        assert!(!replaced.lacks("b") && replaced.lacks("c"));
    }

    #[test]
    fn ranges_known_before_the_query_runs() {
        let r = ranges(&e("rate(x_total[5m]) + max_over_time(up[1h:1m])"));
        assert_eq!(
            r,
            [
                (300.0, "x_total".to_string()),
                (3600.0, "a subquery".to_string())
            ]
        );
    }
}
