//! Pre-flight checks of the cluster and helm: reachable, helm's version, the StorageClass, Ready
//! nodes for the replicas, the release, the remote-write Secret.
use super::super::{Deps, HelmClock, InstallOptions};
use super::passed;
use crate::chart::values::{self, Env, RELEASE};
use crate::helm::{HelmVersion, ReleaseInfo};
use crate::install::Check;
use anyhow::Context as _;
use promstack_shared::kube::cluster::{ClusterInfo, ListQuery, ObjRef};
use promstack_shared::kube::readiness;
use promstack_shared::Error;
use serde_json::Value;

/// The cluster answers (and its version).
pub(super) async fn reachable(deps: &Deps<'_>) -> anyhow::Result<(ClusterInfo, Check)> {
    let info = deps.cluster.info();
    let version = promstack_shared::kube::cluster::reachable(deps.cluster).await?;
    let said = format!(
        "cluster: context {} ({}), Kubernetes {version}",
        info.context, info.server
    );
    let detail = format!("context {} reachable, Kubernetes {version}", info.context);
    Ok((info, passed("cluster", detail, Some(said))))
}

/// helm runs, and which major it is (its flags differ).
pub(super) async fn helm(
    deps: &Deps<'_>,
    clock: &HelmClock,
) -> anyhow::Result<(HelmVersion, Check)> {
    let v = clock.time(deps.helm.version()).await?;
    let said = format!("helm {}", v.full);
    let check = passed("helm", said.clone(), Some(said));
    Ok((v, check))
}

/// The StorageClass the volumes ask for exists.
pub(super) async fn storage_class(opts: &InstallOptions, deps: &Deps<'_>) -> anyhow::Result<Check> {
    let name = opts.overlay.storage_class.as_str();
    let sc = deps
        .cluster
        .get(&ObjRef::new(
            "storage.k8s.io/v1",
            "StorageClass",
            None,
            name,
        ))
        .await
        .context("reading StorageClasses")?;
    if sc.is_none() {
        let available: Vec<String> = deps
            .cluster
            .list(&ListQuery::new("storage.k8s.io/v1", "StorageClass"))
            .await
            .context("listing StorageClasses")?
            .iter()
            .filter_map(|s| s["metadata"]["name"].as_str().map(String::from))
            .collect();
        return Err(Error::check(format!(
            "StorageClass `{name}` not found (the {} env needs it for the Prometheus and Alertmanager volumes). Available: {}. Create it{}, or pass --storage-class NAME.",
            opts.env.name(),
            if available.is_empty() { "none".into() } else { available.join(", ") },
            if opts.env == Env::Local { " (Talos: install local-path-provisioner)" } else { "" }
        ))
        .into());
    }
    Ok(passed(
        "storage-class",
        format!("StorageClass {name} exists"),
        Some(format!("StorageClass {name}")),
    ))
}

/// Enough Ready nodes for the replicas the values spread with hard anti-affinity. The nodes
/// listed and how many are Ready, with the check.
pub(super) async fn nodes(
    deps: &Deps<'_>,
    merged: &Value,
) -> anyhow::Result<(Vec<Value>, usize, Check)> {
    let nodes = deps
        .cluster
        .list(&ListQuery::new("v1", "Node"))
        .await
        .context("listing nodes")?;
    let ready = nodes
        .iter()
        .filter_map(|n| readiness::typed(Some(n)))
        .filter(readiness::node)
        .count();
    if ready == 0 {
        return Err(Error::check(format!(
            "no Ready node among {} nodes: nothing can run the stack. Fix the nodes first.",
            nodes.len()
        ))
        .into());
    }
    let needed = nodes_needed(merged);
    if ready < needed {
        return Err(Error::check(format!(
            "{ready} Ready node(s), but the values place {needed} replicas on different nodes (podAntiAffinity: hard): they would never all start. Add nodes, or set podAntiAffinity: soft in a -f file."
        ))
        .into());
    }
    let detail = format!("{ready} of {} nodes Ready", nodes.len());
    Ok((nodes, ready, passed("nodes", detail.clone(), Some(detail))))
}

