//! The parser of Go's `text/template` (`parse.go`): actions, pipelines, control structures,
//! variables in scope and functions defined. Go's limit is kept: parentheses nested at most
//! [`MAX_STACK_DEPTH`] deep; control structures nest without a limit, as in Go, each level
//! through [`crate::input::deep::grow`].
use super::lex::{Item, Kind, Lexer};
use super::literal::{number, unquote};
use super::vars::Vars;
use super::{Scope, BUILTINS};

/// `maxStackDepth`: how deep parenthesized pipelines may nest.
pub(super) const MAX_STACK_DEPTH: usize = 10_000;

/// Parse `text`; the error as Go words it.
pub(super) fn parse(text: &str, scope: &Scope<'_>) -> Result<(), String> {
    let mut p = Parser {
        lex: Lexer::new(text),
        peeked: Vec::new(),
        last_line: 1,
        action_line: 0,
        vars: Vars::new(scope.variables),
        range_depth: 0,
        stack_depth: 0,
        scope,
    };
    p.parse()
}

struct Parser<'a, 's> {
    lex: Lexer<'a>,
    /// Tokens put back (the last one is next).
    peeked: Vec<Item>,
    last_line: usize,
    action_line: usize,
    vars: Vars,
    range_depth: usize,
    /// Parenthesized pipelines open (`stackDepth`).
    stack_depth: usize,
    scope: &'s Scope<'s>,
}

/// What an item list ends with. After `{{else`, an `if` or `with` is left to read: `{{if a}}
/// {{else if b}}{{end}}` is `{{if a}}{{else}}{{if b}}{{end}}{{end}}`, as Go reads it.
#[derive(Debug, PartialEq, Eq)]
enum Ending {
    End,
    Else,
}

type PResult<T> = Result<T, String>;

impl Parser<'_, '_> {
    fn next(&mut self) -> Item {
        let item = self.peeked.pop().unwrap_or_else(|| self.lex.next_item());
        self.last_line = item.line;
        item
    }
    fn backup(&mut self, item: Item) {
        self.peeked.push(item);
    }
    fn peek(&mut self) -> Item {
        let item = self.next();
        self.backup(item.clone());
        item
    }
    fn next_non_space(&mut self) -> Item {
        loop {
            let item = self.next();
            if item.kind != Kind::Space {
                return item;
            }
        }
    }
    fn peek_non_space(&mut self) -> Item {
        let item = self.next_non_space();
        self.backup(item.clone());
        item
    }

    fn errorf(&self, message: String) -> String {
        format!(
            "template: {}:{}: {message}",
            self.scope.name, self.last_line
        )
    }

