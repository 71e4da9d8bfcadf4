//! Alertmanager 0.34's UTF-8 matchers parser (`matcher/parse`): a lexer of braces, commas,
//! operators, double-quoted strings (Go escapes) and unquoted runs of anything but reserved
//! characters, and a parser over its tokens; errors with rune columns, worded as Alertmanager's.
use super::{MatchType, Matcher};
use crate::prometheus::promql::number::unquote_bytes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Eof,
    OpenBrace,
    CloseBrace,
    Comma,
    Equals,
    NotEquals,
    Matches,
    NotMatches,
    Quoted,
    Unquoted,
}

#[derive(Debug, Clone, Copy)]
struct Position {
    offset_start: usize,
    offset_end: usize,
    column_start: usize,
    column_end: usize,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    kind: Kind,
    value: &'a str,
    pos: Position,
}

impl Token<'_> {
    fn eof() -> Self {
        Token {
            kind: Kind::Eof,
            value: "",
            pos: Position {
                offset_start: 0,
                offset_end: 0,
                column_start: 0,
                column_end: 0,
            },
        }
    }

    /// The token's text: a quoted one unquoted as Go's strconv.Unquote does, valid UTF-8.
    fn unquote(&self) -> Result<String, ()> {
        if self.kind != Kind::Quoted {
            return Ok(self.value.to_string());
        }
        let bytes = unquote_bytes(self.value).map_err(|_| ())?;
        String::from_utf8(bytes).map_err(|_| ())
    }

    fn invalid(&self) -> String {
        format!(
            "{}:{}: {}: invalid input",
            self.pos.column_start, self.pos.column_end, self.value
        )
    }
}

/// Whitespace, braces, operators' runes, the comma, the backslash and quotes.
pub(super) fn is_reserved(c: char) -> bool {
    c.is_whitespace() || "{}!=~,\\\"'`".contains(c)
}

#[derive(Clone)]
struct Lexer<'a> {
    input: &'a str,
    err: Option<String>,
    start: usize,
    pos: usize,
    width: usize,
    column: usize,
    cols: usize,
}

impl<'a> Lexer<'a> {
    fn position(&self) -> Position {
        Position {
            offset_start: self.start,
            offset_end: self.pos,
            column_start: self.column,
            column_end: self.cols,
        }
    }

    fn next(&mut self) -> Option<char> {
        let Some(c) = self.input[self.pos..].chars().next() else {
            self.width = 0;
            return None;
        };
        self.width = c.len_utf8();
        self.pos += self.width;
        self.cols += 1;
        Some(c)
    }

    fn rewind(&mut self) {
        self.pos -= self.width;
        if self.width > 0 {
            self.cols -= 1;
        }
    }

    fn skip(&mut self) {
        self.start = self.pos;
        self.column = self.cols;
    }

    fn accept(&mut self, valid: &str) -> bool {
        if self.next().is_some_and(|c| valid.contains(c)) {
            return true;
        }
        self.rewind();
        false
    }

