//! Pre-flight checks of the namespace: one being deleted is waited for until gone
//! ([`deleted_first`]); the claims Prometheus and Alertmanager already have ([`claims`]), and Pod
//! Security ([`pod_security`]): node-exporter needs host namespaces, host
//! ports and hostPath volumes, which Pod Security `baseline` (Talos's default for every namespace)
//! and `restricted` forbid. The namespace promstack applies carries
//! `pod-security.kubernetes.io/enforce: privileged`; an existing namespace is asked what its
//! admission says of node-exporter's pod (a server-side dry-run create), and one whose label
//! someone else set to a lower level stops the install.
use super::super::{Deps, InstallOptions};
use super::deleted::Deleted;
use super::passed;
use crate::chart::values::{self, RELEASE};
use crate::install::{Check, Said};
use anyhow::Context as _;
use promstack_shared::kube::cluster::{is_terminating, Cluster, ClusterError, ObjRef};
use promstack_shared::kube::wait::deletion::NamespaceDeletion;
use promstack_shared::Error;
use serde_json::{json, Value};
use tokio::time::Instant;

/// The namespace as it is (None: the install creates it); one being deleted is waited for
/// first ([`deleted_first`]).
pub(super) async fn read(opts: &InstallOptions, deps: &Deps<'_>) -> anyhow::Result<Option<Value>> {
    deps.cluster
        .get(&ObjRef::new("v1", "Namespace", None, &opts.namespace))
        .await
        .context("reading the namespace")
}

/// A namespace being deleted (an `uninstall --delete-namespace` just before: the API server
/// refuses anything new in it): waited for until gone, then read again, so the install creates
/// it anew (see [`super::deleted`]; with --dry-run only said, and planned as gone). The namespace
/// as the install is to find it, and the check when one was being deleted.
pub(super) async fn deleted_first(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    ns_live: Option<Value>,
    until: Instant,
) -> anyhow::Result<(Option<Value>, Option<Check>)> {
    let Some(live) = ns_live.clone().filter(is_terminating) else {
        return Ok((ns_live, None));
    };
    let d = Deleted {
        check: "namespace-deleted",
        what: format!("namespace {}", opts.namespace),
        plural: false,
        deleting: Box::new(NamespaceDeletion::of(live)),
    };
    let check = super::deleted::first(opts, deps, d, until).await?;
    let now = match opts.dry_run {
        true => None,
        false => read(opts, deps).await?,
    };
    Ok((now, Some(check)))
}

/// The existing claims can hold what the values ask (see [`claims`]).
pub(super) async fn claims_check(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    ns_live: Option<&Value>,
    merged: &Value,
) -> anyhow::Result<Check> {
    let ns = opts.namespace.as_str();
    let (found, warnings) = claims(deps.cluster, ns, ns_live.is_some(), merged).await?;
    let said = Some(format!("volumes: {found}"));
    let mut check = passed("claims", found, said);
    let warnings = warnings.into_iter().map(Said::Warn);
    check.said = warnings.chain(check.said).collect();
    Ok(check)
}

/// What Pod Security admission says of node-exporter here (see [`pod_security`]).
pub(super) async fn pod_security_check(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    ns_live: Option<&Value>,
    docs: &[Value],
    merged: &Value,
) -> anyhow::Result<(PodSecurity, Check)> {
    let ns = opts.namespace.as_str();
    let node_exporter = values::enabled(merged, "nodeExporter");
    let ps = pod_security(deps.cluster, ns, ns_live, docs, node_exporter).await?;
    let said = format!("Pod Security: {}", ps.detail(ns));
    let check = passed("pod-security", ps.detail(ns), Some(said));
    Ok((ps, check))
}

/// The namespace label that sets the Pod Security level admission enforces.
pub const ENFORCE_LABEL: &str = promstack_shared::kube::cluster::POD_SECURITY_ENFORCE;

/// The labels that set the level admission warns about (to the client: helm prints each
/// warning) and records in the audit log; Talos defaults both to `restricted`.
pub const WARN_LABEL: &str = "pod-security.kubernetes.io/warn";
pub const AUDIT_LABEL: &str = "pod-security.kubernetes.io/audit";

/// The level node-exporter needs.
pub const PRIVILEGED: &str = "privileged";

/// The namespace's Pod Security labels as promstack sets them, in one phrase: enforce, and warn
/// and audit with it (else Talos's `restricted` default for those two warns on every install,
/// and the warnings bury helm's real error when it fails).
pub fn labels_said() -> String {
    format!("{ENFORCE_LABEL}={PRIVILEGED}, and warn and audit privileged too")
}

