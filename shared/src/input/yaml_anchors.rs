//! Anchors and aliases as YAML has them, for serde_yaml. An alias names the latest definition of
//! its anchor before it (YAML 1.2, and Go's yaml.v3 that Prometheus reads rule files with), and a
//! document may define a name again. serde_yaml 0.9 numbers anchors by how many names it has
//! seen, so once a name is defined again the next definition gets the same number and an alias
//! gets the wrong node (its loader's `anchors.len()`). A document that defines a name twice is
//! therefore given to serde_yaml with each definition renamed apart and each alias pointing at
//! the one it means ([`unique_anchors`]); every other document is read as it is, so positions in
//! messages stay exact. Also here: [`guarded`], for libyaml-safer's few panics.
use libyaml_safer::{EventData, Parser};

/// Where a definition (`&name`) or an alias (`*name`) is: its byte offset, the name's length,
/// and whether it defines.
struct Site {
    at: usize,
    len: usize,
    name: String,
    defines: bool,
}

/// The document with each definition of an anchor name that is defined more than once renamed
/// apart (`&a`, `&a-2`, ...) and each alias naming the definition it means; `None` when no name is
/// defined twice (or the document does not parse: serde_yaml says why).
pub fn unique_anchors(doc: &str) -> Option<String> {
    if !doc.contains('&') || !doc.contains('*') {
        return None;
    }
    let sites = guarded(|| sites(doc)).flatten()?;
    let mut defined = std::collections::BTreeMap::<&str, usize>::new();
    for s in sites.iter().filter(|s| s.defines) {
        *defined.entry(&s.name).or_default() += 1;
    }
    if defined.values().all(|&n| n < 2) {
        return None;
    }
    // every name in use, those given here too: `&a`, `&a-2`, `&a`, `&a` must not make two `a-3`
    let mut used: std::collections::BTreeSet<String> =
        defined.keys().map(|k| k.to_string()).collect();
    let mut fresh = |name: &str| {
        let free = (2..)
            .map(|k| format!("{name}-{k}"))
            .find(|c| !used.contains(c))
            .expect("a free name");
        used.insert(free.clone());
        free
    };
    let mut current = std::collections::BTreeMap::<&str, String>::new();
    let mut count = std::collections::BTreeMap::<&str, usize>::new();
    let (mut out, mut from) = (String::with_capacity(doc.len() + 64), 0);
    for s in &sites {
        let name = if s.defines {
            let n = count.entry(&s.name).or_default();
            *n += 1;
            let name = if *n == 1 {
                s.name.clone()
            } else {
                fresh(&s.name)
            };
            current.insert(&s.name, name.clone());
            name
        } else {
            current.get(s.name.as_str())?.clone()
        };
        out.push_str(&doc[from..s.at + 1]);
        out.push_str(&name);
        from = s.at + 1 + s.len;
    }
    out.push_str(&doc[from..]);
    Some(out)
}

/// Every definition and alias of the document, in order, or `None` when it does not parse.
fn sites(doc: &str) -> Option<Vec<Site>> {
    let mut input = doc.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut out = Vec::new();
    loop {
        let event = parser.parse().ok()?;
        let from = usize::try_from(event.start_mark.index).ok()?;
        let (name, defines) = match event.data {
            EventData::StreamEnd => return Some(out),
            EventData::Alias { anchor } => (anchor, false),
            EventData::Scalar {
                anchor: Some(a), ..
            }
            | EventData::SequenceStart {
                anchor: Some(a), ..
            }
            | EventData::MappingStart {
                anchor: Some(a), ..
            } => (a, true),
            _ => continue,
        };
        // a node's properties come first: its `&name` is the first `&` from where it starts
        let mark = if defines { '&' } else { '*' };
        let at = from + doc.get(from..)?.find(mark)?;
        let token = format!("{mark}{name}");
        if !doc[at..].starts_with(&token) {
            return None;
        }
        out.push(Site {
            at,
            len: name.len(),
            name,
            defines,
        });
    }
}

/// `f`, or `None` if it panics (libyaml-safer panics on a few inputs it has no answer for),
/// without the panic printed.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    thread_local! {
        static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info)
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::unique_anchors;

    #[test]
    fn a_name_defined_again_is_renamed_apart_and_aliases_name_the_latest() {
        let doc = "a: &x 1\nb: &x 2\nc: *x\nd: &y 3\ne: &x 4\nf: *x\ng: *y\n";
        assert_eq!(
            unique_anchors(doc).unwrap(),
            "a: &x 1\nb: &x-2 2\nc: *x-2\nd: &y 3\ne: &x-3 4\nf: *x-3\ng: *y\n"
        );
        let v: serde_yaml::Value = serde_yaml::from_str(&unique_anchors(doc).unwrap()).unwrap();
        assert_eq!(
            (v["c"].as_i64(), v["f"].as_i64(), v["g"].as_i64()),
            (Some(2), Some(4), Some(3))
        );
    }

    /// What serde_yaml alone does with it: the alias gets the later definition.
    #[test]
    fn serde_yaml_alone_gives_the_alias_the_wrong_node() {
        let doc = "a: &x 1\nb: &x 2\nc: *x\nd: &y 3\n";
        let v: serde_yaml::Value = serde_yaml::from_str(doc).unwrap();
        assert_eq!(
            v["c"].as_i64(),
            Some(3),
            "serde_yaml was fixed: unique_anchors may go"
        );
        let fixed: serde_yaml::Value = serde_yaml::from_str(&unique_anchors(doc).unwrap()).unwrap();
        assert_eq!(fixed["c"].as_i64(), Some(2));
    }

    #[test]
    fn a_given_name_is_never_given_twice() {
        let doc = "a: &x 1\nb: &x-2 2\nc: &x 3\nd: &x 4\ne: [*x, *x-2]\n";
        let fixed = unique_anchors(doc).unwrap();
        assert_eq!(
            fixed,
            "a: &x 1\nb: &x-2 2\nc: &x-3 3\nd: &x-4 4\ne: [*x-4, *x-2]\n"
        );
        let v: serde_yaml::Value = serde_yaml::from_str(&fixed).unwrap();
        assert_eq!((v["e"][0].as_i64(), v["e"][1].as_i64()), (Some(4), Some(2)));
    }

    #[test]
    fn documents_without_a_name_defined_twice_are_read_as_they_are() {
        assert_eq!(unique_anchors("a: &x 1\nb: *x\n"), None);
        assert_eq!(unique_anchors("a: 'b & c * d'\n"), None);
        assert_eq!(unique_anchors("a: [&x 1, &x 2, *x"), None, "does not parse");
        // a name that starts another's, a tag before the anchor, a flow collection
        let doc = "a: &xy 1\nb: !!str &x 2\nc: {k: &x 3}\nd: [*x, *xy]\n";
        let fixed: serde_yaml::Value = serde_yaml::from_str(&unique_anchors(doc).unwrap()).unwrap();
        assert_eq!(fixed["d"][0].as_i64(), Some(3));
        assert_eq!(fixed["d"][1].as_i64(), Some(1));
    }
}
