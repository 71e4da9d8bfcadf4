//! YAML paths to lines. The line of a node of a block-style YAML document, found from its path (keys and list
//! indices) by indentation: serde_yaml's values carry no positions. A part written in flow style
//! (`{...}`, `[...]`) is found as the line of the nearest enclosing node found.

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

struct Line<'a> {
    /// Spaces before the first character.
    indent: usize,
    /// The column after any list-item markers (`- `).
    col: usize,
    /// The text from `col`.
    text: &'a str,
    /// Starts with a list-item marker.
    item: bool,
}

fn lines(text: &str) -> Vec<Option<Line<'_>>> {
    text.lines()
        .map(|l| {
            let indent = l.len() - l.trim_start_matches(' ').len();
            let mut rest = &l[indent..];
            if rest.is_empty() || rest.starts_with('#') || rest == "---" {
                return None;
            }
            let item = rest == "-" || rest.starts_with("- ");
            let mut col = indent;
            while rest == "-" || rest.starts_with("- ") {
                let after = rest[1..].trim_start_matches(' ');
                col += rest.len() - after.len();
                rest = after;
            }
            Some(Line {
                indent,
                col,
                text: rest,
                item,
            })
        })
        .collect()
}

/// Does this text start with the key `k` and its colon?
fn is_key(text: &str, k: &str) -> bool {
    for quote in ["", "\"", "'"] {
        if let Some(rest) = text
            .strip_prefix(quote)
            .and_then(|t| t.strip_prefix(k))
            .and_then(|t| t.strip_prefix(quote))
        {
            let rest = rest.trim_start_matches(' ');
            if rest == ":" || rest.starts_with(": ") || rest.starts_with(":\t") {
                return true;
            }
        }
    }
    false
}

/// The 1-based line of the node at `path`, or of the deepest part of it that was found.
pub fn line_of(text: &str, path: &[Seg]) -> Option<usize> {
    Index::new(text).line_of(path)
}

/// A text's lines read once, for many paths: [`line_of`] reads them on each call.
pub struct Index<'a>(Vec<Option<Line<'a>>>);

impl<'a> Index<'a> {
    pub fn new(text: &'a str) -> Self {
        Index(lines(text))
    }

    /// [`line_of`] in this text.
    pub fn line_of(&self, path: &[Seg]) -> Option<usize> {
        line_of_in(&self.0, path)
    }
}

fn line_of_in(ls: &[Option<Line<'_>>], path: &[Seg]) -> Option<usize> {
    // the scope: lines [start, end), children at column `col` (None: the first line's)
    let (mut start, mut end) = (0usize, ls.len());
    let mut found: Option<usize> = None;
    // whether `start` itself belongs to the scope (a list item's first line)
    let mut inclusive = true;
    for seg in path {
        let first = (if inclusive { start } else { start + 1 })..end;
        match seg {
            Seg::Key(k) => {
                let child_col = first.clone().find_map(|i| ls[i].as_ref().map(|l| l.col));
                let Some(child_col) = child_col else {
                    return found;
                };
                let hit = first.clone().find(|&i| {
                    ls[i]
                        .as_ref()
                        .is_some_and(|l| l.col == child_col && is_key(l.text, k))
                });
                let Some(i) = hit else {
                    return found;
                };
                let c = ls[i].as_ref().map_or(0, |l| l.col);
                // the value: deeper lines, or a compact sequence at the key's own column
                let next = (i + 1..end).find(|&j| ls[j].is_some());
                let compact =
                    next.is_some_and(|j| ls[j].as_ref().is_some_and(|l| l.indent == c && l.item));
                end = (i + 1..end)
                    .find(|&j| {
                        ls[j].as_ref().is_some_and(|l| {
                            l.indent < c || (l.indent == c && !(compact && l.item))
                        })
                    })
                    .unwrap_or(end);
                start = i;
                inclusive = false;
                found = Some(i + 1);
            }
            Seg::Index(n) => {
                let items: Vec<usize> = {
                    let item_indent = first
                        .clone()
                        .find_map(|i| ls[i].as_ref().filter(|l| l.item).map(|l| l.indent));
                    let Some(item_indent) = item_indent else {
                        return found;
                    };
                    first
                        .clone()
                        .filter(|&i| {
                            ls[i]
                                .as_ref()
                                .is_some_and(|l| l.item && l.indent == item_indent)
                        })
                        .collect()
                };
                let Some(&i) = items.get(*n) else {
                    return found;
                };
                let item_indent = ls[i].as_ref().map_or(0, |l| l.indent);
                end = (i + 1..end)
                    .find(|&j| ls[j].as_ref().is_some_and(|l| l.indent <= item_indent))
                    .unwrap_or(end);
                start = i;
                inclusive = true;
                found = Some(i + 1);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Seg {
        Seg::Key(k.into())
    }

    #[test]
    fn finds_keys_and_items_by_indentation() {
        let y = "global:\n  resolve_timeout: 5m\nroute:\n  receiver: a\n  routes:\n    - receiver: b\n      matchers: ['x=y']\n    - matchers:\n        - a=b\n        - c=d\n      receiver: c\nreceivers:\n- name: a\n  webhook_configs:\n  - url: http://x\n- name: b\n";
        assert_eq!(line_of(y, &[key("route"), key("receiver")]), Some(4));
        assert_eq!(
            line_of(
                y,
                &[key("route"), key("routes"), Seg::Index(1), key("receiver")]
            ),
            Some(11)
        );
        assert_eq!(
            line_of(
                y,
                &[
                    key("route"),
                    key("routes"),
                    Seg::Index(1),
                    key("matchers"),
                    Seg::Index(1)
                ]
            ),
            Some(10)
        );
        assert_eq!(
            line_of(
                y,
                &[key("route"), key("routes"), Seg::Index(0), key("matchers")]
            ),
            Some(7)
        );
        assert_eq!(
            line_of(y, &[key("receivers"), Seg::Index(1), key("name")]),
            Some(16)
        );
        assert_eq!(
            line_of(
                y,
                &[
                    key("receivers"),
                    Seg::Index(0),
                    key("webhook_configs"),
                    Seg::Index(0),
                    key("url")
                ]
            ),
            Some(15)
        );
        // flow style: the nearest found
        assert_eq!(
            line_of(
                y,
                &[
                    key("route"),
                    key("routes"),
                    Seg::Index(0),
                    key("matchers"),
                    Seg::Index(0)
                ]
            ),
            Some(7)
        );
        assert_eq!(line_of(y, &[key("nope")]), None);
        // a key deeper down is not the one asked for
        assert_eq!(line_of(y, &[key("receiver")]), None);
    }
}
