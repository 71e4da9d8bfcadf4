//! The versions group: what runs. Prometheus (`/api/v1/status/buildinfo`), Alertmanager
//! (`/api/v2/status` versionInfo), the operator (its Deployment's image tag, and its scraped
//! `prometheus_operator_build_info` when that says a release), Grafana (`/api/health`), the chart
//! (the deployed helm release), and the CRDs' `operator.prometheus.io/version` against the
//! operator's: CRDs older than the operator are a failed check naming the `spec` fields it will
//! drop ([`crate::chart::crds::schema`]), since helm never upgrades CRDs.
use super::{check, Check, Level, Targets};
use crate::chart::crds::schema::{self, semver, VERSION_ANNOTATION};
use crate::chart::values::RELEASE;
use promstack_shared::kube::cluster::{ListQuery, ObjRef, CRD_API};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

const G: &str = "versions";

/// The versions found (`-o json`); `None` where it could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Versions {
    pub prometheus: Option<String>,
    pub alertmanager: Option<String>,
    pub operator: Option<String>,
    pub grafana: Option<String>,
    pub chart: Option<String>,
    /// Each monitoring.coreos.com CRD's `operator.prometheus.io/version`.
    pub crds: BTreeMap<String, String>,
}

/// A version, or why it is not known.
type Found = Result<String, String>;

