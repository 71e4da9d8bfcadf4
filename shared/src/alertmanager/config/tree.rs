//! The checks that need the whole file, as Alertmanager 0.34's `Config.UnmarshalYAML` and `Load`
//! make them: the `global:` conflicts and fallbacks each integration takes, receiver names, the
//! route tree's root, receivers and time intervals, and `continue` on the root.
use super::schema::INTEGRATIONS;
use super::{get, has, text, Checker};
use crate::input::yaml_path::Seg;
use serde_yaml::{Mapping, Value as Yaml};
use std::collections::BTreeSet;

fn go_quote(s: &str) -> String {
    crate::prometheus::promql::quote::go_quote(s)
}

fn key(k: &str) -> Seg {
    Seg::Key(k.into())
}

/// Global URLs with a default: set unless the file sets them to null.
const GLOBAL_URL_DEFAULTS: [(&str, &str); 8] = [
    ("pagerduty_url", "https://events.pagerduty.com/v2/enqueue"),
    ("opsgenie_api_url", "https://api.opsgenie.com/"),
    ("wechat_api_url", "https://qyapi.weixin.qq.com/cgi-bin/"),
    (
        "victorops_api_url",
        "https://alert.victorops.com/integrations/generic/20131114/alert/",
    ),
    ("telegram_api_url", "https://api.telegram.org"),
    ("webex_api_url", "https://webexapis.com/v1/messages"),
    ("rocketchat_api_url", "https://open.rocket.chat/"),
    ("slack_app_url", "https://slack.com/api/chat.postMessage"),
];

struct Global<'a>(&'a Mapping);

impl Global<'_> {
    fn text(&self, k: &str) -> String {
        text(self.0, k)
    }
    fn set(&self, k: &str) -> bool {
        !self.text(k).is_empty()
    }
    /// A URL: the file's, else its default (none when the file sets it to null).
    fn url(&self, k: &str) -> Option<String> {
        match self.0.get(k) {
            Some(Yaml::Null) => None,
            Some(_) => Some(self.text(k)),
            None => GLOBAL_URL_DEFAULTS
                .iter()
                .find(|(d, _)| *d == k)
                .map(|(_, v)| v.to_string()),
        }
    }
}

/// Everything of the file as a whole; `top` is the document's mapping.
pub(super) fn check(c: &mut Checker, top: &Mapping) {
    let empty = Mapping::new();
    let global = Global(
        get(top, "global")
            .and_then(Yaml::as_mapping)
            .unwrap_or(&empty),
    );
    global_conflicts(c, &global);
    let receivers = receivers(c, top, &global);
    let Some(route) = get(top, "route") else {
        c.problem(
            &[],
            "no routes provided: the config needs a `route:` with a default receiver".to_string(),
        );
        return;
    };
    let route = route.as_mapping().unwrap_or(&empty);
    let root = [key("route")];
    if text(route, "receiver").is_empty() {
        c.problem(
            &root,
            "root route must specify a default receiver".to_string(),
        );
    }
    let non_empty = |k: &str| match get(route, k) {
        Some(Yaml::Mapping(m)) => !m.is_empty(),
        Some(Yaml::Sequence(s)) => !s.is_empty(),
        _ => false,
    };
    if non_empty("match") || non_empty("match_re") || non_empty("matchers") {
        c.problem(&root, "root route must not have any matchers".to_string());
    }
    if non_empty("mute_time_intervals") {
        c.problem(
            &root,
            "root route must not have any mute time intervals".to_string(),
        );
    }
    if non_empty("active_time_intervals") {
        c.problem(
            &root,
            "root route must not have any active time intervals".to_string(),
        );
    }
    if super::is_true(route, "continue") {
        c.problem(
            &[key("route"), key("continue")],
            "cannot have continue in root route".to_string(),
        );
    }
    let intervals = time_intervals(c, top);
    let mut path = vec![key("route")];
    route_tree(c, route, &receivers, &intervals, &mut path);
}

