//! What the Alertmanager config check says, word for word, where the upstream corpus and the
//! amtool fixtures pin only that a config is refused: each case is a config and every problem we
//! report on it (file:line, the path, the reason). Alertmanager's own wording is pinned by
//! upstream_alertmanager.rs, its verdicts by alertmanager_differential.rs; these are the cases
//! mutation testing (bench/mutants.md) found unpinned.
//!
//! Each topic below is a function of the checker it is given: `ours` (one test per topic, under
//! `ours::`) asserts our problems word for word; amtool 0.34 (one test over every topic) asserts
//! that it refuses exactly the cases where we report a problem, with the reason we give first.
use promstack_shared::alertmanager::config::problems;
use promstack_shared::testing::{needs, tool};

mod http;
mod integrations;
mod yaml;
use http::*;
use integrations::*;
use yaml::*;

/// A checker: a config, and every problem we report on it (none: it loads).
type Says<'a> = &'a mut dyn FnMut(&str, &[&str]);

/// One test per topic with our checker, and the list of topics for amtool's.
macro_rules! topics {
    ($($topic:ident),* $(,)?) => {
        mod ours {
            $(#[test]
            fn $topic() {
                super::$topic(&mut super::ours)
            })*
        }
        const TOPICS: &[fn(Says)] = &[$($topic),*];
    };
}

topics!(
    a_value_of_another_kind_is_named_by_its_kind,
    a_boolean_field_takes_only_what_yaml_v2_reads_as_a_boolean,
    numbers_and_any_values,
    each_type_of_value_is_checked_as_go_reads_it,
    a_scalar_where_a_structure_or_a_number_is_expected,
    route_labels_matchers_and_what_loads,
    the_yaml_reader,
    an_alias_of_a_list_is_that_list,
    yaml_directives_and_flow_scalars,
    block_depth_as_yaml_v2_counts_it,
    http_client_settings,
    http_authentication,
    oauth2_grant_types_and_sigv4,
    problems_of_the_whole_file_and_past_a_hundred,
    inhibit_rules_time_intervals_and_tracing,
    proxy_settings,
    tls_settings,
    incidentio_authorization,
    email_settings,
    integration_settings,
    event_recorder_outputs,
    receiver_names_and_labels,
    empty_items_and_global_fallbacks,
    the_root_route_and_names,
);

fn ours(text: &str, want: &[&str]) {
    assert_eq!(problems("x.yml", text), want, "\n{text}");
}

/// A config with a root route to receiver `r`, that receiver with `receiver` lines, then `extra`
/// at the top level.
fn with_receiver(receiver: &str, extra: &str) -> String {
    format!("route:\n  receiver: r\nreceivers:\n  - name: r\n{receiver}{extra}")
}

fn a_value_of_another_kind_is_named_by_its_kind(says: Says) {
    says(
        &with_receiver("", "inhibit_rules: {a: 1}\n"),
        &["x.yml:5: inhibit_rules: expected a list, found a mapping"],
    );
    says(
        &with_receiver("", "templates: [[a]]\n"),
        &["x.yml:5: templates[0]: expected a string, found a list"],
    );
    says(
        &with_receiver("", "templates: [{a: 1}]\n"),
        &["x.yml:5: templates[0]: expected a string, found a mapping"],
    );
    // yaml.v2 decodes a !!binary scalar into a string field
    says(&with_receiver("", "templates: [!!binary aGk=]\n"), &[]);
    says(
        &with_receiver("    webhook_configs:\n      - url: [x]\n", ""),
        &[
            "x.yml:6: receivers[0].webhook_configs[0].url: expected a string, found a list",
            "x.yml:6: receivers[0].webhook_configs[0]: one of url or url_file must be configured",
        ],
    );
    says(
        "route:\n  receiver: r\n  group_by: true\nreceivers:\n  - name: r\n",
        &["x.yml:3: route.group_by: expected a list, found `true`"],
    );
    says(
        "route:\n  receiver: r\n  group_wait: [1]\nreceivers:\n  - name: r\n",
        &["x.yml:3: route.group_wait: expected a string, found a list"],
    );
}

