//! Grafana dashboard JSON → ConfigMaps for the Grafana sidecar: label `grafana_dashboard: "1"`,
//! folder from the sub-folder (annotation `grafana_folder`), data key `<name>.json`, JSON minified.
//! The dashboards of a YAML file or stream come out of the sidecar's objects in it ([`objects`]).
use crate::kube::owned;
use crate::prometheus::rule::SOURCE_ANNOTATION;

pub mod objects;
use crate::input::sources::{object_name, SourceFile};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
pub use objects::{pick_all, Picked};
use std::collections::BTreeMap;

pub const COMPONENT: &str = "dashboards";
pub const SIDECAR_LABEL: &str = "grafana_dashboard";
/// The value of [`SIDECAR_LABEL`] the stack's sidecar selects (values.yaml: `labelValue: "1"`).
pub const SIDECAR_VALUE: &str = "1";
pub const FOLDER_ANNOTATION: &str = "grafana_folder";
/// A ConfigMap holds at most 1 MiB.
pub const MAX_BYTES: usize = 1024 * 1024;

/// A dashboard ready for provisioning, and what was changed to get there.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What it is named by (its source's [`SourceFile::path`]): the ConfigMap's name, key and
    /// Grafana folder come from it.
    pub path: String,
    /// Where it is, for messages: the file, or `<stdin>:document 7` (see [`SourceFile::label`]).
    pub shown: String,
    pub value: serde_json::Value,
    pub notes: Vec<String>,
    /// The line that sets the dashboard's uid, in what `shown` names (`None`: it has none, a
    /// derived one is used).
    pub uid_line: Option<usize>,
}

impl Prepared {
    /// The dashboard's uid (every prepared dashboard has one).
    pub fn uid(&self) -> &str {
        self.value["uid"].as_str().unwrap_or_default()
    }
    /// `file:line` of its uid (`<stdin>:document 7:line 40`), or where it is when the uid is
    /// derived.
    pub fn uid_at(&self) -> String {
        match self.uid_line {
            Some(l) => crate::input::sources::place(&self.shown, l),
            None => self.shown.clone(),
        }
    }
}

/// The uids of the dashboards a ConfigMap's data holds (each value that is a JSON dashboard with
/// a uid): what Grafana keys them by, whatever the ConfigMap is called.
pub fn uids_of(configmap: &serde_json::Value) -> Vec<String> {
    uids_in_texts(
        configmap["data"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, text)| text.as_str()),
    )
}

/// The uids of the dashboards among `texts` (the values of a sidecar object's data, decoded):
/// each that is a JSON dashboard, or a Grafana API export of one, with a uid.
pub fn uids_in_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    texts
        .into_iter()
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .filter_map(|d| {
            let d = match d.get("dashboard") {
                Some(inner) if inner.is_object() && d.get("panels").is_none() => inner.clone(),
                _ => d,
            };
            d["uid"]
                .as_str()
                .filter(|u| !u.is_empty())
                .map(String::from)
        })
        .collect()
}

/// The first line of `text` that sets `"uid": "<uid>"`.
fn line_of_uid(text: &str, uid: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.split_once("\"uid\"").is_some_and(|(_, rest)| {
                rest.trim_start()
                    .strip_prefix(':')
                    .is_some_and(|v| v.trim_start().starts_with(&format!("\"{uid}\"")))
            })
        })
        .map(|i| i + 1)
}

/// The provisioned Prometheus datasource's uid (values/values.yaml).
pub const DATASOURCE_UID: &str = "prometheus";

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// A stable uid for a dashboard that has none, from its path (at most 40 characters).
pub fn derived_uid(path: &str) -> String {
    format!("promstack-{:016x}", fnv1a(path))
}

fn replace_strings(v: &mut serde_json::Value, from: &str, to: &str) -> usize {
    match v {
        serde_json::Value::String(s) if s.contains(from) => {
            *s = s.replace(from, to);
            1
        }
        serde_json::Value::Array(a) => a.iter_mut().map(|x| replace_strings(x, from, to)).sum(),
        serde_json::Value::Object(m) => m.values_mut().map(|x| replace_strings(x, from, to)).sum(),
        _ => 0,
    }
}

/// The name of the dashboard's datasource template variable of type prometheus, if it has one.
pub fn datasource_variable(d: &serde_json::Value) -> Option<String> {
    d.pointer("/templating/list")?
        .as_array()?
        .iter()
        .find(|v| {
            v["type"] == "datasource" && v["query"].as_str().is_none_or(|q| q == "prometheus")
        })
        .and_then(|v| v["name"].as_str().map(String::from))
}

