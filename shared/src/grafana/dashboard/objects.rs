//! Dashboards in any source: a dashboard JSON file (or stream) is one; a YAML file or stream
//! (`kustomize build`, `helm template`, `kubectl get -o yaml`, a `kind: List`) holds the Grafana
//! sidecar's ConfigMaps and Secrets (label `grafana_dashboard: "1"`), each `*.json` key of their
//! data one dashboard; every other object (and YAML that is no object: a `values.yaml`, a
//! `kustomization.yaml`) is skipped and counted. A Secret's data is decoded to be read, never
//! printed.
//!
//! A dashboard from an object is named as the file it was made from: by promstack's source
//! annotation (what `sync --dry-run -o yaml` and `install export` write), else by its Grafana
//! folder annotation and key, so a ConfigMap of promstack's own read back is that same ConfigMap.
use super::{FOLDER_ANNOTATION, SIDECAR_LABEL, SIDECAR_VALUE};
use crate::input::sources::stream::{self, located, Doc, Head};
use crate::input::sources::{object_name, Place, SourceFile};
use crate::prometheus::rule::SOURCE_ANNOTATION;
use serde_json::Value;

/// The dashboards of some sources (one [`SourceFile`] each), and what else was in them.
#[derive(Debug, Clone, Default)]
pub struct Picked {
    pub dashboards: Vec<SourceFile>,
    /// The paths of those that came out of a Secret.
    pub in_secrets: Vec<String>,
    /// Objects that are not the sidecar's.
    pub skipped: usize,
    /// Sources and objects that cannot be read, with their place.
    pub errors: Vec<String>,
}

/// What a JSON source says of itself: an object (a List, a ConfigMap), or a dashboard's uid and
/// title (of an API export's `dashboard` too).
#[derive(serde::Deserialize, Default)]
struct Peek {
    #[serde(rename = "apiVersion")]
    api_version: Option<serde::de::IgnoredAny>,
    kind: Option<serde::de::IgnoredAny>,
    uid: Option<Value>,
    title: Option<Value>,
    dashboard: Option<Value>,
}

/// The dashboards of every source, in order.
pub fn pick_all(files: Vec<SourceFile>) -> Picked {
    let mut all = Picked::default();
    for f in files {
        let p = pick(f);
        all.dashboards.extend(p.dashboards);
        all.in_secrets.extend(p.in_secrets);
        all.skipped += p.skipped;
        all.errors.extend(p.errors);
    }
    all
}

/// The dashboards of one source.
fn pick(mut f: SourceFile) -> Picked {
    let json = f.path.ends_with(".json") || f.text.trim_start().starts_with('{');
    // read twice only what may be an object, or needs a name (piped in)
    let peek_it = json && (f.is_stream() || f.text.contains("\"apiVersion\""));
    let peek: Option<Peek> = peek_it
        .then(|| serde_json::from_str(&f.text).ok())
        .flatten();
    match peek {
        Some(p) if p.api_version.is_some() && p.kind.is_some() => objects(&f),
        _ if json => {
            if f.is_stream() {
                // a dashboard piped in: named by its uid (or title), one document
                f.path = format!("{}.json", stream_name(&peek.unwrap_or_default()));
                f.place.documents.clear();
            }
            Picked {
                dashboards: vec![f],
                ..Default::default()
            }
        }
        _ => objects(&f),
    }
}

fn stream_name(p: &Peek) -> String {
    let inner: Option<Peek> = p
        .dashboard
        .as_ref()
        .and_then(|d| serde_json::from_value(d.clone()).ok());
    let text = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_string);
    let name = [p, inner.as_ref().unwrap_or(p)]
        .into_iter()
        .find_map(|x| text(&x.uid).or_else(|| text(&x.title)))
        .unwrap_or_else(|| "stdin".into());
    match object_name("", &name) {
        n if n.is_empty() => "stdin".into(),
        n => n,
    }
}