    fn text(&self, p: Position) -> &'a str {
        &self.input[p.offset_start..p.offset_end.min(self.input.len())]
    }

    fn expected(&self, expected: &str) -> String {
        let p = self.position();
        if p.offset_end >= self.input.len() {
            format!(
                "{}:{}: unexpected end of input, expected one of '{expected}'",
                p.column_start, p.column_end
            )
        } else {
            format!(
                "{}:{}: {}: expected one of '{expected}'",
                p.column_start,
                p.column_end,
                self.text(p)
            )
        }
    }

    fn emit(&mut self, kind: Kind) -> Token<'a> {
        let t = Token {
            kind,
            value: &self.input[self.start..self.pos],
            pos: self.position(),
        };
        self.start = self.pos;
        self.column = self.cols;
        t
    }

    /// The next token, or the error that stops the lexer (kept: every later scan gives it).
    fn scan(&mut self) -> Result<Token<'a>, String> {
        if let Some(e) = &self.err {
            return Err(e.clone());
        }
        while let Some(c) = self.next() {
            let t = match c {
                '{' => Ok(self.emit(Kind::OpenBrace)),
                '}' => Ok(self.emit(Kind::CloseBrace)),
                ',' => Ok(self.emit(Kind::Comma)),
                '=' | '!' => {
                    self.rewind();
                    self.scan_operator()
                }
                '"' => {
                    self.rewind();
                    self.scan_quoted()
                }
                c if !is_reserved(c) => {
                    self.rewind();
                    Ok(self.scan_unquoted())
                }
                c if c.is_whitespace() => {
                    self.skip();
                    continue;
                }
                _ => {
                    let p = self.position();
                    Err(format!(
                        "{}:{}: {}: invalid input",
                        p.column_start,
                        p.column_end,
                        self.text(p)
                    ))
                }
            };
            if let Err(e) = &t {
                self.err = Some(e.clone());
            }
            return t;
        }
        Ok(Token::eof())
    }

    fn scan_operator(&mut self) -> Result<Token<'a>, String> {
        if self.accept("!") {
            if self.accept("=") {
                return Ok(self.emit(Kind::NotEquals));
            }
            if self.accept("~") {
                return Ok(self.emit(Kind::NotMatches));
            }
            return Err(self.expected("=~"));
        }
        if self.accept("=") {
            if self.accept("~") {
                return Ok(self.emit(Kind::Matches));
            }
            return Ok(self.emit(Kind::Equals));
        }
        Err(self.expected("!="))
    }

    fn scan_quoted(&mut self) -> Result<Token<'a>, String> {
        if !self.accept("\"") {
            return Err(self.expected("\""));
        }
        let mut escaped = false;
        while let Some(c) = self.next() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                self.rewind();
                break;
            }
        }
        if !self.accept("\"") {
            let p = self.position();
            return Err(format!(
                "{}:{}: {}: missing end \"",
                p.column_start,
                p.column_end,
                self.text(p)
            ));
        }
        Ok(self.emit(Kind::Quoted))
    }

    fn scan_unquoted(&mut self) -> Token<'a> {
        while let Some(c) = self.next() {
            if is_reserved(c) {
                self.rewind();
                break;
            }
        }
        self.emit(Kind::Unquoted)
    }

    /// The next token without consuming it (an error found stays found).
    fn peek(&mut self) -> Result<Token<'a>, String> {
        let saved = (self.start, self.pos, self.width, self.column, self.cols);
        let t = self.scan();
        (self.start, self.pos, self.width, self.column, self.cols) = saved;
        t
    }
}

/// Why the parser stopped: the end of input where a token was wanted, or an error.
enum Stop {
    Eof,
    Err(String),
}

impl From<String> for Stop {
    fn from(e: String) -> Self {
        Stop::Err(e)
    }
}

impl Stop {
    /// The error, wrapped as Go's `fmt.Errorf("%w: %w", err, why)`.
    fn wrap(self, why: &str) -> String {
        match self {
            Stop::Eof => format!("end of input: {why}"),
            Stop::Err(e) => format!("{e}: {why}"),
        }
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    has_open_brace: bool,
    matchers: Vec<Matcher>,
}

enum State {
    OpenBrace,
    CloseBrace,
    Matcher,
    EndOfMatcher,
    Comma,
    Eof,
}

impl<'a> Parser<'a> {
    fn expect_peek(&mut self, kinds: &[Kind]) -> Result<Token<'a>, Stop> {
        let t = self.lexer.peek()?;
        if t.kind == Kind::Eof {
            return Err(Stop::Eof);
        }
        if !kinds.contains(&t.kind) {
            return Err(Stop::Err(format!(
                "{}:{}: unexpected {}",
                t.pos.column_start, t.pos.column_end, t.value
            )));
        }
        Ok(t)
    }