fn a_boolean_field_takes_only_what_yaml_v2_reads_as_a_boolean(says: Says) {
    says(
        &with_receiver(
            "    webhook_configs:\n      - send_resolved: 5\n        url: http://x\n",
            "",
        ),
        &["x.yml:6: receivers[0].webhook_configs[0].send_resolved: expected true or false, found `5`"],
    );
    says(
        &with_receiver(
            "    webhook_configs:\n      - send_resolved: \"yes\"\n        url: http://x\n",
            "",
        ),
        &["x.yml:6: receivers[0].webhook_configs[0].send_resolved: expected true or false, found `yes`"],
    );
    // YAML 1.1's booleans, unquoted
    says(
        &with_receiver(
            "    webhook_configs:\n      - send_resolved: yes\n        url: http://x\n",
            "",
        ),
        &[],
    );
}

fn numbers_and_any_values(says: Says) {
    let webhook = |extra: &str| {
        with_receiver(
            &format!("    webhook_configs:\n      - url: http://x\n{extra}"),
            "",
        )
    };
    for ok in [
        "        payload: {a: [1, 2]}\n",
        "        timeout: 5s\n",
        "        timeout: 1000\n",
        "        max_alerts: 3\n",
    ] {
        says(&webhook(ok), &[]);
    }
    says(
        &webhook("        max_alerts: abc\n"),
        &["x.yml:7: receivers[0].webhook_configs[0].max_alerts: cannot read `abc` as a whole number not below 0"],
    );
    says(
        &webhook("        max_alerts: -1\n"),
        &["x.yml:7: receivers[0].webhook_configs[0].max_alerts: cannot read `-1` as a whole number not below 0"],
    );
    says(
        &webhook("        timeout: xyz\n"),
        &["x.yml:7: receivers[0].webhook_configs[0].timeout: time: invalid duration \"xyz\""],
    );
}

/// A config with `global` lines and a root route to receiver `r`, which has `receiver` lines.
fn with_global(global: &str, receiver: &str) -> String {
    format!("global:\n{global}route:\n  receiver: r\nreceivers:\n  - name: r\n{receiver}")
}

/// A field of each type with a value its Go type refuses (amtool 0.34 refuses each), and two that
/// load: `<secret>` as a secret URL, a Jira field as a mapping.
fn each_type_of_value_is_checked_as_go_reads_it(says: Says) {
    says(
        &with_global("  pagerduty_url: not a url\n", ""),
        &["x.yml:2: global.pagerduty_url: unsupported scheme \"\" for URL"],
    );
    says(
        &with_global("  slack_api_url: x\n", ""),
        &["x.yml:2: global.slack_api_url: unsupported scheme \"\" for URL"],
    );
    says(&with_global("  slack_api_url: <secret>\n", ""), &[]);
    says(
        &with_global("  smtp_smarthost: nohost\n", ""),
        &["x.yml:2: global.smtp_smarthost: address nohost: missing port in address"],
    );
    says(
        &with_global("  resolve_timeout: 1x\n", ""),
        &["x.yml:2: global.resolve_timeout: not a valid duration string: \"1x\""],
    );
    says(
        &with_global("  http_config:\n    proxy_url: \"http://[::1\"\n", ""),
        &["x.yml:3: global.http_config.proxy_url: parse \"http://[::1\": missing ']' in host"],
    );
    says(
        &with_global(
            "  http_config:\n    tls_config:\n      min_version: TLS14\n",
            "",
        ),
        &["x.yml:4: global.http_config.tls_config.min_version: unknown TLS version: TLS14"],
    );
    says(&with_global("", "    pushover_configs:\n      - user_key: u\n        token: t\n        expire: 1d\n"), &["x.yml:9: receivers[0].pushover_configs[0].expire: time: unknown unit \"d\" in duration \"1d\""]);
    says(&with_global("", "    webhook_configs:\n      - url: \"http://[::1\"\n"), &["x.yml:7: receivers[0].webhook_configs[0].url: invalid URL: parse \"http://[::1\": missing ']' in host"]);
    says(&with_global("", "    jira_configs:\n      - api_url: https://jira.example.com\n        project: P\n        issue_type: Bug\n        summary: {template: x, enable_update: true}\n"), &[]);
    says(&with_global("", "    jira_configs:\n      - api_url: https://jira.example.com\n        project: P\n        issue_type: Bug\n        summary: {template: x, enable_update: 5}\n"), &["x.yml:10: receivers[0].jira_configs[0].summary.enable_update: expected true or false, found `5`"]);
    says(
        &with_global(
            "",
            "time_intervals:\n  - name: t\n    time_intervals:\n      - location: Mars/Base\n",
        ),
        &["x.yml:9: time_intervals[0].time_intervals[0].location: unknown time zone Mars/Base"],
    );
    says(&with_global("", "time_intervals:\n  - name: t\n    time_intervals:\n      - weekdays: [funday]\n        days_of_month: ['32']\n        months: [smarch]\n        years: ['20x']\n"), &["x.yml:9: time_intervals[0].time_intervals[0].weekdays[0]: funday is not a valid weekday", "x.yml:10: time_intervals[0].time_intervals[0].days_of_month[0]: 32 is not a valid day of the month: out of range", "x.yml:11: time_intervals[0].time_intervals[0].months[0]: smarch is not a valid month", "x.yml:12: time_intervals[0].time_intervals[0].years[0]: strconv.Atoi: parsing \"20x\": invalid syntax"]);
    says(&with_global("", "inhibit_rules:\n  - source_match_re: {a: \"(\"}\n"), &["x.yml:7: inhibit_rules[0].source_match_re.a: error parsing regexp: missing closing ): `^(?:()$`"]);
}

