//! What the Alertmanager config check says, word for word, where the upstream corpus and the
//! amtool fixtures pin only that a config is refused: each case is a config and every problem we
//! report on it (file:line, the path, the reason). Alertmanager's own wording is pinned by
//! upstream_alertmanager.rs, its verdicts by alertmanager_differential.rs; these are the cases
//! mutation testing (bench/mutants.md) found unpinned. Each verdict is amtool 0.34's.
use promstack_shared::alertmanager::config::problems;

/// A config with a root route to receiver `r`, that receiver with `receiver` lines, then `extra`
/// at the top level.
fn with_receiver(receiver: &str, extra: &str) -> String {
    format!("route:\n  receiver: r\nreceivers:\n  - name: r\n{receiver}{extra}")
}

#[track_caller]
fn says(text: &str, want: &[&str]) {
    assert_eq!(problems("x.yml", text), want, "\n{text}");
}

#[test]
fn a_value_of_another_kind_is_named_by_its_kind() {
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

#[test]
fn a_boolean_field_takes_only_what_yaml_v2_reads_as_a_boolean() {
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

#[test]
fn numbers_and_any_values() {
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
#[test]
fn each_type_of_value_is_checked_as_go_reads_it() {
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

#[test]
fn a_scalar_where_a_structure_or_a_number_is_expected() {
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

#[test]
fn route_labels_matchers_and_what_loads() {
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

#[test]
fn the_yaml_reader() {
    // where the YAML breaks, line and column
    says(
        "route:\n  receiver: [r\nreceivers:\n  - name: r\n",
        &["x.yml:3:10: invalid YAML: did not find expected ',' or ']'"],
    );
    // a document that reads at once is read as it is: ` !x,y` in a quoted name is no tag
    says(
        "route:\n  receiver: 'r !x,y'\nreceivers:\n  - name: 'r !x,y'\n  - name: 'r !x.y'\n",
        &[],
    );
    // a tag taking a comma (yaml.v2 reads it, libyaml does not), and a `!` inside a word, which
    // starts no tag: the flow list keeps its three items
    says(
        "route:\n  receiver: !x,y r\n  group_by: [a!b,c, a!b]\nreceivers:\n  - name: r\n",
        &["x.yml:1: route: duplicated label \"a!b\" in group_by"],
    );
    says(
        "route:\n  receiver: !x,y r\n  group_by: [a!b,c, a!c]\nreceivers:\n  - name: r\n",
        &[],
    );
}

/// An alias is the anchored value again, list for list.
#[test]
fn an_alias_of_a_list_is_that_list() {
    says(
        "route:\n  receiver: r\n  group_by: &g [a, b, c]\n  routes:\n    - group_by: *g\n      matchers: [x=\"1\"]\n    - group_by: [*g]\nreceivers:\n  - name: r\n",
        &["x.yml:7: route.routes[1].group_by[0]: expected a string, found a list"],
    ); // a list anchored where anything goes, aliased where its two items are one label twice
    says(
        "receivers:\n  - name: r\n    webhook_configs:\n      - url: http://x\n        payload: &p [x, x]\nroute:\n  receiver: r\n  group_by: *p\n",
        &["x.yml:6: route: duplicated label \"x\" in group_by"],
    );
}

#[test]
fn yaml_directives_and_flow_scalars() {
    let config = "route:\n  receiver: r\nreceivers:\n  - name: r\n";
    says(&format!("%YAML 1.1\n---\n{config}"), &[]);
    says(
        &format!("%YAML 1.2\n---\n{config}"),
        &["x.yml:1:1: invalid YAML: found incompatible YAML document"],
    );
    // yaml.v2 ends a plain scalar at a `?` in flow style only, and says what it expected there
    says(
        &with_route("  group_by: [x, a?b]\n"),
        &["x.yml:3:17: invalid YAML: did not find expected ',' or ']'"],
    );
    says(
        &with_route("  group_by: {a?b: x}\n"),
        &["x.yml:3:14: invalid YAML: did not find expected ',' or '}'"],
    );
    says(&with_route("  group_by:\n    - a?b\n"), &[]);
    // after a flow list, block style again
    says(
        "route:\n  group_by: [a]\n  receiver: r?x\nreceivers:\n  - name: r?x\n",
        &[],
    );
}

/// yaml.v2 counts block indentation levels up to 10,000; a flow collection opens none, nor does a
/// list at its mapping key's column. Found with amtool 0.34: 9,995 nested block lists under a
/// webhook's payload load, with a flow list inside the last too, and under a key with the first
/// list at the key's column; 9,996 do not.
#[test]
fn block_depth_as_yaml_v2_counts_it() {
    let payload = |lists: usize, leaf: &str| {
        format!(
            "route: {{receiver: r}}\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://x\n        payload:\n          {}{leaf}\n",
            "- ".repeat(lists)
        )
    };
    says(&payload(9_995, "x"), &[]);
    says(&payload(9_995, "[x]"), &[]);
    let compact = |lists: usize| {
        format!(
            "route: {{receiver: r}}\nreceivers:\n  - name: r\n    webhook_configs:\n      - url: http://x\n        payload:\n          k:\n          {}x\n",
            "- ".repeat(lists)
        )
    };
    says(&compact(9_995), &[]);
    says(
        &compact(9_996),
        &["x.yml:8:20001: invalid YAML: exceeded max depth of 10000"],
    );
    says(
        &payload(9_996, "x"),
        &["x.yml:7:20001: invalid YAML: exceeded max depth of 10000"],
    );
}

/// The HTTP client's own checks (prometheus/common's `Validate`), each where it applies: the
/// http_config itself, its OAuth2 and TLS settings, and a SigV4 config.
#[test]
fn http_client_settings() {
    let webhook = |extra: &str| {
        with_receiver(
            &format!("    webhook_configs:\n      - url: http://x\n        http_config:\n{extra}"),
            "",
        )
    };
    says(
        &webhook("          bearer_token: a\n          bearer_token_file: /b\n"),
        &["x.yml:7: receivers[0].webhook_configs[0].http_config: at most one of bearer_token & bearer_token_file must be configured"],
    );
    says(
        &webhook("          oauth2:\n            client_id: i\n            token_url: http://t\n            no_proxy: x\n"),
        &["x.yml:8: receivers[0].webhook_configs[0].http_config.oauth2: if no_proxy is configured, proxy_url must also be configured"],
    );
    says(
        &webhook("          tls_config:\n            ca: x\n            ca_file: /y\n"),
        &["x.yml:8: receivers[0].webhook_configs[0].http_config.tls_config: at most one of ca, ca_file & ca_ref must be configured"],
    );
    says(
        &with_receiver("    sns_configs:\n      - topic_arn: arn:aws:sns:us-east-1:1:t\n        sigv4:\n          access_key: a\n", ""),
        &["x.yml:7: receivers[0].sns_configs[0].sigv4: must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config"],
    );
}
