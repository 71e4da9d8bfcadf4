//! The YAML reader: where it breaks, aliases, directives, flow scalars and depth, as yaml.v2.
use super::{with_route, Says};

pub(super) fn the_yaml_reader(says: Says) {
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
pub(super) fn an_alias_of_a_list_is_that_list(says: Says) {
    says(
        "route:\n  receiver: r\n  group_by: &g [a, b, c]\n  routes:\n    - group_by: *g\n      matchers: [x=\"1\"]\n    - group_by: [*g]\nreceivers:\n  - name: r\n",
        &["x.yml:7: route.routes[1].group_by[0]: expected a string, found a list"],
    ); // a list anchored where anything goes, aliased where its two items are one label twice
    says(
        "receivers:\n  - name: r\n    webhook_configs:\n      - url: http://x\n        payload: &p [x, x]\nroute:\n  receiver: r\n  group_by: *p\n",
        &["x.yml:6: route: duplicated label \"x\" in group_by"],
    );
}

pub(super) fn yaml_directives_and_flow_scalars(says: Says) {
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
pub(super) fn block_depth_as_yaml_v2_counts_it(says: Says) {
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
