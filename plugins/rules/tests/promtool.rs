//! The real promtool on promstack's own rules: the unit tests pass, and breaking a threshold fails them.
use promstack_rules::{load, promtool};
use promstack_shared::testing::needs;
use std::path::{Path, PathBuf};

fn promtool_bin() -> PathBuf {
    promstack_shared::testing::tool("promtool")
}

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");

fn run(dir: &Path, promtool: &Path) -> Vec<promtool::TestResult> {
    let loaded = promstack_rules::load_valid(Some(dir), "monitoring").unwrap();
    let tests = promtool::test_files(Some(dir)).unwrap();
    promtool::run(promtool, &loaded, &tests).unwrap()
}

#[needs(promtool)]
#[test]
fn every_alert_has_unit_tests_that_pass() {
    let bin = promtool_bin();
    let results = run(Path::new(RULES), &bin);
    assert_eq!(results.len(), 3);
    for r in &results {
        assert!(r.passed, "{}:\n{}", r.file, r.output);
    }
    // every alert of rules/ is named in a unit test, firing and not firing
    let loaded = promstack_rules::load_valid(Some(Path::new(RULES)), "monitoring").unwrap();
    let tests: String = promtool::test_files(Some(Path::new(RULES)))
        .unwrap()
        .iter()
        .map(|f| f.text.clone())
        .collect();
    for (_, _, rule) in loaded.each_rule() {
        if let Some(a) = &rule.alert {
            let evals = tests.matches(&format!("alertname: {a}\n")).count();
            assert!(
                evals >= 2,
                "{a}: {evals} eval(s); want one firing and one not firing"
            );
        }
    }
    assert!(
        loaded
            .each_rule()
            .filter(|(_, _, r)| r.alert.is_some())
            .count()
            >= 12
    );
}

#[needs(promtool)]
#[test]
fn a_broken_threshold_fails_the_unit_tests() {
    let bin = promtool_bin();
    let tmp = tempfile::tempdir().unwrap();
    for f in load::read(Some(Path::new(RULES)))
        .unwrap()
        .into_iter()
        .chain(promtool::test_files(Some(Path::new(RULES))).unwrap())
    {
        let p = tmp.path().join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let text = if f.path == "node.yaml" {
            f.text.replace("> 90\n", "> 99\n")
        } else {
            f.text
        };
        std::fs::write(p, text).unwrap();
    }
    let results = run(tmp.path(), &bin);
    let node = results
        .iter()
        .find(|r| r.file == "tests/node_test.yaml")
        .unwrap();
    assert!(
        !node.passed,
        "raising the NodeHighCPU threshold to 99% must break its test"
    );
    assert!(node.output.contains("NodeHighCPU"), "{}", node.output);
    assert!(results
        .iter()
        .filter(|r| r.file != "tests/node_test.yaml")
        .all(|r| r.passed));
}

#[test]
fn a_missing_promtool_says_how_to_get_it() {
    let loaded = promstack_rules::load_valid(Some(Path::new(RULES)), "monitoring").unwrap();
    let tests = promtool::test_files(Some(Path::new(RULES))).unwrap();
    let err = promtool::run(Path::new("/nonexistent/promtool"), &loaded, &tests).unwrap_err();
    assert!(
        err.to_string().contains("apt-get install prometheus")
            && err.to_string().contains("--promtool"),
        "{err}"
    );
}
