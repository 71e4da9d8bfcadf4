//! The chart's render, kept: the same helm, chart and values render the same manifests, so a run
//! after the first (an upgrade, a run that changes nothing, a second cluster) takes them from
//! `$XDG_CACHE_HOME/promstack/renders` (else `~/.cache/promstack/renders`) instead of running
//! `helm template` again. The key is the sha256 of helm's version, the release name and namespace,
//! the chart (a local chart by its content: every file's path and bytes) and every values file's
//! bytes, in order. A chart from a repository is kept by its reference only with an exact version
//! (`88.5.3`): a range (`^88`, `88.x`) may name another chart tomorrow, so its render is made each
//! time. The folder is private (0700, files 0600) and keeps the newest 16 renders. A render is
//! kept as its documents in JSON, with what the install reads of the chart ([`Kept`]) (reading 3 MB of JSON is a tenth of the time its 5 MB of YAML
//! takes); a file that does not read back as that is no render.
use crate::helm::{Chart, Release};
use ring::digest::{Context, SHA256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

const KEEP: usize = 16;

/// A render as kept: its documents, and what the install reads of the chart beside them (the
/// values lint and a chart upgrade's notes need it, and the chart is not fetched again).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Kept {
    pub docs: Vec<serde_json::Value>,
    pub chart: crate::chart::chart_files::ChartFacts,
}

/// How a render is kept (part of the key).
const FORM: &str = "documents-and-chart-json-2";

/// Where renders are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderCache {
    dir: PathBuf,
}

impl RenderCache {
    /// The user's cache folder (`$XDG_CACHE_HOME`, else `~/.cache`); `None` without either.
    pub fn for_user() -> Option<Self> {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(Self::at(base.join("promstack").join("renders")))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        RenderCache { dir: dir.into() }
    }

    /// The key of a render of `release` by helm `helm_version`; `None` when an input cannot be
    /// read (then nothing is cached). [`Self::inputs_digest`] then [`Self::key_with`].
    pub fn key(helm_version: &str, release: &Release) -> Option<String> {
        Self::inputs_digest(release).map(|d| Self::key_with(helm_version, &d))
    }

    /// The digest of everything but helm's version: the release, the chart (a local one read
    /// whole: the slow part, done while `helm version` runs) and the values files.
    pub fn inputs_digest(release: &Release) -> Option<String> {
        let mut h = Context::new(&SHA256);
        let mut field = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        // the form renders are kept in: another form is another key
        field(FORM.as_bytes());
        field(release.name.as_bytes());
        field(release.namespace.as_bytes());
        match &release.chart {
            Chart::Repo {
                repo,
                name,
                version,
            } => {
                exact(version)?;
                for s in ["repo", repo, name, version] {
                    field(s.as_bytes());
                }
            }
            Chart::Ref { reference, version } => {
                exact(version)?;
                for s in ["ref", reference, version] {
                    field(s.as_bytes());
                }
            }
            Chart::Local(path) => {
                field(b"local");
                for (rel, bytes) in chart_files(path)? {
                    field(rel.as_bytes());
                    field(&bytes);
                }
            }
        }
        for f in &release.values_files {
            field(&std::fs::read(f).ok()?);
        }
        Some(hex(h.finish().as_ref()))
    }

    /// The key of the render of inputs of this digest by helm `helm_version`.
    pub fn key_with(helm_version: &str, inputs_digest: &str) -> String {
        let mut h = Context::new(&SHA256);
        for part in [helm_version, inputs_digest] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex(h.finish().as_ref())
    }

    /// The render kept under `key`.
    pub fn get(&self, key: &str) -> Option<Kept> {
        let mut s = String::new();
        std::fs::File::open(self.dir.join(key))
            .ok()?
            .read_to_string(&mut s)
            .ok()?;
        serde_json::from_str(&s).ok()
    }

    /// Keep a render under `key`; a folder that cannot be written leaves the run as it is.
    pub fn put(&self, key: &str, kept: &Kept) {
        if let Ok(text) = serde_json::to_string(kept) {
            let _ = self.try_put(key, &text);
        }
    }

