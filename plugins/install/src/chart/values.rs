//! Helm values: the embedded defaults, the user's files, the generated overlay, and the merge
//! helm applies to them (maps merge, everything else is replaced, later files win).
use clap::ValueEnum;
use promstack_shared::Error;
use serde_json::{json, Map, Value};
use std::path::Path;

/// `values/values.yaml`, embedded at build time.
pub const BASE: &str = include_str!("../../../../values/values.yaml");
/// `values/values-local.yaml`.
pub const LOCAL: &str = include_str!("../../../../values/values-local.yaml");
/// `values/values-cloud.yaml`.
pub const CLOUD: &str = include_str!("../../../../values/values-cloud.yaml");

/// Release name; with `fullnameOverride: kube-prometheus` it gives the object names users expect.
pub const RELEASE: &str = "kube-prometheus";

/// Which cluster flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    /// Small single cluster: local-path storage, 2d retention, Grafana on NodePort 30300
    Local,
    /// Cloud cluster: gp3 storage, 15d retention, Grafana behind an Ingress, HA
    Cloud,
}

impl Env {
    pub fn name(self) -> &'static str {
        match self {
            Env::Local => "local",
            Env::Cloud => "cloud",
        }
    }
    /// The StorageClass this env's values expect.
    pub fn storage_class(self) -> &'static str {
        match self {
            Env::Local => "local-path",
            Env::Cloud => "gp3",
        }
    }
    /// The embedded overlay for this env.
    pub fn overlay(self) -> &'static str {
        match self {
            Env::Local => LOCAL,
            Env::Cloud => CLOUD,
        }
    }
}

/// One values file in the chain, parsed.
#[derive(Debug, Clone)]
pub struct ValuesFile {
    /// Where it came from, for messages and for the file name in the temp dir.
    pub origin: String,
    /// The text as given (passed to helm unchanged).
    pub text: String,
    pub values: Value,
}

/// Parse values YAML. Errors name the origin and line:column.
pub fn parse(origin: &str, text: &str) -> Result<ValuesFile, Error> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("{origin}:{}:{}", l.line(), l.column()))
            .unwrap_or_else(|| origin.to_string());
        Error::input(format!("{at}: invalid YAML: {e}"))
    })?;
    let values = match serde_json::to_value(yaml) {
        Ok(Value::Null) => Value::Object(Map::new()),
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => {
            return Err(Error::input(format!(
                "{origin}: a values file must be a YAML mapping at the top"
            )))
        }
        Err(e) => return Err(Error::input(format!("{origin}: {e}"))),
    };
    Ok(ValuesFile {
        origin: origin.to_string(),
        text: text.to_string(),
        values,
    })
}

/// Read and parse a user's `-f` file.
pub fn load(path: &Path) -> Result<ValuesFile, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("cannot read values file {}: {e}", path.display())))?;
    parse(&path.display().to_string(), &text)
}

/// Merge `overlay` into `base` the way helm merges `-f` files.
pub fn merge(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// Names of the Secrets the install creates and the chart reads.
pub const GRAFANA_SECRET: &str = promstack_shared::grafana::login::ADMIN_SECRET;
pub const ALERTMANAGER_SECRET: &str = "promstack-alertmanager-config";

/// Remote write to a long-term store; credentials come from a Secret (keys `username`, `password`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteWrite {
    pub url: String,
    pub secret: Option<String>,
}

/// Keys of the remote-write credentials Secret.
pub const REMOTE_WRITE_KEYS: [&str; 2] = ["username", "password"];

/// Settings the generated overlay carries (never a secret value).
#[derive(Debug, Clone)]
pub struct OverlaySettings {
    pub storage_class: String,
    pub grafana_host: Option<String>,
    pub ingress_class: Option<String>,
    pub tls_secret: Option<String>,
    pub remote_write: Option<RemoteWrite>,
    pub admission_webhooks: bool,
}

impl Default for OverlaySettings {
    fn default() -> Self {
        OverlaySettings {
            storage_class: String::new(),
            grafana_host: None,
            ingress_class: None,
            tls_secret: None,
            remote_write: None,
            admission_webhooks: true,
        }
    }
}

/// The last values file: Secret names, StorageClass, Ingress settings. Names only, never values.
pub fn generated_overlay(s: &OverlaySettings) -> Value {
    let mut v = json!({
        "fullnameOverride": RELEASE,
        "grafana": {"admin": {
            "existingSecret": GRAFANA_SECRET,
            "userKey": "admin-user",
            "passwordKey": "admin-password"
        }},
        "alertmanager": {"alertmanagerSpec": {
            "useExistingSecret": true,
            "configSecret": ALERTMANAGER_SECRET,
            "storage": {"volumeClaimTemplate": {"spec": {"storageClassName": s.storage_class}}}
        }},
        "prometheus": {"prometheusSpec": {
            "storageSpec": {"volumeClaimTemplate": {"spec": {"storageClassName": s.storage_class}}}
        }}
    });
    if let Some(host) = &s.grafana_host {
        let mut ingress = json!({"enabled": true, "hosts": [host]});
        if let Some(class) = &s.ingress_class {
            ingress["ingressClassName"] = json!(class);
        }
        if let Some(tls) = &s.tls_secret {
            ingress["tls"] = json!([{"secretName": tls, "hosts": [host]}]);
        }
        v["grafana"]["ingress"] = ingress;
    }
    if let Some(rw) = &s.remote_write {
        let mut target = json!({"url": rw.url});
        if let Some(secret) = &rw.secret {
            target["basicAuth"] = json!({
                "username": {"name": secret, "key": REMOTE_WRITE_KEYS[0]},
                "password": {"name": secret, "key": REMOTE_WRITE_KEYS[1]}
            });
        }
        v["prometheus"]["prometheusSpec"]["remoteWrite"] = json!([target]);
    }
    if !s.admission_webhooks {
        // with the webhooks off nothing creates the webhook's TLS Secret, which the operator
        // still mounts while its own TLS is on (upstream helm-charts#6586): both go off together
        v["prometheusOperator"] = json!({
            "admissionWebhooks": {"enabled": false},
            "tls": {"enabled": false}
        });
    }
    v
}