fn a_scalar_where_a_structure_or_a_number_is_expected(says: Says) {
    says(
        "global: 5\nroute:\n  receiver: r\nreceivers:\n  - name: r\n",
        &["x.yml:1: global: expected a mapping, found `5`"],
    );
    says(
        "route:\n  receiver: r\n  matchers: foo\nreceivers:\n  - name: r\n",
        &["x.yml:3: route.matchers: expected a list of matchers, found `foo`"],
    );
    says(
        &with_global(
            "  http_config:\n    tls_config:\n      min_version: TLS12\n      max_version: TLS13\n",
            "",
        ),
        &[],
    );
    says(&with_global("", "    telegram_configs:\n      - bot_token: t\n        chat_id: abc\n"), &["x.yml:7: receivers[0].telegram_configs[0]: missing chat_id or chat_id_file on telegram_config", "x.yml:8: receivers[0].telegram_configs[0].chat_id: cannot read `abc` as a whole number"]);
    says(&with_global("", "    webhook_configs:\n      - url: http://x\n        timeout: [1]\n"), &["x.yml:8: receivers[0].webhook_configs[0].timeout: cannot read a list as a duration like 30s or 1m30s"]);
    says(&with_global("", "    webhook_configs:\n      - url: http://x\n        timeout: true\n"), &["x.yml:8: receivers[0].webhook_configs[0].timeout: cannot read `true` as a duration like 30s or 1m30s"]);
    says(
        &with_global(
            "",
            "tracing:\n  endpoint: x:4317\n  sampling_fraction: abc\n",
        ),
        &["x.yml:8: tracing.sampling_fraction: cannot read `abc` as a number"],
    );
}

/// A root route with `extra` lines, to receiver `r`.
fn with_route(extra: &str) -> String {
    format!("route:\n  receiver: r\n{extra}receivers:\n  - name: r\n")
}

fn route_labels_matchers_and_what_loads(says: Says) {
    says(
        &with_route("  labels: {\"\": x}\n"),
        &[
            "x.yml:1: route: invalid label name \"\" in route labels",
            "x.yml:3: route.labels.: \"\" is not a valid label name",
        ],
    );
    says(
        &with_route("  labels: {a: [1]}\n"),
        &["x.yml:3: route.labels.a: expected a string, found a list"],
    );
    says(
        &with_route("  labels: [a]\n"),
        &["x.yml:3: route.labels: expected a mapping, found a list"],
    );
    says(&with_route("  labels: {a: b}\n"), &[]);
    says(&with_route("  routes:\n    - matchers: [~]\n"), &[]);
    says(&with_route("  routes:\n    - matchers: [[a]]\n"), &["x.yml:4: route.routes[0].matchers[0]: expected a matcher like severity=\"critical\", found a list"]);
    let webhook = |extra: &str| {
        with_receiver(
            &format!("    webhook_configs:\n      - url: http://x\n{extra}"),
            "",
        )
    };
    says(&webhook("        max_alerts: 2.5\n"), &[]);
    says(&webhook("        max_alerts: 1e30\n"), &["x.yml:7: receivers[0].webhook_configs[0].max_alerts: cannot read `1e30` as a whole number not below 0"]);
    says(
        &with_receiver("    webhook_configs:\n      - url: <secret>\n", ""),
        &[],
    );
}
/// A problem of the whole file names no path; past 100 problems the rest are counted.
fn problems_of_the_whole_file_and_past_a_hundred(says: Says) {
    says("", &["x.yml: no route provided in config"]);
    says(
        "- a\n",
        &["x.yml: an Alertmanager config is a mapping (route, receivers, ...), not a list"],
    );
    says(
        "5\n",
        &["x.yml: an Alertmanager config is a mapping (route, receivers, ...), not a single value"],
    );
    says(
        "receivers:\n  - name: r\n",
        &["x.yml: no routes provided: the config needs a `route:` with a default receiver"],
    );
    let receivers = |n: usize| {
        (0..n)
            .map(|i| format!("  - name: r{i}\n    webhook_configs: [{{}}]\n"))
            .collect::<String>()
    };
    let many = format!("route:\n  receiver: r0\nreceivers:\n{}", receivers(103));
    let mut want: Vec<String> = (0..100)
        .map(|i| format!("x.yml:{}: receivers[{i}].webhook_configs[0]: one of url or url_file must be configured", 5 + 2 * i))
        .collect();
    want.push("x.yml: and 3 more problems (fix these first)".into());
    says(&many, &want.iter().map(String::as_str).collect::<Vec<_>>());
}

