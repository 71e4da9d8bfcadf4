//! Human-facing text of an install, rendered with handlebars (never used for Kubernetes objects).
use crate::install::InstallReport;
use handlebars::Handlebars;

const TEMPLATE: &str = r#"{{#if report.dry_run}}Dry run: nothing was changed. Planned:
{{#each report.steps}}  {{pad change}} {{object}}{{#if note}} ({{note}}){{/if}}
{{/each}}
  {{join report.helm_command}}
{{else}}{{#if report.changed}}kube-prometheus-stack ({{report.chart}}) is installed in namespace {{report.namespace}}, context {{report.context}}.{{else}}Nothing changed: kube-prometheus-stack ({{report.chart}}) in namespace {{report.namespace}} is already as wanted.{{/if}}

Grafana       {{report.grafana.url}}
  user        {{report.grafana.user}}
  password    {{#if password}}{{password}}{{else}}{{report.grafana.password_command}}{{/if}}
Prometheus    kubectl -n {{report.namespace}} port-forward svc/kube-prometheus-prometheus 9090
Alertmanager  kubectl -n {{report.namespace}} port-forward svc/kube-prometheus-alertmanager 9093

Next: put your alerting rules and dashboards in place, and check the stack again any time with
  kubectl promstack install --env {{report.env}} --dry-run
{{/if}}"#;

/// The text summary. `password` only when `--show-password` asked for it.
pub fn render(report: &InstallReport, password: Option<&str>) -> String {
    let mut hb = Handlebars::new();
    hb.register_escape_fn(handlebars::no_escape);
    hb.set_strict_mode(true);
    hb.register_helper(
        "pad",
        Box::new(
            |h: &handlebars::Helper,
             _: &Handlebars,
             _: &handlebars::Context,
             _: &mut handlebars::RenderContext,
             out: &mut dyn handlebars::Output| {
                let v = h.param(0).and_then(|p| p.value().as_str()).unwrap_or("");
                out.write(&format!("{v:<9}"))?;
                Ok(())
            },
        ),
    );
    hb.register_helper(
        "join",
        Box::new(
            |h: &handlebars::Helper,
             _: &Handlebars,
             _: &handlebars::Context,
             _: &mut handlebars::RenderContext,
             out: &mut dyn handlebars::Output| {
                let parts: Vec<String> = h
                    .param(0)
                    .and_then(|p| p.value().as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect();
                out.write(&parts.join(" "))?;
                Ok(())
            },
        ),
    );
    hb.register_template_string("summary", TEMPLATE)
        .expect("the summary template is valid");
    let data = serde_json::json!({"report": report, "password": password});
    hb.render("summary", &data)
        .expect("the summary renders from a complete report")
}
