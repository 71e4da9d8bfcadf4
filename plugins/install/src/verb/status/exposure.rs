//! The exposure group: Prometheus and Alertmanager not exposed, Grafana's password not a default.
use super::{check, get, list, name, unreadable, Check, Level};
use crate::chart::values::{GRAFANA_SECRET, RELEASE};
use promstack_shared::kube::cluster::{Cluster, ObjRef};
use promstack_shared::terminal::secret::SecretString;
use serde_json::Value;

/// Prometheus and Alertmanager are not exposed; Grafana's password is not a default. A read that
/// fails is a failed check: "not exposed" is said only after looking.
pub async fn exposure_checks(cluster: &dyn Cluster, ns: &str) -> Vec<Check> {
    let g = "exposure";
    let mut out = Vec::new();
    let ingresses = list(cluster, "networking.k8s.io/v1", "Ingress", Some(ns), None).await;
    for svc in [
        format!("{RELEASE}-prometheus"),
        format!("{RELEASE}-alertmanager"),
    ] {
        let what = format!("Service {svc}");
        let read = get(cluster, &ObjRef::new("v1", "Service", Some(ns), &svc)).await;
        let (s, ingresses) = match (read, &ingresses) {
            (Ok(s), Ok(i)) => (s, i),
            (Err(e), _) => {
                out.push(unreadable(g, what, e));
                continue;
            }
            (_, Err(e)) => {
                out.push(unreadable(g, what, e.clone()));
                continue;
            }
        };
        let t = s
            .as_ref()
            .and_then(|s| s["spec"]["type"].as_str())
            .unwrap_or("absent")
            .to_string();
        let by_ingress: Vec<String> = ingresses
            .iter()
            .filter(|i| i.to_string().contains(&format!("\"name\":\"{svc}\"")))
            .map(name)
            .collect();
        out.push(
            if (t == "NodePort" || t == "LoadBalancer") || !by_ingress.is_empty() {
                check(
                    g,
                    what,
                    Level::Fail,
                    format!(
                        "exposed: type {t}{}",
                        if by_ingress.is_empty() {
                            String::new()
                        } else {
                            format!(", Ingress {}", by_ingress.join(", "))
                        }
                    ),
                    Some("keep it ClusterIP and reach it with port-forward"),
                )
            } else {
                check(g, what, Level::Ok, format!("type {t}, no Ingress"), None)
            },
        );
    }
    out.push(password_check(
        get(
            cluster,
            &ObjRef::new("v1", "Secret", Some(ns), GRAFANA_SECRET),
        )
        .await,
    ));
    out
}

/// Grafana's admin password (from our Secret) is not a default and long enough.
fn password_check(secret: Result<Option<Value>, String>) -> Check {
    let g = "exposure";
    let secret = match secret {
        Ok(s) => s,
        Err(e) => return unreadable(g, "Grafana password", e),
    };
    let pw = secret
        .as_ref()
        .and_then(|s| s.pointer("/data/admin-password"))
        .and_then(|v| serde_json::from_value::<k8s_openapi::ByteString>(v.clone()).ok())
        .map(|b| SecretString::new(String::from_utf8_lossy(&b.0).into_owned()));
    match pw {
        None => check(
            g,
            "Grafana password",
            Level::Fail,
            format!("Secret {GRAFANA_SECRET} has no admin-password"),
            Some("kubectl promstack install"),
        ),
        Some(p) => match promstack_shared::terminal::secret::password_problem(p.expose()) {
            None => check(
                g,
                "Grafana password",
                Level::Ok,
                "not a default, long enough",
                None,
            ),
            Some(problem) => check(
                g,
                "Grafana password",
                Level::Fail,
                problem,
                Some("kubectl promstack install --rotate-grafana-password"),
            ),
        },
    }
}
