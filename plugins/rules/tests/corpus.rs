//! The upstream corpus (refdata): all 232 rules the chart renders validate; lint on them is stable
//! (snapshot) and finds the duplicate recording rule promtool reports.
//! Refresh the snapshot with PROMSTACK_UPDATE_SNAPSHOTS=1 after a deliberate change.
use promstack_rules::{lint, load, validate};
use promstack_shared::testing::needs;
use std::time::Duration;

fn corpus() -> load::Loaded {
    let dir = promstack_shared::testing::refdata::dir().join("upstream-rules");
    let files = load::read(Some(&dir)).unwrap();
    load::load(files, "monitoring").unwrap()
}

#[needs(refdata)]
#[test]
fn every_upstream_rule_validates() {
    let l = corpus();
    assert_eq!(l.objects.len(), 33);
    assert_eq!(l.each_rule().count(), 232);
    assert_eq!(
        l.each_rule().filter(|(_, _, r)| r.alert.is_some()).count(),
        138
    );
    let problems = validate::validate(&l, &Default::default());
    assert!(problems.is_empty(), "{problems:#?}");
    // every rule was located in its file
    for (idx, _, _) in l.each_rule() {
        assert!(l.rules.contains_key(&idx), "no line for {idx:?}");
    }
}

#[needs(refdata)]
#[test]
fn lint_on_the_corpus_is_stable_and_finds_the_duplicate() {
    let l = corpus();
    let findings = lint::lint(&l, Duration::from_secs(30), &Default::default());
    let text: String = findings.iter().map(|f| format!("{f}\n")).collect();
    assert!(
        findings.iter().any(|f| f.check == "record/duplicate"
            && f.rule == "code_verb:apiserver_request_total:increase1h"),
        "the duplicate promtool reports is missed:\n{text}"
    );
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/snapshots/upstream-lint.txt"
    );
    if std::env::var_os("PROMSTACK_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &text).unwrap();
    }
    let want = std::fs::read_to_string(path)
        .expect("snapshot exists (PROMSTACK_UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(text, want, "lint output on the corpus changed; if deliberate, refresh with PROMSTACK_UPDATE_SNAPSHOTS=1");
}
