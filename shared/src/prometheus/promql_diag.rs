//! Why a PromQL expression does not parse, and where, in the words promtool uses
//! (`1:14: unexpected identifier "rate" in aggregation`).
//!
//! promql-parser decides whether an expression is valid; for grammar errors it says only
//! "invalid promql query", and for the rest it gives a reason without a position. So, once it has
//! refused an expression: its own tokens (promql-parser's lexer) go through a small recognizer of
//! PromQL's grammar that stops at the first token that cannot follow, and says what was expected
//! there; a reason without a position gets the position of what it names (the unclosed
//! parenthesis, the quote, the bad duration).
use lrpar::{Lexeme, Lexer, NonStreamingLexer};
use promql_parser::parser::token::*;

/// A token: id, byte span, text.
#[derive(Debug, Clone)]
struct Tok {
    id: TokenId,
    start: usize,
    text: String,
}

/// What stopped the recognizer: at a token (its index) or at the end, and in what context.
struct Stop {
    at: Option<usize>,
    context: &'static str,
}

type Parsed = Result<(), Stop>;

fn between(id: TokenId, lo: TokenId, hi: TokenId) -> bool {
    id > lo && id < hi
}

fn is_aggregator(id: TokenId) -> bool {
    between(id, T_AGGREGATORS_START, T_AGGREGATORS_END)
}

fn is_keyword(id: TokenId) -> bool {
    between(id, T_KEYWORDS_START, T_KEYWORDS_END)
        || between(id, T_PREPROCESSOR_START, T_PREPROCESSOR_END)
}

fn is_binary_operator(id: TokenId) -> bool {
    matches!(
        id,
        T_ADD
            | T_SUB
            | T_MUL
            | T_DIV
            | T_MOD
            | T_POW
            | T_ATAN2
            | T_EQLC
            | T_NEQ
            | T_GTR
            | T_LSS
            | T_GTE
            | T_LTE
            | T_LAND
            | T_LOR
            | T_LUNLESS
    )
}

/// A token as Prometheus names it in a parse error.
fn describe(t: &Tok) -> String {
    match t.id {
        T_IDENTIFIER | T_METRIC_IDENTIFIER => format!("identifier \"{}\"", t.text),
        T_NUMBER => format!("number \"{}\"", t.text),
        T_DURATION => format!("duration \"{}\"", t.text),
        T_STRING => format!("string {}", t.text),
        id if is_aggregator(id) => format!("aggregation \"{}\"", t.text),
        _ => format!("\"{}\"", t.text),
    }
}

struct Recognizer {
    toks: Vec<Tok>,
    pos: usize,
}

impl Recognizer {
    fn peek(&self) -> Option<TokenId> {
        self.toks.get(self.pos).map(|t| t.id)
    }
    fn peek2(&self) -> Option<TokenId> {
        self.toks.get(self.pos + 1).map(|t| t.id)
    }
    fn stop(&self, context: &'static str) -> Stop {
        Stop {
            at: (self.pos < self.toks.len()).then_some(self.pos),
            context,
        }
    }
    fn eat(&mut self, id: TokenId) -> bool {
        let found = self.peek() == Some(id);
        if found {
            self.pos += 1;
        }
        found
    }
    fn expect(&mut self, id: TokenId, context: &'static str) -> Parsed {
        if self.eat(id) {
            Ok(())
        } else {
            Err(self.stop(context))
        }
    }

    fn expr(&mut self) -> Parsed {
        self.unary()?;
        while self.peek().is_some_and(is_binary_operator) {
            self.pos += 1;
            self.eat(T_BOOL);
            if matches!(self.peek(), Some(T_ON | T_IGNORING)) {
                self.pos += 1;
                self.labels("in grouping opts, expected \"(\"")?;
                if matches!(self.peek(), Some(T_GROUP_LEFT | T_GROUP_RIGHT)) {
                    self.pos += 1;
                    if self.peek() == Some(T_LEFT_PAREN) {
                        self.labels("in grouping opts, expected \"(\"")?;
                    }
                }
            }
            self.unary()?;
        }
        Ok(())
    }

    fn unary(&mut self) -> Parsed {
        while matches!(self.peek(), Some(T_ADD | T_SUB)) {
            self.pos += 1;
        }
        self.primary()?;
        self.postfix()
    }

