//! The lexer of Go's `text/template` (`text/template/parse/lex.go`, Go 1.26, which Prometheus
//! 3.14.0 is built with): text, `{{ }}` actions with their `-` trim markers, comments, and inside
//! an action the words, strings, numbers, variables, fields and punctuation, with Go's messages.

/// A token of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Error,
    Bool,
    Char,
    CharConstant,
    Complex,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // keywords
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl Kind {
    pub fn is_keyword(self) -> bool {
        matches!(
            self,
            Kind::Block
                | Kind::Break
                | Kind::Continue
                | Kind::Dot
                | Kind::Define
                | Kind::Else
                | Kind::End
                | Kind::If
                | Kind::Nil
                | Kind::Range
                | Kind::Template
                | Kind::With
        )
    }
}

pub(super) fn keyword(word: &str) -> Option<Kind> {
    Some(match word {
        "." => Kind::Dot,
        "block" => Kind::Block,
        "break" => Kind::Break,
        "continue" => Kind::Continue,
        "define" => Kind::Define,
        "else" => Kind::Else,
        "end" => Kind::End,
        "if" => Kind::If,
        "range" => Kind::Range,
        "nil" => Kind::Nil,
        "template" => Kind::Template,
        "with" => Kind::With,
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    pub pos: usize,
    /// The text, or the message of an error.
    pub val: String,
    /// The line it starts on.
    pub line: usize,
}

impl Item {
    /// `item.String()`, as Go's messages show a token.
    pub fn show(&self) -> String {
        use crate::prometheus::promql::quote::{go_quote, go_quote_prefix};
        match self.kind {
            Kind::Eof => "EOF".into(),
            Kind::Error => self.val.clone(),
            k if k.is_keyword() => format!("<{}>", self.val),
            _ if self.val.len() > 10 => format!("{}...", go_quote_prefix(&self.val, 10)),
            _ => go_quote(&self.val),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Done,
}

/// The lexer; [`Lexer::next_item`] until `Eof` or `Error`.
pub struct Lexer<'a> {
    pub(super) input: &'a str,
    pub(super) pos: usize,
    pub(super) start: usize,
    pub(super) width: usize,
    pub(super) paren_depth: i64,
    pub(super) line: usize,
    pub(super) start_line: usize,
    pub(super) state: State,
}

pub(super) const EOF: char = '\u{10FFFF}';

pub(super) fn is_space(r: char) -> bool {
    matches!(r, ' ' | '\t' | '\r' | '\n')
}

pub(super) fn is_alpha_numeric(r: char) -> bool {
    r != EOF && (r == '_' || r.is_alphabetic() || r.is_numeric())
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            width: 0,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            state: State::Text,
        }
    }

    pub(super) fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    pub(super) fn next(&mut self) -> char {
        match self.rest().chars().next() {
            None => {
                self.width = 0;
                EOF
            }
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                if c == '\n' {
                    self.line += 1;
                }
                c
            }
        }
    }

    pub(super) fn peek(&mut self) -> char {
        let c = self.next();
        self.backup();
        c
    }

    pub(super) fn backup(&mut self) {
        self.pos -= self.width;
        if self.width == 1 && self.input.as_bytes()[self.pos] == b'\n' {
            self.line -= 1;
        }
    }

    pub(super) fn item(&mut self, kind: Kind) -> Item {
        let item = Item {
            kind,
            pos: self.start,
            val: self.input[self.start..self.pos].to_string(),
            line: self.start_line,
        };
        self.start = self.pos;
        self.start_line = self.line;
        item
    }

    pub(super) fn ignore(&mut self) {
        self.line += self.input[self.start..self.pos].matches('\n').count();
        self.start = self.pos;
        self.start_line = self.line;
    }

    pub(super) fn error(&mut self, message: String) -> Option<Item> {
        self.state = State::Done;
        Some(Item {
            kind: Kind::Error,
            pos: self.start,
            val: message,
            line: self.start_line,
        })
    }

    pub(super) fn accept(&mut self, valid: &str) -> bool {
        let c = self.next();
        if c != EOF && valid.contains(c) {
            return true;
        }
        self.backup();
        false
    }

    pub(super) fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    /// The next token.
    pub fn next_item(&mut self) -> Item {
        loop {
            let item = match self.state {
                State::Done => Some(self.item(Kind::Eof)),
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
            };
            if let Some(i) = item {
                return i;
            }
        }
    }

    fn lex_text(&mut self) -> Option<Item> {
        self.width = 0;
        if let Some(x) = self.rest().find("{{") {
            self.pos += x;
            let trim = if has_left_trim(&self.input[self.pos + 2..]) {
                let t = &self.input[self.start..self.pos];
                t.len() - t.trim_end_matches([' ', '\t', '\r', '\n']).len()
            } else {
                0
            };
            self.pos -= trim;
            let text = (self.pos > self.start).then(|| {
                self.line += self.input[self.start..self.pos].matches('\n').count();
                self.item(Kind::Text)
            });
            self.pos += trim;
            self.ignore();
            self.state = State::LeftDelim;
            return text;
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.line += self.input[self.start..self.pos].matches('\n').count();
            return Some(self.item(Kind::Text));
        }
        self.state = State::Done;
        Some(self.item(Kind::Eof))
    }

    pub(super) fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim(rest) && rest[2..].starts_with("}}") {
            return (true, true);
        }
        (rest.starts_with("}}"), false)
    }

    fn lex_left_delim(&mut self) -> Option<Item> {
        self.pos += 2;
        let trim = has_left_trim(self.rest());
        let after = if trim { 2 } else { 0 };
        if self.input[self.pos + after..].starts_with("/*") {
            self.pos += after;
            self.ignore();
            self.state = State::Comment;
            return None;
        }
        let item = self.item(Kind::LeftDelim);
        self.pos += after;
        self.ignore();
        self.paren_depth = 0;
        self.state = State::InsideAction;
        Some(item)
    }

    fn lex_comment(&mut self) -> Option<Item> {
        self.pos += 2;
        let Some(i) = self.rest().find("*/") else {
            return self.error("unclosed comment".into());
        };
        self.pos += i + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += 2;
        if trim {
            self.pos += left_trim_len(self.rest());
        }
        self.ignore();
        self.state = State::Text;
        None
    }

    fn lex_right_delim(&mut self) -> Option<Item> {
        let trim = has_right_trim(self.rest());
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += 2;
        let item = self.item(Kind::RightDelim);
        if trim {
            self.pos += left_trim_len(self.rest());
            self.ignore();
        }
        self.state = State::Text;
        Some(item)
    }
}

pub(super) fn has_left_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

pub(super) fn has_right_trim(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

pub(super) fn left_trim_len(s: &str) -> usize {
    s.len() - s.trim_start_matches([' ', '\t', '\r', '\n']).len()
}

/// Go's `%#U`.
pub(super) fn go_u(c: char) -> String {
    if c == EOF {
        return "U+FFFFFFFF".into();
    }
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}