/// The label names of an inhibit rule, a time range's order, the tracing settings, and a pair of
/// fields of which an integration takes one.
fn inhibit_rules_time_intervals_and_tracing(says: Says) {
    let inhibit = |rule: &str| with_receiver("", &format!("inhibit_rules:\n  - {rule}\n"));
    says(
        &inhibit("source_match: {a-b: x}\n    target_match: {c: y}"),
        &["x.yml:6: inhibit_rules[0]: invalid label name \"a-b\""],
    );
    says(
        &inhibit("source_match_re: {a-b: x}\n    target_match: {c: y}"),
        &["x.yml:6: inhibit_rules[0]: invalid label name \"a-b\""],
    );
    says(
        &inhibit("source_matchers: [a=x]\n    target_matchers: [c=y]\n    equal: ['']"),
        &["x.yml:6: inhibit_rules[0]: invalid label name \"\" in equal list"],
    );
    says(
        &inhibit("source_matchers: [a=x]\n    target_matchers: [c=y]\n    equal: [a-b, c]"),
        &[],
    );
    says(
        &with_receiver(
            "",
            "time_intervals:\n  - name: t\n    time_intervals:\n      - times: [{start_time: '10:00', end_time: '09:00'}]\n",
        ),
        &["x.yml:8: time_intervals[0].time_intervals[0].times[0]: start time cannot be equal or greater than end time"],
    );
    let tracing = |lines: &str| with_receiver("", &format!("tracing:\n{lines}"));
    for ok in [
        "  endpoint: x:4317\n  client_type: grpc\n  compression: gzip\n",
        "  endpoint: x:4317\n  client_type: http\n",
    ] {
        says(&tracing(ok), &[]);
    }
    for (lines, why) in [
        (
            "  client_type: foo\n  endpoint: x:4317\n",
            "expected tracing client type to be to be http or grpc, but got foo",
        ),
        ("  client_type: http\n", "tracing endpoint must be set"),
        (
            "  endpoint: x:4317\n  compression: zstd\n",
            "invalid compression type zstd provided, valid options: gzip",
        ),
    ] {
        says(&tracing(lines), &[&format!("x.yml:5: tracing: {why}")]);
    }
    says(
        &with_receiver("    webhook_configs:\n      - url: http://x\n        url_file: /u\n", ""),
        &["x.yml:6: receivers[0].webhook_configs[0]: at most one of url & url_file must be configured"],
    );
}

