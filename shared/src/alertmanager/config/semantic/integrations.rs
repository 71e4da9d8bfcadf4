//! Each notification integration's own checks.
use super::super::schema::Struct;
use super::{bare_template, go_quote, keys, one_of, Ctx};
use crate::alertmanager::config::{get, has, is_true, text};
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::BTreeSet;

pub(super) fn check_webhook(x: &mut Ctx) {
    // its url is a string (empty is unset), not a pointer
    if !x.nonempty("url") && !x.nonempty("url_file") {
        x.say("one of url or url_file must be configured".into());
    }
    x.at_most_one("url", "url_file");
}

pub(super) fn check_discord(x: &mut Ctx) {
    let m = x.m;
    one_of(x.say_fn(), m, "webhook_url", "webhook_url_file")
}

pub(super) fn check_incidentio(x: &mut Ctx) {
    let m = x.m;
    one_of(x.say_fn(), m, "url", "url_file");
    x.at_most_one("alert_source_token", "alert_source_token_file");
    let token = x.nonempty("alert_source_token") || x.nonempty("alert_source_token_file");
    let http = get(m, "http_config").and_then(Yaml::as_mapping);
    let authz = crate::alertmanager::config::http_authorization(m) == Some(true);
    if authz && token {
        x.say("cannot specify alert_source_token or alert_source_token_file when using http_config.authorization".into());
    }
    if http.is_some() && !authz && !token {
        x.say("at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured".into());
    }
}

pub(super) fn check_email(x: &mut Ctx) {
    let m = x.m;
    email(x.say_fn(), m);
}

pub(super) fn check_pagerduty(x: &mut Ctx) {
    if ![
        "routing_key",
        "service_key",
        "routing_key_file",
        "service_key_file",
    ]
    .iter()
    .any(|k| x.nonempty(k))
    {
        x.say("missing service or routing key in PagerDuty config".into());
    }
    x.at_most_one("routing_key", "routing_key_file");
    x.at_most_one("service_key", "service_key_file");
}

pub(super) fn check_slack(x: &mut Ctx) {
    let m = x.m;
    let url = has(m, "api_url") || x.nonempty("api_url_file");
    let token = x.nonempty("app_token") || x.nonempty("app_token_file");
    if has(m, "api_url") && x.nonempty("api_url_file") {
        x.say("at most one of api_url & api_url_file must be configured".into());
    }
    x.at_most_one("app_token", "app_token_file");
    if url && token {
        x.say(
            "at most one of api_url/api_url_file & app_token/app_token_file must be configured"
                .into(),
        );
    }
    if is_true(m, "update_message")
        && text(m, "api_url") != "https://slack.com/api/chat.postMessage"
    {
        x.say("update_message can only be used with bot tokens. api_url must be set to https://slack.com/api/chat.postMessage".into());
    }
}

pub(super) fn check_slack_action(x: &mut Ctx) {
    if !x.nonempty("type") {
        x.say("missing type in Slack action configuration".into());
    }
    if !x.nonempty("text") {
        x.say("missing text in Slack action configuration".into());
    }
    if !x.nonempty("url") && !x.nonempty("name") {
        x.say("missing name or url in Slack action configuration".into());
    }
}

pub(super) fn check_slack_confirm(x: &mut Ctx) {
    if !x.nonempty("text") {
        x.say("missing text in Slack confirmation configuration".into());
    }
}

pub(super) fn check_slack_field(x: &mut Ctx, s: &Struct) {
    let who = if s.name == "slack_field" {
        "Slack"
    } else {
        "Mattermost"
    };
    if !x.nonempty("title") {
        x.say(format!("missing title in {who} field configuration"));
    }
    if !x.nonempty("value") {
        x.say(format!("missing value in {who} field configuration"));
    }
}

pub(super) fn check_opsgenie(x: &mut Ctx) {
    let m = x.m;
    x.at_most_one("api_key", "api_key_file");
    for r in get(m, "responders")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
    {
        let Some(r) = r.as_mapping() else { continue };
        let shown = format!(
            "{{{} {} {} {}}}",
            text(r, "id"),
            text(r, "name"),
            text(r, "username"),
            text(r, "type")
        );
        if ["id", "username", "name"]
            .iter()
            .all(|k| text(r, k).is_empty())
        {
            x.say(format!("opsGenieConfig responder {shown} has to have at least one of id, username or name specified"));
        }
        let ty = text(r, "type");
        if ty.contains("{{") {
            if let Err(e) = bare_template(&ty) {
                x.say(format!(
                    "opsGenieConfig responder {shown} type contains invalid template syntax: {e}"
                ));
            }
        } else if !matches!(
            ty.to_lowercase().as_str(),
            "team" | "teams" | "user" | "escalation" | "schedule"
        ) {
            x.say(format!("opsGenieConfig responder {shown} type does not match valid options ^(team|teams|user|escalation|schedule)$"));
        }
    }
}

