//! The Grafana admin Secret: where the password comes from, and the Secret the chart reads
//! through `grafana.admin.existingSecret`. The password never reaches argv, a values file or logs.
use promstack_shared::kube::owned;
use promstack_shared::terminal::secret::{self, SecretString};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::Error;
use std::collections::BTreeMap;

pub const USER_KEY: &str = promstack_shared::grafana::login::USER_KEY;
pub const PASSWORD_KEY: &str = promstack_shared::grafana::login::PASSWORD_KEY;
/// Length of a generated password.
pub const GENERATED_LEN: usize = 32;

/// Where a new password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// Ask on the terminal (hidden, twice); without a terminal this is a usage error.
    Prompt,
    /// Read from standard input (`--grafana-password-stdin`).
    Stdin,
    /// Generate with the OS CSPRNG (`--generate-grafana-password`).
    Generate,
}

/// A password resolved for the Secret, and how we got it.
#[derive(Debug, Clone)]
pub struct NewPassword {
    pub value: SecretString,
    pub generated: bool,
}

/// Get a password from its source and check it against the policy (a generated one always passes).
/// `stdin` is read only for [`PasswordSource::Stdin`]; a prompt reads the terminal itself.
pub async fn obtain(
    source: &PasswordSource,
    ui: &Ui,
    stdin: &mut dyn std::io::Read,
) -> Result<NewPassword, Error> {
    match given(source, stdin)? {
        Some(p) => Ok(p),
        None => prompted(ui).await,
    }
}

/// A password that needs no one at a terminal: generated, or read from `stdin`, checked.
/// `None` for [`PasswordSource::Prompt`] (see [`prompted`]).
pub fn given(
    source: &PasswordSource,
    stdin: &mut dyn std::io::Read,
) -> Result<Option<NewPassword>, Error> {
    let (value, generated) = match source {
        PasswordSource::Prompt => return Ok(None),
        PasswordSource::Generate => (secret::generate_password(GENERATED_LEN), true),
        PasswordSource::Stdin => {
            let v = secret::read_secret(stdin).map_err(|e| {
                Error::input(format!("cannot read the Grafana password from stdin: {e}"))
            })?;
            (v, false)
        }
    };
    checked(value, generated).map(Some)
}

/// Ask on the terminal (hidden, twice); without a terminal this is a usage error naming the flags.
pub async fn prompted(ui: &Ui) -> Result<NewPassword, Error> {
    if !ui.is_interactive() {
        return Err(Error::input(
            "the Grafana admin password is needed and there is no terminal to ask on: pass --grafana-password-stdin (and pipe it in) or --generate-grafana-password",
        ));
    }
    let value = secret::prompt_new_password(ui, "Grafana admin password").await?;
    checked(value, false)
}

fn checked(value: SecretString, generated: bool) -> Result<NewPassword, Error> {
    if let Some(problem) = secret::password_problem(value.expose()) {
        return Err(Error::input(format!(
            "Grafana admin password refused: {problem}. Use at least {} characters, not a default such as admin or prom-operator, or pass --generate-grafana-password.",
            secret::MIN_PASSWORD_LEN
        )));
    }
    Ok(NewPassword { value, generated })
}

/// The Secret (typed), labelled as ours.
pub fn secret(
    namespace: &str,
    user: &str,
    password: &SecretString,
) -> k8s_openapi::api::core::v1::Secret {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    k8s_openapi::api::core::v1::Secret {
        metadata: ObjectMeta {
            name: Some(crate::chart::values::GRAFANA_SECRET.into()),
            namespace: Some(namespace.into()),
            labels: Some(owned::labels(crate::COMPONENT)),
            ..Default::default()
        },
        type_: Some("Opaque".into()),
        data: Some(BTreeMap::from([
            (
                USER_KEY.to_string(),
                k8s_openapi::ByteString(user.as_bytes().to_vec()),
            ),
            (
                PASSWORD_KEY.to_string(),
                k8s_openapi::ByteString(password.expose().as_bytes().to_vec()),
            ),
        ])),
        ..Default::default()
    }
}

/// Does a live Secret hold both keys the chart reads?
pub fn has_keys(live: &serde_json::Value) -> bool {
    [USER_KEY, PASSWORD_KEY].iter().all(|k| {
        live.pointer(&format!("/data/{k}"))
            .and_then(|v| v.as_str())
            .is_some_and(|s| !s.is_empty())
    })
}

/// The same object with every data value replaced by `<redacted>` (for --dry-run output).
pub fn redacted(mut obj: serde_json::Value) -> serde_json::Value {
    if let Some(data) = obj.get_mut("data").and_then(|d| d.as_object_mut()) {
        for v in data.values_mut() {
            *v = serde_json::Value::String(secret::REDACTED.into());
        }
    }
    obj
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sources() {
        let ui = Ui::silent();
        let p = obtain(&PasswordSource::Generate, &ui, &mut std::io::empty())
            .await
            .unwrap();
        assert!(p.generated && p.value.expose().len() == GENERATED_LEN);
        let p = obtain(
            &PasswordSource::Stdin,
            &ui,
            &mut &b"a-long-enough-password\n"[..],
        )
        .await
        .unwrap();
        assert_eq!(p.value.expose(), "a-long-enough-password");
        for weak in ["admin\n", "prom-operator", "Zq9shrt", ""] {
            let err = obtain(&PasswordSource::Stdin, &ui, &mut weak.as_bytes())
                .await
                .unwrap_err();
            assert_eq!(err.exit_code(), promstack_shared::ExitCode::Usage, "{weak}");
        }
        let err = obtain(&PasswordSource::Stdin, &ui, &mut &b"Zq9shrt"[..])
            .await
            .unwrap_err();
        assert!(
            !err.to_string().contains("Zq9shrt"),
            "a refused password is not echoed: {err}"
        );
        let err = obtain(&PasswordSource::Prompt, &ui, &mut std::io::empty())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("--grafana-password-stdin")
                && err.to_string().contains("--generate-grafana-password")
        );
    }

    #[test]
    fn the_secret_and_its_redaction() {
        let pw = SecretString::new("a-long-enough-password".into());
        let v = promstack_shared::kube::cluster::to_value(&secret("monitoring", "admin", &pw));
        assert!(has_keys(&v));
        assert_eq!(
            v["metadata"]["labels"][owned::MANAGED_BY_LABEL],
            "promstack"
        );
        let shown = serde_json::to_string(&redacted(v)).unwrap();
        assert!(
            !shown.contains("YS1sb25n"),
            "base64 of the password must not show"
        );
        assert!(shown.contains("<redacted>"));
    }
}
