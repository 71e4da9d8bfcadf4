//! Rule files from a seed: groups (names, `interval`, `query_offset`, `limit`, labels) of
//! alerting and recording rules (names, expressions from [`super::gen`], `for`,
//! `keep_firing_for`, labels and annotations with Prometheus's template functions and variables,
//! good and bad), YAML anchors, aliases and `<<` merge keys, and faults (a field unknown, twice,
//! of the wrong type; a group name repeated). Each file through `rules validate` (in process) and
//! `promtool check rules`; the verdicts must agree.
use super::gen::{Gen, Rng};
use super::promtool;
use promstack_shared::input::sources::SourceFile;
use promstack_shared::prometheus::promql::ast::ValueType;
use promstack_shared::prometheus::promql::{parse_promql, Target};
use std::path::{Path, PathBuf};

const DURATIONS: &[&str] = &[
    "5m", "0s", "1h30m", "30s", "1d", "0", "5", "1.5m", "-1m", "5mm", "1y", "''", "100ms",
];
const NAMES: &[&str] = &[
    "HighLatency",
    "job:up:sum",
    "a",
    "",
    "with space",
    "ünïcode",
    "x{y}",
    "1abc",
    "__name__",
    "level:metric:op",
    "A-B",
];
const TEMPLATES: &[&str] = &[
    "{{ $labels.instance }} is down",
    "{{ $value | humanize }}",
    "{{ $value | humanizePercentage }} of {{ $labels.job }}",
    "{{ with query \"up\" }}{{ . | first | value }}{{ end }}",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}",
    "{{ if gt $value 1.0 }}high{{ else }}low{{ end }}",
    "{{ $externalLabels.cluster }} {{ $externalURL }}",
    "{{ humanizeDuration $value }} {{ toUpper \"x\" }} {{ title \"y\" }}",
    "{{ reReplaceAll \"(.*)\" \"$1\" $labels.a }} {{ stripPort \"a:1\" }}",
    "{{ printf \"%.2f\" $value }} {{ urlQueryEscape \"a b\" }}",
    "{{ $label.instance }}",
    "{{ nope . }}",
    "{{ if }}",
    "{{ .Labels.x }",
    "{{ template \"x\" . }}",
    "{{ $value | humanize1024 | safeHtml }}",
    "plain text",
    "{{/* comment */}}ok",
    "{{ $x := 1 }}{{ $x }}",
    "{{ break }}",
    "{{ (((1))) }}",
    "{{ toTime 1 }} {{ parseDuration \"1m\" }} {{ now }}",
];

struct RuleGen<'r> {
    rng: &'r mut Rng,
    /// `&l0` is defined in the file (on the first rule's labels).
    anchor: bool,
    /// A file without faults put in on purpose (half of them: most rule files load).
    clean: bool,
}

