//! Rule sources → PrometheusRule objects, with the place of every group and rule (`file:line`,
//! `<stdin>:document 7:line 412`).
use promstack_shared::input::sources::{self, Inputs, Read, RuleSet, SourceFile, Summary};
use promstack_shared::prometheus::promql::Target;
use promstack_shared::prometheus::rule::{
    self as prometheus_rule, Origin, PrometheusRule, SOURCE_ANNOTATION,
};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::Error;
use std::collections::HashMap;
use std::path::Path;

/// Where something is: a file (`<stdin>:document 7` in a stream) and a line of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Loc {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&sources::place(&self.file, self.line))
    }
}

/// Index of a rule: (object, group, rule).
pub type RuleIdx = (usize, usize, usize);

/// The loaded sources.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub files: Vec<SourceFile>,
    pub objects: Vec<PrometheusRule>,
    /// Where each object came from.
    pub origins: Vec<Origin>,
    pub groups: HashMap<(usize, usize), Loc>,
    pub rules: HashMap<RuleIdx, Loc>,
    /// The promtool unit tests read with them.
    pub tests: Vec<SourceFile>,
    /// Which sources were read, and what was in them.
    pub sources: Summary,
}

impl Loaded {
    pub fn group_loc(&self, o: usize, g: usize) -> Loc {
        self.groups
            .get(&(o, g))
            .cloned()
            .unwrap_or_else(|| self.object_loc(o))
    }
    pub fn rule_loc(&self, o: usize, g: usize, r: usize) -> Loc {
        self.rules
            .get(&(o, g, r))
            .cloned()
            .unwrap_or_else(|| self.group_loc(o, g))
    }
    pub fn object_loc(&self, o: usize) -> Loc {
        let origin = self.origins[o];
        Loc {
            file: self.files[origin.file].label(origin.line),
            line: origin.line,
        }
    }
    /// The text of a source line (1-based), for opt-out comments.
    pub fn line_text(&self, loc: &Loc, line: usize) -> Option<&str> {
        let f = self.files.iter().find(|f| f.holds(&loc.file))?;
        f.text.lines().nth(line.checked_sub(1)?)
    }
    /// How many rules.
    pub fn rule_count(&self) -> usize {
        self.each_rule().count()
    }
    /// Every rule with its index, in source order.
    pub fn each_rule(
        &self,
    ) -> impl Iterator<Item = (RuleIdx, &prometheus_rule::RuleGroup, &prometheus_rule::Rule)> {
        self.objects.iter().enumerate().flat_map(|(o, obj)| {
            obj.spec
                .groups
                .iter()
                .enumerate()
                .flat_map(move |(g, group)| {
                    group
                        .rules
                        .iter()
                        .enumerate()
                        .map(move |(r, rule)| ((o, g, r), group, rule))
                })
        })
    }
}

pub fn source_of(obj: &PrometheusRule) -> String {
    obj.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(SOURCE_ANNOTATION))
        .cloned()
        .unwrap_or_default()
}

/// The rule sources `inputs` name (the embedded `rules/` when none), unit tests apart.
pub fn read_inputs(inputs: &Inputs) -> Result<Read, Error> {
    sources::input::read::<RuleSet>(inputs)
}

/// The rule files of a folder, or of promstack's embedded `rules/` (unit tests under tests/ excluded).
pub fn read(dir: Option<&Path>) -> Result<Vec<SourceFile>, Error> {
    Ok(read_inputs(&Inputs::dir_or_embedded(dir))?.files)
}

/// The value of `key: value` on a YAML line (list dash and quotes removed), if the line has that key.
fn value_of<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let rest = t.strip_prefix(key)?.strip_prefix(':')?;
    let v = rest.split(" #").next().unwrap_or(rest).trim();
    Some(v.trim_matches(|c| c == '"' || c == '\''))
}

/// Build the objects of these files and find each group's and rule's line.
pub fn load(files: Vec<SourceFile>, namespace: &str) -> Result<Loaded, Vec<String>> {
    let read = Read {
        files,
        ..Default::default()
    };
    match load_read(read, namespace) {
        (loaded, errors) if errors.is_empty() => Ok(loaded),
        (_, errors) => Err(errors),
    }
}

/// Build the objects of what was read and find each group's and rule's line, with every problem
/// (none: the sources build); the summary counted either way.
pub fn load_read(read: Read, namespace: &str) -> (Loaded, Vec<String>) {
    let (built, errors) = prometheus_rule::build_all(&read.files, namespace);
    // each file's groups and rules found by walking it in order, the files over the cores
    let indexed: Vec<(usize, &SourceFile)> = read.files.iter().enumerate().collect();
    let per_file = promstack_shared::input::par::map(&indexed, |&(i, f)| {
        locate(i, f, &built.objects, &built.origins)
    });
    let mut loaded = Loaded {
        objects: built.objects,
        origins: built.origins,
        tests: read.tests,
        ..Default::default()
    };
    for (groups, rules) in per_file {
        loaded.groups.extend(groups);
        loaded.rules.extend(rules);
    }
    loaded.files = read.files;
    loaded.sources = read.summary.counted(loaded.rule_count(), built.skipped);
    (loaded, errors)
}

