//! What an install or upgrade would change in the release's objects, before it changes them, as
//! `kubectl diff` and helm-diff show it: every object of the new render is applied server-side
//! with `dryRun=All` as helm's field manager (`helm`, forced, with the ownership helm writes on
//! every object), so that the API server's defaults, mutating webhooks and field ownership count,
//! and the result is compared with the live object. A field the release set before (in `helm get
//! manifest`) and the new render no longer sets is removed, as helm's three-way merge (helm 3) and
//! server-side apply (helm 4) remove it. Objects of the release the new render no longer has are
//! removed; helm's hooks are left out (helm runs them, they are not part of the release). Secret
//! values never appear: each is said to be there, with its size, and whether it changes.
//!
//! The chart's CRDs get a short form ([`crds`]): the versions served and the schema fields added
//! or removed.
pub mod crds;
mod fields;
mod text;

pub use fields::FieldChange;

use crate::chart::values::RELEASE;
use anyhow::Context as _;
use futures::StreamExt as _;
use promstack_shared::kube::cluster::{is_cluster_scoped, Cluster, ClusterError, ObjRef};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// helm's field manager: the dry-run apply is helm's own, so the fields helm owns count as its.
pub const HELM_MANAGER: &str = "helm";

/// At most this many objects are read and dry-run applied at once.
const IN_FLIGHT: usize = 24;

/// What happens to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Changed,
    Removed,
}

/// One object that changes.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectDiff {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub change: Change,
    /// The fields that change, with their values before and after (Secret values redacted).
    pub fields: Vec<FieldChange>,
    /// The unified diff of the object as YAML, live then after (Secret values redacted).
    pub diff: String,
}

impl ObjectDiff {
    pub fn title(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// How many objects of a kind are added, changed, removed and unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
    pub unchanged: usize,
}

/// The diff of the whole release.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReleaseDiff {
    /// The objects that change, in the render's order (removed ones last).
    pub objects: Vec<ObjectDiff>,
    /// Per kind.
    pub counts: BTreeMap<String, Counts>,
    /// The chart's CRDs that change.
    pub crds: Vec<crds::CrdDiff>,
    /// Hooks of the render, left out.
    pub hooks: usize,
}

impl ReleaseDiff {
    /// Does anything change?
    pub fn changes(&self) -> bool {
        !self.objects.is_empty() || !self.crds.is_empty()
    }

    /// The diff for people: each object that changes (its fields, then its unified diff), the
    /// CRDs, then the counts.
    pub fn text(&self) -> String {
        text::render(self)
    }
}

/// `doc` with what helm writes on every object it makes: the release's ownership annotations and
/// the `managed-by` label.
pub fn owned_by_helm(mut doc: Value, release: &str, ns: &str) -> Value {
    let meta = &mut doc["metadata"];
    meta["annotations"]["meta.helm.sh/release-name"] = json!(release);
    meta["annotations"]["meta.helm.sh/release-namespace"] = json!(ns);
    meta["labels"]["app.kubernetes.io/managed-by"] = json!("Helm");
    doc
}

fn is_hook(d: &Value) -> bool {
    d.pointer("/metadata/annotations/helm.sh~1hook").is_some()
}

fn key(d: &Value) -> Option<String> {
    ObjRef::of(d).ok().map(|r| {
        format!(
            "{}/{}/{}",
            r.kind,
            r.namespace.as_deref().unwrap_or(""),
            r.name
        )
    })
}