impl RuleGen<'_> {
    /// A fault, one time in `n`, in a file that may have them.
    fn fault(&mut self, n: usize) -> bool {
        !self.clean && self.rng.one_in(n)
    }

    /// One of `xs`, mostly one of the first `good`, written plain or quoted.
    fn scalar(&mut self, xs: &[&str], good: usize) -> String {
        let s = if self.clean || self.rng.below(10) < 8 {
            *self.rng.pick(&xs[..good])
        } else {
            *self.rng.pick(xs)
        };
        match self.rng.below(6) {
            0 => format!("'{}'", s.replace('\'', "''")),
            1 => promtool::yaml_quote(s),
            // quoted when YAML would read it as no string (a number unquoted is refused by
            // design: the CRD takes a string)
            _ if s.is_empty()
                || s.contains([':', '{', '#', '\''])
                || s.starts_with(' ')
                || s.parse::<f64>().is_ok() =>
            {
                promtool::yaml_quote(s)
            }
            _ => s.to_string(),
        }
    }

    /// A few `key: value` lines, the values mostly of the first `good` of `values`.
    fn map(&mut self, indent: &str, values: &[&str], good: usize) -> String {
        let mut s = String::new();
        for i in 0..self.rng.below(4) {
            let key = *self.rng.pick(&[
                "severity",
                "team",
                "summary",
                "description",
                "a.b",
                "__name__",
                "x",
            ]);
            // (a number or boolean unquoted is refused by design: the CRD takes strings only)
            let pool = if self.clean || self.rng.below(10) < 8 {
                &values[..good]
            } else {
                values
            };
            let value = promtool::yaml_quote(self.rng.word(pool));
            s.push_str(&format!("{indent}{key}{i}: {value}\n"));
            if self.fault(40) {
                s.push_str(&format!("{indent}{key}{i}: again\n"));
            }
        }
        s
    }

    fn rule(&mut self, i: usize) -> String {
        let mut s = String::new();
        let alert = self.rng.below(10) < 6;
        let name = self.scalar(NAMES, 3);
        let key = if alert { "alert" } else { "record" };
        s.push_str(&format!("      - {key}: {name}\n"));
        if self.fault(25) {
            s.push_str(&format!(
                "        {}: {name}\n",
                if alert { "record" } else { "alert" }
            ));
        }
        let depth = self.rng.below(3);
        let expr = match if self.clean { 29 } else { self.rng.below(30) } {
            0 => String::new(),
            1 => "1".to_string(),
            2..=9 => Gen { rng: self.rng }.expr(ValueType::Vector, depth),
            // mostly one that parses (as promstack sees it: promtool has the last word)
            _ => (0..8)
                .map(|_| Gen { rng: self.rng }.expr(ValueType::Vector, depth))
                .find(|e| parse_promql(e).is_ok())
                .unwrap_or_else(|| "up".into()),
        };
        if !(expr.is_empty() && self.rng.one_in(2)) {
            s.push_str(&format!("        expr: {}\n", promtool::yaml_quote(&expr)));
        }
        for field in ["for", "keep_firing_for"] {
            if (alert && self.rng.one_in(3)) || self.fault(20) {
                let d = self.scalar(DURATIONS, 5);
                s.push_str(&format!("        {field}: {d}\n"));
            }
        }
        if self.rng.one_in(2) {
            if self.anchor && self.rng.one_in(4) {
                s.push_str("        labels: *l0\n");
            } else {
                let anchor = if i == 0 { " &l0" } else { "" };
                self.anchor |= i == 0;
                s.push_str(&format!("        labels:{anchor}\n"));
                s.push_str(&self.map("          ", TEMPLATES, 10));
                s.push_str("          k: v\n");
            }
        }
        if (alert && self.rng.one_in(2)) || self.fault(30) {
            s.push_str("        annotations:\n");
            if self.anchor && self.rng.one_in(5) {
                s.push_str("          <<: *l0\n");
            }
            s.push_str(&self.map("          ", TEMPLATES, 10));
            s.push_str("          s: x\n");
        }
        if self.fault(40) {
            s.push_str("        unknown_field: 1\n");
        }
        s
    }

    fn file(&mut self) -> String {
        let mut s = String::from("groups:\n");
        let mut names: Vec<String> = Vec::new();
        self.anchor = false;
        self.clean = self.rng.one_in(2);
        for _ in 0..1 + self.rng.below(3) {
            let name = if !names.is_empty() && self.fault(20) {
                self.rng.pick(&names).to_string()
            } else if self.fault(30) {
                String::new()
            } else {
                format!("g{}", self.rng.below(1000))
            };
            s.push_str(&format!("  - name: {}\n", promtool::yaml_quote(&name)));
            names.push(name);
            for field in ["interval", "query_offset"] {
                if self.rng.one_in(6) {
                    let d = self.scalar(DURATIONS, 5);
                    s.push_str(&format!("    {field}: {d}\n"));
                }
            }
            if self.rng.one_in(8) {
                let n = if self.clean { 3 } else { 4 };
                s.push_str(&format!(
                    "    limit: {}\n",
                    self.rng.pick(&["0", "10", "-1", "x"][..n])
                ));
            }
            if self.rng.one_in(6) {
                s.push_str("    labels:\n");
                s.push_str(&self.map("      ", &["a", "b"], 2));
            }
            s.push_str("    rules:\n");
            for i in 0..1 + self.rng.below(4) {
                s.push_str(&self.rule(i));
            }
        }
        s
    }
}