pub(super) fn check_wechat(x: &mut Ctx) {
    let m = x.m;
    let ty = text(m, "message_type");
    if !ty.is_empty() && ty != "text" && ty != "markdown" {
        x.say(format!(
            "weChat message type {} does not match valid options ^(text|markdown)$",
            go_quote(&ty)
        ));
    }
    x.at_most_one("api_secret", "api_secret_file");
}

pub(super) fn check_pushover(x: &mut Ctx) {
    let m = x.m;
    for k in ["user_key", "token"] {
        let file = format!("{k}_file");
        if !x.nonempty(k) && !x.nonempty(&file) {
            x.say(format!("one of {k} or {file} must be configured"));
        }
        x.at_most_one(k, &file);
    }
    if is_true(m, "html") && is_true(m, "monospace") {
        x.say("at most one of monospace & html must be configured".into());
    }
}

pub(super) fn check_victorops(x: &mut Ctx) {
    let m = x.m;
    if !x.nonempty("routing_key") {
        x.say("missing Routing key in VictorOps config".into());
    }
    x.at_most_one("api_key", "api_key_file");
    let custom = keys(m, "custom_fields");
    for f in [
        "routing_key",
        "message_type",
        "state_message",
        "entity_display_name",
        "monitoring_tool",
        "entity_id",
        "entity_state",
    ] {
        if custom.contains(f) {
            x.say(format!("victorOps config contains custom field {f} which cannot be used as it conflicts with the fixed/static fields"));
        }
    }
}

pub(super) fn check_sns(x: &mut Ctx) {
    let (t, p, n) = (
        !x.nonempty("target_arn"),
        !x.nonempty("topic_arn"),
        !x.nonempty("phone_number"),
    );
    if (t != p) != n {
        x.say("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config".into());
    }
}

pub(super) fn check_telegram(x: &mut Ctx) {
    let m = x.m;
    x.at_most_one("bot_token", "bot_token_file");
    let chat_id = crate::alertmanager::config::number(m, "chat_id").unwrap_or(0.0) != 0.0;
    if !chat_id && !x.nonempty("chat_id_file") {
        x.say("missing chat_id or chat_id_file on telegram_config".into());
    }
    if chat_id && x.nonempty("chat_id_file") {
        x.say("at most one of chat_id & chat_id_file must be configured".into());
    }
    let mode = text(m, "parse_mode");
    if !matches!(mode.as_str(), "" | "Markdown" | "MarkdownV2" | "HTML") {
        x.say("unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string".into());
    }
}

pub(super) fn check_webex(x: &mut Ctx) {
    let m = x.m;
    if !x.nonempty("room_id") {
        x.say("missing room_id on webex_config".into());
    }
    let authz = crate::alertmanager::config::http_authorization(m) == Some(true);
    if !authz {
        x.say("missing webex_configs.http_config.authorization".into());
    }
}

pub(super) fn check_jira(x: &mut Ctx) {
    let m = x.m;
    if !x.nonempty("project") {
        x.say("missing project in jira_config".into());
    }
    if !x.nonempty("issue_type") {
        x.say("missing issue_type in jira_config".into());
    }
    let api = text(m, "api_type");
    // null sets it to "" over its default (auto)
    if m.contains_key("api_type") && !matches!(api.as_str(), "auto" | "cloud" | "datacenter") {
        x.say("unknown api_type on jira_config, must be auto, cloud or datacenter".into());
    }
}

pub(super) fn check_rocketchat(x: &mut Ctx) {
    let m = x.m;
    if has(m, "token") && x.nonempty("token_file") {
        x.say("at most one of token & token_file must be configured".into());
    }
    if has(m, "token_id") && x.nonempty("token_id_file") {
        x.say("at most one of token_id & token_id_file must be configured".into());
    }
}

pub(super) fn check_mattermost(x: &mut Ctx) {
    let m = x.m;
    if has(m, "webhook_url") && x.nonempty("webhook_url_file") {
        x.say("at most one of webhook_url & webhook_url_file must be configured".into());
    }
}

pub(super) fn email(say: &mut dyn FnMut(String), m: &Mapping) {
    if text(m, "to").is_empty() {
        say("missing to address in email config".into());
    }
    let mut seen = BTreeSet::new();
    for h in keys(m, "headers") {
        let canonical = super::http::canonical_header(&h);
        if !seen.insert(canonical.clone()) {
            say(format!(
                "duplicate header {} in email config",
                go_quote(&canonical)
            ));
        }
    }
    let threading = get(m, "threading").and_then(Yaml::as_mapping);
    if threading.is_some_and(|t| is_true(t, "enabled")) {
        if seen.contains("References") {
            say("conflicting configuration: threading.enabled conflicts with custom References header".into());
        }
        if seen.contains("In-Reply-To") {
            say("conflicting configuration: threading.enabled conflicts with custom In-Reply-To header".into());
        }
        let by = threading
            .map(|t| text(t, "thread_by_date"))
            .unwrap_or_default();
        if by != "none" && by != "daily" {
            say("threading.thread_by_date must be either 'none' or 'daily'".into());
        }
    }
}
