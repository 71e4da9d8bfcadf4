//! The config file read as Alertmanager reads it: Go's yaml.v2 (2.4), which is a port of
//! libyaml. Its events (libyaml-safer, a safe port of the same) are built into one document
//! without recursion, at any depth, with yaml.v2's limits and choices: at most 10,000 nested
//! block indentations (and 256 nested flow collections: [`MAX_FLOW_DEPTH`]), the first document only, scalars
//! resolved as YAML 1.1 ([`resolve`]), keys as their text (a collection is no key), a key set
//! twice refused, `<<` merge keys, aliases expanded within yaml.v2's bound on aliasing.
mod resolve;

pub use resolve::{as_bool, as_number, Num};

use crate::input::yaml_path::Seg;
use libyaml_safer::{EventData, MappingStyle, Mark, Parser, ScalarStyle, SequenceStyle};
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::HashMap;

/// yaml.v2's `max_indents` and `max_flow_level`.
pub const MAX_DEPTH: usize = 10_000;

/// How deep flow collections may nest here. The libyaml ports (libyaml-safer as every other)
/// look at every open flow level for each token they scan, which yaml.v2 no longer does: the
/// time a document takes grows with its size times its flow depth. Below this depth, which no
/// real config comes near, it stays within a small factor of Alertmanager's own; deeper is
/// refused, though yaml.v2 reads up to [`MAX_DEPTH`].
pub const MAX_FLOW_DEPTH: usize = 256;

/// Why a file is not YAML Alertmanager reads: what, and where (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

fn error_at(mark: Mark, message: impl Into<String>) -> YamlError {
    YamlError {
        line: mark.line + 1,
        column: mark.column + 1,
        message: message.into(),
    }
}

/// A collection being built.
struct Frame {
    value: Yaml,
    anchor: Option<String>,
    /// The key waiting for its value (a mapping's), `None` between entries.
    key: Option<Key>,
    merges: Vec<Yaml>,
    /// It opened an indentation level (block style, further right than its parent).
    indented: bool,
    flow: bool,
    /// Nodes within it, itself included (yaml.v2 counts decodes).
    nodes: usize,
    start: Mark,
}

enum Key {
    Text(String, Mark),
    Merge,
}

#[derive(Default)]
struct Loader {
    frames: Vec<Frame>,
    /// The columns of the open indentation levels.
    indents: Vec<u64>,
    flow: usize,
    anchors: HashMap<String, (Yaml, usize)>,
    decoded: usize,
    aliased: usize,
    root: Option<Yaml>,
    shadowed: Vec<Shadowed>,
}

/// The path of a mapping, and the values merged into it under keys it sets already.
pub type Shadowed = (Vec<Seg>, Vec<(String, Yaml)>);

/// A document, and the merged values that a key set already shadows, by the path of their
/// mapping.
pub struct Loaded {
    pub doc: Yaml,
    pub shadowed: Vec<Shadowed>,
}

/// The first document of `text` (null when there is none).
pub fn load(text: &str) -> Result<Yaml, YamlError> {
    load_all(text).map(|l| {
        l.shadowed
            .into_iter()
            .flat_map(|(_, s)| s)
            .for_each(|(_, v)| dismantle(v));
        l.doc
    })
}

/// [`load`], with the merged values shadowed.
pub fn load_all(text: &str) -> Result<Loaded, YamlError> {
    match crate::input::yaml_anchors::guarded(|| load_events(text)) {
        Some(Ok(l)) => Ok(l),
        Some(Err(e)) if e.message != "did not find expected whitespace or line break" => Err(e),
        // libyaml 0.2 ends a tag at a `,` (and then fails, or panics in a flow collection);
        // yaml.v2 reads the comma as part of the tag
        _ => match crate::input::yaml_anchors::guarded(|| load_events(&commas_out_of_tags(text))) {
            Some(loaded) => loaded,
            None => Err(error_at(
                Mark::default(),
                "the YAML reader failed on this document",
            )),
        },
    }
}

