//! What a CRD holds. Deleting a CRD deletes every object of its kind in the whole cluster,
//! whoever made it (helm never deletes CRDs for that reason): before `uninstall --delete-crds`
//! deletes ours, each one's objects are counted in every namespace and told apart by owner:
//! ours (the release's, by helm's ownership annotations; promstack's, by its labels) and other
//! owners' (another release, Cilium's ServiceMonitors, another team's), which are named.
use super::Owner;
use anyhow::Context as _;
use promstack_shared::kube::cluster::{Cluster, ClusterError, ListQuery, ObjRef};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// At most this many objects of other owners are named one by one; more are counted per kind
/// and namespace, with [`NAMES_SHOWN`] names each.
pub const FEW: usize = 10;
const NAMES_SHOWN: usize = 3;

/// A CRD's kind as the API server serves it, to list its objects with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub crd: String,
    pub api_version: String,
    pub kind: String,
}

impl Served {
    /// From the live CRD: its group, kind and storage version (else the first served one).
    pub fn of(crd: &Value) -> Option<Served> {
        let s = |p: &str| crd.pointer(p).and_then(Value::as_str);
        let versions = crd.pointer("/spec/versions").and_then(Value::as_array)?;
        let version = versions
            .iter()
            .find(|v| v["storage"] == true)
            .or_else(|| versions.iter().find(|v| v["served"] == true))
            .and_then(|v| v["name"].as_str())?;
        Some(Served {
            crd: s("/metadata/name")?.into(),
            api_version: format!("{}/{version}", s("/spec/group")?),
            kind: s("/spec/names/kind")?.into(),
        })
    }

    /// Every object of the kind, in every namespace (none when the kind is no longer served: the
    /// CRD has just gone).
    pub async fn objects(&self, cluster: &dyn Cluster) -> Result<Vec<Value>, ClusterError> {
        let q = ListQuery::new(&self.api_version, &self.kind);
        match cluster.list(&q).await {
            Err(ClusterError::NotFound(_) | ClusterError::UnknownKind(_)) => Ok(vec![]),
            listed => listed,
        }
    }
}

/// An object of another owner that goes with a CRD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Other {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// Who it belongs to, as far as its labels, annotations and field managers tell.
    pub owner: String,
}

/// What one CRD holds: how many objects are ours, and each of other owners'.
#[derive(Debug, Clone, Serialize)]
pub struct Held {
    pub crd: String,
    pub kind: String,
    pub ours: usize,
    pub others: Vec<Other>,
}

impl Held {
    pub fn total(&self) -> usize {
        self.ours + self.others.len()
    }
}

/// Count what each CRD holds in every namespace (one list per CRD, all at once), telling ours
/// (release `release` in `namespace`, or promstack's) from others'.
pub async fn count(
    cluster: &dyn Cluster,
    crds: &[Value],
    release: &str,
    namespace: &str,
) -> anyhow::Result<Vec<Held>> {
    let served: Vec<Served> = crds.iter().filter_map(Served::of).collect();
    let lists = futures::future::join_all(served.iter().map(|s| s.objects(cluster))).await;
    served
        .into_iter()
        .zip(lists)
        .map(|(s, objects)| {
            let what = format!("listing {}s in every namespace", s.kind);
            Ok(held(s, &objects.context(what)?, release, namespace))
        })
        .collect()
}

/// One CRD's objects, sorted out by owner.
fn held(s: Served, objects: &[Value], release: &str, namespace: &str) -> Held {
    let mut h = Held {
        crd: s.crd,
        kind: s.kind,
        ours: 0,
        others: vec![],
    };
    for o in objects {
        match super::owner(Some(o), release, namespace, false) {
            Owner::Foreign(owner) => {
                let Ok(r) = ObjRef::of(o) else { continue };
                h.others.push(Other {
                    kind: r.kind,
                    namespace: r.namespace,
                    name: r.name,
                    owner,
                });
            }
            _ => h.ours += 1,
        }
    }
    h.others
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    h
}

/// `302 ServiceMonitors`, `1 Prometheus`.
pub fn counted(n: usize, kind: &str) -> String {
    match n {
        1 => format!("1 {kind}"),
        n if kind.ends_with('s') => format!("{n} {kind}es"),
        n => format!("{n} {kind}s"),
    }
}