    fn try_put(&self, key: &str, rendered: &str) -> std::io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&self.dir)?;
        // written whole under a temporary name (0600), then moved in place
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        tmp.write_all(rendered.as_bytes())?;
        tmp.persist(self.dir.join(key)).map_err(|e| e.error)?;
        self.prune();
        Ok(())
    }

    /// Keep the newest renders.
    fn prune(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        files.sort();
        let old = files.len().saturating_sub(KEEP);
        for (_, p) in files.into_iter().take(old) {
            let _ = std::fs::remove_file(p);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `Some` for an exact version (`1.2.3`, `v1.2.3`, `1.2.3-rc.1+build`), `None` for a range.
fn exact(version: &str) -> Option<()> {
    let v = version.strip_prefix('v').unwrap_or(version);
    let (core, _) = v.split_once(['-', '+']).unwrap_or((v, ""));
    let parts: Vec<&str> = core.split('.').collect();
    let numbers = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = v[core.len()..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-+.".contains(&b));
    (numbers && rest_ok).then_some(())
}

/// A local chart's files (a directory's, sorted by path; a .tgz as one file).
fn chart_files(path: &Path) -> Option<Vec<(String, Vec<u8>)>> {
    if path.is_file() {
        return Some(vec![(String::new(), std::fs::read(path).ok()?)]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).ok()?.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(path).ok()?.to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).ok()?));
            }
        }
    }
    out.sort();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn release(chart: Chart, values: Vec<PathBuf>) -> Release {
        Release {
            name: "kube-prometheus".into(),
            namespace: "monitoring".into(),
            chart,
            values_files: values,
            timeout: Duration::from_secs(60),
        }
    }

    #[test]
    fn the_key_changes_with_every_input_and_only_then() {
        let tmp = tempfile::tempdir().unwrap();
        let chart = tmp.path().join("chart");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: c\n").unwrap();
        std::fs::write(chart.join("templates/a.yaml"), "a: 1\n").unwrap();
        let values = tmp.path().join("v.yaml");
        std::fs::write(&values, "x: 1\n").unwrap();
        let r = release(Chart::Local(chart.clone()), vec![values.clone()]);
        let k = RenderCache::key("v4.1.4", &r).unwrap();
        assert_eq!(k.len(), 64);
        assert_eq!(
            RenderCache::key("v4.1.4", &r).unwrap(),
            k,
            "the same inputs, the same key"
        );
        assert_ne!(RenderCache::key("v3.17.3", &r).unwrap(), k, "another helm");
        std::fs::write(&values, "x: 2\n").unwrap();
        let k2 = RenderCache::key("v4.1.4", &r).unwrap();
        assert_ne!(k2, k, "other values");
        std::fs::write(chart.join("templates/a.yaml"), "a: 2\n").unwrap();
        assert_ne!(
            RenderCache::key("v4.1.4", &r).unwrap(),
            k2,
            "a chart file changed"
        );
        let other_ns = Release {
            namespace: "other".into(),
            ..r.clone()
        };
        assert_ne!(
            RenderCache::key("v4.1.4", &other_ns).unwrap(),
            RenderCache::key("v4.1.4", &r).unwrap()
        );
        let remote = release(Chart::from_flags(None, None).unwrap(), vec![values.clone()]);
        let newer = release(
            Chart::from_flags(None, Some("99.0.0")).unwrap(),
            vec![values],
        );
        assert_ne!(
            RenderCache::key("v4", &remote),
            RenderCache::key("v4", &newer)
        );
        let missing = release(
            Chart::from_flags(None, None).unwrap(),
            vec![tmp.path().join("gone")],
        );
        assert_eq!(RenderCache::key("v4", &missing), None);
    }

    #[test]
    fn a_chart_by_a_version_range_is_never_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let values = tmp.path().join("v.yaml");
        std::fs::write(&values, "x: 1\n").unwrap();
        let key = |v: &str| {
            let r = release(
                Chart::from_flags(None, Some(v)).unwrap(),
                vec![values.clone()],
            );
            RenderCache::key("v4", &r)
        };
        for v in ["88.5.3", "v88.5.3", "88.5.3-rc.1", "88.5.3+build.7"] {
            assert!(key(v).is_some(), "{v}");
        }
        for v in [
            "^88",
            "~88.5",
            "88.x",
            "88.5",
            ">=88.0.0",
            "88.5.*",
            "88.5.3 || 89.0.0",
            "",
        ] {
            assert_eq!(key(v), None, "{v}");
        }
    }

    #[test]
    fn kept_privately_and_only_the_newest() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = RenderCache::at(tmp.path().join("renders"));
        assert_eq!(cache.get("k"), None);
        let kept = Kept {
            docs: vec![
                serde_json::json!({"a": 1}),
                serde_json::json!({"kind": "ConfigMap"}),
            ],
            chart: crate::chart::chart_files::ChartFacts {
                name: "c".into(),
                version: "1.0.0".into(),
                ..Default::default()
            },
        };
        cache.put("k", &kept);
        assert_eq!(cache.get("k"), Some(kept.clone()));
        // a file that is not a kept render (an older promstack's YAML) is no render
        std::fs::write(tmp.path().join("renders/old"), "---\na: 1\n").unwrap();
        assert_eq!(cache.get("old"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&tmp.path().join("renders")), 0o700);
            assert_eq!(mode(&tmp.path().join("renders/k")), 0o600);
        }
        for i in 0..KEEP + 4 {
            cache.put(&format!("k{i}"), &kept);
        }
        assert_eq!(
            std::fs::read_dir(tmp.path().join("renders"))
                .unwrap()
                .count(),
            KEEP
        );
    }
}
