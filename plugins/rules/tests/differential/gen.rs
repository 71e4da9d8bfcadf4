//! PromQL expressions from a seed, walking Prometheus 3.14's grammar: every operator and
//! modifier, `bool`, `on`/`ignoring`/`group_*`, `fill*`, `@`/`offset` with arithmetic, duration
//! expressions, subqueries, every function and aggregator with right and wrong argument types and
//! counts, `anchored`/`smoothed`, UTF-8 quoted names, number and duration literals at their
//! limits, comments and line breaks, deep nesting and long chains; and mutations of them (a token
//! dropped, doubled, or two swapped). Mostly well-typed, sometimes not, so both verdicts are common.
use super::words::*;
use promstack_shared::prometheus::promql::functions::{Function, FUNCTIONS};
use promstack_shared::prometheus::promql::lex::Lexer;
use promstack_shared::prometheus::promql::token::ItemType;
use ValueType as T;

pub use promstack_shared::testing::Rng;

use promstack_shared::prometheus::promql::ast::ValueType;

pub struct Gen<'r> {
    pub rng: &'r mut Rng,
}

impl Gen<'_> {
    fn sp(&mut self) -> &'static str {
        match self.rng.below(40) {
            0 => "\n",
            1 => "  ",
            2 => " # a comment\n",
            3 => "\t",
            4..=12 => "",
            _ => " ",
        }
    }

    /// An expression, mostly of type `want`, at most `depth` deep.
    pub fn expr(&mut self, want: T, depth: usize) -> String {
        if depth == 0 || self.rng.one_in(4) {
            return self.leaf(want);
        }
        let d = depth - 1;
        match self.rng.below(12) {
            0 | 1 => self.binary(want, d),
            2 | 3 => self.call(want, d),
            4 => self.aggregation(d),
            5 => format!("({}{})", self.sp(), self.expr(want, d)),
            6 => format!(
                "{}{}",
                self.rng.pick(&["-", "+", "- -", "+-"]),
                self.expr(want, d)
            ),
            7 => self.subquery(d),
            8 => self.chain(want),
            9 => self.nest(want),
            _ => self.leaf(want),
        }
    }

    fn leaf(&mut self, want: T) -> String {
        let t = if self.rng.one_in(12) {
            *self.rng.pick(&[T::Scalar, T::Vector, T::Matrix, T::String])
        } else {
            want
        };
        match t {
            T::Scalar => self.rng.pick(NUMBERS).to_string(),
            T::String => self.rng.pick(STRINGS).to_string(),
            T::Matrix => self.range_selector(),
            _ => self.selector_with_modifiers(),
        }
    }

    pub fn selector(&mut self) -> String {
        let name = if self.rng.one_in(4) {
            String::new()
        } else {
            self.rng.pick(METRICS).to_string()
        };
        if !name.is_empty() && self.rng.below(3) > 0 {
            return name;
        }
        let n = self.rng.below(4);
        let mut ms: Vec<String> = (0..n).map(|_| self.matcher()).collect();
        if name.is_empty() && self.rng.one_in(3) {
            ms.insert(0, self.rng.pick(QUOTED_NAMES).to_string());
        }
        let trailing = if self.rng.one_in(8) { "," } else { "" };
        format!(
            "{name}{{{}{trailing}}}",
            ms.join(*self.rng.pick(&[",", ", ", " ,"]))
        )
    }

    fn matcher(&mut self) -> String {
        let name = if self.rng.one_in(5) {
            self.rng.pick(QUOTED_NAMES).to_string()
        } else {
            self.rng.pick(LABELS).to_string()
        };
        let op = *self.rng.pick(&["=", "!=", "=~", "!~", "==", ""]);
        let value = if op.contains('~') {
            self.rng.pick(REGEXES)
        } else {
            self.rng.pick(STRINGS)
        };
        format!("{name}{op}{value}")
    }

    fn selector_with_modifiers(&mut self) -> String {
        let s = self.selector();
        self.modifiers(s)
    }

    fn range_selector(&mut self) -> String {
        let s = format!("{}[{}]", self.selector(), self.duration_expr(2));
        let s = self.modifiers(s);
        match self.rng.below(10) {
            0 => format!("{s} anchored"),
            1 => format!("{s} smoothed"),
            _ => s,
        }
    }

    /// A duration literal, or arithmetic of them, `step()`, `range()`, `max_of`, `min_of`.
    pub fn duration_expr(&mut self, depth: usize) -> String {
        if depth == 0 || self.rng.below(3) > 0 {
            return self.rng.pick(DURATIONS).to_string();
        }
        let d = depth - 1;
        match self.rng.below(7) {
            0 => format!(
                "{} {} {}",
                self.duration_expr(d),
                self.rng.pick(&["+", "-", "*", "/", "%", "^"]),
                self.duration_expr(d)
            ),
            1 => format!("({})", self.duration_expr(d)),
            2 => self
                .rng
                .pick(&["step()", "range()", "STEP()", "step( )"])
                .to_string(),
            3 => format!(
                "{}({}, {})",
                self.rng.pick(&["max_of", "min_of"]),
                self.duration_expr(d),
                self.duration_expr(d)
            ),
            4 => format!("-{}", self.duration_expr(d)),
            5 => format!("{} / 0", self.duration_expr(d)),
            _ => self.rng.pick(DURATIONS).to_string(),
        }
    }

    fn modifiers(&mut self, mut s: String) -> String {
        if self.rng.one_in(4) {
            let off = match self.rng.below(5) {
                0 => format!("({})", self.duration_expr(2)),
                1 => format!("-{}", self.rng.pick(DURATIONS)),
                2 => self
                    .rng
                    .pick(&["step()", "-step()", "range()", "max_of(1m, 2m)"])
                    .to_string(),
                _ => self.rng.pick(DURATIONS).to_string(),
            };
            s = format!("{s} offset {off}");
        }
        if self.rng.one_in(5) {
            let at = *self.rng.pick(&[
                "1609746000",
                "-1",
                "start()",
                "end()",
                "1e20",
                "1.5",
                "+5",
                "Inf",
                "0x10",
                "START()",
                "1h",
            ]);
            s = format!("{s} @ {at}");
        }
        if self.rng.one_in(15) {
            s = format!("{s} offset {}", self.rng.pick(DURATIONS));
        }
        if self.rng.one_in(20) {
            s = format!("{s} {}", self.rng.pick(&["anchored", "smoothed"]));
        }
        s
    }

    fn subquery(&mut self, depth: usize) -> String {
        let inner = self.expr(T::Vector, depth);
        let step = match self.rng.below(3) {
            0 => String::new(),
            _ => self.duration_expr(1),
        };
        let s = format!("({inner})[{}:{step}]", self.duration_expr(1));
        self.modifiers(s)
    }

    fn binary(&mut self, want: T, depth: usize) -> String {
        let op = *self.rng.pick(BINOPS);
        let (lt, rt) = match want {
            T::Scalar if self.rng.below(4) > 0 => (T::Scalar, T::Scalar),
            _ => match self.rng.below(4) {
                0 => (T::Scalar, T::Vector),
                1 => (T::Vector, T::Scalar),
                _ => (T::Vector, T::Vector),
            },
        };
        let lhs = self.expr(lt, depth);
        let rhs = self.expr(rt, depth);
        let m = self.bin_modifiers(op);
        format!("{lhs}{}{op}{m}{}{rhs}", self.sp(), self.sp())
    }

    fn labels(&mut self) -> String {
        let n = self.rng.below(4);
        let ls: Vec<String> = (0..n)
            .map(|_| {
                if self.rng.one_in(6) {
                    self.rng.pick(QUOTED_NAMES).to_string()
                } else {
                    self.rng.pick(LABELS).to_string()
                }
            })
            .collect();
        let trailing = if n > 0 && self.rng.one_in(6) { "," } else { "" };
        format!("({}{trailing})", ls.join(", "))
    }

    fn bin_modifiers(&mut self, op: &str) -> String {
        let mut m = String::new();
        let comparison = matches!(op, "==" | "!=" | "<" | "<=" | ">" | ">=");
        if (comparison && self.rng.below(3) == 0) || self.rng.one_in(20) {
            m.push_str(" bool");
        }
        if self.rng.one_in(3) {
            let on: &[&str] = &[" on", " ignoring", " ON"];
            m.push_str(self.rng.word(on));
            m.push_str(&self.labels());
            if self.rng.one_in(2) {
                let group: &[&str] = &[" group_left", " group_right"];
                m.push_str(self.rng.word(group));
                if self.rng.one_in(2) {
                    m.push_str(&self.labels());
                }
            }
        }
        if self.rng.one_in(5) {
            let v = *self
                .rng
                .pick(&["0", "-1", "1.5", "+2", "Inf", "x", "", "1m"]);
            let f = match self.rng.below(4) {
                0 => format!(" fill({v})"),
                1 => format!(" fill_left({v})"),
                2 => format!(" fill_right({v})"),
                _ => format!(" fill_left({v}) fill_right(1)"),
            };
            m.push_str(&f);
        }
        m.push(' ');
        m
    }

    fn call(&mut self, want: T, depth: usize) -> String {
        let candidates: Vec<&Function> = FUNCTIONS
            .iter()
            .filter(|f| f.return_type == want || self.rng.one_in(8))
            .collect();
        let f = if candidates.is_empty() || self.rng.one_in(40) {
            return format!(
                "{}({})",
                self.rng.pick(&["nope", "Rate", "label"]),
                self.leaf(T::Vector)
            );
        } else {
            *self.rng.pick(&candidates)
        };
        let mut n = f.arg_types.len();
        if f.variadic != 0 && self.rng.one_in(2) {
            n = n.saturating_sub(1) + self.rng.below(3);
        }
        if self.rng.one_in(10) {
            n = self.rng.below(n + 2);
        }
        let args: Vec<String> = (0..n)
            .map(|i| {
                let t = f
                    .arg_types
                    .get(i)
                    .or(f.arg_types.last())
                    .copied()
                    .unwrap_or(T::Vector);
                self.expr(t, depth)
            })
            .collect();
        let trailing = if n > 0 && self.rng.one_in(30) {
            ","
        } else {
            ""
        };
        format!("{}({}{trailing})", f.name, args.join(", "))
    }

    fn aggregation(&mut self, depth: usize) -> String {
        let op = *self.rng.pick(AGGREGATORS);
        let param = match op {
            "topk" | "bottomk" | "limitk" => Some(self.expr(T::Scalar, 0)),
            "quantile" | "limit_ratio" => {
                Some(self.rng.pick(&["0.9", "1.5", "-0.5", "0.5"]).to_string())
            }
            "count_values" => Some(self.expr(T::String, 0)),
            _ if self.rng.one_in(15) => Some("5".to_string()),
            _ => None,
        };
        let body = self.expr(T::Vector, depth);
        let args = match (param, self.rng.one_in(20)) {
            (_, true) => String::new(),
            (Some(p), _) => format!("{p}, {body}"),
            (None, _) => body,
        };
        let grouping = match self.rng.below(4) {
            0 => format!("by {}", self.labels()),
            1 => format!("without {}", self.labels()),
            _ => String::new(),
        };
        if grouping.is_empty() || self.rng.one_in(2) {
            format!("{op} {grouping}({args})")
        } else {
            format!("{op}({args}) {grouping}")
        }
    }

    /// A long chain of one operator (up to 300 operands).
    fn chain(&mut self, want: T) -> String {
        let op = *self.rng.pick(&["+", "or", "*", "^", "and", "-", "/"]);
        let n = 2 + self.rng.below(300);
        let term = if want == T::Scalar { "1" } else { "up" };
        vec![term; n].join(&format!(" {op} "))
    }

    /// A deep nesting (up to 300 levels) of one construct.
    fn nest(&mut self, want: T) -> String {
        let n = 1 + self.rng.below(300);
        let (open, close) = match (want, self.rng.below(4)) {
            (_, 0) => ("(", ")"),
            (T::Vector, 1) => ("abs(", ")"),
            (T::Vector, 2) => ("sum(", ")"),
            (_, _) => ("-(", ")"),
        };
        let inner = if want == T::Scalar { "1" } else { "up" };
        format!("{}{inner}{}", open.repeat(n), close.repeat(n))
    }
}

