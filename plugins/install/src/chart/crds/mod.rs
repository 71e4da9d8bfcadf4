//! The chart's CRDs: taken from `helm template --include-crds`, applied server-side (force,
//! manager promstack) so they are upgraded and not limited by client-side apply's annotation
//! size, and waited for until Established. Helm then runs with `--skip-crds`. What a CRD holds
//! (its objects, ours and other owners') is [`contents`]; CRDs being deleted are [`deletion`].
pub mod contents;
pub mod deletion;
pub mod schema;

use promstack_shared::kube::cluster::{
    with_retry, ApplyOptions, Cluster, ClusterError, ObjRef, WRITE_ATTEMPTS,
};
use promstack_shared::kube::owned::{self, Change};
use promstack_shared::kube::wait::{self, Readiness, WaitOptions};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::Error;
use serde_json::Value;

pub use promstack_shared::kube::cluster::CRD_API;

/// Every document of a rendered stream (empty documents dropped), read over the cores: a chart's
/// render is megabytes of YAML, most of it CRDs.
pub fn documents(rendered: &str) -> Result<Vec<Value>, Error> {
    let parsed = promstack_shared::input::par::map(&split_documents(rendered), |doc| {
        // straight into JSON (a quarter faster); a document JSON cannot hold as it is (a key
        // that is not a string) goes through YAML's own value first
        let v = match serde_yaml::from_str::<Value>(doc) {
            Ok(v) => v,
            Err(_) => {
                let v: serde_yaml::Value = serde_yaml::from_str(doc).map_err(|e| {
                    Error::runtime(format!("cannot read helm's rendered output: {e}"))
                })?;
                serde_json::to_value(v).map_err(|e| Error::runtime(e.to_string()))?
            }
        };
        Ok((!v.is_null()).then_some(v))
    });
    parsed.into_iter().filter_map(Result::transpose).collect()
}

/// The documents of a YAML stream, split at its `---` lines (a line that starts with `---` at the
/// first column ends a document: block content is always indented).
fn split_documents(stream: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut at = 0;
    for line in stream.split_inclusive('\n') {
        let l = line.trim_end_matches(['\n', '\r']);
        if l == "---" || l.starts_with("--- ") || l.starts_with("---\t") {
            docs.push(&stream[start..at]);
            // what follows the marker on its line belongs to the next document
            start = at + 3;
        }
        at += line.len();
    }
    docs.push(&stream[start..]);
    docs.into_iter().filter(|d| !d.trim().is_empty()).collect()
}

/// The CRDs in a rendered stream, labelled as ours.
pub fn from_rendered(docs: &[Value]) -> Vec<Value> {
    docs.iter()
        .filter(|d| d["kind"] == "CustomResourceDefinition")
        .map(|d| {
            let mut crd = d.clone();
            crd["apiVersion"] = Value::String(CRD_API.into());
            for (k, v) in owned::labels(crate::COMPONENT) {
                crd["metadata"]["labels"][k] = Value::String(v);
            }
            crd
        })
        .collect()
}

/// Who owns a CRD that is already there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Absent,
    /// Ours, or the chart's own release of the same name and namespace (a plain helm install we take over).
    Ours,
    /// Somebody else: an OLM operator, another release, a manual `kubectl create`.
    Foreign(String),
}

/// Decide who owns the live CRD. `helm_here`: the chart's release `release` is installed in
/// `namespace` (by plain helm, say): CRDs only helm ever wrote are that release's (helm installs a
/// chart's `crds/` without marking them), and taken over with it.
pub fn owner(live: Option<&Value>, release: &str, namespace: &str, helm_here: bool) -> Owner {
    let Some(live) = live else {
        return Owner::Absent;
    };
    if owned::is_ours(live) || owned::helm_release(live) == Some((namespace, release)) {
        return Owner::Ours;
    }
    // helm installs a chart's crds/ without marking them: CRDs only helm's field manager (helm,
    // helm3, ...) ever wrote, beside the API server keeping their status, are that release's
    let unmarked = owned::helm_release(live).is_none()
        && live
            .pointer(&format!(
                "/metadata/labels/{}",
                owned::MANAGED_BY_LABEL.replace('/', "~1")
            ))
            .is_none();
    let managers: Vec<&str> = live
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(|f| f["manager"].as_str()).collect())
        .unwrap_or_default();
    let helm = |m: &&str| m.starts_with("helm");
    let by_helm =
        managers.iter().any(helm) && managers.iter().all(|m| helm(m) || *m == "kube-apiserver");
    if helm_here && unmarked && by_helm {
        return Owner::Ours;
    }
    Owner::Foreign(owned::whose(live))
}

