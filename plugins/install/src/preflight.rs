//! Pre-flight checks that read the cluster before anything is written and stop a doomed install
//! early, with exit 3 and what to do:
//!
//! - [`pod_security`]: node-exporter needs host namespaces, host ports and hostPath volumes, which
//!   Pod Security `baseline` (Talos's default for every namespace) and `restricted` forbid. The
//!   namespace promstack applies carries `pod-security.kubernetes.io/enforce: privileged`; an
//!   existing namespace is asked what its admission says of node-exporter's pod (a server-side
//!   dry-run create), and one whose label someone else set to a lower level stops the install.
//! - [`second_stack`]: the chart's cluster-scoped objects (ClusterRoles, bindings, webhook
//!   configurations) and its objects in kube-system have fixed names, so one stack per cluster:
//!   a release of the same name in another namespace, or such an object owned by another release,
//!   stops the install before helm would refuse it half-way.
use crate::values::RELEASE;
use promstack_shared::cluster::{is_cluster_scoped, Cluster, ClusterError, ObjRef};
use promstack_shared::Error;
use serde_json::{json, Value};

/// The namespace label that sets the Pod Security level admission enforces.
pub const ENFORCE_LABEL: &str = promstack_shared::cluster::POD_SECURITY_ENFORCE;
/// The level node-exporter needs.
pub const PRIVILEGED: &str = "privileged";
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
                "namespace {ns} will be created with {ENFORCE_LABEL}={PRIVILEGED}: {WHY_PRIVILEGED}"
            ),
            PodSecurity::Allowed(why) => why.clone(),
            PodSecurity::AddLabel(why) => format!(
                "namespace {ns} gets {ENFORCE_LABEL}={PRIVILEGED} ({why}): {WHY_PRIVILEGED}"
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

/// Who a live object belongs to, by helm's ownership annotations: (release, namespace).
fn helm_owner(live: &Value) -> Option<(String, String)> {
    let ann = |k: &str| {
        live.pointer(&format!("/metadata/annotations/{}", k.replace('/', "~1")))
            .and_then(Value::as_str)
            .map(String::from)
    };
    Some((
        ann("meta.helm.sh/release-name")?,
        ann("meta.helm.sh/release-namespace")?,
    ))
}

/// The chart's objects outside the release's namespace (cluster-scoped ones, and those it puts in
/// kube-system), CRDs left out (their owners are checked on their own) and hooks too: helm makes
/// those without its ownership annotations, deletes them when they have run, and replaces one
/// that is left (`before-hook-creation`), so they say nothing of who else is installed.
pub fn shared_objects(docs: &[Value], ns: &str) -> Vec<ObjRef> {
    docs.iter()
        .filter(|d| d["kind"] != "CustomResourceDefinition")
        .filter(|d| d.pointer("/metadata/annotations/helm.sh~1hook").is_none())
        .filter_map(|d| ObjRef::of(d).ok())
        .filter(|r| is_cluster_scoped(&r.kind) || r.namespace.as_deref().is_some_and(|n| n != ns))
        .collect()
}

/// Is another kube-prometheus-stack in the way? `elsewhere` are the releases named like ours in
/// other namespaces; the chart's shared objects are read (concurrently) for their owner.
pub async fn second_stack(
    cluster: &dyn Cluster,
    ns: &str,
    elsewhere: &[crate::helm::ReleaseInfo],
    docs: &[Value],
) -> Result<String, Error> {
    let shared = shared_objects(docs, ns);
    let lives = futures::future::join_all(shared.iter().map(|r| cluster.get(r))).await;
    let mut taken = Vec::new();
    let mut owners = std::collections::BTreeSet::new();
    for (r, live) in shared.iter().zip(lives) {
        let live = live.map_err(|e| Error::runtime(format!("reading {r}: {e}")))?;
        let Some(live) = live else { continue };
        match helm_owner(&live) {
            Some((rel, rns)) if rel == RELEASE && rns == ns => {}
            Some((rel, rns)) => {
                taken.push(format!("{r} (release {rns}/{rel})"));
                owners.insert(rns);
            }
            None => taken.push(format!("{r} (not made by helm)")),
        }
    }
    for r in elsewhere {
        owners.insert(r.namespace.clone());
    }
    if elsewhere.is_empty() && taken.is_empty() {
        return Ok(format!(
            "no other kube-prometheus-stack: {} cluster-wide objects of the chart free or ours",
            shared.len()
        ));
    }
    let mut what = Vec::new();
    if !elsewhere.is_empty() {
        what.push(format!(
            "helm release {} in {}",
            RELEASE,
            elsewhere
                .iter()
                .map(|r| format!("namespace {} ({}, {})", r.namespace, r.chart, r.status))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !taken.is_empty() {
        what.push(format!(
            "objects the chart needs under the same names: {}",
            taken.join(", ")
        ));
    }
    let fix = match owners.iter().next() {
        Some(other) => format!(
            "One stack per cluster: uninstall that one (`kubectl promstack install uninstall -n {other}`), or install into its namespace (`-n {other}`)."
        ),
        None => "Remove those objects, or install where they belong.".into(),
    };
    Err(Error::check(format!(
        "another kube-prometheus-stack is in the way of namespace {ns}: {}. The chart's ClusterRoles, bindings and webhook configurations have fixed names. {fix}",
        what.join("; ")
    )))
}

/// A Secret or ConfigMap a rendered workload needs before its pods can start.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Needed {
    kind: &'static str,
    name: String,
    by: String,
}

/// The pod spec inside a rendered workload, if it has one.
fn pod_spec(doc: &Value) -> Option<&Value> {
    match doc["kind"].as_str()? {
        "Pod" => doc.get("spec"),
        "CronJob" => doc.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => doc.pointer("/spec/template/spec"),
    }
}

/// What the rendered workloads mount (not optional), and the Secrets and ConfigMaps the
/// operator's Prometheus and Alertmanager objects name.
fn needed(docs: &[Value]) -> Vec<Needed> {
    let mut out = Vec::new();
    let who = |d: &Value| {
        format!(
            "{} {}",
            d["kind"].as_str().unwrap_or_default(),
            d["metadata"]["name"].as_str().unwrap_or_default()
        )
    };
    let mut add = |kind: &'static str, name: Option<&str>, optional: bool, by: String| {
        if let (Some(name), false) = (name, optional) {
            out.push(Needed {
                kind,
                name: name.into(),
                by,
            });
        }
    };
    for d in docs {
        if let Some(spec) = pod_spec(d) {
            for v in spec["volumes"].as_array().into_iter().flatten() {
                let optional = |s: &Value| s["optional"] == true;
                let sec = &v["secret"];
                add("Secret", sec["secretName"].as_str(), optional(sec), who(d));
                let cm = &v["configMap"];
                add("ConfigMap", cm["name"].as_str(), optional(cm), who(d));
                for src in v
                    .pointer("/projected/sources")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    add(
                        "Secret",
                        src["secret"]["name"].as_str(),
                        optional(&src["secret"]),
                        who(d),
                    );
                    add(
                        "ConfigMap",
                        src["configMap"]["name"].as_str(),
                        optional(&src["configMap"]),
                        who(d),
                    );
                }
            }
        }
        if d["apiVersion"]
            .as_str()
            .is_some_and(|a| a.starts_with("monitoring.coreos.com/"))
            && matches!(d["kind"].as_str(), Some("Prometheus" | "Alertmanager"))
        {
            for s in d["spec"]["secrets"].as_array().into_iter().flatten() {
                add("Secret", s.as_str(), false, who(d));
            }
            for c in d["spec"]["configMaps"].as_array().into_iter().flatten() {
                add("ConfigMap", c.as_str(), false, who(d));
            }
            add("Secret", d["spec"]["configSecret"].as_str(), false, who(d));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Secrets the chart makes at install time without rendering them: its certificate Job
/// (`kube-webhook-certgen create --secret-name=X`, a helm hook) and cert-manager Certificates.
fn made_at_install(docs: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for d in docs {
        if d["kind"] == "Certificate" {
            out.extend(d["spec"]["secretName"].as_str().map(String::from));
        }
        let Some(spec) = pod_spec(d) else { continue };
        for c in spec["containers"].as_array().into_iter().flatten() {
            let args: Vec<&str> = c["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (i, a) in args.iter().enumerate() {
                if let Some(n) = a.strip_prefix("--secret-name=") {
                    out.push(n.to_string());
                } else if *a == "--secret-name" {
                    out.extend(args.get(i + 1).map(|n| n.to_string()));
                }
            }
        }
    }
    out
}

/// Does every Secret and ConfigMap the stack's pods need exist, or come with the install (the
/// chart renders it, promstack writes it, the chart's Job makes it)? One that nothing makes keeps a
/// pod in ContainerCreating until helm times out: `--no-admission-webhooks` set in a -f file
/// without the operator's TLS off (helm-charts#6586), or a user's Secret not created yet.
pub async fn mounts(
    cluster: &dyn Cluster,
    ns: &str,
    docs: &[Value],
    ours: &[&str],
) -> Result<String, Error> {
    let rendered = |kind: &str, name: &str| {
        docs.iter()
            .any(|d| d["kind"] == kind && d["metadata"]["name"] == name)
    };
    let made = made_at_install(docs);
    let needed = needed(docs);
    let open: Vec<&Needed> = needed
        .iter()
        .filter(|n| !rendered(n.kind, &n.name))
        .filter(|n| {
            !(n.kind == "Secret" && (ours.contains(&n.name.as_str()) || made.contains(&n.name)))
        })
        .collect();
    let refs: Vec<ObjRef> = open
        .iter()
        .map(|n| ObjRef::new("v1", n.kind, Some(ns), &n.name))
        .collect();
    let lives = futures::future::join_all(refs.iter().map(|r| cluster.get(r))).await;
    let mut missing = Vec::new();
    for (n, live) in open.iter().zip(lives) {
        match live {
            Ok(Some(_)) => {}
            Ok(None) | Err(ClusterError::NotFound(_)) => missing.push(*n),
            Err(e) => {
                return Err(Error::runtime(format!(
                    "reading {} {ns}/{}: {e}",
                    n.kind, n.name
                )))
            }
        }
    }
    if missing.is_empty() {
        return Ok(format!(
            "the {} Secrets and ConfigMaps the pods need come with the install or exist",
            needed.len()
        ));
    }
    let list: Vec<String> = missing
        .iter()
        .map(|n| format!("{} mounts {} {ns}/{}", n.by, n.kind, n.name))
        .collect();
    let webhook_hint = if missing.iter().any(|n| n.name.ends_with("-admission")) {
        " The operator mounts its admission webhooks' TLS Secret while prometheusOperator.tls.enabled is true, and only the webhooks' certificate Job makes it (upstream helm-charts#6586): turn both off together (--no-admission-webhooks does), or keep the webhooks on."
    } else {
        ""
    };
    Err(Error::check(format!(
        "{}, which neither the chart, promstack nor the cluster has: the pod would wait in ContainerCreating until helm gives up.{webhook_hint} Create it first, or change the values that name it.",
        list.join("; ")
    )))
}

/// The claims Prometheus and Alertmanager already have, against what the values ask (see
/// [`crate::claims`]): one that cannot hold the retention stops the install (exit 3) with how to
/// fix it; another class, size or access mode is said and the install goes on.
pub async fn claims(
    cluster: &dyn Cluster,
    ns: &str,
    ns_exists: bool,
    merged: &Value,
    ui: &promstack_shared::ui::Ui,
) -> Result<String, Error> {
    if !ns_exists {
        return Ok("no claims yet".into());
    }
    let q =
        promstack_shared::cluster::ListQuery::new("v1", "PersistentVolumeClaim").in_namespace(ns);
    let pvcs = cluster
        .list(&q)
        .await
        .map_err(|e| Error::runtime(format!("listing the claims in {ns}: {e}")))?;
    let wanted = crate::claims::wanted(merged);
    let mut mismatches = crate::claims::compare(&wanted, &pvcs, &[], ns);
    if !mismatches.is_empty() {
        // only now the classes: whether a claim can grow in place decides the fix
        let classes = cluster
            .list(&promstack_shared::cluster::ListQuery::new(
                "storage.k8s.io/v1",
                "StorageClass",
            ))
            .await
            .unwrap_or_default();
        mismatches = crate::claims::compare(&wanted, &pvcs, &classes, ns);
    }
    let (fails, warns): (Vec<_>, Vec<_>) = mismatches.iter().partition(|m| m.fails);
    for w in &warns {
        ui.warn(&format!("{}. To change it: {}", w.what, w.fix));
    }
    if !fails.is_empty() {
        return Err(Error::check(
            fails
                .iter()
                .map(|m| format!("{}. Fix: {}", m.what, m.fix))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    Ok(if warns.is_empty() {
        "existing claims match the values".into()
    } else {
        format!(
            "{} claim(s) stay as they are (see the warnings)",
            warns.len()
        )
    })
}
