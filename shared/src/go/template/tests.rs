//! What Go parses, and what it refuses with its words.

use super::*;

const PROMETHEUS: Scope<'static> = Scope {
    name: "__alert_X",
    functions: &[
        "humanize",
        "query",
        "first",
        "value",
        "label",
        "reReplaceAll",
    ],
    variables: &["$labels", "$externalLabels", "$externalURL", "$value"],
};

#[test]
fn what_parses() {
    for t in [
        "plain text",
        "{{ $labels.instance }} is down ({{ $value | humanize }})",
        "{{- if gt $value 1.0 -}} high {{- else if eq $value 0.0 }} zero {{ else }} low {{ end }}",
        "{{ range $i, $e := $labels }}{{ $i }}={{ $e }}{{ break }}{{ end }}",
        "{{/* a comment */}}x{{- /* trimmed */ -}}",
        "{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
        "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
        "{{ printf \"%.2f\" $value }}",
        "{{ reReplaceAll \"(.*)\" \"$1\" $labels.job }}",
        "{{ define \"t\" }}x{{ end }}{{ template \"t\" . }}",
        "{{ index $labels \"a-b\" }}",
        "{{ 0x1F }} {{ 1e3 }} {{ 'a' }} {{ -2 }}",
    ] {
        check(t, &PROMETHEUS).unwrap_or_else(|e| panic!("{t}: {e}"));
    }
}

#[test]
fn what_go_refuses_with_its_words() {
    for (t, want) in [
        (
            "{{ $label.instance }}",
            "template: __alert_X:1: undefined variable \"$label\"",
        ),
        (
            "{{$this_is_wrong}}",
            "template: __alert_X:1: undefined variable \"$this_is_wrong\"",
        ),
        (
            "{{$labels.quantile * 100}}",
            "template: __alert_X:1: unexpected \"*\" in operand",
        ),
        (
            "{{ nope . }}",
            "template: __alert_X:1: function \"nope\" not defined",
        ),
        ("{{ if true }}x", "template: __alert_X:1: unexpected EOF"),
        ("x {{ end }}", "template: __alert_X:1: unexpected {{end}}"),
        ("{{ }}", "template: __alert_X:1: missing value for command"),
        (
            "{{ . | 1 }}",
            "template: __alert_X:1: non executable command in pipeline stage 2",
        ),
        ("{{ $labels.job", "template: __alert_X:1: unclosed action"),
        (
            "line1\n{{ break }}",
            "template: __alert_X:2: {{break}} outside {{range}}",
        ),
        (
            "{{ \"x }}",
            "template: __alert_X:1: unterminated quoted string",
        ),
        (
            "{{ $y = 1 }}",
            "template: __alert_X:1: undefined variable \"$y\"",
        ),
    ] {
        assert_eq!(check(t, &PROMETHEUS).unwrap_err(), want, "{t}");
    }
    // a variable declared inside a block is gone after it
    assert!(check("{{ if true }}{{ $v := 1 }}{{ end }}{{ $v }}", &PROMETHEUS).is_err());
}

/// Go 1.26's answers (the Go promtool 3.14.0 is built with), asked of `text/template` itself.
#[test]
fn terms_breaks_and_blocks_as_go_1_26_words_them() {
    for (t, want) in [
        (
            "{{ \"abc\".x }}",
            "template: __alert_X:1: unexpected . after term \"\\\"abc\\\"\"",
        ),
        (
            "{{ 'a'.x }}",
            "template: __alert_X:1: unexpected . after term \"'a'\"",
        ),
        (
            "{{ nil.x }}",
            "template: __alert_X:1: unexpected . after term \"nil\"",
        ),
        (
            "{{ break 1 }}",
            "template: __alert_X:1: unexpected \"1\" in {{break}}",
        ),
        (
            "{{ range . }}{{ block \"x\" . }}{{ break }}{{ end }}{{ end }}",
            "template: __alert_X:1: {{break}} outside {{range}}",
        ),
    ] {
        assert_eq!(check(t, &PROMETHEUS).unwrap_err(), want, "{t}");
    }
    check("{{ (1).x }}", &PROMETHEUS).unwrap();
}

/// Go refuses parentheses nested deeper than 10,000 (`maxStackDepth`); control structures nest
/// without a limit. Neither overflows the stack, on a thread with little of it.
#[test]
fn nesting_as_deep_as_go_allows_on_a_small_stack() {
    let parens = |n: usize| format!("{{{{ {}1{} }}}}", "(".repeat(n), ")".repeat(n));
    let ifs = |n: usize| format!("{}x{}", "{{ if 1 }}".repeat(n), "{{ end }}".repeat(n));
    let else_ifs = |n: usize| format!("{{{{ if 1 }}}}{}{{{{ end }}}}", "{{ else if 1 }}".repeat(n));
    let h = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            check(&parens(10_000), &PROMETHEUS).unwrap();
            assert_eq!(
                check(&parens(10_001), &PROMETHEUS).unwrap_err(),
                "template: __alert_X:1: max expression depth exceeded"
            );
            check(&ifs(20_000), &PROMETHEUS).unwrap();
            check(&else_ifs(20_000), &PROMETHEUS).unwrap();
            // a definition counts its parentheses afresh
            let defined = format!(
                "{{{{ define \"t\" }}}}{}{{{{ end }}}}{}",
                parens(10_000),
                parens(10_000)
            );
            check(&defined, &PROMETHEUS).unwrap();
        })
        .unwrap();
    h.join().unwrap();
}
