//! After a sync: wait, bounded, until Grafana serves each synced dashboard as written, in the
//! folder intended. A dashboard has arrived when Grafana serves its uid with its title in its
//! folder, and (when the sync changed it) the content written (everything written is there with
//! its value; Grafana adds `id` and `version`), or a version newer than before the sync. What did
//! not arrive is named with the likely reason: a uid clash (Grafana serves another title under
//! that uid), another folder, an earlier version (the new JSON refused), not served at all; a
//! reason known before waiting (a label or namespace the sidecar does not watch) is not waited for.
use super::api::GrafanaApi;
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What the sync did to a dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

/// A dashboard Grafana should serve.
#[derive(Debug, Clone)]
pub struct Expected {
    pub uid: String,
    pub title: String,
    pub folder: String,
    /// Where it came from (a file path), for people.
    pub source: String,
    pub content: Value,
    pub change: Change,
    /// Grafana's version of it before the sync, if it served it.
    pub prior_version: Option<i64>,
    /// Why it will not arrive, known before waiting (the sidecar does not watch it).
    pub known_problem: Option<String>,
}

/// A dashboard that did not arrive, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    pub uid: String,
    pub title: String,
    pub folder: String,
    pub source: String,
    pub reason: String,
}

/// What the wait found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arrival {
    pub grafana: String,
    pub waited_seconds: f64,
    pub arrived: usize,
    pub missing: Vec<Missing>,
}

/// What Grafana served for one uid at the last look.
#[derive(Debug, Clone)]
enum Seen {
    NotServed,
    Served {
        title: String,
        folder: String,
        version: Option<i64>,
        matches: bool,
    },
    Failed(String),
}

/// The versions Grafana serves of these uids now (before a sync writes).
pub async fn served_versions(api: &GrafanaApi, uids: &[String]) -> BTreeMap<String, i64> {
    futures::stream::iter(uids)
        .map(|uid| async move {
            let v = api.dashboard(uid).await.ok()?;
            Some((uid.clone(), version_of(&v)?))
        })
        .buffer_unordered(8)
        .filter_map(|x| async move { x })
        .collect()
        .await
}

fn version_of(served: &Value) -> Option<i64> {
    served["meta"]["version"]
        .as_i64()
        .or(served["dashboard"]["version"].as_i64())
}

/// Does `served` hold everything `written` has, with equal values (numbers as numbers)?
pub fn holds(written: &Value, served: &Value) -> bool {
    match (written, served) {
        (Value::Object(w), Value::Object(s)) => w.iter().all(|(k, v)| match s.get(k) {
            Some(x) => holds(v, x),
            None => v.is_null(),
        }),
        (Value::Array(w), Value::Array(s)) => {
            w.len() == s.len() && w.iter().zip(s).all(|(a, b)| holds(a, b))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

async fn look(api: &GrafanaApi, e: &Expected) -> Seen {
    let served = match api.dashboard(&e.uid).await {
        Ok(s) => s,
        Err(err) if err.contains("HTTP 404") => return Seen::NotServed,
        Err(err) => return Seen::Failed(err),
    };
    let d = &served["dashboard"];
    let mut written = e.content.clone();
    if let Some(o) = written.as_object_mut() {
        for k in ["id", "version", "uid"] {
            o.remove(k);
        }
    }
    Seen::Served {
        title: d["title"].as_str().unwrap_or_default().into(),
        folder: served["meta"]["folderTitle"]
            .as_str()
            .filter(|f| !f.is_empty())
            .unwrap_or("General")
            .into(),
        version: version_of(&served),
        matches: holds(&written, d),
    }
}

fn arrived(e: &Expected, seen: &Seen) -> bool {
    let Seen::Served {
        title,
        folder,
        version,
        matches,
    } = seen
    else {
        return false;
    };
    let newer = e.prior_version.is_some() && *version != e.prior_version;
    *title == e.title
        && *folder == e.folder
        && match e.change {
            Change::Created | Change::Unchanged => true,
            Change::Updated => *matches || newer,
        }
}

fn reason(e: &Expected, seen: &Seen, log_hint: &str) -> String {
    match seen {
        Seen::NotServed => format!(
            "Grafana does not serve uid {}: the sidecar has not written it yet, or Grafana refused its JSON ({log_hint})",
            e.uid
        ),
        Seen::Failed(err) => err.clone(),
        Seen::Served { title, version, .. }
            if e.change == Change::Updated && e.prior_version.is_some() && *version == e.prior_version =>
        {
            format!(
                "Grafana still serves the version it had before the sync ({}, `{title}`): it did not take the new JSON ({log_hint})",
                version.map_or("?".into(), |v| v.to_string())
            )
        }
        Seen::Served { title, folder, .. } if *title != e.title => format!(
            "uid clash: Grafana serves `{title}` (folder {folder}) under uid {}",
            e.uid
        ),
        Seen::Served { folder, .. } if *folder != e.folder => format!(
            "Grafana serves it in folder {folder}, not {}",
            e.folder
        ),
        Seen::Served { version, .. } => format!(
            "Grafana still serves an earlier version ({}): it did not take the new JSON ({log_hint})",
            version.map_or("?".into(), |v| v.to_string())
        ),
    }
}

/// Wait until Grafana serves every dashboard of `expected`, at most `timeout`, looking every
/// `interval`; `progress(arrived, total)` after each look. `log_hint` says where Grafana's log is.
pub async fn wait(
    api: &GrafanaApi,
    expected: &[Expected],
    timeout: Duration,
    interval: Duration,
    log_hint: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Arrival {
    let start = Instant::now();
    let mut missing: Vec<Missing> = Vec::new();
    let mut pending: Vec<(&Expected, Seen)> = Vec::new();
    for e in expected {
        match &e.known_problem {
            Some(p) => missing.push(miss(e, p.clone())),
            None => pending.push((e, Seen::NotServed)),
        }
    }
    let total = pending.len();
    loop {
        let looks: Vec<Seen> = futures::stream::iter(pending.iter())
            .map(|(e, _)| look(api, e))
            .buffered(8)
            .collect()
            .await;
        for (p, seen) in pending.iter_mut().zip(looks) {
            p.1 = seen;
        }
        pending.retain(|(e, seen)| !arrived(e, seen));
        progress(total - pending.len(), total);
        if pending.is_empty() || start.elapsed() + interval > timeout {
            break;
        }
        tokio::time::sleep(interval).await;
    }
    let arrived = total - pending.len();
    missing.extend(
        pending
            .iter()
            .map(|(e, seen)| miss(e, reason(e, seen, log_hint))),
    );
    Arrival {
        grafana: api.base.clone(),
        waited_seconds: start.elapsed().as_millis() as f64 / 1000.0,
        arrived,
        missing,
    }
}

fn miss(e: &Expected, reason: String) -> Missing {
    Missing {
        uid: e.uid.clone(),
        title: e.title.clone(),
        folder: e.folder.clone(),
        source: e.source.clone(),
        reason,
    }
}
