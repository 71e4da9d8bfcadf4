//! The real `promtool check rules` of Prometheus 3.14 on batches: many expressions in one rule
//! file (one group each, so every error names its expression), many rule files in one run (each
//! error line starts with its file's path), two runs at a time.
use std::path::{Path, PathBuf};
use std::process::Command;

/// A YAML double-quoted scalar of `s`: everything but printable ASCII escaped, so no character
/// (a line separator, a BOM) means anything to the YAML reader.
pub fn yaml_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// What promtool said of one expression: `None` when it loads, else the PromQL position of the
/// parse error (`1:5`) if it gave one, and its message.
pub type ExprVerdict = Option<(Option<String>, String)>;

/// Each expression of `exprs` checked with `flags` enabled (one run per `per_file` of them).
pub fn check_exprs(bin: &Path, dir: &Path, exprs: &[&str], flags: &[&str]) -> Vec<ExprVerdict> {
    const PER_FILE: usize = 4000;
    let mut out = vec![None; exprs.len()];
    let chunks: Vec<(usize, &[&str])> = exprs
        .chunks(PER_FILE)
        .enumerate()
        .map(|(i, c)| (i * PER_FILE, c))
        .collect();
    let tag = if flags.is_empty() {
        "none".to_string()
    } else {
        flags.join("+")
    };
    let results = promstack_shared::input::par::map(&chunks, |(start, chunk)| {
        let mut text = String::from("groups:\n");
        for (i, e) in chunk.iter().enumerate() {
            text.push_str(&format!(
                "  - name: e{}\n    rules:\n      - record: r\n        expr: {}\n",
                start + i,
                yaml_quote(e)
            ));
        }
        let file = dir.join(format!("exprs-{tag}-{start}.yaml"));
        std::fs::write(&file, text).unwrap();
        let stderr = run(bin, flags, std::slice::from_ref(&file));
        parse_expr_errors(&stderr, &file)
    });
    for errors in results {
        for (i, v) in errors {
            out[i] = Some(v);
        }
    }
    out
}

/// `promtool check rules --lint=none [--enable-feature=...] FILES`: its stderr.
pub fn run(bin: &Path, flags: &[&str], files: &[PathBuf]) -> String {
    let mut cmd = Command::new(bin);
    cmd.args(["check", "rules", "--lint=none"]);
    if !flags.is_empty() {
        cmd.arg(format!("--enable-feature={}", flags.join(",")));
    }
    let out = cmd.args(files).output().expect("promtool runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "promtool: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `FILE: L:C: group "eN", rule 1, "r": could not parse expression: 1:5: parse error: MSG`, or
/// another error of the group (`field 'expr' must be set in rule`).
fn parse_expr_errors(stderr: &str, file: &Path) -> Vec<(usize, (Option<String>, String))> {
    let prefix = format!("{}: ", file.display());
    let mut out = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix(&prefix) else {
            continue;
        };
        let Some(at) = rest.find("group \"e") else {
            panic!(
                "promtool refused the batch itself ({}): {line}",
                file.display()
            );
        };
        let rest = &rest[at + "group \"e".len()..];
        let (index, rest) = rest.split_once('"').expect("a group name");
        let index: usize = index.parse().expect("a group index");
        let msg = rest.split_once(": ").map_or(rest, |(_, m)| m);
        let verdict = match msg.strip_prefix("could not parse expression: ") {
            Some(m) => match m.split_once(": parse error: ") {
                Some((pos, why)) => (Some(pos.to_string()), why.to_string()),
                None => (None, m.to_string()),
            },
            None => (None, msg.to_string()),
        };
        // the first error of an expression is the one compared
        if !out.iter().any(|(i, _)| *i == index) {
            out.push((index, verdict));
        }
    }
    out
}

/// What promtool says of each of `files`: its error lines (none: the file loads).
pub fn check_files(bin: &Path, files: &[PathBuf]) -> Vec<Vec<String>> {
    const PER_RUN: usize = 500;
    let chunks: Vec<&[PathBuf]> = files.chunks(PER_RUN).collect();
    let results = promstack_shared::input::par::map(&chunks, |chunk| {
        let stderr = run(bin, &[], chunk);
        chunk
            .iter()
            .map(|f| {
                let prefix = format!("{}: ", f.display());
                stderr
                    .lines()
                    .filter_map(|l| l.strip_prefix(&prefix))
                    .map(str::to_string)
                    .collect()
            })
            .collect::<Vec<_>>()
    });
    results.into_iter().flatten().collect()
}
