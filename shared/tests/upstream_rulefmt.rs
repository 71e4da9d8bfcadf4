//! Prometheus 3.14's rule-file tests (`refdata/upstream-tests/prometheus-v3.14.0/rulefmt`) as the
//! oracle of the rule-file check: `*.good.yaml`, `test.yaml` and `test_aliases.yaml` (YAML anchors
//! and `<<` merge keys) load; `*.bad.yaml` are refused, but for `legacy_validation_annotation.bad
//! .yaml`, which only the pre-3.0 name validation refuses (3.x takes UTF-8 annotation names).
//! Prints N/M and every mismatch.
use promstack_shared::prometheus::promql::Target;
use promstack_shared::prometheus::rulefmt::check_file;
use promstack_shared::testing::needs;

#[needs(refdata)]
#[test]
fn every_rule_file_test_agrees_with_prometheus_3_14() {
    let dir = promstack_shared::testing::refdata::dir();
    let dir = dir.join("upstream-tests/prometheus-v3.14.0/rulefmt");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut agree = 0;
    let mut wrong = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let loads = !name.ends_with(".bad.yaml") || name == "legacy_validation_annotation.bad.yaml";
        let problems = check_file(&std::fs::read_to_string(f).unwrap(), &Target::default());
        match (loads, problems.is_empty()) {
            (true, true) | (false, false) => agree += 1,
            (true, false) => wrong.push(format!(
                "{name}: Prometheus loads it, we refuse: {problems:?}"
            )),
            (false, true) => wrong.push(format!("{name}: Prometheus refuses it, we accept it")),
        }
    }
    println!(
        "rule files: {agree}/{} as Prometheus 3.14 has them",
        files.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        files.len() >= 16,
        "only {} files in {}",
        files.len(),
        dir.display()
    );
}