/// Other owners' objects as lines: each one named when there are at most [`FEW`]; else a count
/// per kind and namespace with the first names, and the owner when they share one.
pub fn describe(others: &[&Other]) -> Vec<String> {
    if others.len() <= FEW {
        return others
            .iter()
            .map(|o| match &o.namespace {
                Some(ns) => format!("{} {ns}/{} ({})", o.kind, o.name, o.owner),
                None => format!("{} {} ({})", o.kind, o.name, o.owner),
            })
            .collect();
    }
    let mut groups: BTreeMap<(&str, Option<&str>), Vec<&Other>> = BTreeMap::new();
    for o in others {
        groups
            .entry((o.kind.as_str(), o.namespace.as_deref()))
            .or_default()
            .push(o);
    }
    groups
        .into_iter()
        .map(|((kind, ns), objs)| {
            let mut names: Vec<&str> = objs
                .iter()
                .take(NAMES_SHOWN)
                .map(|o| o.name.as_str())
                .collect();
            if objs.len() > NAMES_SHOWN {
                names.push("…");
            }
            let owner = match objs.iter().all(|o| o.owner == objs[0].owner) {
                true => format!("; {}", objs[0].owner),
                false => "; several owners".into(),
            };
            let place = ns.map_or("cluster-wide".to_string(), |ns| format!("in {ns}"));
            format!(
                "{} {place} ({}{owner})",
                counted(objs.len(), kind),
                names.join(", ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd() -> Value {
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "servicemonitors.monitoring.coreos.com"},
            "spec": {"group": "monitoring.coreos.com", "names": {"kind": "ServiceMonitor", "plural": "servicemonitors"},
                "versions": [{"name": "v1alpha1", "served": true, "storage": false}, {"name": "v1", "served": true, "storage": true}]}})
    }

    fn sm(ns: &str, name: &str, meta: Value) -> Value {
        let mut o = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": name, "namespace": ns}});
        o["metadata"]
            .as_object_mut()
            .unwrap()
            .extend(meta.as_object().unwrap().clone());
        o
    }

    #[test]
    fn a_crd_is_listed_by_its_storage_version() {
        let s = Served::of(&crd()).unwrap();
        assert_eq!(s.api_version, "monitoring.coreos.com/v1");
        assert_eq!(s.kind, "ServiceMonitor");
        assert_eq!(s.crd, "servicemonitors.monitoring.coreos.com");
        assert_eq!(Served::of(&json!({"metadata": {"name": "x"}})), None);
    }

    #[test]
    fn the_release_and_promstack_are_ours_everything_else_is_named_with_its_owner() {
        let release = json!({"annotations": {"meta.helm.sh/release-name": "kube-prometheus", "meta.helm.sh/release-namespace": "monitoring"}});
        let promstack = json!({"labels": {"app.kubernetes.io/managed-by": "promstack"}});
        let cilium = json!({"annotations": {"meta.helm.sh/release-name": "cilium", "meta.helm.sh/release-namespace": "kube-system"}});
        let same_name_elsewhere = json!({"annotations": {"meta.helm.sh/release-name": "kube-prometheus", "meta.helm.sh/release-namespace": "other"}});
        let by_hand = json!({"managedFields": [{"manager": "kubectl-client-side-apply"}]});
        let objects = [
            sm("monitoring", "a", release),
            sm("team", "r", promstack),
            sm("kube-system", "cilium-agent", cilium),
            sm("other", "b", same_name_elsewhere),
            sm("team", "c", by_hand),
        ];
        let h = held(
            Served::of(&crd()).unwrap(),
            &objects,
            "kube-prometheus",
            "monitoring",
        );
        assert_eq!(h.ours, 2);
        assert_eq!(h.total(), 5);
        let others: Vec<(&str, &str)> = h
            .others
            .iter()
            .map(|o| (o.name.as_str(), o.owner.as_str()))
            .collect();
        assert_eq!(
            others,
            [
                ("cilium-agent", "helm release kube-system/cilium"),
                ("b", "helm release other/kube-prometheus"),
                ("c", "field managers kubectl-client-side-apply")
            ]
        );
    }

    fn other(ns: &str, name: &str, owner: &str) -> Other {
        Other {
            kind: "ServiceMonitor".into(),
            namespace: Some(ns.into()),
            name: name.into(),
            owner: owner.into(),
        }
    }

    #[test]
    fn few_are_named_one_by_one() {
        let few: Vec<Other> = ["cilium-agent", "cilium-operator", "hubble"]
            .iter()
            .map(|n| other("kube-system", n, "helm release kube-system/cilium"))
            .collect();
        assert_eq!(
            describe(&few.iter().collect::<Vec<_>>()),
            [
                "ServiceMonitor kube-system/cilium-agent (helm release kube-system/cilium)",
                "ServiceMonitor kube-system/cilium-operator (helm release kube-system/cilium)",
                "ServiceMonitor kube-system/hubble (helm release kube-system/cilium)",
            ]
        );
    }

    #[test]
    fn many_are_counted_per_kind_and_namespace_with_three_names_each() {
        let mut many: Vec<Other> = (0..300)
            .map(|i| other("team-a", &format!("svc-{i:03}"), "helm release team-a/app"))
            .collect();
        many.push(other(
            "kube-system",
            "cilium-agent",
            "helm release kube-system/cilium",
        ));
        many.push(other("kube-system", "by-hand", "field managers kubectl"));
        let mut probe = other("team-a", "ping", "managed by flux");
        probe.kind = "Probe".into();
        many.push(probe);
        assert_eq!(
            describe(&many.iter().collect::<Vec<_>>()),
            [
                "1 Probe in team-a (ping; managed by flux)",
                "2 ServiceMonitors in kube-system (cilium-agent, by-hand; several owners)",
                "300 ServiceMonitors in team-a (svc-000, svc-001, svc-002, …; helm release team-a/app)",
            ]
        );
        assert_eq!(counted(2, "Prometheus"), "2 Prometheuses");
    }
}