/// The versions and the group's checks.
pub async fn version_checks(t: &Targets<'_>, ns: &str) -> (Versions, Vec<Check>) {
    let (prometheus, alertmanager, grafana, operator, chart, crds) = tokio::join!(
        prometheus_version(t),
        alertmanager_version(t),
        grafana_version(t),
        operator_version(t, ns),
        chart_version(t, ns),
        crd_versions(t)
    );
    let op_version = operator.as_ref().and_then(|o| o.0.as_ref().ok());
    let checks: Vec<Check> = [
        prometheus.as_ref().map(|f| plain("Prometheus", f)),
        alertmanager.as_ref().map(|f| plain("Alertmanager", f)),
        operator.as_ref().map(operator_check),
        grafana.as_ref().map(|f| plain("Grafana", f)),
        chart
            .as_ref()
            .map(|f| plain("chart", &f.clone().map(|(_, detail)| detail))),
        crds.as_ref().map(|c| crd_check(c, op_version)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let ok = |f: &Option<Found>| f.as_ref().and_then(|v| v.as_ref().ok()).cloned();
    let versions = Versions {
        prometheus: ok(&prometheus),
        alertmanager: ok(&alertmanager),
        operator: operator.as_ref().and_then(|o| o.0.as_ref().ok()).cloned(),
        grafana: ok(&grafana),
        chart: chart.and_then(Result::ok).map(|(version, _)| version),
        crds: crds
            .and_then(Result::ok)
            .map(|c| c.into_iter().map(|c| (c.name, c.version)).collect())
            .unwrap_or_default(),
    };
    (versions, checks)
}

fn plain(name: &str, found: &Found) -> Check {
    match found {
        Ok(v) => check(G, name, Level::Ok, v.clone(), None),
        Err(e) => check(G, name, Level::Warn, format!("unknown: {e}"), None),
    }
}

async fn prometheus_version(t: &Targets<'_>) -> Option<Found> {
    let p = t.prometheus.as_ref()?.as_ref().ok()?;
    Some(
        p.api("/api/v1/status/buildinfo")
            .await
            .and_then(|d| text(&d["version"], "/api/v1/status/buildinfo")),
    )
}

async fn alertmanager_version(t: &Targets<'_>) -> Option<Found> {
    let a = t.alertmanager.as_ref()?.as_ref().ok()?;
    Some(
        a.status()
            .await
            .and_then(|s| text(&s["versionInfo"]["version"], "/api/v2/status")),
    )
}

async fn grafana_version(t: &Targets<'_>) -> Option<Found> {
    let g = t.grafana.as_ref()?.as_ref().ok()?;
    Some(
        g.health()
            .await
            .and_then(|(_, h)| text(&h["version"], "/api/health")),
    )
}

fn text(v: &Value, what: &str) -> Found {
    v.as_str()
        .filter(|s| !s.is_empty())
        .map(String::from)
        .ok_or_else(|| format!("{what} names no version"))
}

/// The operator: its image tag, and its image; the build info when Prometheus scrapes it.
struct Operator(Found, Option<String>, Option<String>);

async fn operator_version(t: &Targets<'_>, ns: &str) -> Option<Operator> {
    let c = t.cluster?;
    let name = format!("{RELEASE}-operator");
    let d = match c
        .get(&ObjRef::new("apps/v1", "Deployment", Some(ns), &name))
        .await
    {
        Ok(Some(d)) => d,
        Ok(None) => {
            return Some(Operator(
                Err(format!("no Deployment {ns}/{name}")),
                None,
                None,
            ))
        }
        Err(e) => {
            return Some(Operator(
                Err(format!("cannot read Deployment {ns}/{name}: {e}")),
                None,
                None,
            ))
        }
    };
    let containers = d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let image = containers
        .iter()
        .filter_map(|c| c["image"].as_str())
        .find(|i| i.contains("prometheus-operator"))
        .or_else(|| containers.first().and_then(|c| c["image"].as_str()))
        .map(String::from);
    let tag = image
        .as_deref()
        .map(|i| i.split('@').next().unwrap_or(i))
        .and_then(|i| i.rsplit_once(':').map(|(_, t)| t.to_string()))
        .filter(|t| !t.contains('/'))
        .ok_or_else(|| format!("the image {} has no tag", image.as_deref().unwrap_or("?")));
    let build = match t.prometheus.as_ref().and_then(|p| p.as_ref().ok()) {
        Some(p) => p
            .query("prometheus_operator_build_info")
            .await
            .ok()
            .and_then(|d| {
                d["result"][0]["metric"]["version"]
                    .as_str()
                    .map(String::from)
            }),
        None => None,
    };
    Some(Operator(tag, image, build))
}

fn operator_check(op: &Operator) -> Check {
    let Operator(tag, image, build) = op;
    let tag = match tag {
        Ok(t) => t,
        Err(e) => return check(G, "operator", Level::Warn, format!("unknown: {e}"), None),
    };
    let image = image.as_deref().unwrap_or("?");
    // a build info of a release (not 0.0.0) that disagrees with the tag: the image was retagged
    match build.as_deref().filter(|b| semver(b).is_some_and(|v| v != (0, 0, 0))) {
        Some(b) if semver(b) != semver(tag) => check(
            G,
            "operator",
            Level::Warn,
            format!("{tag} (image {image}), but its build info says {b}"),
            Some("the image's tag does not name what it runs: pin the operator's image by its release tag"),
        ),
        _ => check(G, "operator", Level::Ok, format!("{tag} (image {image})"), None),
    }
}

/// The deployed helm release's chart: (its version, what the check says).
async fn chart_version(t: &Targets<'_>, ns: &str) -> Option<Result<(String, String), String>> {
    let c = t.cluster?;
    let q = ListQuery::new("v1", "Secret")
        .in_namespace(ns)
        .labels(&format!("owner=helm,name={RELEASE},status=deployed"));
    let found = match c.list(&q).await {
        Ok(secrets) => secrets
            .iter()
            .filter_map(release_chart)
            .max_by_key(|(revision, _, _)| *revision)
            .map(|(revision, name, version)| {
                let detail =
                    format!("{name} {version} (helm release {RELEASE}, revision {revision})");
                (version, detail)
            })
            .ok_or_else(|| format!("no deployed helm release {RELEASE} in {ns}")),
        Err(e) => Err(format!("cannot list the helm release's Secrets: {e}")),
    };
    match found {
        Ok(f) => Some(Ok(f)),
        Err(e) => Some(chart_label(c, ns).await.ok_or(e)),
    }
}

/// The chart the operator's Deployment says it came from (its `chart` label), when the release
/// itself cannot be read.
async fn chart_label(
    c: &dyn promstack_shared::kube::cluster::Cluster,
    ns: &str,
) -> Option<(String, String)> {
    let name = format!("{RELEASE}-operator");
    let r = ObjRef::new("apps/v1", "Deployment", Some(ns), &name);
    let d = c.get(&r).await.ok()??;
    let labels = &d["metadata"]["labels"];
    let chart = labels["chart"]
        .as_str()
        .or(labels["helm.sh/chart"].as_str())?;
    let version = chart.strip_prefix("kube-prometheus-stack-")?.to_string();
    let detail = format!("{chart} (the label of Deployment {ns}/{name})");
    Some((version, detail))
}

/// (revision, chart name, chart version) of a helm release Secret (base64 of gzipped JSON under
/// `release`).
fn release_chart(secret: &Value) -> Option<(u64, String, String)> {
    use std::io::Read;
    let inner = promstack_shared::grafana::login::secret_key(secret, "release")?;
    let raw: k8s_openapi::ByteString = serde_json::from_value(Value::String(inner)).ok()?;
    let mut json = String::new();
    match raw.0.starts_with(&[0x1f, 0x8b]) {
        true => {
            flate2::read::GzDecoder::new(&raw.0[..])
                .read_to_string(&mut json)
                .ok()?;
        }
        false => json = String::from_utf8(raw.0).ok()?,
    }
    let r: Value = serde_json::from_str(&json).ok()?;
    let meta = &r["chart"]["metadata"];
    Some((
        r["version"].as_u64().unwrap_or(0),
        meta["name"].as_str()?.to_string(),
        meta["version"].as_str()?.to_string(),
    ))
}

/// A monitoring.coreos.com CRD: its name, kind, operator version, and the object.
struct Crd {
    name: String,
    kind: String,
    version: String,
    object: Value,
}

async fn crd_versions(t: &Targets<'_>) -> Option<Result<Vec<Crd>, String>> {
    let c = t.cluster?;
    let listed = c
        .list(&ListQuery::new(CRD_API, "CustomResourceDefinition"))
        .await
        .map_err(|e| format!("cannot list CRDs: {e}"));
    Some(listed.map(|all| {
        all.into_iter()
            .filter(|c| c["spec"]["group"] == "monitoring.coreos.com")
            .map(|c| Crd {
                name: super::name(&c),
                kind: c["spec"]["names"]["kind"]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                version: c["metadata"]["annotations"][VERSION_ANNOTATION]
                    .as_str()
                    .unwrap_or_default()
                    .into(),
                object: c,
            })
            .collect()
    }))
}

/// The CRDs against the operator: older ones fail, naming what the operator will drop.
fn crd_check(crds: &Result<Vec<Crd>, String>, operator: Option<&String>) -> Check {
    let name = "CRDs";
    let crds = match crds {
        Ok(c) if c.is_empty() => {
            return check(
                G,
                name,
                Level::Fail,
                "no monitoring.coreos.com CRDs",
                Some("kubectl promstack install applies them"),
            )
        }
        Ok(c) => c,
        Err(e) => return check(G, name, Level::Warn, format!("unknown: {e}"), None),
    };
    let Some(op) = operator.and_then(|o| semver(o)) else {
        return check(
            G,
            name,
            Level::Warn,
            format!("{} CRDs; the operator's version is unknown", crds.len()),
            None,
        );
    };
    let older: Vec<&Crd> = crds
        .iter()
        .filter(|c| semver(&c.version).is_none_or(|v| v < op))
        .collect();
    if older.is_empty() {
        let mut versions: Vec<&str> = crds.iter().map(|c| c.version.as_str()).collect();
        versions.sort();
        versions.dedup();
        return check(
            G,
            name,
            Level::Ok,
            format!(
                "{} CRDs at operator {}, the operator's {}",
                crds.len(),
                versions.join(", "),
                operator.map_or("?", |s| s.as_str())
            ),
            None,
        );
    }
    let chart_is_operator = semver(schema::CHART_OPERATOR) == Some(op);
    let mut detail = format!(
        "{} of {} CRDs are older than the operator {}: {}",
        older.len(),
        crds.len(),
        operator.map_or("?", |s| s.as_str()),
        older
            .iter()
            .map(|c| format!(
                "{} at {}",
                c.name,
                if c.version.is_empty() {
                    "no version"
                } else {
                    &c.version
                }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let dropped: Vec<String> = older
        .iter()
        .filter(|_| chart_is_operator)
        .filter_map(|c| Some((c, schema::dropped(&c.kind, &c.object)?)))
        .filter(|(_, d)| !d.is_empty())
        .map(|(c, d)| format!("{} {}", c.kind, d.join(", ")))
        .collect();
    match (chart_is_operator, dropped.is_empty()) {
        (true, false) => detail.push_str(&format!(
            "; the operator drops what they lack: {}",
            dropped.join("; ")
        )),
        (true, true) => detail.push_str("; their schemas hold every field the operator's do"),
        (false, _) => detail.push_str(
            "; every field added since is dropped by the API server before the operator sees it",
        ),
    }
    check(
        G,
        name,
        Level::Fail,
        detail,
        Some("helm never upgrades CRDs: kubectl promstack install applies the chart's CRDs server-side"),
    )
}