/// Is a CRD Established? (The common crate's readiness rule for CRDs.)
pub fn established(obj: Option<&Value>) -> Readiness {
    promstack_shared::kube::readiness::of("CustomResourceDefinition", obj, 0)
}

pub fn objref(crd: &Value) -> ObjRef {
    ObjRef::new(
        CRD_API,
        "CustomResourceDefinition",
        None,
        crd["metadata"]["name"].as_str().unwrap_or_default(),
    )
}

/// Apply every CRD that differs from the copy pre-flight read (`live`, one per CRD; server-side,
/// force), all at once, then wait until those applied, and any not Established when read, are
/// Established (read together, the pause growing from 50 ms: a CRD is Established within
/// moments). CRDs unchanged and Established cost no request. Says so in one line.
pub async fn apply_and_wait(
    cluster: &dyn Cluster,
    crds: &[Value],
    live: &[Option<Value>],
    ui: &Ui,
    opts: WaitOptions,
) -> Result<Vec<(String, Change)>, anyhow::Error> {
    let start = std::time::Instant::now();
    // pre-flight waited for those being deleted: never apply onto one (it would go all the same)
    let terminating = deletion::terminating(live);
    if !terminating.is_empty() {
        let names: Vec<&str> = terminating.iter().map(|r| r.name.as_str()).collect();
        return Err(Error::runtime(format!(
            "CRDs {} are being deleted again: applied now they would go all the same. Wait until they are gone (kubectl wait --for=delete crd/{}) and install again",
            names.join(", "),
            names[0]
        ))
        .into());
    }
    let changes: Vec<(String, Change)> = crds
        .iter()
        .zip(live.iter().chain(std::iter::repeat(&None)))
        .map(|(crd, live)| (objref(crd).name, owned::plan(live.as_ref(), crd)))
        .collect();
    let applies = crds
        .iter()
        .zip(&changes)
        .filter(|(_, (_, change))| *change != Change::Unchanged)
        .map(|(crd, (name, _))| async move {
            with_retry(WRITE_ATTEMPTS, || {
                cluster.apply(crd, ApplyOptions { force: true })
            })
            .await
            .map_err(|e: ClusterError| anyhow::anyhow!("applying CRD {name}: {e}"))
        });
    futures::future::join_all(applies)
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<ObjRef> = crds
        .iter()
        .zip(live.iter().chain(std::iter::repeat(&None)))
        .zip(&changes)
        .filter(|((_, live), (_, change))| {
            *change != Change::Unchanged || established(live.as_ref()) != Readiness::Ready
        })
        .map(|((crd, _), _)| objref(crd))
        .collect();
    if !refs.is_empty() {
        let what = format!("{} CRDs to be Established", refs.len());
        wait::wait_for_all(cluster, &refs, &what, established, opts, ui).await?;
    }
    let applied = changes
        .iter()
        .filter(|(_, c)| *c != Change::Unchanged)
        .count();
    ui.ok(&said(changes.len(), applied, start.elapsed()));
    Ok(changes)
}

