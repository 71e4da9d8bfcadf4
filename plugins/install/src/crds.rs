//! The chart's CRDs: taken from `helm template --include-crds`, applied server-side (force,
//! manager promstack) so they are upgraded and not limited by client-side apply's annotation
//! size, and waited for until Established. Helm then runs with `--skip-crds`.
use promstack_shared::cluster::{ApplyOptions, Cluster, ClusterError, ObjRef};
use promstack_shared::owned::{self, Change};
use promstack_shared::ui::Ui;
use promstack_shared::wait::{self, Readiness, WaitOptions};
use promstack_shared::Error;
use serde::Deserialize;
use serde_json::Value;

pub const CRD_API: &str = "apiextensions.k8s.io/v1";

/// Every document of a rendered stream (empty documents dropped).
pub fn documents(rendered: &str) -> Result<Vec<Value>, Error> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(rendered) {
        let v = serde_yaml::Value::deserialize(doc)
            .map_err(|e| Error::runtime(format!("cannot read helm's rendered output: {e}")))?;
        if v.is_null() {
            continue;
        }
        out.push(serde_json::to_value(v).map_err(|e| Error::runtime(e.to_string()))?);
    }
    Ok(out)
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

/// Decide who owns the live CRD.
pub fn owner(live: Option<&Value>, release: &str, namespace: &str) -> Owner {
    let Some(live) = live else {
        return Owner::Absent;
    };
    if owned::is_ours(live) {
        return Owner::Ours;
    }
    let ann = |k: &str| {
        live.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
    };
    match (
        ann("meta.helm.sh/release-name"),
        ann("meta.helm.sh/release-namespace"),
    ) {
        (Some(r), Some(ns)) if r == release && ns == namespace => return Owner::Ours,
        (Some(r), Some(ns)) => return Owner::Foreign(format!("helm release {ns}/{r}")),
        _ => {}
    }
    let label = |k: &str| {
        live.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
    };
    if let Some(m) = label(owned::MANAGED_BY_LABEL) {
        return Owner::Foreign(format!("managed by {m}"));
    }
    if label("operators.coreos.com/prometheus.operators").is_some()
        || live
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .is_some_and(|l| l.keys().any(|k| k.starts_with("operators.coreos.com/")))
    {
        return Owner::Foreign("an OLM operator subscription".into());
    }
    let managers: Vec<&str> = live
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(|f| f["manager"].as_str()).collect())
        .unwrap_or_default();
    Owner::Foreign(if managers.is_empty() {
        "an unknown installation".into()
    } else {
        format!("field managers {}", managers.join(", "))
    })
}

/// Is a CRD Established? (The common crate's readiness rule for CRDs.)
pub fn established(obj: Option<&Value>) -> Readiness {
    promstack_shared::readiness::of("CustomResourceDefinition", obj, 0)
}

pub fn objref(crd: &Value) -> ObjRef {
    ObjRef::new(
        CRD_API,
        "CustomResourceDefinition",
        None,
        crd["metadata"]["name"].as_str().unwrap_or_default(),
    )
}

/// Apply every CRD that differs (server-side, force), then wait until all are Established.
pub async fn apply_and_wait(
    cluster: &dyn Cluster,
    crds: &[Value],
    ui: &Ui,
    opts: WaitOptions,
) -> Result<Vec<(String, Change)>, anyhow::Error> {
    let mut changes = Vec::new();
    for crd in crds {
        let r = objref(crd);
        let change = owned::ensure(cluster, crd, ApplyOptions { force: true }, false)
            .await
            .map_err(|e: ClusterError| anyhow::anyhow!("applying CRD {}: {e}", r.name))?;
        changes.push((r.name.clone(), change));
    }
    for crd in crds {
        let r = objref(crd);
        wait::wait_for(
            cluster,
            &r,
            &format!("CRD {}", r.name),
            established,
            opts,
            ui,
        )
        .await?;
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn ownership() {
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
    }
}
