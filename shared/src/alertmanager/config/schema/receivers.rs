//! A receiver and each of its notification integrations.
pub use super::chat::{MATTERMOST, ROCKETCHAT, SLACK};
use super::Ty::*;
use super::{Struct, HTTP_CONFIG, SIGV4, TLS_CONFIG};

pub static RECEIVER: Struct = Struct {
    name: "receiver",
    fields: &[
        ("name", Str),
        ("labels", Map(&Str)),
        ("discord_configs", List(&Struct(&DISCORD))),
        ("email_configs", List(&Struct(&EMAIL))),
        ("incidentio_configs", List(&Struct(&INCIDENTIO))),
        ("pagerduty_configs", List(&Struct(&PAGERDUTY))),
        ("slack_configs", List(&Struct(&SLACK))),
        ("webhook_configs", List(&Struct(&WEBHOOK))),
        ("opsgenie_configs", List(&Struct(&OPSGENIE))),
        ("wechat_configs", List(&Struct(&WECHAT))),
        ("pushover_configs", List(&Struct(&PUSHOVER))),
        ("victorops_configs", List(&Struct(&VICTOROPS))),
        ("sns_configs", List(&Struct(&SNS))),
        ("telegram_configs", List(&Struct(&TELEGRAM))),
        ("webex_configs", List(&Struct(&WEBEX))),
        ("msteams_configs", List(&Struct(&MSTEAMS))),
        ("msteamsv2_configs", List(&Struct(&MSTEAMSV2))),
        ("jira_configs", List(&Struct(&JIRA))),
        ("rocketchat_configs", List(&Struct(&ROCKETCHAT))),
        ("mattermost_configs", List(&Struct(&MATTERMOST))),
    ],
};

/// The integrations' list keys under a receiver.
pub const INTEGRATIONS: [&str; 18] = [
    "discord_configs",
    "email_configs",
    "incidentio_configs",
    "pagerduty_configs",
    "slack_configs",
    "webhook_configs",
    "opsgenie_configs",
    "wechat_configs",
    "pushover_configs",
    "victorops_configs",
    "sns_configs",
    "telegram_configs",
    "webex_configs",
    "msteams_configs",
    "msteamsv2_configs",
    "jira_configs",
    "rocketchat_configs",
    "mattermost_configs",
];

pub static DISCORD: Struct = Struct {
    name: "discord",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("webhook_url", SecretUrl),
        ("webhook_url_file", Str),
        ("content", Str),
        ("title", Str),
        ("message", Str),
        ("username", Str),
        ("avatar_url", Str),
    ],
};

pub static EMAIL: Struct = Struct {
    name: "email",
    fields: &[
        ("send_resolved", Bool),
        ("to", Str),
        ("from", Str),
        ("hello", Str),
        ("smarthost", HostPort),
        ("auth_username", Str),
        ("auth_password", Str),
        ("auth_password_file", Str),
        ("auth_secret", Str),
        ("auth_secret_file", Str),
        ("auth_identity", Str),
        ("headers", Map(&Str)),
        ("html", Str),
        ("text", Str),
        ("require_tls", Bool),
        ("tls_config", Struct(&TLS_CONFIG)),
        ("force_implicit_tls", Bool),
        ("threading", Struct(&EMAIL_THREADING)),
    ],
};

pub static EMAIL_THREADING: Struct = Struct {
    name: "email_threading",
    fields: &[("enabled", Bool), ("thread_by_date", Str)],
};

pub static INCIDENTIO: Struct = Struct {
    name: "incidentio",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("url", Url),
        ("url_file", Str),
        ("alert_source_token", Str),
        ("alert_source_token_file", Str),
        ("max_alerts", Uint),
        ("timeout", GoDuration),
    ],
};

pub static PAGERDUTY: Struct = Struct {
    name: "pagerduty",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("service_key", Str),
        ("service_key_file", Str),
        ("routing_key", Str),
        ("routing_key_file", Str),
        ("url", Url),
        ("client", Str),
        ("client_url", Str),
        ("description", Str),
        ("details", Map(&Any)),
        ("images", List(&Struct(&PAGERDUTY_IMAGE))),
        ("links", List(&Struct(&PAGERDUTY_LINK))),
        ("source", Str),
        ("severity", Str),
        ("class", Str),
        ("component", Str),
        ("group", Str),
        ("timeout", GoDuration),
    ],
};

pub static PAGERDUTY_IMAGE: Struct = Struct {
    name: "pagerduty_image",
    fields: &[("src", Str), ("alt", Str), ("href", Str)],
};

