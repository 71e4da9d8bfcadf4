//! Who promstack logs in to Grafana as: the admin of the Secret `kubectl promstack install` makes
//! (the chart reads it through `grafana.admin.existingSecret`), or a credentials file
//! (`--grafana-credentials-file`, `user:password`). The password never reaches argv or a log.
use crate::kube::cluster::{Cluster, ObjRef};
use crate::terminal::secret::SecretString;
use serde_json::Value;

/// The Secret holding Grafana's admin credentials (keys [`USER_KEY`], [`PASSWORD_KEY`]).
pub const ADMIN_SECRET: &str = "promstack-grafana-admin";
pub const USER_KEY: &str = "admin-user";
pub const PASSWORD_KEY: &str = "admin-password";

/// Basic-auth credentials.
#[derive(Clone, Debug)]
pub struct Login {
    pub user: String,
    pub password: SecretString,
}

/// A key of a Secret as read from the API server (base64), decoded.
pub fn secret_key(secret: &Value, key: &str) -> Option<String> {
    secret
        .pointer(&format!("/data/{key}"))
        .and_then(|v| serde_json::from_value::<k8s_openapi::ByteString>(v.clone()).ok())
        .map(|b| String::from_utf8_lossy(&b.0).into_owned())
}

/// The admin of [`ADMIN_SECRET`] in `ns`; `Err` says why there is none.
pub async fn admin(cluster: &dyn Cluster, ns: &str) -> Result<Login, String> {
    let s = cluster
        .get(&ObjRef::new("v1", "Secret", Some(ns), ADMIN_SECRET))
        .await
        .map_err(|e| format!("cannot read Secret {ns}/{ADMIN_SECRET}: {e}"))?
        .ok_or_else(|| format!("Secret {ns}/{ADMIN_SECRET} not found"))?;
    match (secret_key(&s, USER_KEY), secret_key(&s, PASSWORD_KEY)) {
        (Some(user), Some(p)) => Ok(Login {
            user,
            password: SecretString::new(p),
        }),
        _ => Err(format!(
            "Secret {ns}/{ADMIN_SECRET} lacks {USER_KEY}/{PASSWORD_KEY}"
        )),
    }
}

/// The credentials of a file holding `user:password` (one trailing newline ignored).
pub fn from_file(path: &std::path::Path) -> Result<Login, crate::Error> {
    let all = std::fs::File::open(path)
        .and_then(crate::terminal::secret::read_secret)
        .map_err(|e| crate::Error::input(format!("cannot read {}: {e}", path.display())))?;
    let (user, password) = all.expose().split_once(':').ok_or_else(|| {
        crate::Error::input(format!(
            "{} must hold user:password (Grafana's basic auth)",
            path.display()
        ))
    })?;
    Ok(Login {
        user: user.to_string(),
        password: SecretString::new(password.to_string()),
    })
}

/// The login to use: the file when one is named, else the admin Secret in `ns` (which needs the
/// cluster). `Err` says why there is none.
pub async fn resolve(
    file: Option<&std::path::Path>,
    cluster: Option<&dyn Cluster>,
    ns: &str,
) -> Result<Login, String> {
    match (file, cluster) {
        (Some(f), _) => from_file(f).map_err(|e| e.to_string()),
        (None, Some(c)) => admin(c, ns).await,
        (None, None) => Err(format!(
            "no Grafana credentials: pass --grafana-credentials-file, or let promstack read Secret {ns}/{ADMIN_SECRET}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credentials_file_is_user_colon_password() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c");
        std::fs::write(&f, "admin:s3cret:with-colon\n").unwrap();
        let l = from_file(&f).unwrap();
        assert_eq!(
            (l.user.as_str(), l.password.expose()),
            ("admin", "s3cret:with-colon")
        );
        std::fs::write(&f, "no-colon").unwrap();
        assert!(from_file(&f)
            .unwrap_err()
            .to_string()
            .contains("user:password"));
    }

    #[tokio::test]
    async fn the_admin_secret_is_read_and_its_absence_said() {
        let c = crate::kube::cluster::MemoryCluster::new();
        let err = admin(&c, "m").await.unwrap_err();
        assert!(
            err.contains("Secret m/promstack-grafana-admin not found"),
            "{err}"
        );
        c.insert(serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": ADMIN_SECRET, "namespace": "m"},
            "data": {"admin-user": "YWRtaW4=", "admin-password": "cGFzcw=="}}));
        let l = admin(&c, "m").await.unwrap();
        assert_eq!((l.user.as_str(), l.password.expose()), ("admin", "pass"));
    }
}
