//! Prometheus 3.14's own PromQL tests (`refdata/upstream-tests/prometheus-v3.14.0/promqltest`) as
//! the oracle of the parser: every expression they evaluate parses with every feature on (they
//! run so); one that uses a construct a feature flag enables is refused without it, naming that
//! flag, and parses with only the flags it needs; every other one parses as the chart's
//! Prometheus (no flag) parses it. Which constructs are gated is read off each expression's
//! text by a scan independent of the parser (the README's list), so the two check each other.
//! Prints N/M per part and every mismatch.
use promstack_shared::prometheus::promql::{parse, Feature, Features};
use promstack_shared::testing::needs;
use std::collections::BTreeSet;

/// The experimental functions and aggregators (README: `promql-experimental-functions`).
const EXPERIMENTAL: &[&str] = &[
    "double_exponential_smoothing",
    "end",
    "histogram_quantiles",
    "info",
    "mad_over_time",
    "max_of",
    "min_of",
    "range",
    "sort_by_label",
    "sort_by_label_desc",
    "start",
    "start_timestamp",
    "step",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
    "ts_of_max_over_time",
    "ts_of_min_over_time",
    "limitk",
    "limit_ratio",
];

/// Every evaluated expression of a `.test` file, with its line.
fn expressions(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("eval") else {
            continue;
        };
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '_');
        let words: Vec<&str> = rest.split_whitespace().collect();
        let skip = match words.first() {
            Some(&"instant") => 3, // instant at T
            Some(&"range") => 7,   // range from A to B step S
            _ => continue,
        };
        let mut expr = rest.trim_start();
        for _ in 0..skip {
            expr = expr.trim_start();
            let end = expr.find(char::is_whitespace).unwrap_or(expr.len());
            expr = &expr[end..];
        }
        out.push((i + 1, expr.trim().to_string()));
    }
    out
}

/// The features an expression needs, read off its text: an experimental function or aggregator
/// called outside a duration (`[...]`, after `offset` or `@`), `fill(`, `fill_left(`,
/// `fill_right(` after an operator, `anchored`/`smoothed` after an operand.
fn gated(expr: &str) -> BTreeSet<Feature> {
    let mut out = BTreeSet::new();
    let b = expr.as_bytes();
    let mut depth_bracket = 0usize;
    let mut i = 0;
    let mut prev_word = String::new();
    // after `offset` or `@`: a duration (`step()`, `min_of(...)` are its own, not the functions)
    let mut duration_mode = false;
    // the parenthesis depth where the offset began, and whether it began with `(` (then the
    // arithmetic after it is the offset's too, as the grammar has it)
    let (mut depth, mut offset_depth, mut offset_paren) = (0usize, 0usize, false);
    while i < b.len() {
        let c = b[i] as char;
        if c == '"' || c == '\'' || c == '`' {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c == '{' {
            while i < b.len() && b[i] != b'}' {
                if matches!(b[i], b'"' | b'\'' | b'`') {
                    let q = b[i];
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                }
                i += 1;
            }
            i += 1;
            prev_word = "}".into();
            continue;
        }
        if c == '[' {
            depth_bracket += 1;
        } else if c == ']' {
            depth_bracket = depth_bracket.saturating_sub(1);
        }
        if c.is_ascii_digit() || (c == '.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            // a number or duration (`3s`, `1e3`, `0x1F`): one token
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            prev_word = "0".into();
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
                i += 1;
            }
            let word = expr[start..i].to_ascii_lowercase();
            let rest = expr[i..].trim_start();
            let next = rest.chars().next();
            let duration_word = matches!(word.as_str(), "step" | "range" | "min_of" | "max_of");
            if word == "offset" {
                duration_mode = true;
                offset_depth = depth;
                offset_paren = rest.starts_with('(');
            } else if !duration_word {
                duration_mode = false;
            }
            let in_duration = depth_bracket > 0 || duration_mode || prev_word == "@";
            let called = next == Some('(')
                || (matches!(word.as_str(), "limitk" | "limit_ratio")
                    && (rest.starts_with("by") || rest.starts_with("without")));
            if called && !in_duration && EXPERIMENTAL.contains(&word.as_str()) {
                out.insert(Feature::ExperimentalFunctions);
            }
            if next == Some('(') && matches!(word.as_str(), "fill" | "fill_left" | "fill_right") {
                out.insert(Feature::BinopFillModifiers);
            }
            let after_operand = matches!(prev_word.as_str(), "]" | "}" | ")")
                || (prev_word.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && !matches!(
                        prev_word.as_str(),
                        "by" | "without"
                            | "on"
                            | "ignoring"
                            | "and"
                            | "or"
                            | "unless"
                            | "bool"
                            | "offset"
                    ));
            if matches!(word.as_str(), "anchored" | "smoothed")
                && after_operand
                && next != Some('(')
                && next != Some('{')
            {
                out.insert(Feature::ExtendedRangeSelectors);
            }
            prev_word = word;
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '+' | '-' | '*' | '/' | '%' | '^'
                if duration_mode
                    && depth == offset_depth
                    && !offset_paren
                    && prev_word != "offset" =>
            {
                duration_mode = false
            }
            _ => {}
        }
        if !c.is_whitespace() {
            prev_word = c.to_string();
            if c == '@' {
                duration_mode = true;
                offset_depth = depth;
                offset_paren = false;
            }
        }
        i += 1;
    }
    out
}