/// Tags (`!x,y`) with their commas made dots: a tag other than YAML's own reads the same.
fn commas_out_of_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_tag, mut prev) = (false, ' ');
    for c in text.chars() {
        in_tag = match c {
            '!' if !in_tag && (prev.is_whitespace() || "[{,".contains(prev)) => true,
            c if c.is_whitespace() => false,
            _ => in_tag,
        };
        out.push(if in_tag && c == ',' { '.' } else { c });
        prev = c;
    }
    out
}

fn load_events(text: &str) -> Result<Loaded, YamlError> {
    let mut input = text.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut l = Loader::default();
    loop {
        let event = parser.parse().map_err(|e| {
            let mark = e.problem_mark().unwrap_or_default();
            error_at(mark, e.problem())
        })?;
        let mark = event.start_mark;
        match event.data {
            EventData::StreamEnd | EventData::DocumentEnd { .. } => break,
            EventData::DocumentStart {
                version_directive: Some(v),
                ..
            } if (v.major, v.minor) != (1, 1) => {
                return Err(error_at(mark, "found incompatible YAML document"));
            }
            EventData::StreamStart { .. } | EventData::DocumentStart { .. } => {}
            EventData::Alias { anchor } => {
                let v = l.alias(&anchor, mark)?;
                l.add(v.0, v.1, None)?;
            }
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                l.scalar(value, tag, style, anchor, mark)?;
            }
            EventData::SequenceStart { anchor, style, .. } => l.open(
                Yaml::Sequence(vec![]),
                anchor,
                style == SequenceStyle::Flow,
                mark,
            )?,
            EventData::MappingStart { anchor, style, .. } => l.open(
                Yaml::Mapping(Mapping::new()),
                anchor,
                style == MappingStyle::Flow,
                mark,
            )?,
            EventData::SequenceEnd | EventData::MappingEnd => l.close()?,
        }
    }
    Ok(Loaded {
        doc: l.root.take().unwrap_or(Yaml::Null),
        shadowed: std::mem::take(&mut l.shadowed),
    })
}

impl Loader {
    fn scalar(
        &mut self,
        value: String,
        tag: Option<String>,
        style: ScalarStyle,
        anchor: Option<String>,
        mark: Mark,
    ) -> Result<(), YamlError> {
        let plain = style == ScalarStyle::Plain;
        // yaml.v2 (libyaml 0.1) ends a plain scalar in flow style at a `?` too (libyaml 0.2 reads
        // on), and then finds a key where a `,` belongs
        if plain && self.flow > 0 && value.chars().skip(1).any(|c| c == '?') {
            let end = match self.frames.last() {
                Some(f) if f.value.is_sequence() => ']',
                _ => '}',
            };
            return Err(error_at(
                mark,
                format!("did not find expected ',' or '{end}'"),
            ));
        }
        let waiting_key =
            matches!(self.frames.last(), Some(f) if f.value.is_mapping() && f.key.is_none());
        if waiting_key {
            self.count(1, 0, mark)?;
            let merge = plain && value == "<<" && tag.is_none()
                || tag.as_deref() == Some("tag:yaml.org,2002:merge");
            let key = if merge {
                Key::Merge
            } else {
                Key::Text(value, mark)
            };
            self.frames.last_mut().expect("a mapping").key = Some(key);
            return Ok(());
        }
        let v = resolve::scalar(&value, tag.as_deref(), plain).map_err(|e| error_at(mark, e))?;
        self.add(v, 1, anchor)
    }

