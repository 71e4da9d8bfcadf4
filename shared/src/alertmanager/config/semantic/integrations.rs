//! Each notification integration's own checks, as data: per integration, the rules its Go
//! `UnmarshalYAML` applies, in its order ([`INTEGRATIONS`]), walked by one checker ([`check`]).
//! Most rules are one of a few forms (a key required, two keys exclusive, a value from a set); a
//! check of its own kind (Opsgenie's responders, SNS's three targets, ...) is a [`Rule::Own`].
use super::{bare_template, go_quote, keys, one_of, Ctx};
use crate::alertmanager::config::{get, has, is_true, text};
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::BTreeSet;

/// One check of an integration's `UnmarshalYAML`.
pub(super) enum Rule {
    /// None of the keys has a (non-empty) value: the message.
    Required(&'static [&'static str], &'static str),
    /// Both keys have a value: `at most one of A & B must be configured`.
    AtMostOne(&'static str, &'static str),
    /// The same, where the first key (a URL or secret) counts when it is set at all.
    AtMostOneSet(&'static str, &'static str),
    /// A key (counting when set at all) or its `_file`: one of them, and not both.
    OneOf(&'static str, &'static str),
    /// A key that is there (even null: Go's empty string) with a value outside the set: the
    /// message.
    OneValue(&'static str, &'static [&'static str], &'static str),
    /// A check of its own kind.
    Own(fn(&mut Ctx)),
}
use Rule::*;

const DISCORD: &[Rule] = &[OneOf("webhook_url", "webhook_url_file")];

/// Every integration (and each of its parts with checks of its own) by its structure's name.
pub(super) const INTEGRATIONS: &[(&str, &[Rule])] = &[
    (
        "webhook",
        &[
            Required(&["url", "url_file"], "one of url or url_file must be configured"),
            // its url is a string (empty is unset), not a pointer
            AtMostOne("url", "url_file"),
        ],
    ),
    ("discord", DISCORD),
    ("msteams", DISCORD),
    ("msteamsv2", DISCORD),
    (
        "incidentio",
        &[
            OneOf("url", "url_file"),
            AtMostOne("alert_source_token", "alert_source_token_file"),
            Own(incidentio_authorization),
        ],
    ),
    ("email", &[Own(check_email)]),
    (
        "pagerduty",
        &[
            Required(
                &["routing_key", "service_key", "routing_key_file", "service_key_file"],
                "missing service or routing key in PagerDuty config",
            ),
            AtMostOne("routing_key", "routing_key_file"),
            AtMostOne("service_key", "service_key_file"),
        ],
    ),
    (
        "slack",
        &[
            AtMostOneSet("api_url", "api_url_file"),
            AtMostOne("app_token", "app_token_file"),
            Own(slack_url_or_token),
        ],
    ),
    (
        "slack_action",
        &[
            Required(&["type"], "missing type in Slack action configuration"),
            Required(&["text"], "missing text in Slack action configuration"),
            Required(&["url", "name"], "missing name or url in Slack action configuration"),
        ],
    ),
    (
        "slack_confirm",
        &[Required(&["text"], "missing text in Slack confirmation configuration")],
    ),
    (
        "slack_field",
        &[
            Required(&["title"], "missing title in Slack field configuration"),
            Required(&["value"], "missing value in Slack field configuration"),
        ],
    ),
    (
        "mattermost_field",
        &[
            Required(&["title"], "missing title in Mattermost field configuration"),
            Required(&["value"], "missing value in Mattermost field configuration"),
        ],
    ),
    (
        "opsgenie",
        &[AtMostOne("api_key", "api_key_file"), Own(opsgenie_responders)],
    ),
    (
        "wechat",
        &[Own(wechat_message_type), AtMostOne("api_secret", "api_secret_file")],
    ),
    (
        "pushover",
        &[
            Required(&["user_key", "user_key_file"], "one of user_key or user_key_file must be configured"),
            AtMostOne("user_key", "user_key_file"),
            Required(&["token", "token_file"], "one of token or token_file must be configured"),
            AtMostOne("token", "token_file"),
            Own(pushover_format),
        ],
    ),
    (
        "victorops",
        &[
            Required(&["routing_key"], "missing Routing key in VictorOps config"),
            AtMostOne("api_key", "api_key_file"),
            Own(victorops_custom_fields),
        ],
    ),
    ("sns", &[Own(sns_target)]),
    (
        "telegram",
        &[
            AtMostOne("bot_token", "bot_token_file"),
            Own(telegram_chat_id),
            OneValue(
                "parse_mode",
                &["", "Markdown", "MarkdownV2", "HTML"],
                "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string",
            ),
        ],
    ),
    (
        "webex",
        &[
            Required(&["room_id"], "missing room_id on webex_config"),
            Own(webex_authorization),
        ],
    ),
    (
        "jira",
        &[
            Required(&["project"], "missing project in jira_config"),
            Required(&["issue_type"], "missing issue_type in jira_config"),
            // null sets it to "" over its default (auto)
            OneValue(
                "api_type",
                &["auto", "cloud", "datacenter"],
                "unknown api_type on jira_config, must be auto, cloud or datacenter",
            ),
        ],
    ),
    (
        "rocketchat",
        &[
            AtMostOneSet("token", "token_file"),
            AtMostOneSet("token_id", "token_id_file"),
        ],
    ),
    ("mattermost", &[AtMostOneSet("webhook_url", "webhook_url_file")]),
];

/// The rules of the structure `name`, when it is an integration or a part of one.
pub(super) fn rules(name: &str) -> Option<&'static [Rule]> {
    INTEGRATIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, rules)| *rules)
}

