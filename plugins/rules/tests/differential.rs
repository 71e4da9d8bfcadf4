//! promstack against the real promtool 3.14 (issue 27): every expression of the upstream PromQL
//! tests and at least 100,000 generated ones (`differential/gen.rs`, from a seed that is printed;
//! `PROMSTACK_DIFF_SEED=N` replays it, `PROMSTACK_DIFF_EXPRS` sets how many; in CI a fixed one), each checked by
//! promstack's parser and by `promtool check rules` under every combination of the feature flags
//! that its text can touch; and Prometheus's own rulefmt test files and at least 10,000
//! generated rule files (`differential/rules.rs`) through `rules validate` and promtool. The verdicts must agree, and for a refused expression
//! its place (line:column) and Prometheus's message. Every disagreement found was fixed in the parser and is kept in
//! `differential/regressions.txt`, checked first.
#[path = "differential/gen.rs"]
mod gen;
#[path = "differential/promtool.rs"]
mod promtool;
#[path = "differential/rules.rs"]
mod rules;
#[path = "differential/words.rs"]
mod words;

use gen::{Gen, Rng};
use promstack_shared::prometheus::promql::ast::ValueType;
use promstack_shared::prometheus::promql::functions::FUNCTIONS;
use promstack_shared::prometheus::promql::{parse, Feature, Features};
use promstack_shared::testing::needs;
use std::collections::BTreeMap;

/// The seed, printed so that a failure can be replayed: `PROMSTACK_DIFF_SEED`; in CI without it
/// `in_ci`, a seed known to pass, so that CI tells a change that broke an agreement from an input
/// nobody generated before; elsewhere the clock's, which keeps finding new inputs (a disagreement
/// found so is fixed and kept as a regression case).
pub fn seed(what: &str, in_ci: u64) -> u64 {
    let ci = promstack_shared::testing::in_ci().then_some(in_ci);
    let seed = std::env::var("PROMSTACK_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .or(ci)
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("{what}: seed {seed} (replay with PROMSTACK_DIFF_SEED={seed})");
    seed
}

/// No disagreement; else the first `shown` of them, with the seed that replays them.
pub fn none_of(seed: u64, disagree: &[String], shown: usize) {
    let first: Vec<&str> = disagree.iter().take(shown).map(String::as_str).collect();
    assert!(
        disagree.is_empty(),
        "seed {seed}: {} disagreements, the first:\n{}",
        disagree.len(),
        first.join("\n")
    );
}

fn count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The flags whose constructs the text could use (by its words): the combinations of these are
/// the ones that matter.
fn touched(expr: &str) -> Vec<Feature> {
    let lower = expr.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let has = |w: &str| words.contains(&w);
    let mut out = Vec::new();
    if has("limitk")
        || has("limit_ratio")
        || FUNCTIONS.iter().any(|f| f.experimental && has(f.name))
    {
        out.push(Feature::ExperimentalFunctions);
    }
    if has("fill") || has("fill_left") || has("fill_right") {
        out.push(Feature::BinopFillModifiers);
    }
    if has("anchored") || has("smoothed") {
        out.push(Feature::ExtendedRangeSelectors);
    }
    out
}

/// Every subset of `fs`.
fn combinations(fs: &[Feature]) -> Vec<Vec<Feature>> {
    (0..1usize << fs.len())
        .map(|m| {
            (0..fs.len())
                .filter(|i| m & (1 << i) != 0)
                .map(|i| fs[i])
                .collect()
        })
        .collect()
}

/// The upstream tests' expressions (`eval ... EXPR` lines of promqltest).
fn upstream_expressions() -> Vec<String> {
    let dir = promstack_shared::testing::refdata::dir()
        .join("upstream-tests/prometheus-v3.14.0/promqltest");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("eval") else {
                continue;
            };
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '_');
            let skip = match rest.split_whitespace().next() {
                Some("instant") => 3,
                Some("range") => 7,
                _ => continue,
            };
            let mut expr = rest.trim_start();
            for _ in 0..skip {
                expr = expr.trim_start();
                expr = &expr[expr.find(char::is_whitespace).unwrap_or(expr.len())..];
            }
            out.push(expr.trim().to_string());
        }
    }
    out
}

/// The regression cases: one expression a line (`\n` for a line break).
fn regressions() -> Vec<String> {
    include_str!("differential/regressions.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("# "))
        .map(|l| l.replace("\\n", "\n"))
        .collect()
}

fn generated(seed: u64, n: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let mut out: Vec<String> = Vec::with_capacity(n);
    while out.len() < n {
        if !out.is_empty() && rng.one_in(3) {
            let mut m = out[rng.below(out.len())].clone();
            for _ in 0..1 + rng.below(3) {
                m = gen::mutate(&mut rng, &m);
            }
            out.push(m);
            continue;
        }
        let want = *rng.pick(&[ValueType::Vector, ValueType::Vector, ValueType::Scalar]);
        let depth = rng.below(5);
        out.push(Gen { rng: &mut rng }.expr(want, depth));
    }
    out
}

/// promstack's verdict: `None` when it parses, else the place of the error and its message.
fn ours(expr: &str, features: Features) -> Option<(String, String)> {
    parse(expr, features)
        .err()
        .map(|e| (e.position(expr), e.message))
}

#[needs(promtool, refdata)]
#[test]
fn promql_agrees_with_promtool() {
    let bin = promstack_shared::testing::tool("promtool");
    let seed = seed("promql", 1796526879653574055);
    let mut exprs = regressions();
    exprs.extend(upstream_expressions());
    exprs.extend(generated(seed, count("PROMSTACK_DIFF_EXPRS", 100_000)));
    // each expression under every combination of the flags it touches
    let mut by_combo: BTreeMap<Vec<Feature>, Vec<usize>> = BTreeMap::new();
    for (i, e) in exprs.iter().enumerate() {
        for c in combinations(&touched(e)) {
            by_combo.entry(c).or_default().push(i);
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let (mut checked, mut disagree) = (0usize, Vec::new());
    for (combo, idx) in &by_combo {
        let flags: Vec<&str> = combo.iter().map(|f| f.flag()).collect();
        let features = combo.iter().fold(Features::default(), |f, x| f.with(*x));
        let batch: Vec<&str> = idx.iter().map(|&i| exprs[i].as_str()).collect();
        let theirs = promtool::check_exprs(&bin, tmp.path(), &batch, &flags);
        let mine = promstack_shared::input::par::map(&batch, |e| ours(e, features));
        for ((e, t), m) in batch.iter().zip(&theirs).zip(&mine) {
            checked += 1;
            let agree = match (t, m) {
                (None, None) => true,
                // the place, and Prometheus's words too
                (Some((Some(pos), why)), Some((p, mine))) => pos == p && why == mine,
                (Some((None, _)), Some(_)) => true,
                _ => false,
            };
            if !agree {
                disagree.push(format!(
                    "[{}] {e:?}: promtool {t:?}, promstack {m:?}",
                    flags.join(",")
                ));
            }
        }
    }
    eprintln!(
        "promql: {} expressions, {checked} checks over {} flag combinations, {} disagreements",
        exprs.len(),
        by_combo.len(),
        disagree.len()
    );
    none_of(seed, &disagree, 40);
}

#[needs(promtool, refdata)]
#[test]
fn rule_files_agree_with_promtool() {
    let bin = promstack_shared::testing::tool("promtool");
    let seed = seed("rule files", 1796526879653784309);
    rules::compare(&bin, seed, count("PROMSTACK_DIFF_RULE_FILES", 10_000));
}