    fn open(
        &mut self,
        value: Yaml,
        anchor: Option<String>,
        flow: bool,
        start: Mark,
    ) -> Result<(), YamlError> {
        if matches!(self.frames.last(), Some(f) if f.value.is_mapping() && f.key.is_none()) {
            return Err(error_at(
                start,
                "invalid map key: a list or mapping is no key",
            ));
        }
        let indented =
            !flow && self.flow == 0 && self.indents.last().is_none_or(|&c| start.column > c);
        if indented {
            self.indents.push(start.column);
            if self.indents.len() > MAX_DEPTH {
                return Err(error_at(
                    start,
                    format!("exceeded max depth of {MAX_DEPTH}"),
                ));
            }
        }
        if flow {
            self.flow += 1;
            if self.flow > MAX_FLOW_DEPTH {
                return Err(error_at(start, format!("flow collections (`[...]`, `{{...}}`) nested more than {MAX_FLOW_DEPTH} deep: promstack reads no deeper (Alertmanager's reader takes {MAX_DEPTH}); write the deeper levels in block style")));
            }
        }
        let frame = Frame {
            value,
            anchor,
            key: None,
            merges: vec![],
            indented,
            flow,
            nodes: 1,
            start,
        };
        self.frames.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), YamlError> {
        let mut f = self.frames.pop().expect("an open collection");
        if f.indented {
            self.indents.pop();
        }
        if f.flow {
            self.flow -= 1;
        }
        if let Yaml::Mapping(m) = &mut f.value {
            let shadowed =
                merge(m, std::mem::take(&mut f.merges)).map_err(|e| error_at(f.start, e))?;
            if !shadowed.is_empty() {
                let path = self.path();
                self.shadowed.push((path, shadowed));
            }
        }
        self.count(1, 0, f.start)?;
        self.add(f.value, f.nodes, f.anchor)
    }

    /// Where the collection being closed is (its parents are open).
    fn path(&self) -> Vec<Seg> {
        self.frames
            .iter()
            .map(|f| match (&f.value, &f.key) {
                (Yaml::Sequence(s), _) => Seg::Index(s.len()),
                (_, Some(Key::Text(k, _))) => Seg::Key(k.clone()),
                _ => Seg::Key("<<".into()),
            })
            .collect()
    }

    /// yaml.v2 counts each node it decodes, and those within aliases; a document made mostly
    /// of aliases is refused.
    fn count(&mut self, decoded: usize, aliased: usize, mark: Mark) -> Result<(), YamlError> {
        self.decoded += decoded;
        self.aliased += aliased;
        let (d, a) = (self.decoded as f64, self.aliased as f64);
        let allowed = match self.decoded {
            ..=400_000 => 0.99,
            4_000_000.. => 0.10,
            n => 0.99 - 0.89 * ((n - 400_000) as f64 / 3_600_000.0),
        };
        if self.aliased > 100 && self.decoded > 1000 && a / d > allowed {
            return Err(error_at(mark, "document contains excessive aliasing"));
        }
        Ok(())
    }

    fn alias(&mut self, anchor: &str, mark: Mark) -> Result<(Yaml, usize), YamlError> {
        let Some((v, nodes)) = self.anchors.get(anchor) else {
            return Err(error_at(
                mark,
                format!("unknown anchor '{anchor}' referenced"),
            ));
        };
        let (v, nodes) = (deep_clone(v), *nodes);
        self.count(nodes, nodes, mark)?;
        Ok((v, nodes))
    }

    /// A finished node: into its collection, or the document.
    fn add(&mut self, v: Yaml, nodes: usize, anchor: Option<String>) -> Result<(), YamlError> {
        if let Some(a) = anchor {
            self.anchors.insert(a, (deep_clone(&v), nodes));
        }
        let Some(f) = self.frames.last_mut() else {
            self.root = Some(v);
            return Ok(());
        };
        f.nodes += nodes;
        match (&mut f.value, f.key.take()) {
            (Yaml::Sequence(s), _) => s.push(v),
            (Yaml::Mapping(_), Some(Key::Merge)) => f.merges.push(v),
            (Yaml::Mapping(m), Some(Key::Text(k, at))) => {
                if m.contains_key(k.as_str()) {
                    return Err(error_at(at, format!("key {k:?} already set in map")));
                }
                m.insert(Yaml::String(k), v);
            }
            _ => unreachable!("a mapping's value comes after its key"),
        }
        Ok(())
    }
}

