//! A YAML stream (what `helm template`, `kustomize build` and `kubectl get -o yaml` print) split
//! into its documents, each with the line it starts on; a `kind: List` into its items; what a
//! document is, from its top-level keys; a YAML error at its place in the source.
use super::SourceFile;

/// One document of a stream (or one item of a `kind: List`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// 1-based, counting the documents that hold something (not those of comments only); an item
    /// of a List has the List's.
    pub number: usize,
    /// The 0-based line of the stream it starts on (after its `---`).
    pub start: usize,
    pub text: String,
}

/// Does this line separate documents? (`---` at the first column: block content is indented.)
fn is_marker(line: &str) -> bool {
    line == "---" || line.starts_with("--- ") || line.starts_with("---\t")
}

fn has_content(text: &str) -> bool {
    text.lines()
        .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
}

/// The documents of a stream that hold something, in order.
pub fn documents(text: &str) -> Vec<Doc> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut current = String::new();
    let mut push = |start: usize, text: String| {
        if has_content(&text) {
            docs.push(Doc {
                number: docs.len() + 1,
                start,
                text,
            });
        }
    };
    for (i, line) in text.lines().enumerate() {
        if is_marker(line) {
            push(start, std::mem::take(&mut current));
            start = i + 1;
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    push(start, current);
    docs
}

/// The 0-based line each document of the stream starts on (see [`crate::input::sources::Place`]).
pub fn starts(text: &str) -> Vec<usize> {
    documents(text).iter().map(|d| d.start).collect()
}

/// The template a document of `helm template` came from (its `# Source: <chart>/templates/...`).
pub fn helm_source(doc: &str) -> Option<&str> {
    doc.lines()
        .take_while(|l| l.trim().is_empty() || l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# Source: "))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A document's top level: its `apiVersion`, `kind` and keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub keys: Vec<String>,
}

impl Head {
    pub fn has(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
    /// A Kubernetes object: it says its apiVersion and kind.
    pub fn is_object(&self) -> bool {
        self.api_version.is_some() && self.kind.is_some()
    }
}

fn unquote(v: &str) -> String {
    let v = v.split(" #").next().unwrap_or(v).trim();
    v.trim_matches(|c| c == '"' || c == '\'').to_string()
}

/// [`head`] from the lines of a block-style document (its keys are at the first column); `None`
/// when it has no such line (flow style, a scalar).
fn block_head(doc: &str) -> Option<Head> {
    let first = doc
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    if first.starts_with(['{', '[', ' ', '\t', '-', '"', '\'']) {
        return None;
    }
    let mut head = Head::default();
    for line in doc.lines() {
        if line.is_empty() || line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        let (key, value) = line.split_once(':')?;
        let key = unquote(key);
        match key.as_str() {
            "kind" => head.kind = Some(unquote(value)),
            "apiVersion" => head.api_version = Some(unquote(value)),
            _ => {}
        }
        head.keys.push(key);
    }
    Some(head)
}

/// What a document is, from its top-level keys: read from its lines when it is in block style
/// (no parse), else parsed. An error only when it does not parse.
pub fn head(doc: &str) -> Result<Head, serde_yaml::Error> {
    if let Some(h) = block_head(doc) {
        return Ok(h);
    }
    let v: serde_yaml::Value = serde_yaml::from_str(doc)?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Ok(Head {
        api_version: text("apiVersion"),
        kind: text("kind"),
        keys: v
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.keys())
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
    })
}

/// The items of a `kind: List` document, each a document of its own (with the List's number):
/// in block style cut at its items' lines, so each keeps the line it starts on; otherwise (a
/// JSON List, say) read whole and each item written out again, at the List's line.
pub fn list_items(doc: &Doc) -> Result<Vec<Doc>, serde_yaml::Error> {
    if let Some(items) = block_items(doc) {
        return Ok(items);
    }
    let v: serde_yaml::Value = serde_yaml::from_str(&doc.text)?;
    let items = v.get("items").and_then(|i| i.as_sequence());
    Ok(items
        .into_iter()
        .flatten()
        .map(|item| Doc {
            number: doc.number,
            start: doc.start,
            text: serde_yaml::to_string(item).unwrap_or_default(),
        })
        .collect())
}

/// The items of a block-style List (`items:` at the first column, each item a `- ` at one
/// indentation), dedented; `None` when it is not written so.
fn block_items(doc: &Doc) -> Option<Vec<Doc>> {
    let lines: Vec<&str> = doc.text.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("items:"))?;
    if lines[at]["items:".len()..].trim() == "[]" {
        return Some(Vec::new());
    }
    if !lines[at]["items:".len()..].trim().is_empty() {
        return None;
    }
    let first = lines[at + 1..]
        .iter()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))?;
    let indent = first.len() - first.trim_start().len();
    let dash = format!("{}- ", " ".repeat(indent));
    first.starts_with(&dash).then_some(())?;
    let ends_items = |l: &str| {
        !l.trim().is_empty() && !l.starts_with([' ', '#']) && (indent > 0 || !l.starts_with('-'))
    };
    let end = (at + 1..lines.len())
        .find(|&i| ends_items(lines[i]))
        .unwrap_or(lines.len());
    let item_starts: Vec<usize> = (at + 1..end)
        .filter(|&i| lines[i].starts_with(&dash))
        .collect();
    let mut out = Vec::new();
    for (k, &s) in item_starts.iter().enumerate() {
        let e = item_starts.get(k + 1).copied().unwrap_or(end);
        let mut text = String::new();
        for (j, line) in lines[s..e].iter().enumerate() {
            let body = match j {
                0 => &line[dash.len()..],
                _ if line.trim().is_empty() => "",
                _ => line
                    .get(indent + 2..)
                    .filter(|_| line.len() - line.trim_start().len() >= indent + 2)?,
            };
            text.push_str(body);
            text.push('\n');
        }
        out.push(Doc {
            number: doc.number,
            start: doc.start + s,
            text,
        });
    }
    Some(out)
}