/// The one line of the CRD step: how many, what was done to them, and how long it took.
fn said(total: usize, applied: usize, took: std::time::Duration) -> String {
    let took = promstack_shared::terminal::ui::human_duration(took);
    match applied {
        0 => format!("{total} CRDs unchanged and Established ({took})"),
        n if n == total => format!("{total} CRDs applied and Established ({took})"),
        n => format!("{total} CRDs Established, {n} of them applied ({took})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stream_splits_where_serde_yaml_would() {
        let stream = "a: 1\n---\n# Source: x\nb: |\n  ---\n  text\n--- # next\nc: [1, 2]\n---\n---\nd: \"---\"\n";
        let ours = documents(stream).unwrap();
        let theirs: Vec<Value> = serde_yaml::Deserializer::from_str(stream)
            .map(|d| {
                serde_json::to_value(
                    <serde_yaml::Value as serde::Deserialize>::deserialize(d).unwrap(),
                )
                .unwrap()
            })
            .filter(|v| !v.is_null())
            .collect();
        assert_eq!(ours, theirs);
        assert_eq!(ours.len(), 4);
        assert_eq!(ours[1]["b"], "---\ntext\n");
    }

    #[test]
    fn a_document_with_keys_json_has_no_form_for_is_read_too() {
        let docs = documents("a:\n  1: one\n  true: yes\n---\nb: [1, 2.5]\n").unwrap();
        assert_eq!(docs[0]["a"]["1"], "one");
        assert_eq!(docs[0]["a"]["true"], "yes");
        assert_eq!(docs[1]["b"][1], 2.5);
    }

    #[test]
    fn documents_and_crds_come_out_of_a_stream() {
        let stream = "---\n# Source: x\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.b\n---\n\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
        let docs = documents(stream).unwrap();
        assert_eq!(docs.len(), 2);
        let crds = from_rendered(&docs);
        assert_eq!(crds.len(), 1);
        assert_eq!(
            crds[0]["metadata"]["labels"][owned::MANAGED_BY_LABEL],
            "promstack"
        );
    }

    #[test]
    fn the_crd_step_is_one_line_in_plain_words() {
        let s = std::time::Duration::from_secs(6);
        assert_eq!(said(10, 10, s), "10 CRDs applied and Established (6s)");
        assert_eq!(
            said(10, 3, s),
            "10 CRDs Established, 3 of them applied (6s)"
        );
        assert_eq!(
            said(10, 0, std::time::Duration::from_millis(40)),
            "10 CRDs unchanged and Established (40ms)"
        );
    }

    #[tokio::test]
    async fn a_crd_being_deleted_is_never_applied_onto() {
        let c = promstack_shared::kube::cluster::MemoryCluster::new();
        let crd = json!({"apiVersion": CRD_API, "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.org"}, "spec": {"group": "example.org"}});
        let mut live = crd.clone();
        live["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        let opts = WaitOptions::default();
        let err = apply_and_wait(&c, &[crd], &[Some(live)], &Ui::silent(), opts)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("CRDs widgets.example.org are being deleted again"),
            "{err}"
        );
        assert_eq!(c.requests(), 0);
    }

    #[test]
    fn ownership() {
        let owner = |live: Option<&Value>, r: &str, m: &str| super::owner(live, r, m, false);
        assert_eq!(owner(None, "r", "m"), Owner::Absent);
        let ours = json!({"metadata": {"labels": {owned::MANAGED_BY_LABEL: "promstack"}}});
        assert_eq!(owner(Some(&ours), "r", "m"), Owner::Ours);
        let same_release = json!({"metadata": {"annotations": {"meta.helm.sh/release-name": "r", "meta.helm.sh/release-namespace": "m"}}});
        assert_eq!(owner(Some(&same_release), "r", "m"), Owner::Ours);
        let other = json!({"metadata": {"annotations": {"meta.helm.sh/release-name": "prom", "meta.helm.sh/release-namespace": "obs"}}});
        assert_eq!(
            owner(Some(&other), "r", "m"),
            Owner::Foreign("helm release obs/prom".into())
        );
        let olm = json!({"metadata": {"labels": {"operators.coreos.com/prometheus.openshift-monitoring": ""}}});
        assert!(matches!(owner(Some(&olm), "r", "m"), Owner::Foreign(s) if s.contains("OLM")));
        let manual = json!({"metadata": {"managedFields": [{"manager": "kubectl-create"}]}});
        assert!(
            matches!(owner(Some(&manual), "r", "m"), Owner::Foreign(s) if s.contains("kubectl-create"))
        );
        // a chart's crds/ as plain helm installs them: the release's, when that release is here
        let by_helm = json!({"metadata": {"managedFields": [{"manager": "helm3"}, {"manager": "kube-apiserver"}]}});
        assert!(matches!(owner(Some(&by_helm), "r", "m"), Owner::Foreign(s) if s.contains("helm")));
        assert_eq!(super::owner(Some(&by_helm), "r", "m", true), Owner::Ours);
        assert!(matches!(
            super::owner(Some(&manual), "r", "m", true),
            Owner::Foreign(_)
        ));
    }
}
