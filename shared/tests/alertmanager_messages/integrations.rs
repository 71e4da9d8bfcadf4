//! The checks an integration's own settings get (each integration's `UnmarshalYAML`).
use super::{with_global, with_receiver, Says};

/// An integration `kind` (`opsgenie` for `opsgenie_configs`) with `lines` under its first item.
fn integration(kind: &str, lines: &str) -> String {
    with_receiver(&format!("    {kind}_configs:\n      - {lines}\n"), "")
}

/// OpsGenie's responders, WeChat's message type, Pushover's format, VictorOps's custom fields.
pub(super) fn integration_settings(says: Says) {
    let at = |kind: &str, why: &str| format!("x.yml:6: receivers[0].{kind}_configs[0]: {why}");
    for (kind, lines) in [
        ("opsgenie", "api_key: k\n        responders: [{name: n, type: Team}, {id: i, type: '{{ .CommonLabels.t }}'}]"),
        ("wechat", "api_secret: s\n        corp_id: c\n        message_type: markdown"),
        ("wechat", "api_secret: s\n        corp_id: c\n        message_type: text"),
        ("pushover", "user_key: u\n        token: t\n        html: true"),
        ("victorops", "api_key: k\n        routing_key: r\n        custom_fields: {team: x}"),
    ] {
        says(&integration(kind, lines), &[]);
    }
    for (kind, lines, why) in [
        ("opsgenie", "api_key: k\n        responders: [{type: team}]", "opsGenieConfig responder {   team} has to have at least one of id, username or name specified"),
        ("opsgenie", "api_key: k\n        responders: [{name: n, type: squad}]", "opsGenieConfig responder { n  squad} type does not match valid options ^(team|teams|user|escalation|schedule)$"),
        ("opsgenie", "api_key: k\n        responders: [{name: n, type: '{{ .X'}]", "opsGenieConfig responder { n  {{ .X} type contains invalid template syntax: template: :1: unclosed action"),
        ("wechat", "api_secret: s\n        corp_id: c\n        message_type: html", "weChat message type \"html\" does not match valid options ^(text|markdown)$"),
        ("pushover", "user_key: u\n        token: t\n        html: true\n        monospace: true", "at most one of monospace & html must be configured"),
        ("victorops", "api_key: k\n        routing_key: r\n        custom_fields: {entity_id: x}", "victorOps config contains custom field entity_id which cannot be used as it conflicts with the fixed/static fields"),
    ] {
        says(&integration(kind, lines), &[&at(kind, why)]);
    }
}

/// The event recorder's file, webhook and Kafka outputs (new in Alertmanager 0.34).
pub(super) fn event_recorder_outputs(says: Says) {
    let outputs = |kind: &str, item: &str| {
        with_receiver(
            "",
            &format!("event_recorder:\n  {kind}_outputs:\n    - {item}\n"),
        )
    };
    for (kind, item) in [
        ("file", "{path: /var/log/am.jsonl}"),
        ("webhook", "{url: http://x}"),
        ("webhook", "{url: http://x, batch: true, batch_max_events: 5, batch_max_bytes: 9, batch_flush_interval: 5s}"),
        ("kafka", "{brokers: ['b:9092'], topic: t, acks: all, compression: zstd, format: protobuf}"),
        ("kafka", "{brokers: ['b:9092'], topic: t, acks: none, compression: none, format: json}"),
    ] {
        says(&outputs(kind, item), &[]);
    }
    for (kind, item, why) in [
        ("file", "{}", "event_recorder file output requires a path"),
        (
            "webhook",
            "{}",
            "event_recorder webhook output requires a url",
        ),
        (
            "webhook",
            "{url: http://x, batch: true, batch_max_events: -1}",
            "event_recorder webhook batch settings cannot be negative",
        ),
        (
            "webhook",
            "{url: http://x, batch_max_events: 5}",
            "event_recorder webhook batch settings require batch: true",
        ),
        (
            "webhook",
            "{url: http://x, batch_max_bytes: 5}",
            "event_recorder webhook batch settings require batch: true",
        ),
        (
            "webhook",
            "{url: http://x, batch_flush_interval: 5s}",
            "event_recorder webhook batch settings require batch: true",
        ),
        (
            "kafka",
            "{topic: t}",
            "event_recorder kafka: at least one broker is required",
        ),
        (
            "kafka",
            "{brokers: [''], topic: t}",
            "event_recorder kafka: broker entries must be non-empty",
        ),
        (
            "kafka",
            "{brokers: ['b:9092']}",
            "event_recorder kafka output requires a topic",
        ),
        (
            "kafka",
            "{brokers: ['b:9092'], topic: t, acks: some}",
            "event_recorder kafka: unknown acks \"some\", must be \"none\", \"leader\", or \"all\"",
        ),
        (
            "kafka",
            "{brokers: ['b:9092'], topic: t, compression: brotli}",
            "event_recorder kafka: unknown compression \"brotli\"",
        ),
        (
            "kafka",
            "{brokers: ['b:9092'], topic: t, format: xml}",
            "event_recorder kafka: unknown format \"xml\", must be \"json\" or \"protobuf\"",
        ),
    ] {
        says(
            &outputs(kind, item),
            &[&format!("x.yml:7: event_recorder.{kind}_outputs[0]: {why}")],
        );
    }
}

