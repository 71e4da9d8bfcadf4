//! Inside an action: words, variables, fields, strings, characters and numbers (`lex.go`).
use super::lex::{
    go_u, has_right_trim, is_alpha_numeric, is_space, keyword, Item, Kind, Lexer, State, EOF,
};

impl Lexer<'_> {
    pub(super) fn lex_inside_action(&mut self) -> Option<Item> {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                self.state = State::RightDelim;
                return None;
            }
            return self.error("unclosed left paren".into());
        }
        let r = self.next();
        Some(match r {
            EOF if self.width == 0 => return self.error("unclosed action".into()),
            c if is_space(c) => {
                self.backup();
                return self.lex_space();
            }
            '=' => self.item(Kind::Assign),
            ':' => {
                if self.next() != '=' {
                    return self.error("expected :=".into());
                }
                self.item(Kind::Declare)
            }
            '|' => self.item(Kind::Pipe),
            '"' => return self.lex_quoted('"', Kind::String, "quoted string"),
            '`' => return self.lex_raw_quote(),
            '$' => return self.lex_variable(),
            '\'' => return self.lex_quoted('\'', Kind::CharConstant, "character constant"),
            '.' if self
                .rest()
                .bytes()
                .next()
                .is_some_and(|b| !b.is_ascii_digit()) =>
            {
                return self.lex_field_or_variable(Kind::Field)
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.backup();
                return self.lex_number();
            }
            c if is_alpha_numeric(c) => {
                self.backup();
                return self.lex_identifier();
            }
            '(' => {
                self.paren_depth += 1;
                self.item(Kind::LeftParen)
            }
            ')' => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error("unexpected right paren U+0029 ')'".into());
                }
                self.item(Kind::RightParen)
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.item(Kind::Char),
            c => return self.error(format!("unrecognized character in action: {}", go_u(c))),
        })
    }

    fn lex_space(&mut self) -> Option<Item> {
        let mut n = 0;
        while is_space(self.peek()) {
            self.next();
            n += 1;
        }
        // a trim-marked closing delimiter starts with a space
        if has_right_trim(&self.input[self.pos - 1..])
            && self.input[self.pos + 1..].starts_with("}}")
        {
            self.backup();
            if n == 1 {
                self.state = State::RightDelim;
                return None;
            }
        }
        Some(self.item(Kind::Space))
    }

    fn lex_identifier(&mut self) -> Option<Item> {
        while is_alpha_numeric(self.next()) {}
        self.backup();
        let word = &self.input[self.start..self.pos];
        if !self.at_terminator() {
            let c = self.peek();
            return self.error(format!("bad character {}", go_u(c)));
        }
        let kind = match keyword(word) {
            Some(k) => k,
            None if word == "true" || word == "false" => Kind::Bool,
            None => Kind::Identifier,
        };
        Some(self.item(kind))
    }

    fn lex_variable(&mut self) -> Option<Item> {
        if self.at_terminator() {
            return Some(self.item(Kind::Variable));
        }
        self.lex_field_or_variable(Kind::Variable)
    }

    fn lex_field_or_variable(&mut self, kind: Kind) -> Option<Item> {
        if self.at_terminator() {
            return Some(self.item(if kind == Kind::Variable {
                Kind::Variable
            } else {
                Kind::Dot
            }));
        }
        let mut r;
        loop {
            r = self.next();
            if !is_alpha_numeric(r) {
                self.backup();
                break;
            }
        }
        if !self.at_terminator() {
            return self.error(format!("bad character {}", go_u(r)));
        }
        Some(self.item(kind))
    }

    fn at_terminator(&mut self) -> bool {
        let r = self.peek();
        if is_space(r) {
            return true;
        }
        if self.width == 0 {
            return true;
        }
        matches!(r, '.' | ',' | '|' | ':' | ')' | '(' | '}')
    }

    /// A character constant (`'x'`) or an interpreted string (`"x"`), opened by `close`: to
    /// the unescaped `close`, on one line.
    fn lex_quoted(&mut self, close: char, kind: Kind, what: &str) -> Option<Item> {
        loop {
            match self.next() {
                '\\' => {
                    let r = self.next();
                    if !(self.width == 0 || r == '\n') {
                        continue;
                    }
                    return self.error(format!("unterminated {what}"));
                }
                '\n' => return self.error(format!("unterminated {what}")),
                EOF if self.width == 0 => return self.error(format!("unterminated {what}")),
                c if c == close => break,
                _ => {}
            }
        }
        Some(self.item(kind))
    }

    fn lex_number(&mut self) -> Option<Item> {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            return self.error(format!(
                "bad number syntax: {}",
                crate::prometheus::promql::quote::go_quote(&text)
            ));
        }
        let sign = self.peek();
        if sign == '+' || sign == '-' {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = self.input[self.start..self.pos].to_string();
                return self.error(format!(
                    "bad number syntax: {}",
                    crate::prometheus::promql::quote::go_quote(&text)
                ));
            }
            return Some(self.item(Kind::Complex));
        }
        Some(self.item(Kind::Number))
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if is_alpha_numeric(self.peek()) {
            self.next();
            return false;
        }
        true
    }

    fn lex_raw_quote(&mut self) -> Option<Item> {
        loop {
            match self.next() {
                EOF if self.width == 0 => {
                    return self.error("unterminated raw quoted string".into())
                }
                '`' => break,
                _ => {}
            }
        }
        Some(self.item(Kind::RawString))
    }
}
