//! Alertmanager 0.34's config tests (`refdata/upstream-tests/alertmanager-v0.34.0/config`, with
//! `expectations.tsv`: `load` or `fail` and the upstream test's message) as the oracle of the
//! Alertmanager config check: every file we accept is one Alertmanager loads, every one we
//! refuse is one it refuses, and our reasons include Alertmanager's. Prints N/M and every
//! mismatch.
use promstack_shared::alertmanager::config::check;
use promstack_shared::testing::needs;

#[needs(refdata)]
#[test]
fn every_config_test_file_agrees_with_alertmanager_0_34() {
    let dir = promstack_shared::testing::refdata::dir();
    let dir = dir.join("upstream-tests/alertmanager-v0.34.0/config");
    let tsv = std::fs::read_to_string(dir.join("expectations.tsv"))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut cases = 0;
    let mut agree = 0;
    let mut wrong = Vec::new();
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let mut cols = line.splitn(3, '\t');
        let (file, verdict, message) = (
            cols.next().unwrap(),
            cols.next().unwrap_or(""),
            cols.next().unwrap_or(""),
        );
        cases += 1;
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let checked = check(file, &text);
        let ours = |p: &String| p.contains(message) || same_unknown_field(message, file, p);
        match (verdict, checked.problems.is_empty()) {
            ("load", true) => agree += 1,
            ("fail", false) if checked.problems.iter().any(ours) => agree += 1,
            ("fail", false) => wrong.push(format!(
                "{file}: refused as Alertmanager refuses it, but not for its reason `{message}`: {:?}",
                checked.problems
            )),
            ("load", false) => wrong.push(format!(
                "{file}: Alertmanager loads it, we refuse: {:?}",
                checked.problems
            )),
            ("fail", true) => wrong.push(format!(
                "{file}: Alertmanager refuses it ({message}), we accept it"
            )),
            (other, _) => panic!("{file}: unknown verdict `{other}`"),
        }
    }
    println!("Alertmanager config files: {agree}/{cases} as Alertmanager 0.34 has them");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(cases >= 46, "only {cases} cases in {}", dir.display());
}

/// Go's YAML reader words an unknown field `line N: field X not found in type T`; ours is
/// `FILE:N: path: unknown field `X` ...`: the same field on the same line.
fn same_unknown_field(upstream: &str, file: &str, ours: &str) -> bool {
    let Some((line, rest)) = upstream
        .split_once("line ")
        .and_then(|(_, r)| r.split_once(": field "))
    else {
        return false;
    };
    let field = rest.split(' ').next().unwrap_or_default();
    ours.starts_with(&format!("{file}:{line}: "))
        && ours.contains(&format!("unknown field `{field}`"))
}