/// One integration's mapping against its rules, in their order.
pub(super) fn check(x: &mut Ctx, rules: &[Rule]) {
    for rule in rules {
        match rule {
            Required(any, message) => {
                if !any.iter().any(|k| x.nonempty(k)) {
                    x.say((*message).into());
                }
            }
            AtMostOne(a, b) => x.at_most_one(a, b),
            AtMostOneSet(a, b) => {
                if has(x.m, a) && x.nonempty(b) {
                    x.say(format!("at most one of {a} & {b} must be configured"));
                }
            }
            OneOf(k, file) => {
                let m = x.m;
                one_of(x.say_fn(), m, k, file)
            }
            OneValue(k, values, message) => {
                if x.m.contains_key(*k) && !values.contains(&text(x.m, k).as_str()) {
                    x.say((*message).into());
                }
            }
            Own(f) => f(x),
        }
    }
}

fn incidentio_authorization(x: &mut Ctx) {
    let m = x.m;
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

fn check_email(x: &mut Ctx) {
    let m = x.m;
    email(x.say_fn(), m);
}

fn slack_url_or_token(x: &mut Ctx) {
    let m = x.m;
    let url = has(m, "api_url") || x.nonempty("api_url_file");
    let token = x.nonempty("app_token") || x.nonempty("app_token_file");
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

fn opsgenie_responders(x: &mut Ctx) {
    let m = x.m;
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

fn wechat_message_type(x: &mut Ctx) {
    let ty = text(x.m, "message_type");
    if !ty.is_empty() && ty != "text" && ty != "markdown" {
        x.say(format!(
            "weChat message type {} does not match valid options ^(text|markdown)$",
            go_quote(&ty)
        ));
    }
}

fn pushover_format(x: &mut Ctx) {
    if is_true(x.m, "html") && is_true(x.m, "monospace") {
        x.say("at most one of monospace & html must be configured".into());
    }
}

fn victorops_custom_fields(x: &mut Ctx) {
    let custom = keys(x.m, "custom_fields");
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

fn sns_target(x: &mut Ctx) {
    let (t, p, n) = (
        !x.nonempty("target_arn"),
        !x.nonempty("topic_arn"),
        !x.nonempty("phone_number"),
    );
    if (t != p) != n {
        x.say("must provide either a Target ARN, Topic ARN, or Phone Number for SNS config".into());
    }
}

fn telegram_chat_id(x: &mut Ctx) {
    let chat_id = crate::alertmanager::config::integer(x.m, "chat_id").unwrap_or(0.0) != 0.0;
    if !chat_id && !x.nonempty("chat_id_file") {
        x.say("missing chat_id or chat_id_file on telegram_config".into());
    }
    if chat_id && x.nonempty("chat_id_file") {
        x.say("at most one of chat_id & chat_id_file must be configured".into());
    }
}

fn webex_authorization(x: &mut Ctx) {
    let authz = crate::alertmanager::config::http_authorization(x.m) == Some(true);
    if !authz {
        x.say("missing webex_configs.http_config.authorization".into());
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