/// The release's objects now and after, compared. `docs` is the new render (CRDs and hooks are
/// left out here), `previous` the deployed release's manifest (`helm get manifest`, None when
/// there is no release), `ns_exists` whether the namespace is there as the install is to find
/// it (not: one being deleted, which the install waits for first), `going` the kinds (group,
/// kind) of the CRDs being deleted, which it waits for too: the objects in a namespace that is
/// not there, or of a kind being deleted, are new, whatever is live now, and the API server is
/// not asked about them (it refuses a dry-run create in a namespace or of a kind being deleted).
pub async fn compute(
    cluster: &dyn Cluster,
    ns: &str,
    docs: &[Value],
    previous: Option<&str>,
    ns_exists: bool,
    going: &[(String, String)],
) -> anyhow::Result<ReleaseDiff> {
    let previous: HashMap<String, Value> = match previous {
        Some(text) => crate::chart::crds::documents(text)
            .context("reading the deployed release's manifest")?
            .into_iter()
            .filter_map(|d| Some((key(&d)?, d)))
            .collect(),
        None => HashMap::new(),
    };
    let hooks = docs.iter().filter(|d| is_hook(d)).count();
    let release: Vec<&Value> = docs
        .iter()
        .filter(|d| d["kind"] != "CustomResourceDefinition" && !is_hook(d))
        .collect();
    let outcomes: Vec<anyhow::Result<(String, Option<ObjectDiff>)>> =
        futures::stream::iter(release.iter().map(|d| {
            let before = key(d).and_then(|k| previous.get(&k));
            one(cluster, ns, d, before, ns_exists, going)
        }))
        .buffered(IN_FLIGHT)
        .collect()
        .await;
    let mut out = ReleaseDiff {
        hooks,
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    for (d, outcome) in release.iter().zip(outcomes) {
        let (kind, diff) = outcome?;
        seen.extend(key(d));
        tally(&mut out, &kind, diff);
    }
    let gone: Vec<&Value> = previous
        .iter()
        .filter(|(k, _)| !seen.contains(*k))
        .map(|(_, d)| d)
        .collect();
    let removed: Vec<anyhow::Result<Option<ObjectDiff>>> =
        futures::stream::iter(gone.iter().map(|d| removed(cluster, d)))
            .buffered(IN_FLIGHT)
            .collect()
            .await;
    let mut removed: Vec<ObjectDiff> = removed
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    removed.sort_by_key(ObjectDiff::title);
    for r in removed {
        let kind = r.kind.clone();
        tally(&mut out, &kind, Some(r));
    }
    Ok(out)
}

fn tally(out: &mut ReleaseDiff, kind: &str, diff: Option<ObjectDiff>) {
    let counts = out.counts.entry(kind.to_string()).or_default();
    match &diff {
        None => counts.unchanged += 1,
        Some(d) => match d.change {
            Change::Added => counts.added += 1,
            Change::Changed => counts.changed += 1,
            Change::Removed => counts.removed += 1,
        },
    }
    out.objects.extend(diff);
}

/// One object of the new render against the live one: None when it stays as it is.
async fn one(
    cluster: &dyn Cluster,
    ns: &str,
    doc: &Value,
    before: Option<&Value>,
    ns_exists: bool,
    going: &[(String, String)],
) -> anyhow::Result<(String, Option<ObjectDiff>)> {
    let r = ObjRef::of(doc)?;
    let owned = owned_by_helm(doc.clone(), RELEASE, ns);
    let group = r.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let in_no_namespace = !ns_exists && r.namespace.as_deref() == Some(ns);
    if in_no_namespace || going.iter().any(|(g, k)| g == group && *k == r.kind) {
        return Ok((r.kind.clone(), fields::compare(&r, None, Some(owned))));
    }
    let live = match cluster.get(&r).await {
        Ok(live) => live,
        // a kind whose CRD the install is yet to apply: the object is new
        Err(ClusterError::UnknownKind(_)) => None,
        Err(e) => return Err(e).with_context(|| format!("reading {r}")),
    };
    let can_dry_run = ns_exists || is_cluster_scoped(&r.kind) || live.is_some();
    let mut after = match can_dry_run {
        true => match cluster.dry_run_apply(&owned, HELM_MANAGER).await {
            Ok(after) => after,
            Err(ClusterError::UnknownKind(_)) => owned.clone(),
            // the object as rendered is refused (invalid, forbidden by admission): the install
            // would fail there; nothing is written, a check that failed
            Err(e @ (ClusterError::Invalid(_) | ClusterError::Api { code: 400 | 403 | 422, .. })) => {
                return Err(promstack_shared::Error::check(format!(
                    "the API server refuses {r} as the new render has it (a server-side dry run): {e}. The install would fail there: fix the values that render it."
                ))
                .into())
            }
            Err(e) => {
                return Err(e).with_context(|| format!("dry-run apply of {r}"))
            }
        },
        false => owned.clone(),
    };
    if let (Some(before), Some(_)) = (before, &live) {
        fields::remove_dropped(&mut after, before, &owned);
    }
    Ok((r.kind.clone(), fields::compare(&r, live, Some(after))))
}

/// An object of the deployed release that the new render no longer has (None: already gone).
async fn removed(cluster: &dyn Cluster, doc: &Value) -> anyhow::Result<Option<ObjectDiff>> {
    let r = ObjRef::of(doc)?;
    let live = match cluster.get(&r).await {
        Ok(live) => live,
        Err(ClusterError::UnknownKind(_)) => None,
        Err(e) => return Err(e).with_context(|| format!("reading {r}")),
    };
    Ok(live.and_then(|l| fields::compare(&r, Some(l), None)))
}

#[cfg(test)]
mod tests;
