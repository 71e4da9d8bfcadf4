//! Receivers and their notification integrations: names, known fields, required settings and
//! their `global:` fallbacks, URL forms, template braces.
use super::schema::{Integration, HTTP_CONFIG, INTEGRATIONS};
use super::{has, near_of, Checker};
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::BTreeSet;

pub(super) fn check_receivers(
    c: &mut Checker,
    list: Option<&Yaml>,
    global: &Mapping,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let Some(list) = list.and_then(Yaml::as_sequence) else {
        c.problem(
            None,
            "no `receivers:` list: define at least the receiver the route sends to".into(),
        );
        return names;
    };
    for r in list {
        let Some(m) = r.as_mapping() else {
            c.problem(
                Some("receivers:"),
                "a receiver is a mapping with a name".into(),
            );
            continue;
        };
        let name = m
            .get("name")
            .and_then(Yaml::as_str)
            .unwrap_or_default()
            .to_string();
        if name.is_empty() {
            c.problem(Some("receivers:"), "missing name in receiver".into());
            continue;
        }
        if !names.insert(name.clone()) {
            c.problem(
                Some(&format!("name: {name}")),
                format!("receiver `{name}` is defined twice (names must be unique)"),
            );
        }
        for k in m.keys().filter_map(Yaml::as_str).filter(|k| *k != "name") {
            match INTEGRATIONS.iter().find(|i| i.key == k) {
                Some(integration) => {
                    for (i, cfg) in m
                        .get(k)
                        .and_then(Yaml::as_sequence)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let path = format!("receiver `{name}` {k}[{i}]");
                        match cfg.as_mapping() {
                            Some(cfg) => check_integration(c, integration, cfg, global, &path),
                            None => c.problem(
                                Some(&format!("{k}:")),
                                format!("{path}: a mapping of settings"),
                            ),
                        }
                    }
                }
                None if k == "mattermost_configs" => {}
                None => c.problem(
                    Some(&format!("{k}:")),
                    format!("receiver `{name}`: unknown field `{k}`"),
                ),
            }
        }
    }
    names
}

/// A problem of the integration at `path` when `cond` holds.
fn when(c: &mut Checker, cond: bool, path: &str, msg: &str) {
    if cond {
        c.problem(Some(&near_of(path)), format!("{path}: {msg}"));
    }
}

/// One of `a` or `a_file` (or the global fallback): exactly one wanted.
fn one_of(c: &mut Checker, m: &Mapping, a: &str, path: &str, global: Option<(&Mapping, &str)>) {
    let file = format!("{a}_file");
    let local = has(m, a) || has(m, &file);
    let from_global = global.is_some_and(|(g, k)| has(g, k) || has(g, &format!("{k}_file")));
    if !local && !from_global {
        let fallback = global
            .map(|(_, k)| format!(" (or global.{k})"))
            .unwrap_or_default();
        c.problem(
            Some(&near_of(path)),
            format!("{path}: one of {a} or {file}{fallback} must be configured"),
        );
    }
    if has(m, a) && has(m, &file) {
        c.problem(
            Some(&format!("{file}:")),
            format!("{path}: at most one of {a} & {file} must be configured"),
        );
    }
}

fn check_integration(c: &mut Checker, i: &Integration, m: &Mapping, g: &Mapping, path: &str) {
    let mut allowed: Vec<&str> = vec!["send_resolved", "http_config"];
    allowed.extend(i.fields);
    c.unknown_keys(m, &allowed, path);
    for u in i.urls {
        c.url(m, u, path);
    }
    if let Some(h) = m.get("http_config").and_then(Yaml::as_mapping) {
        c.unknown_keys(h, HTTP_CONFIG, &format!("{path}.http_config"));
    }
    for (k, v) in m {
        if let (Some(k), Some(s)) = (k.as_str(), v.as_str()) {
            if !crate::alertmanager::matchers::braces_balanced(s) {
                c.problem(Some(&format!("{k}:")), format!("{path}.{k}: the `{{{{ }}}}` of its template do not balance: the notification would fail to render"));
            }
        }
    }
    required_fields(c, i.key, m, g, path);
}

/// What each integration must have, as Alertmanager's config loading checks it (with the global
/// fallbacks it takes).
fn required_fields(c: &mut Checker, key: &str, m: &Mapping, g: &Mapping, path: &str) {
    let need = |c: &mut Checker, key: &str, msg: &str| when(c, !has(m, key), path, msg);
    let need_or_global = |c: &mut Checker, key: &str, global: &str, msg: &str| {
        when(c, !has(m, key) && !has(g, global), path, msg)
    };
    match key {
        "webhook_configs" | "incidentio_configs" => one_of(c, m, "url", path, None),
        "discord_configs" | "msteams_configs" | "msteamsv2_configs" => {
            one_of(c, m, "webhook_url", path, None)
        }
        "slack_configs" => one_of(c, m, "api_url", path, Some((g, "slack_api_url"))),
        "email_configs" => {
            need(c, "to", "missing to address in email config");
            let no_host = "no smarthost, and no global SMTP smarthost set";
            need_or_global(c, "smarthost", "smtp_smarthost", no_host);
            need_or_global(
                c,
                "from",
                "smtp_from",
                "no from, and no global SMTP from set",
            );
        }
        "pagerduty_configs" => {
            let keys = [
                "routing_key",
                "service_key",
                "routing_key_file",
                "service_key_file",
            ];
            let msg = "missing service or routing key in PagerDuty config";
            when(c, !keys.iter().any(|k| has(m, k)), path, msg)
        }
        "opsgenie_configs" => one_of(c, m, "api_key", path, Some((g, "opsgenie_api_key"))),
        "wechat_configs" => {
            let msg = "no api_secret, and no global Wechat ApiSecret set";
            need_or_global(c, "api_secret", "wechat_api_secret", msg);
            let msg = "no corp_id, and no global Wechat CorpID set";
            need_or_global(c, "corp_id", "wechat_api_corp_id", msg);
        }
        "pushover_configs" => {
            one_of(c, m, "user_key", path, None);
            one_of(c, m, "token", path, None);
        }
        "victorops_configs" => {
            need(c, "routing_key", "missing Routing key in VictorOps config");
            one_of(c, m, "api_key", path, Some((g, "victorops_api_key")));
        }
        "sns_configs" => {
            let targets = ["target_arn", "topic_arn", "phone_number"];
            let given = targets.iter().filter(|k| has(m, k)).count();
            let msg = "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config";
            when(c, given != 1, path, msg)
        }
        "telegram_configs" => {
            one_of(c, m, "bot_token", path, None);
            need(c, "chat_id", "missing chat_id on telegram_config");
        }
        "webex_configs" => {
            need(c, "room_id", "missing room_id on webex_config");
            let auth = m.get("http_config").and_then(|h| h.get("authorization"));
            let msg = "missing webex_configs.http_config.authorization";
            when(c, auth.is_none(), path, msg);
        }
        "jira_configs" => {
            need(c, "project", "missing project in jira_config");
            need(c, "issue_type", "missing issue_type in jira_config");
            let msg = "no api_url, and no global Jira Cloud URL set";
            need_or_global(c, "api_url", "jira_api_url", msg);
        }
        "rocketchat_configs" => {
            one_of(c, m, "token_id", path, Some((g, "rocketchat_token_id")));
            one_of(c, m, "token", path, Some((g, "rocketchat_token")));
        }
        _ => {}
    }
}