/// The root route takes no matchers; group_by's wildcard stands alone; a receiver's name is
/// defined once and a route's receiver is defined (each name quoted as Go quotes it).
fn the_root_route_and_names(says: Says) {
    let root = |extra: &str| format!("route:\n  receiver: r\n{extra}receivers:\n  - name: r\n");
    for matchers in [
        "  match: {a: b}\n",
        "  match_re: {a: b}\n",
        "  matchers: [a=b]\n",
    ] {
        says(
            &root(matchers),
            &["x.yml:1: route: root route must not have any matchers"],
        );
    }
    says(&root("  match: {}\n  matchers: []\n"), &[]);
    says(&root("  group_by: ['...']\n"), &[]);
    says(
        &root("  group_by: ['...', a]\n"),
        &["x.yml:1: route: cannot have wildcard group_by (`...`) and other labels at the same time"],
    );
    // after a child route, the problems of the route itself and of each interval keep their path
    says(
        "route:\n  receiver: nope\n  routes: [{receiver: r}]\nreceivers:\n  - name: r\n",
        &["x.yml:2: route.receiver: undefined receiver \"nope\" used in route (define it under `receivers:`)"],
    );
    says(
        "route:\n  receiver: r\n  routes:\n    - receiver: nope\n      routes: [{receiver: r}]\nreceivers:\n  - name: r\n",
        &["x.yml:4: route.routes[0].receiver: undefined receiver \"nope\" used in route (define it under `receivers:`)"],
    );
    says(
        "route:\n  receiver: r\n  routes: [{receiver: r, mute_time_intervals: [a, b]}]\nreceivers:\n  - name: r\n",
        &[
            "x.yml:3: route.routes[0].mute_time_intervals[0]: undefined time interval \"a\" used in route",
            "x.yml:3: route.routes[0].mute_time_intervals[1]: undefined time interval \"b\" used in route",
        ],
    );
    says(
        "route:\n  receiver: r\nreceivers:\n  - name: r\n  - name: r\n",
        &["x.yml:5: receivers[1].name: notification config name \"r\" is not unique"],
    );
    says(
        "route:\n  receiver: \"a\\tb\"\nreceivers:\n  - name: r\n",
        &["x.yml:2: route.receiver: undefined receiver \"a\\tb\" used in route (define it under `receivers:`)"],
    );
}

/// amtool 0.34 refuses exactly the configs where we report a problem, and the reason it gives is
/// one of ours (it stops at the first).
#[needs(amtool)]
#[test]
fn amtool_0_34_gives_every_verdict_and_reason() {
    let amtool = tool("amtool");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.yml");
    let mut wrong = Vec::new();
    let mut cases = 0;
    let mut check = |text: &str, want: &[&str]| {
        cases += 1;
        std::fs::write(&file, text).unwrap();
        let out = std::process::Command::new(&amtool)
            .arg("check-config")
            .arg(&file)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        let reason = said.split_once("FAILED: ").map(|(_, r)| r.trim_end());
        match (reason, want) {
            (None, []) => {}
            (Some(r), [_, ..]) if same_reason(text, r, want) => {}
            _ => wrong.push(format!(
                "{}\namtool: {said}\nours: {want:?}",
                text.chars().take(300).collect::<String>()
            )),
        }
    };
    for topic in TOPICS {
        topic(&mut check);
    }
    assert!(cases > 80, "{cases} cases");
    assert!(wrong.is_empty(), "{}", wrong.join("\n---\n"));
}

/// Whether amtool's reason is one of ours (ours may say more): the same words, but for three kinds.
fn same_reason(text: &str, amtool: &str, ours: &[&str]) -> bool {
    let ends = |tail: &str| ours.iter().any(|w| w.ends_with(tail));
    if let Some(errors) = amtool.strip_prefix("yaml: unmarshal errors:\n") {
        // yaml.v2's type errors (`line 5: cannot unmarshal !!map into ...`): ours, in our words,
        // name the same lines; where the value is an alias, yaml.v2 names its anchor's line, we
        // the alias's
        let alias = |w: &&str| {
            let n: Option<usize> = w.split(':').nth(1).and_then(|n| n.parse().ok());
            n.and_then(|n| text.lines().nth(n - 1))
                .is_some_and(|l| l.contains('*'))
        };
        return errors.lines().all(|e| {
            let line = e
                .trim_start()
                .strip_prefix("line ")
                .and_then(|e| e.split_once(':'));
            // a problem of the whole file names no line
            let at = |w: &&str, n: &str| {
                w.starts_with(&format!("x.yml:{n}:")) || w.starts_with("x.yml: ")
            };
            line.is_some_and(|(n, _)| ours.iter().any(|w| at(w, n)))
        }) || ours.iter().any(alias);
    }
    if let Some(syntax) = amtool.strip_prefix("yaml: ") {
        // yaml.v2 names the line of the context, we the line and column of the problem
        let reason = match syntax.split_once(": ") {
            Some((at, reason)) if at.starts_with("line ") => reason,
            _ => syntax,
        };
        return ends(&format!("invalid YAML: {reason}"));
    }
    // prometheus/common's newer wording of a model.Duration (bench/mutants.md)
    ours.iter().any(|w| w.contains(amtool))
        || amtool.starts_with("unknown unit") && ends("not a valid duration string: \"1x\"")
}
