//! The Alertmanager config check against the real `amtool check-config` of Alertmanager 0.34.0
//! (the chart's): every config of `refdata/upstream-tests`, of our fixtures and regression cases,
//! and at least 10,000 configs of a seeded generator (`am_gen`: every receiver type and field,
//! routes, inhibit rules, time intervals, matchers in both syntaxes, templates, global
//! settings, then mutated) are checked by both; the verdicts (loads / refused) must agree.
//!
//! The seed is printed (in CI a fixed one); `PROMSTACK_AM_DIFF_SEED=<seed>` replays a run, `PROMSTACK_AM_DIFF_COUNT`
//! sets how many configs are generated. amtool is `PROMSTACK_AMTOOL`, else the one
//! `scripts/build-peers.sh` builds into `.tools/alertmanager-v0.34.0/`; without it the test skips,
//! except under `CI=true`, where it fails. Each disagreement found was fixed in the checker and
//! its config kept in `tests/fixtures/alertmanager/differential/` (`loads-*` or `refused-*`).
mod am_gen;

use promstack_shared::alertmanager::config::check;
use promstack_shared::testing::needs;
use std::path::{Path, PathBuf};
use std::process::Command;

const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/alertmanager/differential"
);

/// amtool 0.34.0 (`#[needs(amtool)]` on the tests that call this), its version checked.
fn amtool() -> PathBuf {
    promstack_shared::testing::tool_of_version("amtool", "version 0.34.0")
}

struct Case {
    name: String,
    text: String,
}

fn read_dir_cases(dir: &Path, ext: &[&str]) -> Vec<Case> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| ext.iter().any(|e| x == *e)))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| Case {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).unwrap(),
        })
        .collect()
}

/// Upstream's config tests, our fixtures and the regression cases.
fn corpus() -> Vec<Case> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alertmanager");
    let mut cases = Vec::new();
    let upstream = promstack_shared::testing::refdata::dir()
        .join("upstream-tests/alertmanager-v0.34.0/config");
    cases.extend(read_dir_cases(&upstream, &["yml", "yaml"]));
    for sub in ["good", "bad", "differential"] {
        cases.extend(read_dir_cases(&fixtures.join(sub), &["yml", "yaml"]));
    }
    cases.extend(read_dir_cases(&fixtures, &["yml", "yaml"]));
    cases
}

/// `PROMSTACK_AM_DIFF_SEED`; in CI without it one seed known to pass (CI tells a change that broke
/// an agreement from an input nobody generated before); elsewhere the clock's, which keeps finding
/// new inputs.
fn seed() -> u64 {
    match std::env::var("PROMSTACK_AM_DIFF_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .expect("PROMSTACK_AM_DIFF_SEED is a number"),
        Err(_) if promstack_shared::testing::in_ci() => 1796526975618353496,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    }
}

/// amtool's verdict on each file: `None` when it loads, else why not. amtool 0.34 panics on a
/// few configs (Alertmanager would crash on them): such a file is refused, and the files after
/// it go to another run.
fn amtool_verdicts(bin: &Path, files: &[PathBuf]) -> Vec<Option<String>> {
    let mut verdicts = Vec::new();
    while verdicts.len() < files.len() {
        let rest = &files[verdicts.len()..];
        let out = Command::new(bin)
            .arg("check-config")
            .args(rest)
            .output()
            .expect("amtool runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut from = 0;
        let mut headers = Vec::new();
        for f in rest {
            let header = format!("Checking '{}'", f.display());
            match stdout[from..].find(&header) {
                Some(at) => headers.push(from + at),
                None => break,
            }
            from = headers[headers.len() - 1] + header.len();
        }
        let seen = headers.len();
        for (i, &start) in headers.iter().enumerate() {
            let end = headers.get(i + 1).copied().unwrap_or(stdout.len());
            let block = &stdout[start..end];
            let panicked =
                i + 1 == seen && seen < rest.len() || !out.status.success() && block.ends_with("'");
            verdicts.push(match block.find("  FAILED: ") {
                Some(at) => Some(block[at + 10..].trim_end().to_string()),
                None if panicked => Some(format!(
                    "amtool panics: {}",
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .find(|l| l.starts_with("panic"))
                        .unwrap_or("")
                )),
                None => None,
            });
        }
        assert!(
            seen > 0,
            "amtool said nothing ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    verdicts
}

/// Every case through amtool, in batches, two at a time.
fn amtool_all(bin: &Path, dir: &Path, cases: &[Case]) -> Vec<Option<String>> {
    let files: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let f = dir.join(format!("{i:05}.yml"));
            std::fs::write(&f, &c.text).unwrap();
            f
        })
        .collect();
    let batches: Vec<&[PathBuf]> = files.chunks(400).collect();
    let mut verdicts = vec![Vec::new(); batches.len()];
    std::thread::scope(|s| {
        for (slot, pair) in verdicts.chunks_mut(2).zip(batches.chunks(2)) {
            let handles: Vec<_> = pair
                .iter()
                .map(|b| s.spawn(move || amtool_verdicts(bin, b)))
                .collect();
            for (v, h) in slot.iter_mut().zip(handles) {
                *v = h.join().unwrap();
            }
        }
    });
    verdicts.into_iter().flatten().collect()
}

/// Our verdict on each case, two threads.
fn ours_all(cases: &[Case]) -> Vec<Vec<String>> {
    let half = cases.len().div_ceil(2).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = cases
            .chunks(half)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|c| check("config.yml", &c.text).problems)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|h| h.join().unwrap()).collect()
    })
}