/// `<<: *a` or `<<: [*a, *b]`: the keys of the merged mappings not set already (an earlier
/// mapping's before a later one's); the values of those set already are returned: yaml.v2
/// decodes them too (into a structure, the last one stays; into a map, one is one too many).
fn merge(m: &mut Mapping, merges: Vec<Yaml>) -> Result<Vec<(String, Yaml)>, String> {
    let mut shadowed = Vec::new();
    let want_map = || "map merge requires map or sequence of maps as the value".to_string();
    for v in merges {
        let maps = match v {
            Yaml::Mapping(x) => vec![x],
            Yaml::Sequence(s) => s
                .into_iter()
                .map(|x| match x {
                    Yaml::Mapping(x) => Ok(x),
                    _ => Err(want_map()),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(want_map()),
        };
        for x in maps {
            for (k, v) in x {
                if !m.contains_key(&k) {
                    m.insert(k, v);
                } else if let Yaml::String(k) = k {
                    shadowed.push((k, v));
                }
            }
        }
    }
    Ok(shadowed)
}

/// A copy of `v` made without recursion (a derived `clone` recurses as deep as `v` is).
pub fn deep_clone(v: &Yaml) -> Yaml {
    enum Step<'a> {
        Visit(&'a Yaml),
        Seq(usize),
        Map(Vec<Yaml>),
        Tag(serde_yaml::value::Tag),
    }
    let mut steps = vec![Step::Visit(v)];
    let mut out: Vec<Yaml> = Vec::new();
    while let Some(step) = steps.pop() {
        match step {
            Step::Visit(Yaml::Sequence(s)) => {
                steps.push(Step::Seq(s.len()));
                steps.extend(s.iter().rev().map(Step::Visit));
            }
            Step::Visit(Yaml::Mapping(m)) => {
                steps.push(Step::Map(m.keys().cloned().collect()));
                let values: Vec<&Yaml> = m.values().collect();
                steps.extend(values.into_iter().rev().map(Step::Visit));
            }
            Step::Visit(Yaml::Tagged(t)) => {
                steps.push(Step::Tag(t.tag.clone()));
                steps.push(Step::Visit(&t.value));
            }
            Step::Visit(scalar) => out.push(scalar.clone()),
            Step::Seq(n) => {
                let items = out.split_off(out.len() - n);
                out.push(Yaml::Sequence(items));
            }
            Step::Map(keys) => {
                let values = out.split_off(out.len() - keys.len());
                out.push(Yaml::Mapping(keys.into_iter().zip(values).collect()));
            }
            Step::Tag(tag) => {
                let value = out.pop().expect("a tagged value");
                out.push(Yaml::Tagged(Box::new(serde_yaml::value::TaggedValue {
                    tag,
                    value,
                })));
            }
        }
    }
    out.pop().expect("one value")
}

impl Drop for Loader {
    fn drop(&mut self) {
        for (_, (v, _)) in self.anchors.drain() {
            dismantle(v);
        }
        for f in self.frames.drain(..) {
            dismantle(f.value);
            f.merges.into_iter().for_each(dismantle);
        }
        if let Some(v) = self.root.take() {
            dismantle(v);
        }
        for (_, s) in self.shadowed.drain(..) {
            s.into_iter().for_each(|(_, v)| dismantle(v));
        }
    }
}

/// Drop `v` without recursion: its collections are emptied into a work list first.
pub fn dismantle(v: Yaml) {
    let mut work = vec![v];
    while let Some(v) = work.pop() {
        match v {
            Yaml::Sequence(s) => work.extend(s),
            Yaml::Mapping(m) => work.extend(m.into_iter().flat_map(|(k, v)| [k, v])),
            Yaml::Tagged(t) => work.push(t.value),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