#[needs(refdata)]
#[test]
fn every_promqltest_expression_parses_as_prometheus_3_14_parses_it() {
    let dir = promstack_shared::testing::refdata::dir();
    let dir = dir.join("upstream-tests/prometheus-v3.14.0/promqltest");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (mut all_ok, mut plain, mut plain_ok, mut gated_n, mut gated_ok) = (0, 0, 0, 0, 0);
    let mut total = 0;
    let mut wrong = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        for (line, expr) in expressions(&text) {
            total += 1;
            let at = format!("{name}:{line}: {expr}");
            match parse(&expr, Features::all()) {
                Ok(_) => all_ok += 1,
                Err(e) => wrong.push(format!("{at}: refused with every feature: {}", e.message)),
            }
            let needs = gated(&expr);
            let default = parse(&expr, Features::default());
            if needs.is_empty() {
                plain += 1;
                match default {
                    Ok(_) => plain_ok += 1,
                    Err(e) => wrong.push(format!("{at}: refused by default: {}", e.message)),
                }
                continue;
            }
            gated_n += 1;
            let named = default
                .as_ref()
                .err()
                .and_then(|e| e.gate.as_ref())
                .map(|g| g.feature);
            let with_needed = needs.iter().fold(Features::default(), |f, x| f.with(*x));
            match (named, parse(&expr, with_needed)) {
                (Some(flag), Ok(_)) if needs.contains(&flag) => gated_ok += 1,
                (named, with) => wrong.push(format!(
                    "{at}: needs {needs:?}; refused without naming it ({named:?}: {:?}) or not accepted with it ({:?})",
                    default.err().map(|e| e.message),
                    with.err().map(|e| e.message)
                )),
            }
        }
    }
    println!("every feature on: {all_ok}/{total} parse");
    println!("no feature (the chart's): {plain_ok}/{plain} parse");
    println!("behind a feature flag: {gated_ok}/{gated_n} refused naming it, and parse with it");
    assert!(
        wrong.is_empty(),
        "{} mismatches:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        total > 2000,
        "only {total} expressions found in {}",
        dir.display()
    );
}

#[test]
fn the_scan_finds_the_gated_constructs() {
    assert!(gated("sum(rate(x[5m]))").is_empty());
    assert_eq!(
        gated("limitk(2, x)"),
        BTreeSet::from([Feature::ExperimentalFunctions])
    );
    assert!(
        gated("x[step()]").is_empty(),
        "step() in a range is a duration"
    );
    assert!(
        gated("x @ start()").is_empty(),
        "@ start() is a preprocessor"
    );
    assert!(gated("x offset step()").is_empty());
    assert!(gated("x offset -(min_of(step(), 2s)-5)+8000").is_empty());
    assert_eq!(
        gated("x offset 5m + step()"),
        BTreeSet::from([Feature::ExperimentalFunctions]),
        "the function, after the offset"
    );
    assert_eq!(
        gated("count(limitk by (g) (1, x))"),
        BTreeSet::from([Feature::ExperimentalFunctions])
    );
    assert_eq!(
        gated("a + fill(0) b"),
        BTreeSet::from([Feature::BinopFillModifiers])
    );
    assert_eq!(
        gated("rate(x[5m] anchored)"),
        BTreeSet::from([Feature::ExtendedRangeSelectors])
    );
    assert!(
        gated("anchored{job=\"x\"}").is_empty(),
        "a metric named anchored"
    );
    assert!(
        gated("sum by (smoothed) (x)").is_empty(),
        "a label named smoothed"
    );
    assert!(gated("{__name__=\"limitk(\"}").is_empty());
}
