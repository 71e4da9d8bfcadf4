//! The PromQL lexer of Prometheus 3.14 (`promql/parser/lex.go`): the same tokens, the same
//! states (inside braces, inside a range or subquery's brackets, where a duration expression is
//! lexed), the same number, duration and string rules, and the same error texts. Positions are
//! byte offsets into the input. Series descriptions (promtool's test files) are not lexed here.
use super::token::ItemType::{self, *};

/// One token: its type and the bytes of the input it covers. An [`ItemType::ERROR`] item carries
/// the lexer's message instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub typ: ItemType,
    pub pos: usize,
    pub end: usize,
    /// The lexer's message of an error item.
    pub message: Option<String>,
}

impl Item {
    /// The text of the item in `input`.
    pub fn val<'a>(&self, input: &'a str) -> &'a str {
        &input[self.pos..self.end]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Statements,
    InsideBraces,
    DurationExpr,
    String,
    RawString,
    Escape,
    Space,
    LineComment,
    NumberOrDuration,
    KeywordOrIdentifier,
    Identifier,
    Done,
}

/// The lexer: call [`Lexer::next_item`] until it gives `EOF` or `ERROR`.
pub struct Lexer<'a> {
    input: &'a str,
    bytes: &'a [u8],
    state: State,
    pos: usize,
    start: usize,
    width: usize,
    paren_depth: i64,
    brace_open: bool,
    bracket_open: bool,
    got_colon: bool,
    got_duration: bool,
    string_open: char,
    item: Option<Item>,
}

const EOF_CHAR: char = '\u{10FFFF}';

