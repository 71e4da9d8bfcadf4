//! How deep a YAML document's flow collections (`[...]`, `{...}`) nest, found before serde_yaml
//! reads it. libyaml, under serde_yaml, looks at every open flow level for each token it scans:
//! a document nested 200,000 deep takes minutes before serde_yaml's own recursion limit (128)
//! refuses it. Go's yaml.v3, which Prometheus and Alertmanager read their files with, refuses a
//! flow level over 10,000 (`exceeded max depth of 10000`); nothing in a rule file or an
//! Alertmanager config nests a tenth as deep as serde_yaml allows, so a document nested deeper
//! than serde_yaml reads is refused here at once, with where it went too deep.
//!
//! The scan knows what decides where a flow collection starts: quoted scalars, comments, block
//! scalars, and that `[` and `{` open one only where a node starts (in block context) or
//! anywhere outside a quoted scalar (in flow context). It is linear in the document's length.

/// serde_yaml's recursion limit: a deeper document never deserializes.
pub const MAX_DEPTH: usize = 128;

/// Where a document nests too deeply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooDeep {
    /// 1-based line and column (in characters) of the bracket that went past [`MAX_DEPTH`].
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "recursion limit exceeded: flow collections nested more than {MAX_DEPTH} deep"
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// The scanner's state between characters.
struct Scan {
    depth: usize,
    quote: Quote,
    /// The next non-space character starts a node.
    node_start: bool,
    /// Inside a block scalar whose parent line is indented this far: more-indented and blank
    /// lines are its content.
    block_scalar: Option<usize>,
}

/// `Err` when the document's flow collections nest more than [`MAX_DEPTH`] deep.
pub fn check(doc: &str) -> Result<(), TooDeep> {
    let mut s = Scan {
        depth: 0,
        quote: Quote::None,
        node_start: true,
        block_scalar: None,
    };
    for (n, line) in doc.split('\n').enumerate() {
        s.line(line).map_err(|column| TooDeep {
            line: n + 1,
            column,
        })?;
    }
    Ok(())
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t' | '\r'))
}

impl Scan {
    /// One line; `Err(column)` where it nests too deeply.
    fn line(&mut self, line: &str) -> Result<(), usize> {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = self.block_scalar {
            if line.trim().is_empty() || indent > parent {
                return Ok(());
            }
            self.block_scalar = None;
        }
        if self.depth == 0 && self.quote == Quote::None {
            self.node_start = true;
        }
        let mut chars = line.chars().enumerate().peekable();
        let mut prev_blank = true;
        while let Some((col, c)) = chars.next() {
            let next = chars.peek().map(|(_, c)| *c);
            if self.quote != Quote::None {
                self.in_quote(c, next, &mut chars);
                prev_blank = false;
                continue;
            }
            match c {
                '#' if prev_blank => return Ok(()),
                ' ' | '\t' | '\r' => {}
                '\'' | '"' if self.node_start => {
                    self.quote = if c == '"' {
                        Quote::Double
                    } else {
                        Quote::Single
                    };
                    self.node_start = false;
                }
                '[' | '{' if self.node_start || self.depth > 0 => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(col + 1);
                    }
                    self.node_start = true;
                }
                ']' | '}' if self.depth > 0 => {
                    self.depth -= 1;
                    self.node_start = false;
                }
                ',' if self.depth > 0 => self.node_start = true,
                ':' if is_blank(next) || self.depth > 0 => self.node_start = true,
                '-' | '?' if self.node_start && is_blank(next) => {}
                '|' | '>' if self.node_start && self.depth == 0 => {
                    self.block_scalar = Some(indent);
                    return Ok(());
                }
                '&' | '!' if self.node_start => {
                    // an anchor or a tag: the node starts after it
                    while chars.next_if(|(_, c)| !matches!(c, ' ' | '\t')).is_some() {}
                }
                _ => self.node_start = false,
            }
            prev_blank = matches!(c, ' ' | '\t');
        }
        Ok(())
    }

    /// A character inside a quoted scalar (which may go on over lines).
    fn in_quote(
        &mut self,
        c: char,
        next: Option<char>,
        chars: &mut std::iter::Peekable<impl Iterator<Item = (usize, char)>>,
    ) {
        match (self.quote, c) {
            (Quote::Double, '\\') => {
                chars.next();
            }
            (Quote::Single, '\'') if next == Some('\'') => {
                chars.next();
            }
            (Quote::Double, '"') | (Quote::Single, '\'') => self.quote = Quote::None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("a: {}{}\n", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn deep_flow_collections_are_refused_where_they_go_too_deep() {
        assert_eq!(check(&nested(MAX_DEPTH)), Ok(()));
        assert_eq!(
            check(&format!("x: 1\n{}", nested(MAX_DEPTH + 1))),
            Err(TooDeep {
                line: 2,
                column: 4 + MAX_DEPTH
            })
        );
        let deep = format!("groups: {}\n", "{a: ".repeat(200_000));
        assert!(check(&deep).is_err());
    }

    #[test]
    fn brackets_that_open_nothing_are_not_counted() {
        let many = "[".repeat(300);
        for doc in [
            format!("a: '{many}'\n"),
            format!("a: \"{many}\\\"{many}\"\n"),
            format!("a: x{many}\n"),
            format!("a: x # {many}\n"),
            format!("a: |\n  {many}\n  {many}\nb: 1\n"),
            format!("- >-\n    {many}\n"),
            format!("a: 'it''s {many}'\n"),
            format!("a: \"{many}\n  {many}\"\n"),
            format!("expr: up{{job=\"x\"}} {many}\n"),
        ] {
            assert_eq!(check(&doc), Ok(()), "{doc}");
        }
        // a block scalar ends where the indentation does
        let after = format!("a: |\n  text\nb: {}{}\n", "[".repeat(129), "]".repeat(129));
        assert!(check(&after).is_err());
        // anchors and tags before a collection
        let tagged = format!("a: &x !!seq {}\n", "[".repeat(129));
        assert!(check(&tagged).is_err());
    }

    /// Every document that serde_yaml reads passes (the rules and values the project ships).
    #[test]
    fn what_serde_yaml_reads_passes() {
        for doc in [
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum by (a) (rate(x{a=\"[\"}[5m])) > 0\n        labels: {severity: warning, team: \"{{ $labels.team }}\"}\n        annotations:\n          summary: |\n            {{ $labels.instance }} [{ is down\n",
            "a: [1, [2, {b: [3]}], 'x]']\n",
        ] {
            serde_yaml::from_str::<serde_yaml::Value>(doc).unwrap();
            assert_eq!(check(doc), Ok(()), "{doc}");
        }
    }
}