    fn unexpected(&self, item: &Item, context: &str) -> String {
        if item.kind == Kind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != item.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.scope.name, self.action_line
                );
                if item.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.errorf(format!("{}{extra}", item.val));
        }
        self.errorf(format!("unexpected {} in {context}", item.show()))
    }

    fn expect(&mut self, kind: Kind, context: &str) -> PResult<Item> {
        let item = self.next_non_space();
        if item.kind != kind {
            return Err(self.unexpected(&item, context));
        }
        Ok(item)
    }

    pub(super) fn parse(&mut self) -> PResult<()> {
        loop {
            let item = self.peek();
            if item.kind == Kind::Eof {
                return Ok(());
            }
            if item.kind == Kind::LeftDelim {
                let delim = self.next();
                let after = self.next_non_space();
                if after.kind == Kind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.backup(after);
                self.backup(delim);
            }
            match self.text_or_action()? {
                Some(Ending::End) => return Err(self.errorf("unexpected {{end}}".into())),
                Some(_) => return Err(self.errorf("unexpected {{else}}".into())),
                None => {}
            }
        }
    }

    /// `{{define "name"}} ... {{end}}`: its own variables.
    fn parse_definition(&mut self) -> PResult<()> {
        let name = self.next_non_space();
        self.template_name(&name, "define clause")?;
        self.expect(Kind::RightDelim, "define clause")?;
        self.tree_body("define clause")
    }

    /// The items of a `define` or a `block` up to its `{{end}}`: a tree of its own to Go
    /// (`New`, `startParse`), with only `$` declared and no range or parenthesis open.
    fn tree_body(&mut self, context: &str) -> PResult<()> {
        let vars = std::mem::replace(&mut self.vars, Vars::new(&[]));
        let ranges = std::mem::take(&mut self.range_depth);
        let parens = std::mem::take(&mut self.stack_depth);
        let list = self.item_list();
        (self.vars, self.range_depth, self.stack_depth) = (vars, ranges, parens);
        if list?.1 != Ending::End {
            return Err(self.errorf(format!("unexpected {{{{else}}}} in {context}")));
        }
        Ok(())
    }

    fn template_name(&self, item: &Item, context: &str) -> PResult<()> {
        match item.kind {
            Kind::String | Kind::RawString => {
                unquote(&item.val).map(|_| ()).map_err(|e| self.errorf(e))
            }
            _ => Err(self.unexpected(item, context)),
        }
    }

    /// Items up to `{{end}}` or `{{else}}`.
    fn item_list(&mut self) -> PResult<((), Ending)> {
        crate::input::deep::grow(|| self.item_list_here())
    }

    fn item_list_here(&mut self) -> PResult<((), Ending)> {
        loop {
            if self.peek_non_space().kind == Kind::Eof {
                return Err(self.errorf("unexpected EOF".into()));
            }
            if let Some(ending) = self.text_or_action()? {
                return Ok(((), ending));
            }
        }
    }

    fn text_or_action(&mut self) -> PResult<Option<Ending>> {
        let item = self.next_non_space();
        match item.kind {
            Kind::Text => Ok(None),
            Kind::LeftDelim => {
                self.action_line = item.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => Err(self.unexpected(&item, "input")),
        }
    }

    fn action(&mut self) -> PResult<Option<Ending>> {
        let item = self.next_non_space();
        match item.kind {
            Kind::Block => self.block_control().map(|_| None),
            Kind::Break | Kind::Continue => {
                let word = if item.kind == Kind::Break {
                    "break"
                } else {
                    "continue"
                };
                self.expect(Kind::RightDelim, &format!("{{{{{word}}}}}"))?;
                if self.range_depth == 0 {
                    return Err(self.errorf(format!("{{{{{word}}}}} outside {{{{range}}}}")));
                }
                Ok(None)
            }
            Kind::Else => self.else_control().map(Some),
            Kind::End => {
                self.expect(Kind::RightDelim, "end")?;
                Ok(Some(Ending::End))
            }
            Kind::If | Kind::Range | Kind::With => self.control(item.kind).map(|_| None),
            Kind::Template => self.template_control().map(|_| None),
            _ => {
                self.backup(item);
                self.pipeline("command", Kind::RightDelim)?;
                Ok(None)
            }
        }
    }

    fn else_control(&mut self) -> PResult<Ending> {
        let peek = self.peek_non_space();
        if !matches!(peek.kind, Kind::If | Kind::With) {
            self.expect(Kind::RightDelim, "else")?;
        }
        Ok(Ending::Else)
    }

    /// `{{if|range|with pipeline}} list [{{else [if|with ...]}} list] {{end}}`.
    fn control(&mut self, kind: Kind) -> PResult<()> {
        crate::input::deep::grow(|| self.control_here(kind))
    }

    fn control_here(&mut self, kind: Kind) -> PResult<()> {
        let context = match kind {
            Kind::If => "if",
            Kind::Range => "range",
            _ => "with",
        };
        let depth = self.vars.len();
        let r = (|| {
            self.pipeline(context, Kind::RightDelim)?;
            if kind == Kind::Range {
                self.range_depth += 1;
            }
            let list = self.item_list();
            if kind == Kind::Range {
                self.range_depth -= 1;
            }
            if list?.1 == Ending::End {
                return Ok(());
            }
            let peek = self.peek();
            if kind != Kind::Range && peek.kind == kind {
                // `{{else if}}`/`{{else with}}`: a nested control that ends with this one's {{end}}
                self.next();
                return self.control(kind);
            }
            match self.item_list()?.1 {
                Ending::End => Ok(()),
                Ending::Else => Err(self.errorf("expected end; found {{else}}".into())),
            }
        })();
        self.vars.truncate(depth);
        r
    }

    fn template_control(&mut self) -> PResult<()> {
        let context = "template clause";
        let name = self.next_non_space();
        self.template_name(&name, context)?;
        let item = self.next_non_space();
        if item.kind != Kind::RightDelim {
            self.backup(item);
            self.pipeline(context, Kind::RightDelim)?;
        }
        Ok(())
    }

    fn block_control(&mut self) -> PResult<()> {
        let context = "block clause";
        let name = self.next_non_space();
        self.template_name(&name, context)?;
        self.pipeline(context, Kind::RightDelim)?;
        self.tree_body(context)
    }

    /// `declarations? command ('|' command)*` up to `end`; what each command starts with.
    fn pipeline(&mut self, context: &str, end: Kind) -> PResult<()> {
        crate::input::deep::grow(|| self.pipeline_here(context, end))
    }

    fn pipeline_here(&mut self, context: &str, end: Kind) -> PResult<()> {
        let mut decls = 0;
        loop {
            let v = self.peek_non_space();
            if v.kind != Kind::Variable {
                break;
            }
            let v = self.next_non_space();
            let after = self.peek();
            let next = self.peek_non_space();
            match next.kind {
                Kind::Assign | Kind::Declare => {
                    self.next_non_space();
                    let name = v.val.split('.').next().unwrap_or_default().to_string();
                    if next.kind == Kind::Assign && !self.vars.contains(&name) {
                        return Err(self.errorf(format!(
                            "undefined variable {}",
                            crate::prometheus::promql::quote::go_quote(&name)
                        )));
                    }
                    self.vars.push(name);
                    break;
                }
                Kind::Char if next.val == "," => {
                    self.next_non_space();
                    self.vars.push(v.val.clone());
                    decls += 1;
                    if context == "range" && decls < 2 {
                        if matches!(
                            self.peek_non_space().kind,
                            Kind::Variable | Kind::RightDelim | Kind::RightParen
                        ) {
                            continue;
                        }
                        return Err(self.errorf("range can only initialize variables".into()));
                    }
                    return Err(self.errorf(format!("too many declarations in {context}")));
                }
                _ => {
                    // not a declaration: put the space after the variable (if any) and the
                    // variable back in front of the token already peeked
                    if after.kind == Kind::Space {
                        self.backup(after);
                    }
                    self.backup(v);
                    break;
                }
            }
        }
        let mut firsts = Vec::new();
        loop {
            let item = self.next_non_space();
            match item.kind {
                k if k == end => break,
                Kind::Bool
                | Kind::CharConstant
                | Kind::Complex
                | Kind::Dot
                | Kind::Field
                | Kind::Identifier
                | Kind::Number
                | Kind::Nil
                | Kind::RawString
                | Kind::String
                | Kind::Variable
                | Kind::LeftParen => {
                    self.backup(item);
                    firsts.push(self.command()?);
                }
                _ => return Err(self.unexpected(&item, context)),
            }
        }
        if firsts.is_empty() {
            return Err(self.errorf(format!("missing value for {context}")));
        }
        for (i, first) in firsts.iter().enumerate().skip(1) {
            if matches!(
                first,
                Kind::Bool
                    | Kind::Dot
                    | Kind::Nil
                    | Kind::Number
                    | Kind::String
                    | Kind::RawString
                    | Kind::CharConstant
                    | Kind::Complex
            ) {
                return Err(self.errorf(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    /// Operands up to `|`, `}}` or `)`; the kind of the first.
    fn command(&mut self) -> PResult<Kind> {
        let mut first = None;
        loop {
            self.peek_non_space();
            if let Some(k) = self.operand()? {
                first.get_or_insert(k);
            }
            let item = self.next();
            match item.kind {
                Kind::Space => continue,
                Kind::RightDelim | Kind::RightParen => self.backup(item),
                Kind::Pipe => {}
                _ => return Err(self.unexpected(&item, "operand")),
            }
            break;
        }
        first.ok_or_else(|| self.errorf("empty command".into()))
    }

    /// A term and the fields after it; `None` when the next token is no operand.
    fn operand(&mut self) -> PResult<Option<Kind>> {
        let Some(term) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind == Kind::Field {
            while self.peek().kind == Kind::Field {
                self.next();
            }
            if matches!(
                term.kind,
                Kind::Bool
                    | Kind::String
                    | Kind::RawString
                    | Kind::Number
                    | Kind::CharConstant
                    | Kind::Complex
                    | Kind::Nil
                    | Kind::Dot
            ) {
                // the node's String(): its text as written
                return Err(self.errorf(format!(
                    "unexpected . after term {}",
                    crate::prometheus::promql::quote::go_quote(&term.val)
                )));
            }
        }
        Ok(Some(term.kind))
    }

    /// A term, the token it starts with.
    fn term(&mut self) -> PResult<Option<Item>> {
        let item = self.next_non_space();
        match item.kind {
            Kind::Identifier => {
                let name = item.val.as_str();
                if !BUILTINS.contains(&name) && !self.scope.functions.contains(&name) {
                    return Err(self.errorf(format!(
                        "function {} not defined",
                        crate::prometheus::promql::quote::go_quote(name)
                    )));
                }
            }
            Kind::Variable => {
                let name = item.val.split('.').next().unwrap_or_default();
                if !self.vars.contains(name) {
                    return Err(self.errorf(format!(
                        "undefined variable {}",
                        crate::prometheus::promql::quote::go_quote(name)
                    )));
                }
            }
            Kind::Dot | Kind::Nil | Kind::Field | Kind::Bool => {}
            Kind::CharConstant | Kind::Complex | Kind::Number => {
                number(&item.val, item.kind).map_err(|e| self.errorf(e))?
            }
            Kind::LeftParen => {
                if self.stack_depth >= MAX_STACK_DEPTH {
                    return Err(self.errorf("max expression depth exceeded".into()));
                }
                self.stack_depth += 1;
                let r = self.pipeline("parenthesized pipeline", Kind::RightParen);
                self.stack_depth -= 1;
                r?;
            }
            Kind::String | Kind::RawString => {
                unquote(&item.val).map_err(|e| self.errorf(e))?;
            }
            _ => {
                self.backup(item);
                return Ok(None);
            }
        }
        Ok(Some(item))
    }
}
