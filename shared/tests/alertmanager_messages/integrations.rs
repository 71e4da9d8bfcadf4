//! The checks an integration's own settings get (each integration's `UnmarshalYAML`).
use super::{with_receiver, Says};

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
        ("wechat", "api_secret: s\n        corp_id: c\n        message_type: html", "weChat message type \"html\" does not match valid options ^(text|markdown)$"),
        ("pushover", "user_key: u\n        token: t\n        html: true\n        monospace: true", "at most one of monospace & html must be configured"),
        ("victorops", "api_key: k\n        routing_key: r\n        custom_fields: {entity_id: x}", "victorOps config contains custom field entity_id which cannot be used as it conflicts with the fixed/static fields"),
    ] {
        says(&integration(kind, lines), &[&at(kind, why)]);
    }
}
