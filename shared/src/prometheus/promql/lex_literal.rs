//! The identifiers and keywords, the literals and the range brackets of the lexer (`lex.go`): quoted and raw strings with
//! their escapes, numbers and durations, and duration expressions inside `[...]`.
use super::lex::{is_alpha, is_alpha_numeric, is_digit, is_space, Lexer, State, EOF_CHAR};
use super::quote::{go_quote, go_quote_rune, go_unicode};
use super::token::ItemType::*;

impl Lexer<'_> {
    pub(super) fn lex_escape(&mut self) -> State {
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
                    return self.error_keep("escape sequence not terminated".into(), State::String);
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

    pub(super) fn lex_string(&mut self) -> State {
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

    pub(super) fn lex_raw_string(&mut self) -> State {
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

    pub(super) fn scan_duration_keyword(&mut self) -> bool {
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

    pub(super) fn lex_number_or_duration(&mut self) -> State {
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

    pub(super) fn accept_remaining_duration(&mut self) -> bool {
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
    pub(super) fn scan_number(&mut self) -> bool {
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

    pub(super) fn lex_duration_expr(&mut self) -> State {
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

    pub(super) fn lex_keyword_or_identifier(&mut self) -> State {
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
}

pub(super) fn is_duration_keyword_start(r: char) -> bool {
    matches!(r.to_ascii_lowercase(), 's' | 'r' | 'm')
}