    fn expect(&mut self, kinds: &[Kind]) -> Result<Token<'a>, Stop> {
        let t = self.expect_peek(kinds)?;
        self.lexer.scan().expect("a peeked token scans again");
        Ok(t)
    }

    fn accept_peek(&mut self, kind: Kind) -> Result<bool, Stop> {
        let t = self.lexer.peek()?;
        if t.kind == Kind::Eof {
            return Err(Stop::Eof);
        }
        Ok(t.kind == kind)
    }

    fn step(&mut self, state: State) -> Result<Option<State>, String> {
        Ok(Some(match state {
            State::OpenBrace => {
                match self.accept_peek(Kind::OpenBrace) {
                    Err(Stop::Eof) => return Ok(Some(State::Eof)),
                    Err(Stop::Err(e)) => return Err(e),
                    Ok(true) => {
                        self.lexer.scan()?;
                        self.has_open_brace = true;
                    }
                    Ok(false) => {}
                }
                match self.accept_peek(Kind::CloseBrace) {
                    Err(Stop::Eof) | Ok(true) => State::CloseBrace,
                    Err(Stop::Err(e)) => return Err(e),
                    Ok(false) => State::Matcher,
                }
            }
            State::CloseBrace => {
                let closed = self.expect(&[Kind::CloseBrace]);
                let column = self.lexer.position().column_end;
                match (self.has_open_brace, closed) {
                    (true, Err(e)) => {
                        return Err(format!("0:{column}: {}", e.wrap("expected close brace")))
                    }
                    (false, Ok(_)) => {
                        return Err(format!("0:{column}: }}: expected opening brace"));
                    }
                    _ => State::Eof,
                }
            }
            State::Matcher => {
                let t = self
                    .expect(&[Kind::Quoted, Kind::Unquoted])
                    .map_err(|e| e.wrap("expected label name"))?;
                let name = t.unquote().map_err(|_| t.invalid())?;
                let op = self
                    .expect(&[
                        Kind::Equals,
                        Kind::NotEquals,
                        Kind::Matches,
                        Kind::NotMatches,
                    ])
                    .map_err(|e| e.wrap("expected an operator such as '=', '!=', '=~' or '!~'"))?;
                let op = match op.kind {
                    Kind::Equals => MatchType::Equal,
                    Kind::NotEquals => MatchType::NotEqual,
                    Kind::Matches => MatchType::Regexp,
                    _ => MatchType::NotRegexp,
                };
                let t = self
                    .expect(&[Kind::Unquoted, Kind::Quoted])
                    .map_err(|e| e.wrap("expected label value"))?;
                let value = t.unquote().map_err(|_| t.invalid())?;
                let m = Matcher::new(op, &name, &value)
                    .map_err(|e| format!("failed to create matcher: {e}"))?;
                self.matchers.push(m);
                State::EndOfMatcher
            }
            State::EndOfMatcher => match self.expect_peek(&[Kind::Comma, Kind::CloseBrace]) {
                Err(Stop::Eof) => State::CloseBrace,
                Err(e) => return Err(e.wrap("expected a comma or close brace")),
                Ok(t) if t.kind == Kind::Comma => State::Comma,
                Ok(_) => State::CloseBrace,
            },
            State::Comma => {
                self.expect(&[Kind::Comma])
                    .map_err(|e| e.wrap("expected a comma"))?;
                match self.expect_peek(&[Kind::CloseBrace, Kind::Unquoted, Kind::Quoted]) {
                    Err(Stop::Eof) => State::CloseBrace,
                    Err(e) => return Err(e.wrap("expected a matcher or close brace after comma")),
                    Ok(t) if t.kind == Kind::CloseBrace => State::CloseBrace,
                    Ok(_) => State::Matcher,
                }
            }
            State::Eof => {
                let t = self
                    .lexer
                    .scan()
                    .map_err(|e| format!("{e}: expected end of input"))?;
                if t.kind != Kind::Eof {
                    return Err(format!(
                        "{}:{}: {}: expected end of input",
                        t.pos.column_start, t.pos.column_end, t.value
                    ));
                }
                return Ok(None);
            }
        }))
    }
}

/// Zero or more matchers, as `parse.Matchers` reads them.
pub fn matchers(input: &str) -> Result<Vec<Matcher>, String> {
    let mut p = Parser {
        lexer: Lexer {
            input,
            err: None,
            start: 0,
            pos: 0,
            width: 0,
            column: 0,
            cols: 0,
        },
        has_open_brace: false,
        matchers: Vec::new(),
    };
    let mut state = State::OpenBrace;
    while let Some(next) = p.step(state)? {
        state = next;
    }
    Ok(p.matchers)
}

/// Exactly one matcher, as `parse.Matcher` reads it.
pub fn matcher(input: &str) -> Result<Matcher, String> {
    let mut m = matchers(input)?;
    match m.len() {
        1 => Ok(m.remove(0)),
        0 => Err("no matchers".into()),
        n => Err(format!("expected 1 matcher, found {n}")),
    }
}