pub(crate) fn is_space(r: char) -> bool {
    matches!(r, ' ' | '\t' | '\n' | '\r')
}
pub(crate) fn is_digit(r: char) -> bool {
    r.is_ascii_digit()
}
pub(crate) fn is_alpha(r: char) -> bool {
    r == '_' || r.is_ascii_alphabetic()
}
pub(crate) fn is_alpha_numeric(r: char) -> bool {
    is_alpha(r) || is_digit(r)
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Lexer {
            input,
            bytes: input.as_bytes(),
            state: State::Statements,
            pos: 0,
            start: 0,
            width: 0,
            paren_depth: 0,
            brace_open: false,
            bracket_open: false,
            got_colon: false,
            got_duration: false,
            string_open: '"',
            item: None,
        }
    }

    /// Where the item being lexed started (the position of a lexer error).
    pub fn start(&self) -> usize {
        self.start
    }

    fn next(&mut self) -> char {
        if self.pos >= self.bytes.len() {
            self.width = 0;
            return EOF_CHAR;
        }
        let b = self.bytes[self.pos];
        if b < 0x80 {
            self.width = 1;
            self.pos += 1;
            return b as char;
        }
        // as Go's utf8.DecodeRuneInString: an invalid sequence is one RuneError byte
        match std::str::from_utf8(&self.bytes[self.pos..(self.pos + 4).min(self.bytes.len())])
            .map(|s| s.chars().next())
            .or_else(|e| {
                std::str::from_utf8(&self.bytes[self.pos..self.pos + e.valid_up_to()])
                    .map(|s| s.chars().next())
            }) {
            Ok(Some(c)) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                c
            }
            _ => {
                self.width = 1;
                self.pos += 1;
                char::REPLACEMENT_CHARACTER
            }
        }
    }

    fn peek(&mut self) -> char {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn emit(&mut self, t: ItemType) {
        self.item = Some(Item {
            typ: t,
            pos: self.start,
            end: self.pos,
            message: None,
        });
        self.start = self.pos;
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn accept(&mut self, valid: &str) -> bool {
        let c = self.next();
        if c != EOF_CHAR && valid.contains(c) {
            return true;
        }
        self.backup();
        false
    }

    fn is(&mut self, valid: &str) -> bool {
        let c = self.peek();
        c != EOF_CHAR && valid.contains(c)
    }

    fn accept_run(&mut self, valid: &str) {
        loop {
            let c = self.next();
            if c == EOF_CHAR || !valid.contains(c) {
                break;
            }
        }
        self.backup();
    }

    /// An error item; lexing stops after it (as `errorf` returning a nil state).
    fn errorf(&mut self, message: String) -> State {
        self.item = Some(Item {
            typ: ERROR,
            pos: self.start,
            end: self.bytes.len(),
            message: Some(message),
        });
        State::Done
    }

    /// An error item where lex.go keeps its state going (inside strings): the parser stops at it.
    fn error_keep(&mut self, message: String, then: State) -> State {
        self.errorf(message);
        then
    }

    /// The next item; `EOF` at the end, repeatedly.
    pub fn next_item(&mut self) -> Item {
        self.item = None;
        while self.item.is_none() {
            self.state = match self.state {
                State::Done => {
                    self.emit(EOF);
                    State::Done
                }
                State::Statements => self.lex_statements(),
                State::InsideBraces => self.lex_inside_braces(),
                State::DurationExpr => self.lex_duration_expr(),
                State::String => self.lex_string(),
                State::RawString => self.lex_raw_string(),
                State::Escape => self.lex_escape(),
                State::Space => self.lex_space(),
                State::LineComment => self.lex_line_comment(),
                State::NumberOrDuration => self.lex_number_or_duration(),
                State::KeywordOrIdentifier => self.lex_keyword_or_identifier(),
                State::Identifier => self.lex_identifier(),
            };
        }
        self.item.take().expect("an item was scanned")
    }

    fn lex_statements(&mut self) -> State {
        if self.brace_open {
            return State::InsideBraces;
        }
        if self.bytes[self.pos..].starts_with(b"#") {
            return State::LineComment;
        }
        let r = self.next();
        match r {
            EOF_CHAR if self.pos >= self.bytes.len() && self.width == 0 => {
                if self.paren_depth != 0 {
                    return self.errorf("unclosed left parenthesis".into());
                }
                if self.bracket_open {
                    return self.errorf("unclosed left bracket".into());
                }
                self.emit(EOF);
                return State::Done;
            }
            ',' => self.emit(COMMA),
            c if is_space(c) => return State::Space,
            '*' => self.emit(MUL),
            '/' => self.emit(DIV),
            '%' => self.emit(MOD),
            '+' => self.emit(ADD),
            '-' => self.emit(SUB),
            '^' => self.emit(POW),
            '=' => match self.peek() {
                '=' => {
                    self.next();
                    self.emit(EQLC)
                }
                '~' => return self.errorf("unexpected character after '=': '~'".into()),
                _ => self.emit(EQL),
            },
            '!' => {
                let t = self.next();
                if t != '=' {
                    return self.errorf(format!(
                        "unexpected character after '!': {}",
                        go_quote_rune(t)
                    ));
                }
                self.emit(NEQ)
            }
            '<' => match self.peek() {
                '=' => {
                    self.next();
                    self.emit(LTE)
                }
                '/' => {
                    self.next();
                    self.emit(TRIM_UPPER)
                }
                _ => self.emit(LSS),
            },
            '>' => match self.peek() {
                '=' => {
                    self.next();
                    self.emit(GTE)
                }
                '/' => {
                    self.next();
                    self.emit(TRIM_LOWER)
                }
                _ => self.emit(GTR),
            },
            c if is_digit(c) || (c == '.' && is_digit(self.peek())) => {
                self.backup();
                return State::NumberOrDuration;
            }
            '"' | '\'' => {
                self.string_open = r;
                return State::String;
            }
            '`' => {
                self.string_open = r;
                return State::RawString;
            }
            c if is_alpha(c) || c == ':' => {
                if !self.bracket_open {
                    self.backup();
                    return State::KeywordOrIdentifier;
                }
                if c == ':' {
                    if self.got_colon {
                        return self.errorf("unexpected colon ':'".into());
                    }
                    self.emit(COLON);
                    self.got_colon = true;
                    return State::Statements;
                }
                if is_duration_keyword_start(c) && self.scan_duration_keyword() {
                    return State::Statements;
                }
                return self.errorf(format!(
                    "unexpected character: {}, expected ':'",
                    go_quote_rune(c)
                ));
            }
            '(' => {
                self.emit(LEFT_PAREN);
                self.paren_depth += 1;
            }
            ')' => {
                self.emit(RIGHT_PAREN);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right parenthesis ')'".into());
                }
            }
            '{' => {
                self.emit(LEFT_BRACE);
                self.brace_open = true;
                return State::InsideBraces;
            }
            '[' => {
                if self.bracket_open {
                    return self.errorf("unexpected left bracket '['".into());
                }
                self.got_colon = false;
                self.emit(LEFT_BRACKET);
                if is_space(self.peek()) {
                    self.skip_spaces();
                }
                self.bracket_open = true;
                return State::DurationExpr;
            }
            ']' => {
                if !self.bracket_open {
                    return self.errorf("unexpected right bracket ']'".into());
                }
                self.emit(RIGHT_BRACKET);
                self.bracket_open = false;
            }
            '@' => self.emit(AT),
            c => {
                return self.errorf(format!("unexpected character: {}", go_quote_rune(c)));
            }
        }
        State::Statements
    }

    fn lex_inside_braces(&mut self) -> State {
        if self.bytes[self.pos..].starts_with(b"#") {
            return State::LineComment;
        }
        let r = self.next();
        match r {
            EOF_CHAR if self.width == 0 => {
                return self.errorf("unexpected end of input inside braces".into())
            }
            c if is_space(c) => return State::Space,
            c if is_alpha(c) => {
                self.backup();
                return State::Identifier;
            }
            ',' => self.emit(COMMA),
            '"' | '\'' => {
                self.string_open = r;
                return State::String;
            }
            '`' => {
                self.string_open = r;
                return State::RawString;
            }
            '=' => {
                if self.next() == '~' {
                    self.emit(EQL_REGEX);
                } else {
                    self.backup();
                    self.emit(EQL);
                }
            }
            '!' => match self.next() {
                '~' => self.emit(NEQ_REGEX),
                '=' => self.emit(NEQ),
                nr => {
                    return self.errorf(format!(
                        "unexpected character after '!' inside braces: {}",
                        go_quote_rune(nr)
                    ))
                }
            },
            '{' => return self.errorf("unexpected left brace '{'".into()),
            '}' => {
                self.emit(RIGHT_BRACE);
                self.brace_open = false;
                return State::Statements;
            }
            c => {
                return self.errorf(format!(
                    "unexpected character inside braces: {}",
                    go_quote_rune(c)
                ))
            }
        }
        State::InsideBraces
    }

    fn lex_escape(&mut self) -> State {
        let mut ch = self.next();
        let (mut n, base, max): (u32, u32, u32) = match ch {
            'a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' => return State::String,
            c if c == self.string_open => return State::String,
            '0'..='7' => (3, 8, 255),
            'x' => {
                ch = self.next();
                (2, 16, 255)
            }
            'u' => {
                ch = self.next();
                (4, 16, 0x10FFFF)
            }
            'U' => {
                ch = self.next();
                (8, 16, 0x10FFFF)
            }
            EOF_CHAR if self.width == 0 => {
                return self.error_keep("escape sequence not terminated".into(), State::String)
            }
            c => {
                return self.error_keep(
                    format!("unknown escape sequence {}", go_unicode(c)),
                    State::String,
                )
            }
        };
        let mut x: u32 = 0;
        while n > 0 {
            let d = ch.to_digit(16).unwrap_or(16);
            if d >= base {
                if ch == EOF_CHAR && self.width == 0 {
                    return self
                        .error_keep("escape sequence not terminated".into(), State::String);
                }
                return self.error_keep(
                    format!("illegal character {} in escape sequence", go_unicode(ch)),
                    State::String,
                );
            }
            x = x.wrapping_mul(base).wrapping_add(d);
            n -= 1;
            if n > 0 {
                ch = self.next();
            }
        }
        if x > max || (0xD800..0xE000).contains(&x) {
            return self.error_keep(
                "escape sequence is an invalid Unicode code point".into(),
                State::String,
            );
        }
        State::String
    }

    fn skip_spaces(&mut self) {
        while is_space(self.peek()) {
            self.next();
        }
        self.ignore();
    }

    fn lex_string(&mut self) -> State {
        loop {
            match self.next() {
                '\\' => return State::Escape,
                char::REPLACEMENT_CHARACTER if self.width == 1 => {
                    return self.error_keep("invalid UTF-8 rune".into(), State::String)
                }
                EOF_CHAR if self.width == 0 => {
                    return self.errorf("unterminated quoted string".into())
                }
                '\n' => return self.errorf("unterminated quoted string".into()),
                c if c == self.string_open => break,
                _ => {}
            }
        }
        self.emit(STRING);
        State::Statements
    }

    fn lex_raw_string(&mut self) -> State {
        loop {
            match self.next() {
                char::REPLACEMENT_CHARACTER if self.width == 1 => {
                    return self.error_keep("invalid UTF-8 rune".into(), State::RawString)
                }
                EOF_CHAR if self.width == 0 => {
                    return self.error_keep("unterminated raw string".into(), State::RawString)
                }
                c if c == self.string_open => break,
                _ => {}
            }
        }
        self.emit(STRING);
        State::Statements
    }

    fn lex_space(&mut self) -> State {
        while is_space(self.peek()) {
            self.next();
        }
        self.ignore();
        State::Statements
    }

    fn lex_line_comment(&mut self) -> State {
        self.pos += 1;
        loop {
            let r = self.next();
            if r == '\r' || r == '\n' || (r == EOF_CHAR && self.width == 0) {
                break;
            }
        }
        self.backup();
        self.emit(COMMENT);
        State::Statements
    }

    fn scan_duration_keyword(&mut self) -> bool {
        loop {
            let r = self.next();
            if !is_alpha(r) {
                self.backup();
                let word = self.input[self.start..self.pos].to_ascii_lowercase();
                let tok = match word.as_str() {
                    "step" => STEP,
                    "range" => RANGE,
                    "max_of" => MAX_OF,
                    "min_of" => MIN_OF,
                    _ => return false,
                };
                self.emit(tok);
                return true;
            }
        }
    }

    fn lex_number_or_duration(&mut self) -> State {
        if self.scan_number() {
            self.emit(NUMBER);
            return State::Statements;
        }
        if self.accept_remaining_duration() {
            self.backup();
            self.emit(DURATION);
            return State::Statements;
        }
        let text = self.input[self.start..self.pos].to_string();
        self.errorf(format!(
            "bad number or duration syntax: {}",
            go_quote(&text)
        ))
    }

    fn accept_remaining_duration(&mut self) -> bool {
        if !self.accept("smhdwy") {
            return false;
        }
        self.accept("s");
        while self.accept("0123456789") {
            while self.accept("0123456789") {}
            if !self.accept("smhdw") {
                return false;
            }
            self.accept("s");
        }
        let c = self.next();
        !(c != EOF_CHAR && is_alpha_numeric(c))
    }

    /// lex.go's `scanNumber`, step by step: `[.][d][d._eE]*` with its anti-patterns.
    fn scan_number(&mut self) -> bool {
        let initial = self.pos;
        let mut digits = "0123456789";
        if self.accept("0") && self.accept("xX") {
            self.accept("_");
            digits = "0123456789abcdefABCDEF";
        }
        self.accept(".");
        self.accept(digits);
        let mut dot = false;
        let mut exp = false;
        loop {
            let c = self.peek();
            if self.at_end() || !(digits.contains(c) || ".eE_".contains(c)) {
                break;
            }
            if c == '.' && dot {
                self.accept(".");
                return false;
            }
            if (c == 'e' || c == 'E') && exp {
                self.accept("eE");
                return false;
            }
            if self.accept(".") {
                dot = true;
                if self.accept("_.") || digits.len() > 10 {
                    return false;
                }
                continue;
            }
            if self.accept("eE") {
                exp = true;
                self.accept("+-");
                if self.accept("._eE") || self.at_end() {
                    return false;
                }
                continue;
            }
            if self.accept("_") {
                if self.accept("._eE") || self.at_end() {
                    return false;
                }
                continue;
            }
            self.accept_run(digits);
        }
        if self.pos == initial {
            return false;
        }
        let r = self.peek();
        self.at_end() || !is_alpha_numeric(r)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn lex_identifier(&mut self) -> State {
        while is_alpha_numeric(self.next()) {}
        self.backup();
        self.emit(IDENTIFIER);
        State::Statements
    }

    fn lex_keyword_or_identifier(&mut self) -> State {
        loop {
            let r = self.next();
            if is_alpha_numeric(r) || r == ':' {
                continue;
            }
            self.backup();
            let word = &self.input[self.start..self.pos];
            match super::token::keyword(word) {
                Some(kw @ (FILL | FILL_LEFT | FILL_RIGHT)) => {
                    // only a keyword before '(': `fill + fill` is two metric names
                    if self.followed_by_left_paren() {
                        self.emit(kw)
                    } else {
                        self.emit(IDENTIFIER)
                    }
                }
                Some(kw) => self.emit(kw),
                None if !word.contains(':') => self.emit(IDENTIFIER),
                None => self.emit(METRIC_IDENTIFIER),
            }
            return State::Statements;
        }
    }

    fn followed_by_left_paren(&self) -> bool {
        self.input[self.pos..]
            .chars()
            .find(|c| !is_space(*c))
            .is_some_and(|c| c == '(')
    }

    fn lex_duration_expr(&mut self) -> State {
        let r = self.next();
        match r {
            EOF_CHAR if self.width == 0 => {
                self.errorf("unexpected end of input in duration expression".into())
            }
            ']' => {
                self.emit(RIGHT_BRACKET);
                self.bracket_open = false;
                self.got_colon = false;
                State::Statements
            }
            ':' => {
                self.emit(COLON);
                if !self.got_duration {
                    return self
                        .errorf("unexpected colon before duration in duration expression".into());
                }
                if self.got_colon {
                    return self.errorf("unexpected repeated colon in duration expression".into());
                }
                self.got_colon = true;
                State::DurationExpr
            }
            '(' => {
                self.emit(LEFT_PAREN);
                self.paren_depth += 1;
                State::DurationExpr
            }
            ')' => {
                self.emit(RIGHT_PAREN);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right parenthesis ')'".into());
                }
                State::DurationExpr
            }
            c if is_space(c) => {
                self.skip_spaces();
                State::DurationExpr
            }
            '+' | '-' | '*' | '/' | '%' | '^' | ',' => {
                self.emit(match r {
                    '+' => ADD,
                    '-' => SUB,
                    '*' => MUL,
                    '/' => DIV,
                    '%' => MOD,
                    '^' => POW,
                    _ => COMMA,
                });
                State::DurationExpr
            }
            c if is_duration_keyword_start(c) => {
                if self.scan_duration_keyword() {
                    return State::DurationExpr;
                }
                self.errorf(format!(
                    "unexpected character in duration expression: {}",
                    go_quote_rune(c)
                ))
            }
            c if is_digit(c) || (c == '.' && is_digit(self.peek())) => {
                self.backup();
                self.got_duration = true;
                State::NumberOrDuration
            }
            c => self.errorf(format!(
                "unexpected character in duration expression: {}",
                go_quote_rune(c)
            )),
        }
    }
}