/// The whole chain in helm's order: embedded base, env overlay, user files, generated overlay.
pub fn chain(
    env: Env,
    user: Vec<ValuesFile>,
    overlay: &OverlaySettings,
) -> Result<Vec<ValuesFile>, Error> {
    let mut files = vec![
        parse("values/values.yaml", BASE)?,
        parse(&format!("values/values-{}.yaml", env.name()), env.overlay())?,
    ];
    files.extend(user);
    let generated = generated_overlay(overlay);
    files.push(ValuesFile {
        origin: "generated-overlay.yaml".into(),
        text: serde_yaml::to_string(&generated).expect("JSON values serialise as YAML"),
        values: generated,
    });
    Ok(files)
}

/// The values helm ends up with from the whole chain (what `helm get values` reports afterwards).
pub fn merged(files: &[ValuesFile]) -> Value {
    let mut out = Value::Object(Map::new());
    for f in files {
        merge(&mut out, &f.values);
    }
    out
}

/// Is a component on in these values? (`<key>.enabled`, default true.)
pub fn enabled(values: &Value, key: &str) -> bool {
    values
        .get(key)
        .and_then(|c| c.get("enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_helms_merge() {
        let mut a = json!({"a": {"b": 1, "c": [1, 2]}, "d": "x"});
        merge(&mut a, &json!({"a": {"c": [3], "e": null}, "d": {"f": 1}}));
        assert_eq!(
            a,
            json!({"a": {"b": 1, "c": [3], "e": null}, "d": {"f": 1}})
        );
    }

    #[test]
    fn yaml_errors_name_file_line_and_column() {
        let err = parse("my.yaml", "a: 1\nb: [unclosed\n").unwrap_err();
        assert_eq!(err.exit_code(), promstack_shared::ExitCode::Usage);
        assert!(err.to_string().starts_with("my.yaml:"), "{err}");
        assert!(err.to_string().contains("invalid YAML"), "{err}");
        let err = parse("list.yaml", "- a\n- b\n").unwrap_err();
        assert!(err.to_string().contains("mapping"), "{err}");
        assert_eq!(parse("empty.yaml", "").unwrap().values, json!({}));
    }

    #[test]
    fn embedded_values_parse_and_the_overlay_wins() {
        let files = chain(
            Env::Local,
            vec![parse("user.yaml", "fullnameOverride: mine\nlayer: user\n").unwrap()],
            &OverlaySettings {
                storage_class: "fast".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(files.len(), 4);
        let m = merged(&files);
        assert_eq!(
            m["fullnameOverride"], RELEASE,
            "names are pinned by the generated overlay"
        );
        assert_eq!(m["layer"], "user");
        assert_eq!(m["grafana"]["admin"]["existingSecret"], GRAFANA_SECRET);
        assert_eq!(
            m["prometheus"]["prometheusSpec"]["storageSpec"]["volumeClaimTemplate"]["spec"]
                ["storageClassName"],
            "fast"
        );
        assert!(m["grafana"].get("adminPassword").is_none());
    }

    #[test]
    fn ingress_settings_reach_grafana() {
        let v = generated_overlay(&OverlaySettings {
            storage_class: "gp3".into(),
            grafana_host: Some("grafana.example.org".into()),
            ingress_class: Some("nginx".into()),
            tls_secret: Some("grafana-tls".into()),
            ..Default::default()
        });
        assert_eq!(v["grafana"]["ingress"]["hosts"][0], "grafana.example.org");
        assert_eq!(v["grafana"]["ingress"]["ingressClassName"], "nginx");
        assert_eq!(
            v["grafana"]["ingress"]["tls"][0]["secretName"],
            "grafana-tls"
        );
    }

    #[test]
    fn remote_write_and_webhooks() {
        let mut s = OverlaySettings {
            storage_class: "x".into(),
            ..Default::default()
        };
        let v = generated_overlay(&s);
        assert!(
            v["prometheus"]["prometheusSpec"]
                .get("remoteWrite")
                .is_none(),
            "off by default"
        );
        assert!(
            v.get("prometheusOperator").is_none(),
            "webhooks stay as the values files say"
        );
        s.remote_write = Some(RemoteWrite {
            url: "https://mimir.example.org/api/v1/push".into(),
            secret: Some("mimir-auth".into()),
        });
        s.admission_webhooks = false;
        let v = generated_overlay(&s);
        let rw = &v["prometheus"]["prometheusSpec"]["remoteWrite"][0];
        assert_eq!(rw["url"], "https://mimir.example.org/api/v1/push");
        assert_eq!(
            rw["basicAuth"]["password"],
            json!({"name": "mimir-auth", "key": "password"})
        );
        assert_eq!(
            v["prometheusOperator"]["tls"]["enabled"], false,
            "the operator would mount a Secret nobody makes"
        );
        assert_eq!(
            v["prometheusOperator"]["admissionWebhooks"]["enabled"],
            false
        );
    }

    #[test]
    fn components_are_on_unless_disabled() {
        let v = json!({"grafana": {"enabled": false}, "kubeStateMetrics": {}});
        assert!(!enabled(&v, "grafana"));
        assert!(enabled(&v, "kubeStateMetrics"));
        assert!(enabled(&v, "nodeExporter"));
    }
}