/// The most replicas the values require on distinct nodes (hard anti-affinity).
pub fn nodes_needed(merged: &Value) -> usize {
    [
        (
            "/prometheus/prometheusSpec/replicas",
            "/prometheus/prometheusSpec/podAntiAffinity",
        ),
        (
            "/alertmanager/alertmanagerSpec/replicas",
            "/alertmanager/alertmanagerSpec/podAntiAffinity",
        ),
    ]
    .iter()
    .filter(|(_, aa)| merged.pointer(aa).and_then(Value::as_str) == Some("hard"))
    .map(|(r, _)| merged.pointer(r).and_then(Value::as_u64).unwrap_or(1) as usize)
    .max()
    .unwrap_or(1)
}

/// The releases named like ours: the one here, the one to recover first, the ones elsewhere.
pub(super) struct Releases {
    pub here: Option<ReleaseInfo>,
    pub recover: Option<ReleaseInfo>,
    pub elsewhere: Vec<ReleaseInfo>,
}

/// The release in the namespace is not stuck (or --recover says to roll it back first).
pub(super) async fn release(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    clock: &HelmClock,
) -> anyhow::Result<(Releases, Check)> {
    let ns = opts.namespace.as_str();
    let (here, elsewhere) = releases(deps, clock, ns).await?;
    let mut recover = None;
    if let Some(r) = here.as_ref().filter(|r| r.is_stuck()) {
        if !opts.recover {
            return Err(Error::check(format!(
                "release {ns}/{RELEASE} is stuck in `{}` (revision {}): a previous helm run did not finish. Run again with --recover to roll it back first.",
                r.status, r.revision
            ))
            .into());
        }
        recover = Some(r.clone());
    }
    let detail = match &here {
        Some(r) => format!("release {RELEASE} revision {} is {}", r.revision, r.status),
        None => format!("release {RELEASE} not installed yet"),
    };
    let found = Releases {
        here,
        recover,
        elsewhere,
    };
    Ok((found, passed("release", detail, None)))
}

/// The release in `ns`, and releases of the same name in other namespaces (a second stack). Where
/// releases of other namespaces may not be listed, only `ns` is asked (and the cluster-wide
/// objects still tell of a second stack).
async fn releases(
    deps: &Deps<'_>,
    clock: &HelmClock,
    ns: &str,
) -> anyhow::Result<(Option<ReleaseInfo>, Vec<ReleaseInfo>)> {
    let all = match clock.time(deps.helm.releases(RELEASE, None)).await {
        Ok(all) => all,
        Err(e) if e.to_string().contains("forbidden") => {
            deps.ui.warn(&format!(
                "cannot list helm releases in other namespaces ({e}); looking in {ns} only"
            ));
            clock.time(deps.helm.releases(RELEASE, Some(ns))).await?
        }
        Err(e) => return Err(e.into()),
    };
    let (here, elsewhere): (Vec<_>, Vec<_>) = all.into_iter().partition(|r| r.namespace == ns);
    Ok((here.into_iter().next(), elsewhere))
}

/// With --remote-write-secret: that Secret has the credentials.
pub(super) async fn remote_write(
    opts: &InstallOptions,
    deps: &Deps<'_>,
) -> anyhow::Result<Option<Check>> {
    let ns = opts.namespace.as_str();
    let Some(secret) = opts
        .overlay
        .remote_write
        .as_ref()
        .and_then(|rw| rw.secret.as_deref())
    else {
        return Ok(None);
    };
    let live = deps
        .cluster
        .get(&ObjRef::new("v1", "Secret", Some(ns), secret))
        .await
        .context("reading the remote-write Secret")?;
    let has = |k: &str| {
        live.as_ref()
            .and_then(|s| s.pointer(&format!("/data/{k}")))
            .is_some()
    };
    if !values::REMOTE_WRITE_KEYS.iter().all(|k| has(k)) {
        return Err(Error::check(format!(
            "remote write: Secret {ns}/{secret} with keys `username` and `password` not found. Create it first: kubectl create namespace {ns}; kubectl -n {ns} create secret generic {secret} --from-literal=username=... --from-literal=password=..."
        ))
        .into());
    }
    Ok(Some(passed(
        "remote-write",
        format!("Secret {secret} has the credentials"),
        None,
    )))
}