fn is_duration_keyword_start(r: char) -> bool {
    matches!(r.to_ascii_lowercase(), 's' | 'r' | 'm')
}

/// Go's `%q` of a string: double-quoted, with Go's escapes; printable non-ASCII kept.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `%.Nq`: the first `n` characters, quoted.
pub fn go_quote_prefix(s: &str, n: usize) -> String {
    let prefix: String = s.chars().take(n).collect();
    go_quote(&prefix)
}

/// Go's `%q` of a rune: single-quoted.
pub fn go_quote_rune(c: char) -> String {
    if c == EOF_CHAR {
        return "'\\U0010ffff'".into();
    }
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

/// Go's `%#U`: `U+0064 'd'`.
fn go_unicode(c: char) -> String {
    let code = if c == EOF_CHAR { 0x10FFFF } else { c as u32 };
    if c != EOF_CHAR && !c.is_control() {
        format!("U+{code:04X} '{c}'")
    } else {
        format!("U+{code:04X}")
    }
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        char::REPLACEMENT_CHARACTER => out.push_str("\\ufffd"),
        c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if c.is_control() => {
            if (c as u32) < 0x10000 {
                out.push_str(&format!("\\u{:04x}", c as u32))
            } else {
                out.push_str(&format!("\\U{:08x}", c as u32))
            }
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(s: &str) -> Vec<(ItemType, String)> {
        let mut l = Lexer::new(s);
        let mut out = Vec::new();
        loop {
            let i = l.next_item();
            let text = match &i.message {
                Some(m) => m.clone(),
                None => i.val(s).to_string(),
            };
            out.push((i.typ, text));
            if matches!(i.typ, EOF | ERROR) {
                return out;
            }
        }
    }

    #[test]
    fn tokens_numbers_durations_and_strings() {
        assert_eq!(
            lex("sum by (job) (rate(x{a=~\"b\"}[5m:1m])) >/ 0x1F"),
            [
                (SUM, "sum".into()),
                (BY, "by".into()),
                (LEFT_PAREN, "(".into()),
                (IDENTIFIER, "job".into()),
                (RIGHT_PAREN, ")".into()),
                (LEFT_PAREN, "(".into()),
                (IDENTIFIER, "rate".into()),
                (LEFT_PAREN, "(".into()),
                (IDENTIFIER, "x".into()),
                (LEFT_BRACE, "{".into()),
                (IDENTIFIER, "a".into()),
                (EQL_REGEX, "=~".into()),
                (STRING, "\"b\"".into()),
                (RIGHT_BRACE, "}".into()),
                (LEFT_BRACKET, "[".into()),
                (DURATION, "5m".into()),
                (COLON, ":".into()),
                (DURATION, "1m".into()),
                (RIGHT_BRACKET, "]".into()),
                (RIGHT_PAREN, ")".into()),
                (RIGHT_PAREN, ")".into()),
                (TRIM_LOWER, ">/".into()),
                (NUMBER, "0x1F".into()),
                (EOF, "".into()),
            ]
        );
        assert_eq!(lex("foo[11s+step()]")[3], (ADD, "+".into()));
        assert_eq!(lex("foo[11s+step()]")[4], (STEP, "step".into()));
        assert_eq!(
            lex("2.5.").last().unwrap(),
            &(ERROR, "bad number or duration syntax: \"2.5.\"".into())
        );
        assert_eq!(
            lex("0deadbeef").last().unwrap(),
            &(ERROR, "bad number or duration syntax: \"0de\"".into())
        );
        assert_eq!(lex("`a\\dos`")[0], (STRING, "`a\\dos`".into()));
        assert_eq!(
            lex("\"a\\dos\"").last().unwrap(),
            &(ERROR, "unknown escape sequence U+0064 'd'".into())
        );
        assert_eq!(lex("fill + fill(1)")[0], (IDENTIFIER, "fill".into()));
        assert_eq!(lex("fill + fill(1)")[2], (FILL, "fill".into()));
        assert_eq!(lex("Inf")[0], (NUMBER, "Inf".into()));
        assert_eq!(lex("a:b")[0], (METRIC_IDENTIFIER, "a:b".into()));
        assert_eq!(
            lex("(1").last().unwrap(),
            &(ERROR, "unclosed left parenthesis".into())
        );
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"b\\\n"), "\"a\\\"b\\\\\\n\"");
        assert_eq!(go_quote_rune('\''), "'\\''");
        assert_eq!(go_quote_prefix("abcdefghijkl", 10), "\"abcdefghij\"");
        assert_eq!(go_quote("🙂"), "\"🙂\"");
    }
}