fn global_conflicts(c: &mut Checker, g: &Global) {
    let at = |k: &str| [key("global"), key(k)];
    for (a, b, set_a) in [
        (
            "slack_app_token",
            "slack_app_token_file",
            g.set("slack_app_token"),
        ),
        (
            "slack_api_url",
            "slack_api_url_file",
            has(g.0, "slack_api_url"),
        ),
        (
            "opsgenie_api_key",
            "opsgenie_api_key_file",
            g.set("opsgenie_api_key"),
        ),
        (
            "victorops_api_key",
            "victorops_api_key_file",
            g.set("victorops_api_key"),
        ),
        (
            "telegram_bot_token",
            "telegram_bot_token_file",
            g.set("telegram_bot_token"),
        ),
        (
            "smtp_auth_password",
            "smtp_auth_password_file",
            g.set("smtp_auth_password"),
        ),
        (
            "rocketchat_token",
            "rocketchat_token_file",
            has(g.0, "rocketchat_token"),
        ),
        (
            "rocketchat_token_id",
            "rocketchat_token_id_file",
            has(g.0, "rocketchat_token_id"),
        ),
        (
            "smtp_auth_secret",
            "smtp_auth_secret_file",
            g.set("smtp_auth_secret"),
        ),
        (
            "wechat_api_secret",
            "wechat_api_secret_file",
            g.set("wechat_api_secret"),
        ),
        (
            "mattermost_webhook_url",
            "mattermost_webhook_url_file",
            has(g.0, "mattermost_webhook_url"),
        ),
    ] {
        if set_a && g.set(b) {
            c.problem(
                &at(b),
                format!("at most one of {a} & {b} must be configured"),
            );
        }
    }
    let token = g.set("slack_app_token") || g.set("slack_app_token_file");
    let url = has(g.0, "slack_api_url") || g.set("slack_api_url_file");
    // the old workaround (the API URL set to the app URL with a token) stays allowed
    if token && url && Some(g.text("slack_api_url")) != g.url("slack_app_url") {
        c.problem(
            &at("slack_app_token"),
            "at most one of slack_app_token/slack_app_token_file & slack_api_url/slack_api_url_file must be configured".to_string(),
        );
    }
}

/// The receivers' names; each integration with what it takes from `global:`.
fn receivers(c: &mut Checker, top: &Mapping, g: &Global) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, r) in get(top, "receivers")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(r) = r.as_mapping() else { continue };
        let name = text(r, "name");
        let here = vec![key("receivers"), Seg::Index(i)];
        if !names.insert(name.clone()) {
            let mut p = here.clone();
            p.push(key("name"));
            c.problem(
                &p,
                format!("notification config name {} is not unique", go_quote(&name)),
            );
        }
        for integration in INTEGRATIONS {
            for (j, cfg) in get(r, integration)
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let mut p = here.clone();
                p.extend([key(integration), Seg::Index(j)]);
                let empty = Mapping::new();
                let m = match cfg {
                    Yaml::Null => None,
                    v => v.as_mapping(),
                };
                if let Some(msg) =
                    integration_fallback(integration, m.unwrap_or(&empty), m.is_none(), g)
                {
                    c.problem(&p, msg.to_string());
                }
            }
        }
    }
    names
}

/// What `Config.UnmarshalYAML` refuses of one integration (`null`: an empty list item).
fn integration_fallback(
    integration: &str,
    m: &Mapping,
    null: bool,
    g: &Global,
) -> Option<&'static str> {
    let kind = integration.trim_end_matches("_configs");
    if null {
        if let Some(missing) = missing_config(kind) {
            return Some(missing);
        }
    }
    fallback_endpoints(kind, m, g).or_else(|| fallback_credentials(kind, m, g))
}

