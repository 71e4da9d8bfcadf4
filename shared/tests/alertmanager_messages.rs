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
