//! What the install reads from the chart itself, beside its render: its name and version, the
//! values it reads (its `values.yaml` with each subchart's `values.yaml` under the subchart's key,
//! for the values lint: [`crate::chart::values_lint`]) and its `UPGRADE.md` (the notes of each major,
//! for a chart upgrade: [`crate::chart::upgrade`]). A chart is a folder or a `.tgz` (as `helm pull`
//! writes it, its subcharts folders or `.tgz` files of their own under `charts/`).
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// What the install reads of a chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartFacts {
    pub name: String,
    pub version: String,
    /// The values the chart reads: `values.yaml`, each subchart's under its key (its alias, else
    /// its name), the parent's own entries for it over the subchart's.
    pub defaults: Value,
    /// The subcharts' keys, those whose files the chart holds.
    pub subcharts: Vec<String>,
    /// The keys of the dependencies `Chart.yaml` declares (its alias, else its name).
    pub dependencies: Vec<String>,
    /// `UPGRADE.md`, when the chart ships one.
    pub upgrade_notes: Option<String>,
}

impl ChartFacts {
    /// A dependency whose files are not in the chart (its values are not the chart's to know).
    pub fn without_files(&self, key: &str) -> bool {
        self.dependencies.iter().any(|d| d == key) && !self.subcharts.iter().any(|s| s == key)
    }
}

/// A chart's files by path from its top folder.
type Files = BTreeMap<String, Vec<u8>>;

/// The facts of the chart at `path` (a folder or a `.tgz`).
pub fn read(path: &Path) -> anyhow::Result<ChartFacts> {
    let files = if path.is_dir() {
        folder(path)?
    } else {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading the chart {}", path.display()))?;
        archive(&bytes).with_context(|| format!("reading the chart {}", path.display()))?
    };
    facts(&files).with_context(|| format!("reading the chart {}", path.display()))
}

/// The files of a chart folder that say what it reads (Chart.yaml, values.yaml, UPGRADE.md,
/// and those of `charts/`).
fn folder(root: &Path) -> anyhow::Result<Files> {
    let mut out = Files::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let p = entry?.path();
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            if p.is_dir() {
                if rel == "charts" || rel.starts_with("charts/") {
                    stack.push(p);
                }
            } else if wanted(&rel) {
                out.insert(rel, std::fs::read(&p)?);
            }
        }
    }
    Ok(out)
}

fn wanted(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    matches!(name, "Chart.yaml" | "values.yaml" | "UPGRADE.md")
        || rel.ends_with(".tgz")
        || rel.split('/').any(|part| part == "templates")
            && (name.ends_with(".yaml") || name.ends_with(".tpl"))
}

/// A template of this chart (not of a subchart: those are read with their chart).
fn is_template(rel: &str) -> bool {
    rel.starts_with("templates/") && (rel.ends_with(".yaml") || rel.ends_with(".tpl"))
}