/// An empty list item of an integration without global settings to fall back on.
fn missing_config(kind: &str) -> Option<&'static str> {
    let missing = match kind {
        "webhook" => "missing webhook config",
        "email" => "missing email config",
        "pushover" => "missing pushover config",
        "pagerduty" => "missing pagerduty config",
        "incidentio" => "missing incidentio config",
        "victorops" => "missing victorops config",
        "sns" => "missing sns config",
        "telegram" => "missing telegram config",
        "discord" => "missing discord config",
        "webex" => "missing webex config",
        "msteams" => "missing msteams config",
        "msteamsv2" => "missing msteamsv2 config",
        "jira" => "missing jira config",
        "mattermost" => "missing mattermost config",
        // Config.UnmarshalYAML takes an empty one with the global settings, then LoadFile
        // dereferences it (resolveFilepaths) and Alertmanager crashes
        "slack" | "opsgenie" | "wechat" | "rocketchat" => {
            "an empty item: Alertmanager 0.34 crashes on it (a nil pointer); remove it or fill it in"
        }
        _ => "",
    };
    (!missing.is_empty()).then_some(missing)
}

/// Where the integration sends: its own URL or host, else the global one.
fn fallback_endpoints(kind: &str, m: &Mapping, g: &Global) -> Option<&'static str> {
    let t = |k: &str| !text(m, k).is_empty();
    match kind {
        "email" => {
            if !t("smarthost") && !g.set("smtp_smarthost") {
                return Some("no global SMTP smarthost set");
            }
            if !t("from") && !g.set("smtp_from") {
                return Some("no global SMTP from set");
            }
        }
        "slack" => {
            if !has(m, "app_url") && g.url("slack_app_url").is_none() {
                return Some("no global Slack App URL set");
            }
            // without its own http_config, an integration takes the global one
            let local = super::http_authorization(m);
            let authz = local.unwrap_or_else(|| super::http_authorization(g.0) == Some(true));
            let mut token = t("app_token") || t("app_token_file");
            if !token && local != Some(true) && !has(m, "api_url") {
                token = g.set("slack_app_token") || g.set("slack_app_token_file");
            }
            let url = has(m, "api_url")
                || t("api_url_file")
                || has(g.0, "slack_api_url")
                || g.set("slack_api_url_file");
            if !url && !token {
                return Some("no Slack API URL nor App token set either inline or in a file");
            }
            if token && authz {
                return Some("http authorization can't be set when using Slack App tokens");
            }
        }
        "pagerduty" if !has(m, "url") && g.url("pagerduty_url").is_none() => {
            return Some("no global PagerDuty URL set");
        }
        "discord" if !has(m, "webhook_url") && !t("webhook_url_file") => {
            return Some("no discord webhook URL or URLFile provided");
        }
        "webex" if !has(m, "api_url") && g.url("webex_api_url").is_none() => {
            return Some("no global Webex URL set");
        }
        "msteams" if !has(m, "webhook_url") && !t("webhook_url_file") => {
            return Some("no msteams webhook URL or URLFile provided");
        }
        "msteamsv2" if !has(m, "webhook_url") && !t("webhook_url_file") => {
            return Some("no msteamsv2 webhook URL or URLFile provided");
        }
        "jira" if !has(m, "api_url") && !has(g.0, "jira_api_url") => {
            return Some("no global Jira Cloud URL set");
        }
        _ => {}
    }
    None
}