type Located = (
    Vec<((usize, usize), Loc)>,
    Vec<((usize, usize, usize), Loc)>,
);

/// The line of each group and rule of the objects built from `f`, the file `file`.
fn locate(file: usize, f: &SourceFile, objects: &[PrometheusRule], origins: &[Origin]) -> Located {
    let (mut groups, mut rules) = (Vec::new(), Vec::new());
    let lines: Vec<&str> = f.text.lines().collect();
    let mut cursor = 0usize;
    // the lines of each `key: value` looked for, in order: finding the next one after a line is
    // a binary search, so a file whose rules are not found line by line (flow style) is not
    // walked again for each rule
    let mut at: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        for key in ["name", "alert", "record", "expr"] {
            if let Some(v) = value_of(line, key) {
                let v = if key == "expr" { "" } else { v };
                at.entry((key, v)).or_default().push(i);
            }
        }
    }
    let find = |from: usize, key: &str, want: &str| {
        let found = at.get(&(key, want))?;
        found.get(found.partition_point(|&i| i < from)).copied()
    };
    let at = |i: usize| Loc {
        file: f.label(i + 1),
        line: i + 1,
    };
    for (o, obj) in objects
        .iter()
        .enumerate()
        .filter(|(o, _)| origins[*o].file == file)
    {
        cursor = cursor.max(origins[o].line - 1);
        for (g, group) in obj.spec.groups.iter().enumerate() {
            if let Some(i) = find(cursor, "name", &group.name) {
                cursor = i;
                groups.push(((o, g), at(i)));
            }
            for (r, rule) in group.rules.iter().enumerate() {
                let hit = match (&rule.alert, &rule.record) {
                    (Some(a), _) => find(cursor, "alert", a),
                    (None, Some(rec)) => find(cursor, "record", rec),
                    (None, None) => find(cursor, "expr", ""),
                };
                if let Some(i) = hit {
                    cursor = i + 1;
                    // the rule starts at its list item `- ...`: walk back to it
                    let start = (0..=i)
                        .rev()
                        .take(12)
                        .find(|&j| lines[j].trim_start().starts_with("- "))
                        .unwrap_or(i);
                    rules.push(((o, g, r), at(start)));
                }
            }
        }
    }
    (groups, rules)
}

/// Read, build and validate a folder (or the embedded rules) for the stack's Prometheus as
/// installed; any problem is a usage error listing all of them.
pub fn valid(dir: Option<&Path>, namespace: &str) -> Result<Loaded, Error> {
    valid_for(dir, namespace, &Target::default())
}

/// [`valid`] for a target Prometheus.
pub fn valid_for(dir: Option<&Path>, namespace: &str, target: &Target) -> Result<Loaded, Error> {
    sources_valid(
        &Inputs::dir_or_embedded(dir),
        namespace,
        target,
        &Ui::silent(),
    )
}

/// Read the sources `inputs` name, say which on the first line (`ui`), build them and validate
/// them for `target`; any problem is a usage error listing all of them.
pub fn sources_valid(
    inputs: &Inputs,
    namespace: &str,
    target: &Target,
    ui: &Ui,
) -> Result<Loaded, Error> {
    let (loaded, errors) = load_read(read_inputs(inputs)?, namespace);
    ui.line(&loaded.sources.summary);
    if !errors.is_empty() {
        return Err(Error::input(format!(
            "the rules are not valid:\n  {}",
            errors.join("\n  ")
        )));
    }
    refuse(crate::validate::validate(&loaded, target))?;
    Ok(loaded)
}

/// No problem, or a usage error listing them all.
pub fn refuse(problems: Vec<crate::validate::Problem>) -> Result<(), Error> {
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::input(format!(
        "the rules are not valid ({} problem(s)); nothing was changed:\n  {}",
        problems.len(),
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_groups_and_rules() {
        let text = "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n      - expr: sum(up)\n        record: job:up:sum\n  - name: \"b\"\n    rules:\n      - alert: X\n        expr: up\n";
        let l = load(vec![SourceFile::new("f.yaml", text)], "m").unwrap();
        assert_eq!(l.group_loc(0, 0).line, 2);
        assert_eq!(l.rule_loc(0, 0, 0).line, 4);
        assert_eq!(
            l.rule_loc(0, 0, 1).line,
            6,
            "a rule starts at its `- ` line even when record comes second"
        );
        assert_eq!(l.group_loc(0, 1).line, 8);
        assert_eq!(
            l.rule_loc(0, 1, 0).line,
            10,
            "the same alert name again is found further down"
        );
    }
}
