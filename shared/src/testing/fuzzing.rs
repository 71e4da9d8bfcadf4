//! What each fuzz target (`fuzz/fuzz_targets/<name>.rs`, run with `cargo fuzz`) does with an
//! input, kept here so that the corpora the fuzzer found (`fuzz/corpus/<name>/`) also replay as
//! an ordinary test on a stable toolchain (`tests/fuzz_corpus.rs`). A target only fails where the
//! code under it panics, aborts or hangs, or where an answer breaks what it promises (an error
//! placed outside its input). Another target is one more function and one more row of
//! [`TARGETS`] (see `fuzz/README.md`).
use crate::input::sources::SourceFile;
use crate::prometheus::promql::{self, model, Features};
use crate::prometheus::{rule, rulefmt};

/// What a target runs on one input.
pub type Target = fn(&[u8]);

/// Every target: its name (of its file under `fuzz/fuzz_targets/` and its corpus folder) and
/// what it runs.
pub const TARGETS: &[(&str, Target)] = &[
    ("promql", promql),
    ("rule_file", rule_file),
    ("gotemplate", gotemplate),
    ("dashboard", dashboard),
    (
        "alertmanager_config",
        crate::alertmanager::config::fuzz_check,
    ),
];

/// The PromQL parser and checker with no feature and with every feature on; what `rules lint`
/// reads of a tree that parses; the message of one that does not.
pub fn promql(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for features in [Features::default(), Features::all()] {
        match promql::parse(text, features) {
            Ok(e) => {
                model::selectors(&e);
                model::output_labels(&e);
                model::ranges(&e);
                let mut nodes = 0usize;
                e.walk(&mut |_| nodes += 1);
                assert!(nodes >= 1);
            }
            Err(err) => {
                assert!(err.span.start <= text.len(), "{err:?} in {text:?}");
                err.explain(text, "the stack enables: none");
            }
        }
    }
    let _ = promql::parse_for(text, &promql::Target::default());
}

/// A rule file as `rules validate` reads it: the documents built into PrometheusRules, what the
/// API server and the operator refuse of each, each group and rule as Prometheus loads them
/// (expressions and templates parsed); and the file as a plain Prometheus rule file.
pub fn rule_file(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let target = promql::Target::default();
    rulefmt::check_file(text, &target);
    let file = SourceFile {
        path: "fuzz.yaml".into(),
        text: text.into(),
        place: Default::default(),
    };
    let Ok(objects) = rule::build(&[file], "monitoring") else {
        return;
    };
    for obj in &objects {
        let json = serde_json::to_value(obj).expect("a PrometheusRule serialises");
        crate::kube::limits::problems(&json);
        let mut seen = std::collections::BTreeSet::new();
        for group in &obj.spec.groups {
            rulefmt::group_problems(group, &mut seen);
            for r in &group.rules {
                let expr_error = promql::parse_for(&r.expr, &target).err();
                rulefmt::rule_problems(r, expr_error.as_deref());
            }
        }
    }
}

/// A label or annotation template as Prometheus parses it.
pub fn gotemplate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scope = crate::go::template::Scope {
        name: "__alert_Fuzz",
        functions: rulefmt::TEMPLATE_FUNCTIONS,
        variables: rulefmt::TEMPLATE_VARIABLES,
    };
    if let Err(e) = crate::go::template::check(text, &scope) {
        assert!(e.starts_with("template: __alert_Fuzz:"), "{e}");
    }
}

/// A dashboard file as `dashboards validate` and `sync` read it: prepared (an export unwrapped,
/// inputs resolved, a uid given) and made into its ConfigMap; the uids a text carries.
pub fn dashboard(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile {
        path: "team/fuzz.json".into(),
        text: text.into(),
        place: Default::default(),
    };
    if let Ok(p) = crate::grafana::dashboard::prepare(&file) {
        crate::grafana::dashboard::datasource_variable(&p.value);
        let _ = crate::grafana::dashboard::configmap_of(&p, "monitoring");
    }
    let _ = crate::grafana::dashboard::build(std::slice::from_ref(&file), "monitoring");
    crate::grafana::dashboard::uids_in_texts([text]);
}