#[needs(amtool, refdata)]
#[test]
fn alertmanager_configs_agree_with_amtool_0_34() {
    let bin = amtool();
    let seed = seed();
    let count: usize = std::env::var("PROMSTACK_AM_DIFF_COUNT").map_or(12_000, |n| {
        n.parse().expect("PROMSTACK_AM_DIFF_COUNT is a number")
    });
    println!("seed {seed}: replay with PROMSTACK_AM_DIFF_SEED={seed}");
    let mut cases = corpus();
    let from_files = cases.len();
    cases.extend(
        am_gen::configs(seed, count)
            .into_iter()
            .enumerate()
            .map(|(i, text)| Case {
                name: format!("generated #{i} of seed {seed}"),
                text,
            }),
    );
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let theirs = amtool_all(&bin, dir.path(), &cases);
    let amtool_took = started.elapsed();
    let ours = ours_all(&cases);
    println!(
        "amtool took {amtool_took:?}, we took {:?}",
        started.elapsed() - amtool_took
    );
    let mut wrong = Vec::new();
    let mut loads = 0;
    for ((case, theirs), ours) in cases.iter().zip(&theirs).zip(&ours) {
        match (theirs, ours.is_empty()) {
            (None, true) => loads += 1,
            (Some(_), false) => {}
            (None, false) => wrong.push(format!(
                "{}: amtool loads it, we refuse: {ours:?}\n{}",
                case.name, case.text
            )),
            (Some(why), true) => wrong.push(format!(
                "{}: amtool refuses it ({why}), we load it\n{}",
                case.name, case.text
            )),
        }
    }
    if std::env::var_os("PROMSTACK_AM_DIFF_STATS").is_some() {
        let mut slow: Vec<(std::time::Duration, usize)> = cases
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let t = std::time::Instant::now();
                check("x.yml", &c.text);
                (t.elapsed(), i)
            })
            .collect();
        slow.sort();
        let total: std::time::Duration = slow.iter().map(|s| s.0).sum();
        println!("ours alone: {total:?}");
        for (t, i) in slow.iter().rev().take(3) {
            println!("{t:?}: {}", cases[*i].text);
        }
        let mut why: std::collections::BTreeMap<String, usize> = Default::default();
        for w in theirs.iter().flatten() {
            *why.entry(w.chars().take(60).collect()).or_default() += 1;
        }
        let mut top: Vec<_> = why.into_iter().collect();
        top.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        top.iter().take(25).for_each(|(w, n)| println!("{n:6} {w}"));
    }
    println!(
        "{} configs ({from_files} from files, {count} generated): {loads} load, {} refused, {} disagreements",
        cases.len(),
        cases.len() - loads - wrong.len(),
        wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "seed {seed}: {} disagreements; the first:\n\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n----\n")
    );
    assert!(count >= 10_000 || std::env::var("PROMSTACK_AM_DIFF_COUNT").is_ok());
}

/// The regression cases say what Alertmanager 0.34 does in their names; we do the same
/// without amtool too.
#[test]
fn every_regression_case_is_checked_as_alertmanager_0_34_does() {
    for case in read_dir_cases(Path::new(REGRESSIONS), &["yml", "yaml"]) {
        let file = Path::new(&case.name)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let problems = check(&file, &case.text).problems;
        if file.starts_with("loads-") {
            assert!(
                problems.is_empty(),
                "{file}: Alertmanager 0.34 loads it, we refuse: {problems:?}"
            );
        } else {
            assert!(
                file.starts_with("refused-"),
                "{file}: name it loads-* or refused-*"
            );
            assert!(
                !problems.is_empty(),
                "{file}: Alertmanager 0.34 refuses it, we load it"
            );
        }
    }
}

/// A misspelt key directly under a receiver (`webhook_config:` for `webhook_configs:`) is refused
/// as 0.34 refuses it (an unknown field), and we name the key meant.
#[needs(amtool)]
#[test]
fn a_typo_under_a_receiver_is_refused_with_the_nearest_key() {
    let f = Path::new(REGRESSIONS).join("refused-typo-webhook-config-under-receiver.yml");
    let problems = check("x.yml", &std::fs::read_to_string(&f).unwrap()).problems;
    assert_eq!(
        problems,
        ["x.yml:5: receivers[0].webhook_config: unknown field `webhook_config` (Alertmanager 0.34 reads its config strictly); did you mean `webhook_configs`?"]
    );
    {
        let out = Command::new(amtool())
            .arg("check-config")
            .arg(&f)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("line 5: field webhook_config not found in type config.plain"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