/// The dashboards of the sidecar objects in a YAML (or JSON) source.
fn objects(f: &SourceFile) -> Picked {
    let mut out = Picked::default();
    for (doc, head) in stream::objects(f, &mut out.errors) {
        let head = match head {
            Ok(h) => h,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        if !sidecar_kind(&head) {
            out.skipped += 1;
            continue;
        }
        match serde_yaml::from_str::<Value>(&doc.text) {
            Ok(v)
                if v.pointer(&format!("/metadata/labels/{SIDECAR_LABEL}"))
                    == Some(&Value::from(SIDECAR_VALUE)) =>
            {
                from_object(f, &doc, &v, &mut out)
            }
            Ok(_) => out.skipped += 1,
            Err(e) => out.errors.push(located(f, doc.start, &e)),
        }
    }
    out
}

fn sidecar_kind(head: &Head) -> bool {
    head.api_version.as_deref() == Some("v1")
        && matches!(head.kind.as_deref(), Some("ConfigMap" | "Secret"))
}

/// The values of a sidecar object's data, as text: a ConfigMap's as they are, a Secret's `data`
/// decoded (as the API server reads it: line breaks in the base64 ignored) and its `stringData`;
/// a value that is not base64, or not text, is an error naming the key (never the value).
pub fn data_texts(v: &Value) -> Vec<(String, Result<String, String>)> {
    let strings = |field: &str| -> Vec<(String, String)> {
        v[field]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, t)| t.as_str().map(|t| (k.clone(), t.to_string())))
            .collect()
    };
    if v["kind"] != "Secret" {
        return strings("data")
            .into_iter()
            .map(|(k, t)| (k, Ok(t)))
            .collect();
    }
    let decode = |k: &str, encoded: String| -> Result<String, String> {
        let encoded: String = encoded
            .chars()
            .filter(|c| !matches!(c, '\n' | '\r'))
            .collect();
        let bytes: k8s_openapi::ByteString = serde_json::from_value(Value::String(encoded))
            .map_err(|e| format!("the Secret's `{k}` is not base64: {e}"))?;
        String::from_utf8(bytes.0).map_err(|_| format!("the Secret's `{k}` is not text"))
    };
    let mut out: Vec<(String, Result<String, String>)> = strings("data")
        .into_iter()
        .map(|(k, e)| {
            let text = decode(&k, e);
            (k, text)
        })
        .collect();
    out.extend(strings("stringData").into_iter().map(|(k, t)| (k, Ok(t))));
    out
}

/// A source path from an object's annotation, when it is a relative path to a JSON file.
fn safe_source(s: &str) -> Option<&str> {
    let ok = s.ends_with(".json")
        && !s.starts_with('/')
        && !s.contains('\\')
        && s.split('/').all(|p| !p.is_empty() && p != "..");
    ok.then_some(s)
}

/// The line of `key:` in a document (0-based), and whether its value is a block scalar (`|`).
fn key_line(doc: &str, key: &str) -> Option<(usize, bool)> {
    doc.lines().enumerate().find_map(|(i, l)| {
        let t = l.trim_start();
        let rest = [key.to_string(), format!("\"{key}\""), format!("'{key}'")]
            .iter()
            .find_map(|k| t.strip_prefix(k.as_str())?.strip_prefix(':').map(str::trim))?;
        Some((i, rest.starts_with(['|', '>'])))
    })
}