/// Why promstack's namespace carries the label.
pub const WHY_PRIVILEGED: &str =
    "node-exporter needs hostNetwork, hostPID, a host port and hostPath volumes, which Pod Security baseline and restricted forbid";

/// What the namespace's Pod Security means for the install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodSecurity {
    /// node-exporter is off: no pod needs more than the namespace allows.
    NotNeeded,
    /// The namespace is new: promstack creates it with the label.
    NewNamespace,
    /// The namespace already allows node-exporter's pods.
    Allowed(String),
    /// The namespace exists without the label: promstack's apply adds it (a plan step); what
    /// admission says without it.
    AddLabel(String),
}

impl PodSecurity {
    /// Does promstack's Namespace object carry the label?
    pub fn labels_namespace(&self) -> bool {
        !matches!(self, PodSecurity::NotNeeded)
    }
    /// For the pre-flight line and the plan.
    pub fn detail(&self, ns: &str) -> String {
        match self {
            PodSecurity::NotNeeded => "node-exporter is off: nothing needs privileged pods".into(),
            PodSecurity::NewNamespace => format!(
                "namespace {ns} will be created with {}: {WHY_PRIVILEGED}",
                labels_said()
            ),
            PodSecurity::Allowed(why) => why.clone(),
            PodSecurity::AddLabel(why) => format!(
                "namespace {ns} gets {} ({why}): {WHY_PRIVILEGED}",
                labels_said()
            ),
        }
    }
}

/// node-exporter's pod as the chart renders it, ready for a dry-run create in `ns`.
fn node_exporter_pod(docs: &[Value], ns: &str) -> Option<Value> {
    let ds = docs.iter().find(|d| {
        d["kind"] == "DaemonSet"
            && d["metadata"]["name"] == format!("{RELEASE}-prometheus-node-exporter").as_str()
    })?;
    let mut spec = ds.pointer("/spec/template/spec")?.clone();
    // the ServiceAccount is created by helm later: the namespace's default one stands in, so the
    // answer is about the pod's security, not about an account that does not exist yet
    if let Some(s) = spec.as_object_mut() {
        s.remove("serviceAccountName");
        s.insert("automountServiceAccountToken".into(), json!(false));
    }
    Some(json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "promstack-preflight-node-exporter", "namespace": ns},
        "spec": spec,
    }))
}

fn label_command(ns: &str) -> String {
    format!("kubectl label namespace {ns} {ENFORCE_LABEL}={PRIVILEGED} --overwrite")
}

/// Find out what the namespace's Pod Security admission says of node-exporter (see the module
/// docs). `ns_live` is the namespace as it is (None: promstack creates it), `docs` the rendered chart.
pub async fn pod_security(
    cluster: &dyn Cluster,
    ns: &str,
    ns_live: Option<&Value>,
    docs: &[Value],
    node_exporter: bool,
) -> Result<PodSecurity, Error> {
    if !node_exporter {
        return Ok(PodSecurity::NotNeeded);
    }
    let Some(live) = ns_live else {
        return Ok(PodSecurity::NewNamespace);
    };
    let level = live
        .pointer("/metadata/labels")
        .and_then(|l| l.get(ENFORCE_LABEL))
        .and_then(Value::as_str);
    if let Some(level) = level.filter(|l| *l != PRIVILEGED) {
        return Err(Error::check(format!(
            "namespace {ns} enforces Pod Security `{level}` (label {ENFORCE_LABEL}={level}, set outside promstack), and {WHY_PRIVILEGED}: node-exporter would never start. Allow it with `{}`, or install into a namespace of its own (-n).",
            label_command(ns)
        )));
    }
    let Some(pod) = node_exporter_pod(docs, ns) else {
        return Ok(if level.is_some() {
            PodSecurity::Allowed(format!("namespace {ns} is {ENFORCE_LABEL}={PRIVILEGED}"))
        } else {
            PodSecurity::AddLabel(
                "node-exporter's pod is not in the render to ask admission about".into(),
            )
        });
    };
    match cluster.dry_run_create(&pod).await {
        Ok(_) if level.is_some() => Ok(PodSecurity::Allowed(format!(
            "namespace {ns} is {ENFORCE_LABEL}={PRIVILEGED}; admission accepts node-exporter's pod"
        ))),
        Ok(_) => Ok(PodSecurity::AddLabel(
            "admission accepts node-exporter's pod today; the label keeps it so if the cluster's default changes".into(),
        )),
        Err(ClusterError::Api { code, message })
            if (code == 403 || code == 422) && message.contains("PodSecurity") && level.is_none() =>
        {
            Ok(PodSecurity::AddLabel(format!(
                "without it the cluster's default refuses node-exporter (Talos enforces baseline): {message}"
            )))
        }
        Err(ClusterError::Api { code, message })
            if (code == 403 || code == 422) && !message.contains("service account") =>
        {
            Err(Error::check(format!(
                "the cluster's admission refuses node-exporter's pods in namespace {ns}: {message}. Allow them there (a policy exception for namespace {ns}), or turn node-exporter off in a -f values file (nodeExporter.enabled: false)."
            )))
        }
        // the answer could not be had (a webhook down, no permission to dry-run pods): the label
        // is still applied; the wait names a refusal if one comes
        Err(e) => Ok(if level.is_some() {
            PodSecurity::Allowed(format!("namespace {ns} is {ENFORCE_LABEL}={PRIVILEGED} (admission could not be asked: {e})"))
        } else {
            PodSecurity::AddLabel(format!("admission could not be asked: {e}"))
        }),
    }
}