/// A receiver's name, and its `name` label, which must be that name.
pub(super) fn receiver_names_and_labels(says: Says) {
    says(&with_receiver("    labels: {name: r, team: db}\n", ""), &[]);
    says(
        &with_receiver("    labels: {name: x}\n", ""),
        &["x.yml:4: receivers[0]: receiver label \"name\" must match receiver name \"r\", got \"x\""],
    );
}

/// An empty item of an integration without global settings to fall back on, and the global
/// settings an integration falls back on when it has none of its own.
pub(super) fn empty_items_and_global_fallbacks(says: Says) {
    for kind in [
        "webhook",
        "email",
        "pushover",
        "pagerduty",
        "incidentio",
        "victorops",
        "sns",
        "telegram",
        "discord",
        "webex",
        "msteams",
        "msteamsv2",
        "jira",
        "mattermost",
    ] {
        says(
            &with_receiver(&format!("    {kind}_configs: [~]\n"), ""),
            &[&format!(
                "x.yml:5: receivers[0].{kind}_configs[0]: missing {kind} config"
            )],
        );
    }
    // one global line, one receiver line
    let with_global = |global: &str, receiver: &str| {
        with_global(&format!("  {global}\n"), &format!("    {receiver}\n"))
    };
    says(
        &with_global("pagerduty_url: ~", "pagerduty_configs: [{routing_key: k}]"),
        &["x.yml:7: receivers[0].pagerduty_configs[0]: no global PagerDuty URL set"],
    );
    says(
        &with_global(
            "webex_api_url: ~",
            "webex_configs: [{room_id: x, http_config: {bearer_token: t}}]",
        ),
        &["x.yml:7: receivers[0].webex_configs[0]: no global Webex URL set"],
    );
    for (global, slack) in [
        ("slack_app_token: t", "{channel: c}"),
        ("slack_api_url_file: /f", "{channel: c}"),
        ("resolve_timeout: 5m", "{channel: c, api_url_file: /f}"),
        ("resolve_timeout: 5m", "{channel: c, app_token_file: /t}"),
        ("resolve_timeout: 5m", "{channel: c, app_token: t}"),
    ] {
        says(
            &with_global(global, &format!("slack_configs: [{slack}]")),
            &[],
        );
    }
    says(&with_global("resolve_timeout: 5m", "slack_configs: [{channel: c}]"), &["x.yml:7: receivers[0].slack_configs[0]: no Slack API URL nor App token set either inline or in a file"]);
    let slack_at = "x.yml:7: receivers[0].slack_configs[0]";
    says(
        &with_global(
            "slack_app_url: ~",
            "slack_configs: [{channel: c, api_url: 'http://s'}]",
        ),
        &[&format!("{slack_at}: no global Slack App URL set")],
    );
    // its own authorization: the global app token is not taken
    says(
        &with_global(
            "slack_app_token: t",
            "slack_configs: [{channel: c, http_config: {authorization: {credentials: x}}}]",
        ),
        &[&format!(
            "{slack_at}: no Slack API URL nor App token set either inline or in a file"
        )],
    );
    // the global URLs of OpsGenie, WeChat and VictorOps, null: an item needs its own
    for (global, kind, item, why) in [
        (
            "opsgenie_api_url: ~",
            "opsgenie",
            "api_key: k",
            "no global OpsGenie URL set",
        ),
        (
            "wechat_api_url: ~",
            "wechat",
            "api_secret: s, corp_id: c",
            "no global Wechat URL set",
        ),
        (
            "victorops_api_url: ~",
            "victorops",
            "api_key: k, routing_key: r",
            "no global VictorOps URL set",
        ),
    ] {
        says(
            &with_global(global, &format!("{kind}_configs: [{{{item}}}]")),
            &[&format!("x.yml:7: receivers[0].{kind}_configs[0]: {why}")],
        );
        says(
            &with_global(
                global,
                &format!("{kind}_configs: [{{{item}, api_url: 'http://a/'}}]"),
            ),
            &[],
        );
    }
    // Jira: its own URL or the global one
    says(
        &with_global(
            "resolve_timeout: 5m",
            "jira_configs: [{project: P, issue_type: Bug}]",
        ),
        &["x.yml:7: receivers[0].jira_configs[0]: no global Jira Cloud URL set"],
    );
    says(
        &with_global(
            "jira_api_url: 'http://j'",
            "jira_configs: [{project: P, issue_type: Bug}]",
        ),
        &[],
    );
    // Rocket.Chat's token id: its own, inline or in a file, or the global one
    let rocketchat = |item: &str| {
        with_global(
            "resolve_timeout: 5m",
            &format!("rocketchat_configs: [{item}]"),
        )
    };
    says(&rocketchat("{token_id: i, token: t}"), &[]);
    says(&rocketchat("{token_id_file: /i, token: t}"), &[]);
    says(
        &rocketchat("{token: t}"),
        &["x.yml:7: receivers[0].rocketchat_configs[0]: no global Rocketchat TokenID set either inline or in a file"],
    );
    for kind in ["msteams", "msteamsv2"] {
        says(
            &with_global(
                "resolve_timeout: 5m",
                &format!("{kind}_configs: [{{webhook_url: 'http://m'}}]"),
            ),
            &[],
        );
    }
    for kind in ["discord", "msteams", "msteamsv2"] {
        let at = format!("x.yml:5: receivers[0].{kind}_configs[0]");
        says(
            &with_receiver(&format!("    {kind}_configs: [{{}}]\n"), ""),
            &[
                &format!("{at}: one of webhook_url or webhook_url_file must be configured"),
                &format!("{at}: no {kind} webhook URL or URLFile provided"),
            ],
        );
    }
}
