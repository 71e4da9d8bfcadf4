//! The PromQL lexer of Prometheus 3.14 (`promql/parser/lex.go`): the same tokens, the same
//! states (inside braces, inside a range or subquery's brackets, where a duration expression is
//! lexed), the same number, duration and string rules, and the same error texts. Positions are
//! byte offsets into the input. Series descriptions (promtool's test files) are not lexed here.
use super::lex_literal::is_duration_keyword_start;
use super::quote::go_quote_rune;
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
pub(super) enum State {
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
    pub(super) input: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) state: State,
    pub(super) pos: usize,
    pub(super) start: usize,
    pub(super) width: usize,
    pub(super) paren_depth: i64,
    pub(super) brace_open: bool,
    pub(super) bracket_open: bool,
    pub(super) got_colon: bool,
    pub(super) got_duration: bool,
    pub(super) string_open: char,
    pub(super) item: Option<Item>,
}

pub(super) const EOF_CHAR: char = '\u{10FFFF}';

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

    pub(super) fn next(&mut self) -> char {
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

    pub(super) fn peek(&mut self) -> char {
        let r = self.next();
        self.backup();
        r
    }

    pub(super) fn backup(&mut self) {
        self.pos -= self.width;
    }

    pub(super) fn emit(&mut self, t: ItemType) {
        self.item = Some(Item {
            typ: t,
            pos: self.start,
            end: self.pos,
            message: None,
        });
        self.start = self.pos;
    }

    pub(super) fn ignore(&mut self) {
        self.start = self.pos;
    }

    pub(super) fn accept(&mut self, valid: &str) -> bool {
        let c = self.next();
        if c != EOF_CHAR && valid.contains(c) {
            return true;
        }
        self.backup();
        false
    }

    pub(super) fn accept_run(&mut self, valid: &str) {
        loop {
            let c = self.next();
            if c == EOF_CHAR || !valid.contains(c) {
                break;
            }
        }
        self.backup();
    }

    /// An error item; lexing stops after it (as `errorf` returning a nil state).
    pub(super) fn errorf(&mut self, message: String) -> State {
        self.item = Some(Item {
            typ: ERROR,
            pos: self.start,
            end: self.bytes.len(),
            message: Some(message),
        });
        State::Done
    }

    /// An error item where lex.go keeps its state going (inside strings): the parser stops at it.
    pub(super) fn error_keep(&mut self, message: String, then: State) -> State {
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
            EOF_CHAR if self.pos >= self.bytes.len() && self.width == 0 => return self.lex_eof(),
            ',' => self.emit(COMMA),
            c if is_space(c) => return State::Space,
            '*' | '/' | '%' | '+' | '-' | '^' | '=' | '!' | '<' | '>' => {
                if let Some(stop) = self.lex_operator(r) {
                    return stop;
                }
            }
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

    /// The end of the input: an error while a parenthesis or bracket is open.
    fn lex_eof(&mut self) -> State {
        if self.paren_depth != 0 {
            return self.errorf("unclosed left parenthesis".into());
        }
        if self.bracket_open {
            return self.errorf("unclosed left bracket".into());
        }
        self.emit(EOF);
        State::Done
    }

    /// An operator at the start of a statement; `Some` when it ends lexing (an error).
    fn lex_operator(&mut self, r: char) -> Option<State> {
        match r {
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
                '~' => return Some(self.errorf("unexpected character after '=': '~'".into())),
                _ => self.emit(EQL),
            },
            '!' => {
                let t = self.next();
                if t != '=' {
                    return Some(self.errorf(format!(
                        "unexpected character after '!': {}",
                        go_quote_rune(t)
                    )));
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
            _ => unreachable!("only operator characters come here"),
        }
        None
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

    pub(super) fn skip_spaces(&mut self) {
        while is_space(self.peek()) {
            self.next();
        }
        self.ignore();
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

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn lex_identifier(&mut self) -> State {
        while is_alpha_numeric(self.next()) {}
        self.backup();
        self.emit(IDENTIFIER);
        State::Statements
    }
}