fn from_object(f: &SourceFile, doc: &Doc, v: &Value, out: &mut Picked) {
    let at = f.at(doc.start + 1);
    let mut data = Vec::new();
    for (key, text) in data_texts(v)
        .into_iter()
        .filter(|(k, _)| k.ends_with(".json"))
    {
        match text {
            Ok(text) => data.push((key, text)),
            Err(e) => out.errors.push(format!("{at}: {e}")),
        }
    }
    let annotation = |k: &str| {
        v["metadata"]["annotations"][k]
            .as_str()
            .filter(|s| !s.is_empty())
    };
    let source = annotation(SOURCE_ANNOTATION).and_then(safe_source);
    let folder = annotation(FOLDER_ANNOTATION);
    let secret = v["kind"] == "Secret";
    for (key, text) in &data {
        let path = match (source, folder) {
            (Some(s), _) if data.len() == 1 => s.to_string(),
            (_, Some(folder)) => format!("{}/{key}", folder.trim_matches('/')),
            _ => key.clone(),
        };
        // a block scalar's lines are the JSON's; any other value starts on the key's line
        let offset = match (secret, key_line(&doc.text, key)) {
            (false, Some((i, true))) => doc.start + i + 1,
            (_, Some((i, _))) => doc.start + i,
            (_, None) => doc.start,
        };
        if secret {
            out.in_secrets.push(path.clone());
        }
        out.dashboards.push(SourceFile {
            path,
            text: text.clone(),
            place: Place {
                shown: Some(f.shown().to_string()),
                documents: f.place.documents.clone(),
                offset,
                file: None,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::sources::input::stream_file;

    const DASH: &str = "{\n  \"title\": \"Node\",\n  \"uid\": \"node\",\n  \"panels\": []\n}";

    #[test]
    fn json_files_are_dashboards_and_a_piped_one_is_named_by_its_uid() {
        let p = pick_all(vec![SourceFile::new("a/x.json", DASH)]);
        assert_eq!(
            (p.dashboards.len(), p.dashboards[0].path.as_str()),
            (1, "a/x.json")
        );
        let piped = pick_all(vec![stream_file(DASH.into())]);
        assert_eq!(piped.dashboards[0].path, "node.json");
        assert_eq!(piped.dashboards[0].at(3), "<stdin>:3");
        let export = pick_all(vec![stream_file(
            r#"{"dashboard": {"title": "My Board"}, "meta": {}}"#.into(),
        )]);
        assert_eq!(export.dashboards[0].path, "my-board.json");
    }

    #[test]
    fn the_sidecars_objects_of_a_stream_and_nothing_else() {
        let stream = format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dash-h7k\n  labels: {{grafana_dashboard: \"1\"}}\n  annotations: {{grafana_folder: Team}}\ndata:\n  node.json: |\n{}\n  notes.txt: hello\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: plain}}\ndata: {{a.json: '{{}}'}}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-dash\n  labels: {{grafana_dashboard: \"1\"}}\n  annotations: {{promstack.io/source: Ops/s.json}}\ndata:\n  s.json: {}\n",
            DASH.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n"),
            "eyJ0aXRsZSI6ICJTIn0=" // {"title": "S"}
        );
        let p = pick_all(vec![stream_file(stream)]);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.skipped, 2,
            "the Service and the ConfigMap without the label"
        );
        let paths: Vec<&str> = p.dashboards.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["Team/node.json", "Ops/s.json"]);
        assert_eq!(p.in_secrets, ["Ops/s.json"]);
        assert_eq!(p.dashboards[1].text, r#"{"title": "S"}"#);
        // the uid's line is the stream's
        let node = super::super::prepare(&p.dashboards[0]).unwrap();
        assert_eq!(node.uid_at(), "<stdin>:document 2:line 15");
    }

    #[test]
    fn lists_and_bad_objects() {
        let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n    labels:\n      grafana_dashboard: \"1\"\n  data:\n    a.json: '{\"title\": \"A\",'\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n";
        let p = pick_all(vec![SourceFile::new("list.yaml", list)]);
        assert_eq!((p.dashboards.len(), p.skipped), (1, 1));
        let err = super::super::prepare(&p.dashboards[0]).unwrap_err();
        assert!(err.starts_with("list.yaml:11:"), "{err}");
        let values = pick_all(vec![SourceFile::new(
            "values.yaml",
            "grafana:\n  enabled: true\n",
        )]);
        assert_eq!(
            (values.skipped, values.errors.len()),
            (1, 0),
            "no object: skipped"
        );
        // base64 broken over lines (as kustomize writes it) reads as the API server reads it
        let folded = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: {grafana_dashboard: \"1\"}}\ndata:\n  x.json: |\n    eyJ0aXRsZSI6\n    ICJTIn0=\n";
        let p = pick_all(vec![SourceFile::new("s.yaml", folded)]);
        assert_eq!(p.dashboards[0].text, r#"{"title": "S"}"#, "{:?}", p.errors);
        let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: {grafana_dashboard: \"1\"}}\ndata: {x.json: '!!!'}\n";
        let p = pick_all(vec![SourceFile::new("s.yaml", secret)]);
        assert!(
            p.errors[0].contains("not base64") && !p.errors[0].contains("!!!"),
            "{:?}",
            p.errors
        );
    }
}
