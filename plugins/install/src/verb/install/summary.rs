//! Human-facing text of an install, rendered with handlebars (never used for Kubernetes objects).
use crate::install::InstallReport;
use handlebars::Handlebars;

const TEMPLATE: &str = r#"{{#if report.dry_run}}Dry run: nothing was changed. Planned:
{{#each report.steps}}  {{pad change}} {{object}}{{#if note}} ({{note}}){{/if}}
{{/each}}
  {{join report.helm_command}}
{{#if diff}}
What changes in the cluster (a server-side dry run of every object against the live one):
{{diff}}{{/if}}{{#if upgrade}}
{{upgrade}}{{/if}}{{else}}{{#if report.changed}}kube-prometheus-stack ({{report.chart}}) is installed in namespace {{report.namespace}}, context {{report.context}}.{{else}}Nothing changed: kube-prometheus-stack ({{report.chart}}) in namespace {{report.namespace}} is already as wanted.{{/if}}

Grafana       {{report.grafana.url}}
  user        {{report.grafana.user}}
  password    {{#if password}}{{password}}{{else}}{{report.grafana.password_command}}{{/if}}
Prometheus    kubectl -n {{report.namespace}} port-forward svc/kube-prometheus-prometheus 9090
Alertmanager  kubectl -n {{report.namespace}} port-forward svc/kube-prometheus-alertmanager 9093

{{#if privileged}}
Namespace {{report.namespace}} allows privileged pods ({{privileged}}): node-exporter needs
hostNetwork, hostPID, a host port and hostPath volumes, which Pod Security baseline forbids.
{{/if}}
Next: put your alerting rules and dashboards in place, and check the stack any time with
  kubectl promstack status -n {{report.namespace}}
{{/if}}"#;

/// The text summary. `password` only when `--show-password` asked for it.
pub fn render(report: &InstallReport, password: Option<&str>) -> String {
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    // {{pad x}}: x left-aligned in 9 columns; {{join xs}}: the strings of xs, space-separated
    handlebars::handlebars_helper!(pad: |v: Json| format!("{:<9}", v.as_str().unwrap_or("")));
    handlebars::handlebars_helper!(join: |v: Json| v
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default());
    hb.register_helper("pad", Box::new(pad));
    hb.register_helper("join", Box::new(join));
    hb.register_template_string("summary", TEMPLATE)
        .expect("the summary template is valid");
    let privileged = report
        .preflight
        .iter()
        .any(|c| c.name == "pod-security" && c.detail.contains(crate::preflight::ENFORCE_LABEL))
        .then(crate::preflight::labels_said);
    let diff = report.diff.as_ref().map(|d| d.text());
    let upgrade = report.upgrade.as_ref().map(|u| u.text());
    let data = serde_json::json!({"report": report, "password": password, "privileged": privileged,
        "diff": diff, "upgrade": upgrade});
    hb.render("summary", &data)
        .expect("the summary renders from a complete report")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::install::{Check, GrafanaAccess, InstallReport, Timings};

    fn report(pod_security: &str) -> InstallReport {
        InstallReport {
            dry_run: false,
            context: "c".into(),
            server: "s".into(),
            namespace: "obs".into(),
            env: crate::chart::values::Env::Local,
            chart: "kube-prometheus-stack 88.5.3".into(),
            release: "kube-prometheus".into(),
            helm_version: "v4.1.4".into(),
            preflight: vec![Check {
                name: "pod-security",
                ok: true,
                detail: pod_security.into(),
                said: vec![],
            }],
            steps: vec![],
            helm_command: vec![],
            changed: true,
            waited: vec![],
            grafana: GrafanaAccess {
                url: "http://10.0.0.10:30300".into(),
                user: "admin".into(),
                password_secret: "promstack-grafana-admin".into(),
                password_command: "kubectl ...".into(),
            },
            timings: Timings::default(),
            diff: None,
            upgrade: None,
        }
    }

    #[test]
    fn the_summary_names_the_status_command_and_why_the_namespace_is_privileged() {
        let text = render(
            &report("namespace obs will be created with pod-security.kubernetes.io/enforce=privileged: ..."),
            None,
        );
        assert!(text.contains("kubectl promstack status -n obs"), "{text}");
        assert!(!text.contains("--dry-run"), "{text}");
        assert!(
            text.contains("Namespace obs allows privileged pods (pod-security.kubernetes.io/enforce=privileged, and warn and audit privileged too): node-exporter needs"),
            "{text}"
        );
        let plain = render(
            &report("node-exporter is off: nothing needs privileged pods"),
            None,
        );
        assert!(!plain.contains("privileged pods ("), "{plain}");
    }
}