    fn postfix(&mut self) -> Parsed {
        loop {
            match self.peek() {
                Some(T_LEFT_BRACKET) => {
                    self.pos += 1;
                    self.expect(T_DURATION, "in range or subquery, expected duration")?;
                    if self.eat(T_COLON) {
                        self.eat(T_DURATION);
                    }
                    self.expect(T_RIGHT_BRACKET, "in range or subquery, expected \"]\"")?;
                }
                Some(T_OFFSET) => {
                    self.pos += 1;
                    self.eat(T_SUB);
                    self.expect(T_DURATION, "in offset, expected duration")?;
                }
                Some(T_AT) => {
                    self.pos += 1;
                    if matches!(self.peek(), Some(T_START | T_END)) {
                        self.pos += 1;
                        self.expect(T_LEFT_PAREN, "in @, expected \"(\"")?;
                        self.expect(T_RIGHT_PAREN, "in @, expected \")\"")?;
                    } else {
                        self.eat(T_SUB);
                        self.expect(T_NUMBER, "in @, expected timestamp")?;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn primary(&mut self) -> Parsed {
        match self.peek() {
            Some(T_NUMBER | T_STRING) => {
                self.pos += 1;
                Ok(())
            }
            Some(T_LEFT_PAREN) => {
                self.pos += 1;
                self.expr()?;
                self.expect(T_RIGHT_PAREN, "in parentheses, expected \")\"")
            }
            Some(id) if is_aggregator(id) => self.aggregation(),
            Some(T_IDENTIFIER) if self.peek2() == Some(T_LEFT_PAREN) => {
                self.pos += 2;
                self.args("in call, expected \",\" or \")\"")
            }
            Some(T_IDENTIFIER | T_METRIC_IDENTIFIER) => {
                self.pos += 1;
                if self.peek() == Some(T_LEFT_BRACE) {
                    self.matchers()?;
                }
                Ok(())
            }
            Some(T_LEFT_BRACE) => self.matchers(),
            _ => Err(self.stop("")),
        }
    }

    fn aggregation(&mut self) -> Parsed {
        self.pos += 1;
        let grouped_first = matches!(self.peek(), Some(T_BY | T_WITHOUT));
        if grouped_first {
            self.pos += 1;
            self.labels("in grouping opts, expected \"(\"")?;
        }
        self.expect(T_LEFT_PAREN, "in aggregation")?;
        self.args("in aggregation, expected \",\" or \")\"")?;
        if !grouped_first && matches!(self.peek(), Some(T_BY | T_WITHOUT)) {
            self.pos += 1;
            self.labels("in grouping opts, expected \"(\"")?;
        }
        Ok(())
    }

    /// `(` expressions `)` after the `(` was eaten.
    fn args(&mut self, context: &'static str) -> Parsed {
        if self.eat(T_RIGHT_PAREN) {
            return Ok(());
        }
        loop {
            self.expr()?;
            if !self.eat(T_COMMA) {
                return self.expect(T_RIGHT_PAREN, context);
            }
        }
    }

    /// `(label, ...)`.
    fn labels(&mut self, open_context: &'static str) -> Parsed {
        self.expect(T_LEFT_PAREN, open_context)?;
        loop {
            match self.peek() {
                Some(T_RIGHT_PAREN) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(id)
                    if matches!(id, T_IDENTIFIER | T_METRIC_IDENTIFIER)
                        || is_aggregator(id)
                        || is_keyword(id) =>
                {
                    self.pos += 1;
                    if !self.eat(T_COMMA) {
                        return self
                            .expect(T_RIGHT_PAREN, "in grouping opts, expected \",\" or \")\"");
                    }
                }
                _ => return Err(self.stop("in grouping opts, expected label")),
            }
        }
    }

    fn matchers(&mut self) -> Parsed {
        self.pos += 1;
        loop {
            match self.peek() {
                Some(T_RIGHT_BRACE) => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(T_STRING) if matches!(self.peek2(), Some(T_COMMA | T_RIGHT_BRACE)) => {
                    self.pos += 1;
                }
                Some(T_IDENTIFIER | T_METRIC_IDENTIFIER | T_STRING) => {
                    self.pos += 1;
                    if !matches!(self.peek(), Some(T_EQL | T_NEQ | T_EQL_REGEX | T_NEQ_REGEX)) {
                        return Err(
                            self.stop("in label matching, expected label matching operator")
                        );
                    }
                    self.pos += 1;
                    self.expect(T_STRING, "in label matching, expected string")?;
                }
                _ => return Err(self.stop("in label matching, expected label")),
            }
            if !self.eat(T_COMMA) {
                return self.expect(T_RIGHT_BRACE, "in label matching, expected \",\" or \"}\"");
            }
        }
    }
}

/// `line:column` (1-based, in characters) of byte offset `at` in `expr`.
pub fn line_col(expr: &str, at: usize) -> String {
    let before = &expr[..at.min(expr.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    format!("{line}:{col}")
}

/// The tokens of `expr`, by promql-parser's lexer; `None` when it does not lex.
fn tokens(expr: &str) -> Option<Vec<Tok>> {
    let lexer = promql_parser::parser::lexer(expr).ok()?;
    lexer
        .iter()
        .map(|l| {
            let l = l.ok()?;
            let span = l.span();
            Some(Tok {
                id: l.tok_id(),
                start: span.start(),
                text: lexer.span_str(span).to_string(),
            })
        })
        .filter(|t| {
            t.as_ref()
                .is_none_or(|t| t.id != T_EOF && !t.text.is_empty())
        })
        .collect()
}

/// Where and why the grammar refuses `expr` (for what promql-parser calls "invalid promql query").
pub fn grammar_error(expr: &str) -> Option<String> {
    let toks = tokens(expr)?;
    let mut r = Recognizer { toks, pos: 0 };
    let stop = match r.expr() {
        Ok(()) if r.pos == r.toks.len() => return None,
        Ok(()) => r.stop(""),
        Err(stop) => stop,
    };
    let (at, found) = match stop.at {
        Some(i) => (r.toks[i].start, describe(&r.toks[i])),
        None => (expr.trim_end().len(), "end of input".to_string()),
    };
    let context = if stop.context.is_empty() {
        String::new()
    } else {
        format!(" {}", stop.context)
    };
    Some(format!(
        "{}: unexpected {found}{context}",
        line_col(expr, at)
    ))
}

/// The characters outside string literals (with their byte offsets), and the quote of a string
/// literal that never ends, if one does not.
fn outside_strings(expr: &str) -> (Vec<(usize, char)>, Option<usize>) {
    let mut out = Vec::new();
    let mut quote: Option<(char, usize)> = None;
    let mut escaped = false;
    for (i, c) in expr.char_indices() {
        match quote {
            Some((q, _)) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q != '`' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if matches!(c, '"' | '\'' | '`') => quote = Some((c, i)),
            None => out.push((i, c)),
        }
    }
    (out, quote.map(|(_, i)| i))
}

/// The first bracket that is never closed, or the first closing one that was never opened: for
/// promql-parser's "unclosed left parenthesis" / "unexpected right parenthesis".
fn unbalanced(expr: &str, open: char, close: char) -> Option<usize> {
    let mut stack = Vec::new();
    for (i, c) in outside_strings(expr).0 {
        if c == open {
            stack.push(i);
        } else if c == close && stack.pop().is_none() {
            return Some(i);
        }
    }
    stack.first().copied()
}

/// promql-parser's reason with the position of what it is about.
pub fn locate(expr: &str, reason: &str) -> String {
    let at = if reason.starts_with("unclosed left parenthesis")
        || reason.starts_with("unexpected right parenthesis")
    {
        unbalanced(expr, '(', ')')
    } else if reason.starts_with("unclosed left bracket") || reason.contains("right bracket") {
        unbalanced(expr, '[', ']')
    } else if reason.contains("inside braces") {
        unbalanced(expr, '{', '}')
    } else if reason.starts_with("unterminated quoted string") {
        outside_strings(expr).1
    } else if let Some(rest) = reason
        .strip_prefix("bad number or duration syntax: ")
        .or_else(|| reason.strip_prefix("illegal regex for "))
    {
        expr.find(rest.trim())
    } else if let Some((_, after)) = reason.rsplit_once(" after '") {
        // "... after 'job'": just past that text
        let what = after.trim_end_matches('\'');
        expr.find(what).map(|i| i + what.len())
    } else {
        None
    };
    match at {
        Some(i) => format!("{}: {reason}", line_col(expr, i)),
        None => reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_lines_and_characters() {
        assert_eq!(line_col("abc", 0), "1:1");
        assert_eq!(line_col("ab\ncd", 4), "2:2");
        assert_eq!(line_col("é(", 2), "1:2");
    }
}