/// The integration's credentials: its own, else the global ones.
fn fallback_credentials(kind: &str, m: &Mapping, g: &Global) -> Option<&'static str> {
    let t = |k: &str| !text(m, k).is_empty();
    match kind {
        "opsgenie" => {
            if !has(m, "api_url") && g.url("opsgenie_api_url").is_none() {
                return Some("no global OpsGenie URL set");
            }
            if !t("api_key")
                && !t("api_key_file")
                && !g.set("opsgenie_api_key")
                && !g.set("opsgenie_api_key_file")
            {
                return Some("no global OpsGenie API Key set either inline or in a file");
            }
        }
        "wechat" => {
            if !has(m, "api_url") && g.url("wechat_api_url").is_none() {
                return Some("no global Wechat URL set");
            }
            if !t("api_secret")
                && !t("api_secret_file")
                && !g.set("wechat_api_secret")
                && !g.set("wechat_api_secret_file")
            {
                return Some("no global Wechat Api Secret set either inline or in a file");
            }
            if !t("corp_id") && !g.set("wechat_api_corp_id") {
                return Some("no global Wechat CorpID set");
            }
        }
        "victorops" => {
            if !has(m, "api_url") && g.url("victorops_api_url").is_none() {
                return Some("no global VictorOps URL set");
            }
            if !t("api_key")
                && !t("api_key_file")
                && !g.set("victorops_api_key")
                && !g.set("victorops_api_key_file")
            {
                return Some("no global VictorOps API Key set");
            }
        }
        "telegram"
            if !t("bot_token")
                && !t("bot_token_file")
                && !g.set("telegram_bot_token")
                && !g.set("telegram_bot_token_file") =>
        {
            return Some("missing bot_token or bot_token_file on telegram_config");
        }
        "rocketchat" => {
            if !has(m, "token_id")
                && !t("token_id_file")
                && !has(g.0, "rocketchat_token_id")
                && !g.set("rocketchat_token_id_file")
            {
                return Some("no global Rocketchat TokenID set either inline or in a file");
            }
            if !has(m, "token")
                && !t("token_file")
                && !has(g.0, "rocketchat_token")
                && !g.set("rocketchat_token_file")
            {
                return Some("no global Rocketchat Token set either inline or in a file");
            }
        }
        "mattermost"
            if !has(m, "webhook_url")
                && !t("webhook_url_file")
                && !has(g.0, "mattermost_webhook_url")
                && !g.set("mattermost_webhook_url_file") =>
        {
            return Some("missing webhook_url or webhook_url_file on mattermost_config");
        }

        _ => {}
    }
    None
}

/// The names of the time intervals, each once; a missing name refused.
fn time_intervals(c: &mut Checker, top: &Mapping) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (list, what) in [
        ("mute_time_intervals", "mute time interval"),
        ("time_intervals", "time interval"),
    ] {
        for (i, ti) in get(top, list)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let path = [key(list), Seg::Index(i)];
            let (name, null) = match ti {
                Yaml::Mapping(m) => (text(m, "name"), false),
                // not read at all: a time interval named ""
                Yaml::Null => (String::new(), true),
                _ => continue,
            };
            if name.is_empty() && !null {
                c.problem(&path, format!("missing name in {what}"));
            } else if !names.insert(name.clone()) {
                c.problem(&path, format!("{what} {} is not unique", go_quote(&name)));
            }
        }
    }
    names
}

fn route_tree(
    c: &mut Checker,
    route: &Mapping,
    receivers: &BTreeSet<String>,
    intervals: &BTreeSet<String>,
    path: &mut Vec<Seg>,
) {
    for (i, child) in get(route, "routes")
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        path.extend([key("routes"), Seg::Index(i)]);
        match child {
            Yaml::Mapping(m) => {
                crate::input::deep::grow(|| route_tree(c, m, receivers, intervals, path))
            }
            // checkReceiver dereferences it
            Yaml::Null => c.problem(
                path,
                "an empty route: Alertmanager 0.34 crashes on it (a nil pointer); remove it"
                    .to_string(),
            ),
            _ => {}
        }
        path.truncate(path.len() - 2);
    }
    let receiver = text(route, "receiver");
    if !receiver.is_empty() && !receivers.contains(&receiver) {
        path.push(key("receiver"));
        c.problem(
            path,
            format!(
                "undefined receiver {} used in route (define it under `receivers:`)",
                go_quote(&receiver)
            ),
        );
        path.pop();
    }
    for k in ["active_time_intervals", "mute_time_intervals"] {
        for (i, n) in super::strings(route, k).into_iter().enumerate() {
            if !intervals.contains(&n) {
                path.extend([key(k), Seg::Index(i)]);
                c.problem(
                    path,
                    format!("undefined time interval {} used in route", go_quote(&n)),
                );
                path.truncate(path.len() - 2);
            }
        }
    }
}
