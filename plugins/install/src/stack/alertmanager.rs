//! The Alertmanager configuration Secret: the default config, validation before anything is
//! applied (the common crate's, as Alertmanager itself validates), and the Secret itself. The file's bytes reach the Secret unchanged, so Go templates
//! (`{{ .CommonLabels.alertname }}`) arrive as written.
use promstack_shared::kube::owned;
use promstack_shared::Error;
use std::collections::BTreeMap;

/// The project's default config (`plugins/install/assets/alertmanager.yaml`).
pub const DEFAULT_CONFIG: &str = include_str!("../../assets/alertmanager.yaml");
/// The key the operator reads from the config Secret.
pub const CONFIG_KEY: &str = "alertmanager.yaml";

/// Every problem of an Alertmanager config, checked as Alertmanager checks it (see
/// [`promstack_shared::alertmanager::config`]), each as `file:line: what`.
pub use promstack_shared::alertmanager::config::problems;

/// Validate, as an input error listing every problem; the warnings (what Alertmanager loads
/// but fails on when it renders a notification) otherwise.
pub fn validate(origin: &str, text: &str) -> Result<Vec<String>, Error> {
    let checked = promstack_shared::alertmanager::config::check(origin, text);
    if checked.problems.is_empty() {
        Ok(checked.warnings)
    } else {
        Err(Error::input(format!(
            "the Alertmanager config is not valid (as Alertmanager 0.34 loads it):\n  {}\nFix the file and run again; nothing was changed.",
            checked.problems.join("\n  ")
        )))
    }
}

/// The Alertmanager config to use: the user's file, or promstack's default; validated. Its
/// warnings go to `warn`.
pub fn load(path: Option<&std::path::Path>, warn: &dyn Fn(&str)) -> Result<String, Error> {
    let (origin, text) = match path {
        Some(p) => (
            p.display().to_string(),
            std::fs::read_to_string(p).map_err(|e| {
                Error::input(format!(
                    "cannot read Alertmanager config {}: {e}",
                    p.display()
                ))
            })?,
        ),
        None => (
            "default Alertmanager config".to_string(),
            DEFAULT_CONFIG.to_string(),
        ),
    };
    for w in validate(&origin, &text)? {
        warn(&w);
    }
    Ok(text)
}

/// The config Secret (typed), labelled as ours.
pub fn secret(namespace: &str, text: &str) -> k8s_openapi::api::core::v1::Secret {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    k8s_openapi::api::core::v1::Secret {
        metadata: ObjectMeta {
            name: Some(crate::chart::values::ALERTMANAGER_SECRET.into()),
            namespace: Some(namespace.into()),
            labels: Some(owned::labels(crate::COMPONENT)),
            ..Default::default()
        },
        type_: Some("Opaque".into()),
        data: Some(BTreeMap::from([(
            CONFIG_KEY.to_string(),
            k8s_openapi::ByteString(text.as_bytes().to_vec()),
        )])),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_is_valid() {
        assert_eq!(problems("default", DEFAULT_CONFIG), Vec::<String>::new());
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let bad = "route:\n  receiver: missing\n  group_wait: soon\n  routes:\n    - receiver: default\n      matchers: [\"sev\"]\nreceivers:\n  - name: default\n  - name: default\nbogus: 1\n";
        let p = problems("am.yaml", bad);
        let joined = p.join("\n");
        assert!(
            joined.contains(
                "am.yaml:2: route.receiver: undefined receiver \"missing\" used in route"
            ),
            "{joined}"
        );
        assert!(
            joined.contains("am.yaml:3: route.group_wait: not a valid duration string: \"soon\""),
            "{joined}"
        );
        assert!(
            joined
                .contains("am.yaml:6: route.routes[0].matchers[0]: `sev`: bad matcher format: sev"),
            "{joined}"
        );
        assert!(
            joined.contains(
                "am.yaml:9: receivers[1].name: notification config name \"default\" is not unique"
            ),
            "{joined}"
        );
        assert!(
            joined.contains("am.yaml:10: bogus: unknown field `bogus`"),
            "{joined}"
        );
        assert_eq!(p.len(), 5, "{joined}");
    }

    #[test]
    fn broken_yaml_and_missing_parts() {
        assert!(problems("x", "route: [\n")[0].starts_with("x:"));
        assert!(problems("x", "receivers: [{name: a}]\n")[0].contains("no routes provided"));
        assert!(problems("x", "route: {receiver: a}\n")[0].contains("undefined receiver \"a\""));
        assert_eq!(problems("x", "")[0], "x: no route provided in config");
        let err = validate("x", "- 1\n").unwrap_err();
        assert_eq!(err.exit_code(), promstack_shared::ExitCode::Usage);
    }

    #[test]
    fn templates_reach_the_secret_unchanged() {
        let text = "route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs: [{url: 'http://x/{{ .GroupLabels.alertname }}'}]\n";
        let s = secret("monitoring", text);
        assert_eq!(s.data.unwrap()[CONFIG_KEY].0, text.as_bytes());
    }
}