/// The claims Prometheus and Alertmanager already have, against what the values ask (see
/// [`crate::stack::claims`]): one that cannot hold the retention stops the install (exit 3) with how to
/// fix it; another class, size or access mode is said and the install goes on.
pub async fn claims(
    cluster: &dyn Cluster,
    ns: &str,
    ns_exists: bool,
    merged: &Value,
) -> Result<(String, Vec<String>), Error> {
    if !ns_exists {
        return Ok(("no claims yet".into(), vec![]));
    }
    let q = promstack_shared::kube::cluster::ListQuery::new("v1", "PersistentVolumeClaim")
        .in_namespace(ns);
    let pvcs = cluster
        .list(&q)
        .await
        .map_err(|e| Error::runtime(format!("listing the claims in {ns}: {e}")))?;
    let wanted = crate::stack::claims::wanted(merged);
    let mut mismatches = crate::stack::claims::compare(&wanted, &pvcs, &[], ns);
    if !mismatches.is_empty() {
        // only now the classes: whether a claim can grow in place decides the fix
        let classes = cluster
            .list(&promstack_shared::kube::cluster::ListQuery::new(
                "storage.k8s.io/v1",
                "StorageClass",
            ))
            .await
            .unwrap_or_default();
        mismatches = crate::stack::claims::compare(&wanted, &pvcs, &classes, ns);
    }
    let (fails, warns): (Vec<_>, Vec<_>) = mismatches.iter().partition(|m| m.fails);
    let warnings = warns
        .iter()
        .map(|w| format!("{}. To change it: {}", w.what, w.fix))
        .collect();
    if !fails.is_empty() {
        return Err(Error::check(
            fails
                .iter()
                .map(|m| format!("{}. Fix: {}", m.what, m.fix))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    let summary = if warns.is_empty() {
        "existing claims match the values".into()
    } else {
        format!(
            "{} claim(s) stay as they are (see the warnings)",
            warns.len()
        )
    };
    Ok((summary, warnings))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// The pod asked about is node-exporter's DaemonSet's, found by kind and name: not its
    /// Service (same name, rendered first), not another DaemonSet.
    #[test]
    fn node_exporters_pod_is_its_daemonsets() {
        let name = "kube-prometheus-prometheus-node-exporter";
        let docs = [
            json!({"kind": "Service", "metadata": {"name": name}, "spec": {"ports": []}}),
            json!({"kind": "DaemonSet", "metadata": {"name": "other"},
                "spec": {"template": {"spec": {"containers": [{"name": "other"}]}}}}),
            json!({"kind": "DaemonSet", "metadata": {"name": name},
                "spec": {"template": {"spec": {"serviceAccountName": name, "hostPID": true,
                    "containers": [{"name": "node-exporter"}]}}}}),
        ];
        let pod = super::node_exporter_pod(&docs, "monitoring").unwrap();
        assert_eq!(
            pod,
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "promstack-preflight-node-exporter", "namespace": "monitoring"},
                "spec": {"hostPID": true, "automountServiceAccountToken": false,
                    "containers": [{"name": "node-exporter"}]}})
        );
    }
}
