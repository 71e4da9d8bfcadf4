//! The generated configs' tree, and how it is written: block YAML, some parts in flow style.

/// A YAML node as the generator builds it. A scalar (and a key) is kept as written in YAML
/// (plain, quoted, or a flow collection), so that quoting and YAML 1.1 forms are exercised.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    S(String),
    L(Vec<Node>),
    M(Vec<(String, Node)>),
    /// Written in flow style (`{a: b}`, `[a, b]`).
    F(Box<Node>),
}

impl Node {
    pub fn s(text: impl AsRef<str>) -> Node {
        Node::S(text.as_ref().to_string())
    }
}

/// The document as block YAML.
pub fn yaml(n: &Node) -> String {
    let mut out = String::new();
    match n {
        Node::M(m) if !m.is_empty() => entries(m, 0, &mut out),
        other => {
            out.push_str(&flow(other));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn entries(m: &[(String, Node)], indent: usize, out: &mut String) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        out.push_str(k);
        out.push(':');
        after_key(v, indent, out);
    }
}

/// A value after `key:` (the key at `indent`).
fn after_key(v: &Node, indent: usize, out: &mut String) {
    match v {
        Node::S(s) if s.is_empty() => out.push('\n'),
        Node::M(m) if !m.is_empty() => {
            out.push('\n');
            pad(out, indent + 2);
            entries(m, indent + 2, out);
        }
        Node::L(l) if !l.is_empty() => {
            out.push('\n');
            items(l, indent + 2, out);
        }
        other => {
            out.push(' ');
            out.push_str(&flow(other));
            out.push('\n');
        }
    }
}

fn items(l: &[Node], indent: usize, out: &mut String) {
    for item in l {
        pad(out, indent);
        out.push('-');
        match item {
            Node::M(m) if !m.is_empty() => {
                out.push(' ');
                entries(m, indent + 2, out);
            }
            Node::S(s) if s.is_empty() => out.push('\n'),
            other => {
                out.push(' ');
                out.push_str(&flow(other));
                out.push('\n');
            }
        }
    }
}

/// A node in flow style.
pub fn flow(n: &Node) -> String {
    match n {
        Node::S(s) => s.clone(),
        Node::F(n) => flow(n),
        Node::L(l) => format!("[{}]", l.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Node::M(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
