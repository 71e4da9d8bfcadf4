//! The release diff for people: each object that changes with the fields that change (`spec.retention:
//! 2d → 3d`) and its unified diff (an added or removed one whole when there are few), the CRDs in
//! short, then the objects counted by kind.
use super::{Change, ReleaseDiff};
use serde_json::Value;

/// Added and removed objects are shown whole when there are at most this many (an upgrade that
/// adds a few); a fresh install's are named only.
const WHOLE: usize = 10;

pub fn render(d: &ReleaseDiff) -> String {
    let mut s = String::new();
    let added_or_removed = d
        .objects
        .iter()
        .filter(|o| o.change != Change::Changed)
        .count();
    for o in &d.objects {
        let sign = match o.change {
            Change::Added => "+",
            Change::Changed => "~",
            Change::Removed => "-",
        };
        s.push_str(&format!("{sign} {}\n", o.title()));
        for f in &o.fields {
            s.push_str(&format!(
                "    {}: {} → {}\n",
                f.path,
                short(f.from.as_ref()),
                short(f.to.as_ref())
            ));
        }
        if o.change == Change::Changed || added_or_removed <= WHOLE {
            for line in o.diff.lines() {
                s.push_str(&format!("    {line}\n"));
            }
        }
    }
    if !d.crds.is_empty() {
        s.push_str("CRDs:\n");
        for c in &d.crds {
            s.push_str(&format!("  {}\n", c.line()));
        }
    }
    let mut kinds: Vec<String> = d
        .counts
        .iter()
        .map(|(kind, c)| {
            let parts: Vec<String> = [
                (c.added, "added"),
                (c.changed, "changed"),
                (c.removed, "removed"),
                (c.unchanged, "unchanged"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| format!("{n} {w}"))
            .collect();
            format!("{kind} {}", parts.join(", "))
        })
        .collect();
    if d.hooks > 0 {
        kinds.push(format!("{} hooks left out (helm runs them)", d.hooks));
    }
    let total = |f: fn(&super::Counts) -> usize| d.counts.values().map(f).sum::<usize>();
    s.push_str(&format!(
        "Objects: {} added, {} changed, {} removed, {} unchanged ({})\n",
        total(|c| c.added),
        total(|c| c.changed),
        total(|c| c.removed),
        total(|c| c.unchanged),
        kinds.join("; ")
    ));
    s
}

/// A value in a line: a scalar as it is, a long or structured one in short.
fn short(v: Option<&Value>) -> String {
    let Some(v) = v else {
        return "(none)".into();
    };
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 || text.contains('\n') {
        let cut: String = text.chars().take(57).collect();
        return format!("{}…", cut.replace('\n', "⏎"));
    }
    text
}