/// serde_yaml's messages carry positions relative to the document ("at line 3 column 5"): make the
/// lines absolute in the file, and drop the trailing one that only repeats the location.
fn absolute_lines(msg: &str, offset: usize) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find("line ") {
        out.push_str(&rest[..i + 5]);
        rest = &rest[i + 5..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    // a single trailing position only repeats the error's own location; with two ("X at line 5,
    // while scanning Y at line 4") the second says where Y started: keep it
    match out.rfind(" at line ") {
        Some(i)
            if out.matches(" at line ").count() == 1
                && out[i..].contains(" column ")
                && !out[i..].contains(',') =>
        {
            out[..i].to_string()
        }
        _ => out,
    }
}

/// A parse error of the document starting at 0-based line `offset` of `f`, at its place.
pub fn located(f: &SourceFile, offset: usize, e: &serde_yaml::Error) -> String {
    let msg = absolute_lines(&e.to_string(), offset);
    match e.location() {
        Some(l) => format!("{}:{}: {msg}", f.at(l.line() + offset), l.column()),
        None => format!("{}: {msg}", f.at(offset + 1)),
    }
}

/// The documents of a source with what each is, a `kind: List` as its items (each a document of
/// its own); a List that does not read is an error, and a document that does not is its own.
pub fn objects(f: &SourceFile, errors: &mut Vec<String>) -> Vec<(Doc, Result<Head, String>)> {
    let head_of = |d: &Doc| {
        // nested deeper than serde_yaml reads: refused before libyaml spends minutes on it
        if let Err(deep) = crate::input::yaml_depth::check(&d.text) {
            return Err(format!(
                "{}:{}: {deep}",
                f.at(deep.line + d.start),
                deep.column
            ));
        }
        head(&d.text).map_err(|e| located(f, d.start, &e))
    };
    let mut out = Vec::new();
    for doc in documents(&f.text) {
        let h = head_of(&doc);
        match &h {
            Ok(h) if h.kind.as_deref() == Some("List") && h.has("items") => {
                match list_items(&doc) {
                    Ok(items) => out.extend(items.into_iter().map(|d| {
                        let h = head_of(&d);
                        (d, h)
                    })),
                    Err(e) => errors.push(located(f, doc.start, &e)),
                }
            }
            _ => out.push((doc, h)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_messages_are_made_absolute() {
        assert_eq!(
            absolute_lines("found unexpected end of stream at line 5 column 1, while scanning a quoted scalar at line 4 column 16", 10),
            "found unexpected end of stream at line 15 column 1, while scanning a quoted scalar at line 14 column 16"
        );
        assert_eq!(
            absolute_lines("unknown field `x` at line 3 column 5", 10),
            "unknown field `x`"
        );
    }

    #[test]
    fn documents_are_numbered_and_keep_their_lines() {
        let text = "# only a comment\n---\na: 1\n---\n\n---\n# Source: chart/templates/x.yaml\nkind: X\napiVersion: v1\n---\nb: 2\n";
        let docs = documents(text);
        assert_eq!(
            docs.iter().map(|d| (d.number, d.start)).collect::<Vec<_>>(),
            [(1, 2), (2, 6), (3, 10)]
        );
        assert_eq!(starts(text), [2, 6, 10]);
        assert_eq!(helm_source(&docs[1].text), Some("chart/templates/x.yaml"));
        assert_eq!(helm_source(&docs[0].text), None);
    }

    #[test]
    fn heads_in_block_and_flow_style() {
        let h = head("# c\napiVersion: monitoring.coreos.com/v1\nkind: \"PrometheusRule\" # x\nmetadata:\n  name: a\n").unwrap();
        assert_eq!(h.kind.as_deref(), Some("PrometheusRule"));
        assert!(h.is_object() && h.has("metadata") && !h.has("name"));
        let h = head("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}").unwrap();
        assert_eq!((h.kind.as_deref(), h.has("items")), (Some("List"), true));
        let g = head("groups:\n  - name: g\n").unwrap();
        assert!(g.has("groups") && !g.is_object());
        assert!(head("{a: [").is_err());
    }

    #[test]
    fn list_items_keep_their_lines() {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";
        let doc = &documents(text)[0];
        let items = list_items(doc).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].start, items[1].start), (2, 7));
        assert_eq!(
            items[0].text,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n\n"
        );
        assert_eq!(
            head(&items[1].text).unwrap().kind.as_deref(),
            Some("Secret")
        );
        // indented items, and a JSON List (each item written out again)
        let indented = "kind: List\nitems:\n  - kind: A\n    apiVersion: v1\n  - kind: B\n    apiVersion: v1\n";
        let items = list_items(&documents(indented)[0]).unwrap();
        assert_eq!(items.iter().map(|d| d.start).collect::<Vec<_>>(), [2, 4]);
        let json = "{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [{\"kind\": \"A\"}, {\"kind\": \"B\"}]}";
        let items = list_items(&documents(json)[0]).unwrap();
        assert_eq!(head(&items[1].text).unwrap().kind.as_deref(), Some("B"));
        assert!(list_items(&documents("kind: List\nitems: []\n")[0])
            .unwrap()
            .is_empty());
    }
}