/// Parse a dashboard file and make it provisionable: unwrap a Grafana API export
/// (`{"dashboard": ..., "meta": ...}`), resolve grafana.com `__inputs` (`${DS_PROMETHEUS}` becomes
/// the dashboard's datasource variable, or the provisioned uid), and give it a stable uid when it
/// has none. Every change is noted.
pub fn prepare(f: &SourceFile) -> Result<Prepared, String> {
    if f.text.trim().is_empty() {
        return Err(format!("{}: empty file", f.label(1)));
    }
    let mut value: serde_json::Value = serde_json::from_str(&f.text)
        .map_err(|e| format!("{}:{}: invalid JSON: {e}", f.at(e.line()), e.column()))?;
    let mut notes = Vec::new();
    if value.get("dashboard").is_some_and(|d| d.is_object()) && value.get("panels").is_none() {
        value = value["dashboard"].take();
        notes.push(
            "unwrapped a Grafana API export ({\"dashboard\": ..., \"meta\": ...})".to_string(),
        );
    }
    let Some(obj) = value.as_object_mut() else {
        return Err(format!("{}: a dashboard is a JSON object", f.label(1)));
    };
    let inputs = obj.remove("__inputs");
    obj.remove("__elements");
    obj.remove("__requires");
    if let Some(serde_json::Value::Array(inputs)) = inputs {
        let var = datasource_variable(&value);
        for input in inputs.iter().filter(|i| i["type"] == "datasource") {
            let Some(name) = input["name"].as_str() else {
                continue;
            };
            let to = match (&var, input["pluginId"].as_str()) {
                (Some(v), Some("prometheus") | None) => format!("${{{v}}}"),
                (_, Some("prometheus") | None) => DATASOURCE_UID.to_string(),
                _ => continue,
            };
            let n = replace_strings(&mut value, &format!("${{{name}}}"), &to)
                + replace_strings(&mut value, &format!("${name}"), &to);
            notes.push(format!(
                "resolved input ${{{name}}} to {to} in {n} place(s)"
            ));
        }
    }
    let uid_line = value
        .get("uid")
        .and_then(|u| u.as_str())
        .filter(|u| !u.is_empty())
        .and_then(|u| line_of_uid(&f.text, u))
        .map(|l| l + f.place.offset);
    if value
        .get("uid")
        .and_then(|u| u.as_str())
        .is_none_or(str::is_empty)
    {
        let uid = derived_uid(&f.path);
        notes.push(format!("no uid: using the stable derived uid {uid}"));
        value["uid"] = serde_json::Value::String(uid);
    }
    if value.get("id").is_some_and(|id| !id.is_null()) {
        // a numeric id from another Grafana clashes on provisioning; uid is what identifies it
        value["id"] = serde_json::Value::Null;
    }
    Ok(Prepared {
        path: f.path.clone(),
        shown: f.label(1),
        value,
        notes,
        uid_line,
    })
}