/// promstack's verdict on a file: its problems (none: it loads).
fn ours(path: &str, text: &str) -> Vec<String> {
    let files = vec![SourceFile {
        path: path.into(),
        text: text.into(),
        place: Default::default(),
    }];
    match promstack_rules::load::load(files, "monitoring") {
        Err(e) => e,
        Ok(l) => promstack_rules::validate::validate(&l, &Target::default())
            .iter()
            .map(ToString::to_string)
            .collect(),
    }
}

/// What promtool says of an expression or a template that promstack does not say: the place
/// of a PromQL error (`could not parse expression: 1:5: parse error: ...`), a template's error
/// (`template: __alert_A:1: ...`).
fn unmatched(theirs: &[String], ours: &[String]) -> Vec<String> {
    let mut missing = Vec::new();
    for t in theirs {
        let want = if let Some((_, rest)) = t.split_once("could not parse expression: ") {
            let pos = rest.split_once(": parse error:").map_or(rest, |(p, _)| p);
            format!("invalid PromQL: {pos}:")
        } else if let Some(i) = t.find("template: __alert_") {
            t[i..].to_string()
        } else {
            continue;
        };
        if !ours.iter().any(|o| o.contains(&want)) {
            missing.push(want);
        }
    }
    missing
}

/// The rule files of Prometheus's own rulefmt tests (refdata), first.
fn upstream_rule_files() -> Vec<String> {
    let dir =
        promstack_shared::testing::refdata::dir().join("upstream-tests/prometheus-v3.14.0/rulefmt");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

pub fn compare(bin: &Path, seed: u64, n: usize) {
    let mut rng = Rng::new(seed);
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut texts = Vec::new();
    let upstream = upstream_rule_files();
    for i in 0..n + upstream.len() {
        let text = match upstream.get(i) {
            Some(t) => t.clone(),
            None => RuleGen {
                rng: &mut rng,
                anchor: false,
                clean: false,
            }
            .file(),
        };
        let path = tmp.path().join(format!("f{i}.yaml"));
        std::fs::write(&path, &text).unwrap();
        files.push(path);
        texts.push(text);
    }
    let theirs = promtool::check_files(bin, &files);
    let indexed: Vec<(usize, &String)> = texts.iter().enumerate().collect();
    let mine = promstack_shared::input::par::map(&indexed, |(i, t)| ours(&format!("f{i}.yaml"), t));
    let mut disagree = Vec::new();
    for (i, (t, m)) in theirs.iter().zip(&mine).enumerate() {
        let missing = unmatched(t, m);
        if t.is_empty() != m.is_empty() || !missing.is_empty() {
            disagree.push(format!(
                "f{i}.yaml: promtool {t:?}, promstack {m:?} (not found: {missing:?})\n{}",
                texts[i]
            ));
        }
    }
    let refused = theirs.iter().filter(|t| !t.is_empty()).count();
    let mut why: std::collections::BTreeMap<String, usize> = Default::default();
    for t in theirs.iter().filter_map(|t| t.first()) {
        let key: String = t.split(": ").skip(1).collect::<Vec<_>>().join(": ");
        let key: String = key
            .chars()
            .filter(|c| !c.is_ascii_digit())
            .take(60)
            .collect();
        *why.entry(key).or_default() += 1;
    }
    let mut why: Vec<_> = why.into_iter().collect();
    why.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    eprintln!(
        "promtool's most common refusals: {:#?}",
        &why[..why.len().min(8)]
    );
    eprintln!(
        "rule files: {} files ({refused} refused by promtool), {} disagreements",
        files.len(),
        disagree.len()
    );
    crate::none_of(seed, &disagree, 10);
}
