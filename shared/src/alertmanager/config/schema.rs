//! What an Alertmanager config may hold (v0.34's fields; Alertmanager reads the file strictly, so
//! anything else is refused): the sections, the route and inhibit rule keys, and each
//! notification integration with its fields and which of them are URLs.
#[rustfmt::skip]
pub(super) const TOP_LEVEL: &[&str] = &[
    "global", "route", "receivers", "inhibit_rules", "templates", "time_intervals",
    "mute_time_intervals",
];

#[rustfmt::skip]
pub(super) const GLOBAL: &[&str] = &[
    "resolve_timeout", "http_config", "jira_api_url", "smtp_from", "smtp_hello", "smtp_smarthost",
    "smtp_auth_username", "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret",
    "smtp_auth_secret_file", "smtp_auth_identity", "smtp_require_tls", "smtp_tls_config",
    "slack_api_url", "slack_api_url_file", "slack_app_token", "slack_app_token_file",
    "slack_app_url", "pagerduty_url", "opsgenie_api_url", "opsgenie_api_key",
    "opsgenie_api_key_file", "wechat_api_url", "wechat_api_secret", "wechat_api_corp_id",
    "victorops_api_url", "victorops_api_key", "victorops_api_key_file", "telegram_api_url",
    "webex_api_url", "rocketchat_api_url", "rocketchat_token", "rocketchat_token_file",
    "rocketchat_token_id", "rocketchat_token_id_file",
];

#[rustfmt::skip]
pub(super) const GLOBAL_URLS: &[&str] = &[
    "jira_api_url", "slack_api_url", "slack_app_url", "pagerduty_url", "opsgenie_api_url",
    "wechat_api_url", "victorops_api_url", "telegram_api_url", "webex_api_url",
    "rocketchat_api_url",
];

#[rustfmt::skip]
pub(super) const ROUTE: &[&str] = &[
    "receiver", "group_by", "continue", "match", "match_re", "matchers", "group_wait",
    "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes",
];

#[rustfmt::skip]
pub(super) const INHIBIT: &[&str] = &[
    "name", "source_match", "source_match_re", "source_matchers", "target_match", "target_match_re",
    "target_matchers", "equal",
];

#[rustfmt::skip]
pub(super) const HTTP_CONFIG: &[&str] = &[
    "authorization", "basic_auth", "oauth2", "bearer_token", "bearer_token_file", "tls_config",
    "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "follow_redirects",
    "enable_http2", "http_headers",
];

#[rustfmt::skip]
pub(super) const TIME_INTERVAL: &[&str] = &[
    "times", "weekdays", "days_of_month", "months", "years", "location",
];

/// One integration: its key under a receiver, its fields (besides send_resolved and http_config),
/// and which of them are URLs.
pub(super) struct Integration {
    pub key: &'static str,
    pub fields: &'static [&'static str],
    pub urls: &'static [&'static str],
}

#[rustfmt::skip]
pub(super) const INTEGRATIONS: &[Integration] = &[
    Integration { key: "webhook_configs", urls: &["url"],
        fields: &["url", "url_file", "max_alerts", "timeout"] },
    Integration { key: "email_configs", urls: &[],
        fields: &["to", "from", "hello", "smarthost", "auth_username", "auth_password", "auth_password_file", "auth_secret", "auth_secret_file", "auth_identity", "headers", "html", "text", "require_tls", "tls_config", "threading"] },
    Integration { key: "pagerduty_configs", urls: &["url"],
        fields: &["service_key", "service_key_file", "routing_key", "routing_key_file", "url", "client", "client_url", "description", "details", "images", "links", "source", "severity", "class", "component", "group", "timeout"] },
    Integration { key: "slack_configs", urls: &["api_url", "app_url"],
        fields: &["api_url", "api_url_file", "app_token", "app_token_file", "app_url", "channel", "username", "color", "title", "title_link", "pretext", "text", "fields", "short_fields", "footer", "fallback", "callback_id", "icon_emoji", "icon_url", "image_url", "thumb_url", "link_names", "mrkdwn_in", "actions", "timeout", "edit_messages"] },
    Integration { key: "opsgenie_configs", urls: &["api_url"],
        fields: &["api_key", "api_key_file", "api_url", "message", "description", "source", "details", "entity", "responders", "actions", "tags", "note", "priority", "update_alerts"] },
    Integration { key: "wechat_configs", urls: &["api_url"],
        fields: &["api_secret", "corp_id", "message", "api_url", "to_user", "to_party", "to_tag", "agent_id", "message_type"] },
    Integration { key: "pushover_configs", urls: &[],
        fields: &["user_key", "user_key_file", "token", "token_file", "title", "message", "url", "url_title", "device", "sound", "priority", "retry", "expire", "ttl", "html", "monospace"] },
    Integration { key: "victorops_configs", urls: &["api_url"],
        fields: &["api_key", "api_key_file", "api_url", "routing_key", "message_type", "state_message", "entity_display_name", "monitoring_tool", "custom_fields"] },
    Integration { key: "sns_configs", urls: &[],
        fields: &["api_url", "sigv4", "topic_arn", "phone_number", "target_arn", "subject", "message", "attributes"] },
    Integration { key: "telegram_configs", urls: &["api_url"],
        fields: &["api_url", "bot_token", "bot_token_file", "chat_id", "message_thread_id", "message", "disable_notifications", "parse_mode"] },
    Integration { key: "discord_configs", urls: &["webhook_url"],
        fields: &["webhook_url", "webhook_url_file", "content", "title", "message", "username", "avatar_url"] },
    Integration { key: "webex_configs", urls: &["api_url"],
        fields: &["api_url", "message", "room_id"] },
    Integration { key: "msteams_configs", urls: &["webhook_url"],
        fields: &["webhook_url", "webhook_url_file", "title", "summary", "text"] },
    Integration { key: "msteamsv2_configs", urls: &["webhook_url"],
        fields: &["webhook_url", "webhook_url_file", "title", "text"] },
    Integration { key: "jira_configs", urls: &["api_url"],
        fields: &["api_url", "project", "summary", "description", "labels", "priority", "issue_type", "reopen_transition", "resolve_transition", "wont_fix_resolution", "reopen_duration", "fields"] },
    Integration { key: "rocketchat_configs", urls: &["api_url"],
        fields: &["api_url", "token_id", "token_id_file", "token", "token_file", "channel", "color", "title", "title_link", "text", "fields", "short_fields", "emoji", "icon_url", "image_url", "thumb_url", "link_names", "actions"] },
    Integration { key: "incidentio_configs", urls: &["url"],
        fields: &["url", "url_file", "alert_source_token", "alert_source_token_file", "max_alerts", "timeout"] },
];