/// The `.Values` paths the chart's templates read (`.Values.service.nodePort`), each added to the
/// defaults where a map with keys lacks it: keys a chart reads but leaves out of (or comments
/// out in) its `values.yaml` are the chart's keys too. A map that is empty or null in the
/// defaults gets none, so it stays free.
fn add_template_keys(files: &Files, defaults: &mut Value) {
    for (_, bytes) in files.iter().filter(|(rel, _)| is_template(rel)) {
        let text = String::from_utf8_lossy(bytes);
        for (at, _) in text.match_indices(".Values.") {
            let rest = &text[at + ".Values.".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            let mut node = &mut *defaults;
            for key in rest[..end].split('.').filter(|k| !k.is_empty()) {
                let Some(map) = node.as_object_mut().filter(|m| !m.is_empty()) else {
                    break;
                };
                if !map.contains_key(key) {
                    map.insert(key.to_string(), Value::Null);
                    break;
                }
                node = map.get_mut(key).expect("just checked");
            }
        }
    }
}

/// The files of a chart archive, paths from its top folder (`kube-prometheus-stack/…`).
fn archive(bytes: &[u8]) -> anyhow::Result<Files> {
    let mut out = Files::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in tar.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.to_string_lossy().into_owned();
        let Some((_, rel)) = path.split_once('/') else {
            continue;
        };
        if entry.header().entry_type().is_file() && wanted(rel) {
            let mut buf = Vec::new();
            entry.read_to_end(&mut buf)?;
            out.insert(rel.to_string(), buf);
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct ChartYaml {
    name: String,
    version: String,
    #[serde(default)]
    dependencies: Vec<Dependency>,
}

#[derive(Deserialize)]
struct Dependency {
    name: String,
    #[serde(default)]
    alias: Option<String>,
}

fn yaml(files: &Files, rel: &str) -> anyhow::Result<Option<Value>> {
    files
        .get(rel)
        .map(|b| {
            serde_yaml::from_slice::<Value>(b).with_context(|| format!("{rel} is not valid YAML"))
        })
        .transpose()
}

fn facts(files: &Files) -> anyhow::Result<ChartFacts> {
    let chart: ChartYaml = serde_yaml::from_slice(
        files
            .get("Chart.yaml")
            .context("it has no Chart.yaml: is this a chart?")?,
    )
    .context("Chart.yaml")?;
    let mut defaults = yaml(files, "values.yaml")?.unwrap_or(Value::Null);
    if !defaults.is_object() {
        defaults = Value::Object(Default::default());
    }
    add_template_keys(files, &mut defaults);
    let mut subcharts = Vec::new();
    for (name, sub) in subcharts_of(files)? {
        let key = chart
            .dependencies
            .iter()
            .find(|d| d.name == name)
            .and_then(|d| d.alias.clone())
            .unwrap_or(name);
        let mut merged = sub.defaults;
        if let Some(own) = defaults.get(&key) {
            crate::chart::values::merge(&mut merged, own);
        }
        defaults[&key] = merged;
        subcharts.push(key);
    }
    let dependencies = chart
        .dependencies
        .iter()
        .map(|d| d.alias.clone().unwrap_or_else(|| d.name.clone()))
        .collect();
    let upgrade_notes = files
        .get("UPGRADE.md")
        .map(|b| String::from_utf8_lossy(b).into_owned());
    Ok(ChartFacts {
        name: chart.name,
        version: chart.version,
        defaults,
        subcharts,
        dependencies,
        upgrade_notes,
    })
}

/// Each subchart under `charts/` (a folder or a `.tgz`), by its chart name.
fn subcharts_of(files: &Files) -> anyhow::Result<Vec<(String, ChartFacts)>> {
    let mut folders: BTreeMap<&str, Files> = BTreeMap::new();
    let mut out = Vec::new();
    for (rel, bytes) in files {
        let Some(rest) = rel.strip_prefix("charts/") else {
            continue;
        };
        match rest.split_once('/') {
            Some((dir, inner)) => {
                folders
                    .entry(dir)
                    .or_default()
                    .insert(inner.to_string(), bytes.clone());
            }
            None if rest.ends_with(".tgz") => {
                let sub = facts(&archive(bytes).with_context(|| rel.clone())?)?;
                out.push((sub.name.clone(), sub));
            }
            None => {}
        }
    }
    for (_, sub_files) in folders {
        if sub_files.contains_key("Chart.yaml") {
            let sub = facts(&sub_files)?;
            out.push((sub.name.clone(), sub));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (path, bytes) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            builder.append_data(&mut h, path, *bytes).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn a_chart_archive_with_a_subchart_archive_and_an_alias() {
        let sub = tgz(&[
            ("grafana/Chart.yaml", b"name: grafana\nversion: 1.0.0\n"),
            (
                "grafana/values.yaml",
                b"adminPassword: ''\nsidecar: {dashboards: {enabled: false}}\n",
            ),
        ]);
        let parent = tgz(&[
            (
                "stack/Chart.yaml",
                b"name: stack\nversion: 2.0.0\ndependencies:\n  - name: grafana\n    alias: graf\n",
            ),
            (
                "stack/values.yaml",
                b"graf:\n  sidecar: {dashboards: {enabled: true}}\n",
            ),
            (
                "stack/UPGRADE.md",
                b"# Upgrade\n## From 1.x to 2.x\nsteps\n",
            ),
            ("stack/templates/x.yaml", b"ignored: true\n"),
            ("stack/charts/grafana-1.0.0.tgz", &sub),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stack-2.0.0.tgz");
        std::fs::write(&path, parent).unwrap();
        let f = read(&path).unwrap();
        assert_eq!((f.name.as_str(), f.version.as_str()), ("stack", "2.0.0"));
        assert_eq!(f.subcharts, ["graf"]);
        assert_eq!(f.defaults["graf"]["adminPassword"], "");
        assert_eq!(
            f.defaults["graf"]["sidecar"]["dashboards"]["enabled"], true,
            "the parent's values win"
        );
        assert!(f.upgrade_notes.unwrap().contains("From 1.x to 2.x"));
    }

    /// A chart folder (the fixture chart, as `helm create` lays one out): its Chart.yaml, its
    /// values.yaml whole (the subchart `crds`, with no values of its own, under its key as the
    /// parent sets it), the subchart folder of `charts/`, and UPGRADE.md.
    #[test]
    fn a_chart_folder() {
        let fixture = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/chart"));
        let f = read(fixture).unwrap();
        assert_eq!(
            (f.name.as_str(), f.version.as_str()),
            ("fixture-stack", "0.3.0")
        );
        assert_eq!(
            (f.subcharts.as_slice(), f.dependencies.as_slice()),
            (&["crds".to_string()][..], &["crds".to_string()][..])
        );
        let values: Value =
            serde_yaml::from_str(&std::fs::read_to_string(fixture.join("values.yaml")).unwrap())
                .unwrap();
        assert_eq!(f.defaults, values);
        assert_eq!(f.defaults["grafana"]["service"]["nodePort"], 30300);
        assert_eq!(f.defaults["crds"], serde_json::json!({"enabled": true}));
        let notes = f.upgrade_notes.unwrap();
        assert!(
            notes.starts_with("# Upgrade\n\n## From 87.x to 88.x\n"),
            "{notes}"
        );
        let err = read(Path::new("/nonexistent-chart")).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent-chart"));
    }
}