pub static PAGERDUTY_LINK: Struct = Struct {
    name: "pagerduty_link",
    fields: &[("href", Str), ("text", Str)],
};

pub static WEBHOOK: Struct = Struct {
    name: "webhook",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("url", TemplateUrl),
        ("url_file", Str),
        ("max_alerts", Uint),
        ("timeout", GoDuration),
        ("payload", Any),
    ],
};

pub static OPSGENIE: Struct = Struct {
    name: "opsgenie",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_key", Str),
        ("api_key_file", Str),
        ("api_url", Url),
        ("message", Str),
        ("description", Str),
        ("source", Str),
        ("details", Map(&Str)),
        ("entity", Str),
        ("responders", List(&Struct(&OPSGENIE_RESPONDER))),
        ("actions", Str),
        ("tags", Str),
        ("note", Str),
        ("priority", Str),
        ("update_alerts", Bool),
    ],
};

pub static OPSGENIE_RESPONDER: Struct = Struct {
    name: "opsgenie_responder",
    fields: &[("id", Str), ("name", Str), ("username", Str), ("type", Str)],
};

pub static WECHAT: Struct = Struct {
    name: "wechat",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_secret", Str),
        ("api_secret_file", Str),
        ("corp_id", Str),
        ("message", Str),
        ("api_url", Url),
        ("to_user", Str),
        ("to_party", Str),
        ("to_tag", Str),
        ("agent_id", Str),
        ("message_type", Str),
    ],
};

pub static PUSHOVER: Struct = Struct {
    name: "pushover",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("user_key", Str),
        ("user_key_file", Str),
        ("token", Str),
        ("token_file", Str),
        ("title", Str),
        ("message", Str),
        ("url", Str),
        ("url_title", Str),
        ("device", Str),
        ("sound", Str),
        ("priority", Str),
        ("retry", TextDuration),
        ("expire", TextDuration),
        ("ttl", TextDuration),
        ("html", Bool),
        ("monospace", Bool),
    ],
};

pub static VICTOROPS: Struct = Struct {
    name: "victorops",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_key", Str),
        ("api_key_file", Str),
        ("api_url", Url),
        ("routing_key", Str),
        ("message_type", Str),
        ("state_message", Str),
        ("entity_display_name", Str),
        ("monitoring_tool", Str),
        ("custom_fields", Map(&Str)),
    ],
};

pub static SNS: Struct = Struct {
    name: "sns",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_url", Str),
        ("sigv4", Struct(&SIGV4)),
        ("topic_arn", Str),
        ("phone_number", Str),
        ("target_arn", Str),
        ("subject", Str),
        ("message", Str),
        ("attributes", Map(&Str)),
        ("use_aws_http_client", Bool),
    ],
};

pub static TELEGRAM: Struct = Struct {
    name: "telegram",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_url", Url),
        ("bot_token", Str),
        ("bot_token_file", Str),
        ("chat_id", Int),
        ("chat_id_file", Str),
        ("message_thread_id", Int),
        ("message", Str),
        ("disable_notifications", Bool),
        ("parse_mode", Str),
    ],
};

pub static WEBEX: Struct = Struct {
    name: "webex",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_url", Url),
        ("message", Str),
        ("room_id", Str),
    ],
};

pub static MSTEAMS: Struct = Struct {
    name: "msteams",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("webhook_url", SecretUrl),
        ("webhook_url_file", Str),
        ("title", Str),
        ("summary", Str),
        ("text", Str),
    ],
};

pub static MSTEAMSV2: Struct = Struct {
    name: "msteamsv2",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("webhook_url", SecretUrl),
        ("webhook_url_file", Str),
        ("title", Str),
        ("text", Str),
    ],
};

pub static JIRA: Struct = Struct {
    name: "jira",
    fields: &[
        ("send_resolved", Bool),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("api_url", Url),
        ("api_type", Str),
        ("project", Str),
        ("summary", JiraField),
        ("description", JiraField),
        ("labels", List(&Str)),
        ("priority", Str),
        ("issue_type", Str),
        ("reopen_transition", Str),
        ("resolve_transition", Str),
        ("wont_fix_resolution", Str),
        ("reopen_duration", ModelDuration),
        ("fields", Map(&Any)),
    ],
};

pub static JIRA_FIELD: Struct = Struct {
    name: "jira_field",
    fields: &[("template", Str), ("enable_update", Bool)],
};
