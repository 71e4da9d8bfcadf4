//! Mutations of a generated config: on its tree (a key dropped, doubled, misspelt; a value
//! replaced by another type's, nulled, wrapped; an item doubled; a part in flow style) and on
//! its text (a line dropped or doubled, another document after it, a directive before it).
use super::emit::Node;
use super::pools::{self, Rng};
use promstack_shared::alertmanager::config::schema::Ty;

/// Every node's address: child indices from the root.
fn addresses(n: &Node, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(here.clone());
    let children: Vec<&Node> = match n {
        Node::S(_) => vec![],
        Node::L(l) => l.iter().collect(),
        Node::M(m) => m.iter().map(|(_, v)| v).collect(),
        Node::F(x) => vec![x],
    };
    for (i, c) in children.into_iter().enumerate() {
        here.push(i);
        addresses(c, here, out);
        here.pop();
    }
}

fn at_mut<'a>(n: &'a mut Node, addr: &[usize]) -> &'a mut Node {
    let Some((&i, rest)) = addr.split_first() else {
        return n;
    };
    let child = match n {
        Node::L(l) => &mut l[i],
        Node::M(m) => &mut m[i].1,
        Node::F(x) => x,
        Node::S(_) => unreachable!("a scalar has no children"),
    };
    at_mut(child, rest)
}

const SCALAR_TYPES: &[Ty] = &[
    Ty::Str,
    Ty::Bool,
    Ty::Int,
    Ty::Float,
    Ty::ModelDuration,
    Ty::GoDuration,
    Ty::Url,
    Ty::TemplateUrl,
    Ty::HostPort,
    Ty::Regexp,
    Ty::Location,
];

/// A key misspelt: a letter dropped or doubled, a plural `s` dropped or added, two letters swapped.
pub fn typo(r: &mut Rng, k: &str) -> String {
    let chars: Vec<char> = k.chars().collect();
    if chars.len() < 2 {
        return format!("{k}x");
    }
    let i = r.below(chars.len() - 1);
    let mut c = chars.clone();
    match r.below(4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, c[i]),
        2 => c.swap(i, i + 1),
        _ => {
            return match k.strip_suffix('s') {
                Some(singular) => singular.to_string(),
                None => format!("{k}s"),
            }
        }
    }
    c.into_iter().collect()
}

/// One mutation of the tree at a random node.
pub fn mutate(r: &mut Rng, doc: &mut Node) {
    let mut all = Vec::new();
    addresses(doc, &mut Vec::new(), &mut all);
    let addr = r.pick(&all).clone();
    let n = at_mut(doc, &addr);
    match (r.below(9), &mut *n) {
        (0, Node::M(m)) if !m.is_empty() => {
            m.remove(r.below(m.len()));
        }
        (1, Node::M(m)) if !m.is_empty() => {
            let i = r.below(m.len());
            m[i].0 = typo(r, &m[i].0);
        }
        (2, Node::M(m)) if !m.is_empty() => {
            let e = m[r.below(m.len())].clone();
            m.push(e);
        }
        (3, Node::L(l)) if !l.is_empty() => {
            let e = l[r.below(l.len())].clone();
            l.push(e);
        }
        (4, _) => *n = Node::s(r.pick(&["", "~", "null", "[]", "{}"])),
        (5, Node::S(_)) => {
            let ty = r.pick(SCALAR_TYPES);
            let good = r.chance(50);
            *n = Node::s(r.pick(pools::samples(ty, good)));
        }
        (6, Node::M(_) | Node::L(_)) => *n = Node::F(Box::new(n.clone())),
        (7, _) => *n = Node::L(vec![n.clone()]),
        (8, Node::M(m)) => m.push((typo(r, "webhook_configs"), Node::L(vec![]))),
        _ => *n = Node::s(r.pick(pools::STR_ODD)),
    }
}

/// The root route's receiver given through a merge key (`<<: {receiver: x}`).
fn merge_key(text: &str) -> String {
    match text.split_once("\n  receiver: ") {
        Some((before, after)) => {
            let (value, rest) = after.split_once('\n').unwrap_or((after, ""));
            format!("{before}\n  <<: {{receiver: {value}}}\n{rest}")
        }
        None => text.to_string(),
    }
}

/// One mutation of the text.
pub fn mutate_text(r: &mut Rng, text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let i = r.below(lines.len().max(1));
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match r.below(10) {
        7 => return merge_key(text),
        8 | 9 if !out.is_empty() => {
            let tag = *r.pick(&[
                "!!str ",
                "!!int ",
                "!!bool ",
                "!!float ",
                "!!null ",
                "!custom ",
                "!!binary ",
            ]);
            if let Some((k, v)) = out[i].split_once(": ") {
                out[i] = format!("{k}: {tag}{v}");
            }
        }
        0 if !out.is_empty() => {
            out.remove(i);
        }
        1 if !out.is_empty() => out.insert(i, lines[i].to_string()),
        2 => out.push("---\nroute: {receiver: other}".into()),
        3 => out.insert(0, "%YAML 1.1\n---".into()),
        4 if !out.is_empty() => out[i] = format!("  {}", out[i]),
        5 if !out.is_empty() => out[i] = out[i].replacen("  ", "\t", 1),
        _ => out.push("# the end\n...".into()),
    }
    out.join("\n") + "\n"
}