/// The ConfigMap of one prepared dashboard.
pub fn configmap_of(p: &Prepared, namespace: &str) -> Result<ConfigMap, String> {
    let minified = serde_json::to_string(&p.value).expect("JSON values serialise");
    if minified.len() > MAX_BYTES {
        return Err(format!("{}: {} bytes after minifying, more than a ConfigMap holds (1 MiB): split the dashboard", p.shown, minified.len()));
    }
    let file_name = p.path.rsplit('/').next().unwrap_or(&p.path);
    let key = format!("{}.json", object_name("", file_name));
    let mut labels = owned::labels(COMPONENT);
    labels.insert(SIDECAR_LABEL.into(), "1".into());
    let mut annotations = BTreeMap::from([(SOURCE_ANNOTATION.to_string(), p.path.clone())]);
    if let Some((folder, _)) = p.path.rsplit_once('/') {
        annotations.insert(FOLDER_ANNOTATION.into(), folder.to_string());
    }
    Ok(ConfigMap {
        metadata: ObjectMeta {
            name: Some(object_name("dashboard-", &p.path)),
            namespace: Some(namespace.into()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        data: Some(BTreeMap::from([(key, minified)])),
        ..Default::default()
    })
}

/// The ConfigMap of one dashboard file.
pub fn configmap(f: &SourceFile, namespace: &str) -> Result<ConfigMap, String> {
    configmap_of(&prepare(f)?, namespace)
}

/// The ConfigMaps of all dashboard files; every problem is reported.
pub fn build(files: &[SourceFile], namespace: &str) -> Result<Vec<ConfigMap>, Vec<String>> {
    let mut out: Vec<ConfigMap> = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match configmap(f, namespace) {
            Ok(cm) if out.iter().any(|o| o.metadata.name == cm.metadata.name) => {
                errors.push(format!(
                    "{}: two dashboards map to the ConfigMap name {}",
                    f.shown(),
                    cm.metadata.name.unwrap_or_default()
                ))
            }
            Ok(cm) => out.push(cm),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dashboard_in_a_folder() {
        let f = SourceFile::new(
            "Cilium/agent overview.json",
            "{\n  \"title\": \"Cilium Agent\",\n  \"uid\": \"cilium-agent\"\n}\n",
        );
        let cm = configmap(&f, "monitoring").unwrap();
        assert_eq!(
            cm.metadata.name.as_deref(),
            Some("dashboard-cilium-agent-overview")
        );
        assert_eq!(cm.metadata.labels.as_ref().unwrap()[SIDECAR_LABEL], "1");
        assert_eq!(
            cm.metadata.annotations.as_ref().unwrap()[FOLDER_ANNOTATION],
            "Cilium"
        );
        assert_eq!(
            cm.data.as_ref().unwrap()["agent-overview.json"],
            r#"{"title":"Cilium Agent","uid":"cilium-agent"}"#
        );
    }

    #[test]
    fn the_uid_its_line_and_the_uids_a_configmap_carries() {
        let f = SourceFile::new(
            "A/neg.json",
            "{\n  \"panels\": [{\"datasource\": {\"uid\": \"prometheus\"}}],\n  \"uid\" : \"negm\",\n  \"title\": \"N\"\n}\n",
        );
        let p = prepare(&f).unwrap();
        assert_eq!((p.uid(), p.uid_line), ("negm", Some(3)));
        assert_eq!(p.uid_at(), "A/neg.json:3");
        let cm = crate::kube::cluster::to_value(&configmap_of(&p, "m").unwrap());
        assert_eq!(uids_of(&cm), ["negm"]);
        let derived = prepare(&SourceFile::new("d.json", "{\"title\": \"D\"}")).unwrap();
        assert_eq!(
            (derived.uid_line, derived.uid_at()),
            (None, "d.json".into())
        );
        // the chart's ConfigMaps: one dashboard a key; an API export; not JSON
        let chart = serde_json::json!({"data": {"a.json": "{\"uid\":\"a1\"}", "b.json": "{\"dashboard\":{\"uid\":\"b1\"},\"meta\":{}}", "c.txt": "not json"}});
        assert_eq!(uids_of(&chart), ["a1", "b1"]);
    }

    #[test]
    fn bad_json_and_size() {
        let err = configmap(&SourceFile::new("x.json", "{\n  \"a\": ,\n}"), "m").unwrap_err();
        assert!(err.starts_with("x.json:2:"), "{err}");
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_BYTES));
        assert!(configmap(&SourceFile::new("big.json", big), "m")
            .unwrap_err()
            .contains("1 MiB"));
        assert!(configmap(&SourceFile::new("list.json", "[]"), "m").is_err());
    }

    #[test]
    fn empty_files_are_refused() {
        let err = configmap(&SourceFile::new("e.json", " \n"), "m").unwrap_err();
        assert!(err.contains("empty file"), "{err}");
    }

    #[test]
    fn api_exports_and_grafana_com_inputs_become_provisionable() {
        let export = r#"{"dashboard": {"title": "T", "uid": "t", "id": 42, "panels": []}, "meta": {"slug": "t"}}"#;
        let p = prepare(&SourceFile::new("t.json", export)).unwrap();
        assert_eq!(p.value["title"], "T");
        assert!(p.value["id"].is_null());
        assert!(p.notes[0].contains("API export"));

        let gcom = r#"{"__inputs": [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}], "__requires": [],
            "title": "G", "panels": [{"datasource": "${DS_PROMETHEUS}", "targets": [{"expr": "up", "datasource": {"uid": "${DS_PROMETHEUS}"}}]}]}"#;
        let p = prepare(&SourceFile::new("g.json", gcom)).unwrap();
        assert!(p.value.get("__inputs").is_none());
        assert_eq!(
            p.value["panels"][0]["datasource"], DATASOURCE_UID,
            "no datasource variable: the provisioned uid"
        );
        assert_eq!(
            p.value["panels"][0]["targets"][0]["datasource"]["uid"],
            DATASOURCE_UID
        );
        assert_eq!(p.value["uid"], derived_uid("g.json"));
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("DS_PROMETHEUS") && n.contains("2 place")),
            "{:?}",
            p.notes
        );

        let with_var = r#"{"__inputs": [{"name": "DS_PROM", "type": "datasource", "pluginId": "prometheus"}], "title": "V", "uid": "v",
            "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
            "panels": [{"datasource": {"uid": "${DS_PROM}"}}]}"#;
        let p = prepare(&SourceFile::new("v.json", with_var)).unwrap();
        assert_eq!(p.value["panels"][0]["datasource"]["uid"], "${datasource}");
    }

    /// A dashboard without a uid gets one from its path: the same in every release (FNV-1a 64 of
    /// the path, pinned: another uid for the same file would make it a second dashboard in
    /// Grafana after an upgrade), another for another path, within Grafana's 40 characters.
    #[test]
    fn a_derived_uid_is_stable_per_path() {
        assert_eq!(derived_uid("g.json"), "promstack-18b7dbb3075f2f7a");
        assert_eq!(derived_uid("Cilium/g.json"), "promstack-ede99502369f61e2");
        assert_eq!(
            derived_uid(""),
            "promstack-cbf29ce484222325",
            "FNV-1a's offset basis"
        );
        let long = derived_uid("a/very/long/path/to/a/dashboard.json");
        assert_eq!(long, "promstack-cd4096d5efb751e7");
        assert!(long.len() <= 40);
    }
}