/// A mutation of `expr`: a token dropped, doubled, or two neighbours swapped (tokens as
/// promstack's lexer sees them; the text between them kept).
pub fn mutate(rng: &mut Rng, expr: &str) -> String {
    let mut lex = Lexer::new(expr);
    let mut spans = Vec::new();
    loop {
        let item = lex.next_item();
        if matches!(item.typ, ItemType::EOF | ItemType::ERROR) || spans.len() > 2000 {
            break;
        }
        spans.push(item.pos..item.end);
    }
    if spans.is_empty() {
        return expr.to_string();
    }
    let i = rng.below(spans.len());
    let t = spans[i].clone();
    if rng.one_in(5) {
        // a character put in between tokens
        let c = rng.word(&[
            "(", ")", "[", "]", "{", "}", ",", "\"", "@", "#", "\n", ":", "~", "!", "=", "`", "'",
            "-", "1", "x", "é",
        ]);
        return format!("{}{c}{}", &expr[..t.start], &expr[t.start..]);
    }
    match rng.below(3) {
        0 => format!("{}{}", &expr[..t.start], &expr[t.end..]),
        1 => format!(
            "{}{}{}",
            &expr[..t.end],
            &expr[t.start..t.end],
            &expr[t.end..]
        ),
        _ if i + 1 < spans.len() => {
            let u = spans[i + 1].clone();
            format!(
                "{}{}{}{}{}",
                &expr[..t.start],
                &expr[u.clone()],
                &expr[t.end..u.start],
                &expr[t.clone()],
                &expr[u.end..]
            )
        }
        _ => format!("{}{}", &expr[..t.start], &expr[t.end..]),
    }
}
