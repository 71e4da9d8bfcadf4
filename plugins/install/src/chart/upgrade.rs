//! A chart upgrade (or downgrade), planned before any write: the versions crossed, the chart's
//! own notes for each major crossed (the `## From 87.x to 88.x` sections of the `UPGRADE.md` the
//! chart ships; a published package has none, and then where its repository keeps them), and the keys of the user's values files that the new chart no longer reads
//! though the deployed one did. The CRD changes are in the release diff
//! ([`crate::release_diff::crds`]); the install applies the new CRDs first, as always.
use crate::chart::chart_files::ChartFacts;
use crate::helm::ReleaseInfo;
use serde::Serialize;

/// The chart's version changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartUpgrade {
    pub from: String,
    pub to: String,
    /// The chart's notes of each major crossed, oldest first.
    pub notes: Vec<Note>,
    /// Keys of the user's values files the new chart does not read (`file:line: ...`): let through
    /// by `--allow-unknown-values` (refused otherwise, before the plan).
    pub values_keys_gone: Vec<String>,
}

/// One section of UPGRADE.md.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub heading: String,
    pub text: String,
}

/// The upgrade from the deployed release's chart to `chart`, when its version differs.
pub fn plan(existing: &Option<ReleaseInfo>, chart: &ChartFacts) -> Option<ChartUpgrade> {
    let deployed = existing.as_ref()?;
    // `helm list`'s chart is name-version; another chart's name is said whole
    let (from, to) = match deployed.chart.strip_prefix(&format!("{}-", chart.name)) {
        Some(v) => (v.to_string(), chart.version.clone()),
        None => (
            deployed.chart.clone(),
            format!("{}-{}", chart.name, chart.version),
        ),
    };
    if from == to {
        return None;
    }
    let notes = match (major(&from), major(&to)) {
        (Some(a), Some(b)) if b > a => match chart.upgrade_notes.as_deref() {
            Some(md) => sections(md)
                .into_iter()
                .filter(|(to_major, _)| *to_major > a && *to_major <= b)
                .map(|(_, note)| note)
                .rev()
                .collect(),
            None => (a + 1..=b).map(|m| not_packaged(chart, m)).collect(),
        },
        _ => vec![],
    };
    Some(ChartUpgrade {
        from,
        to,
        notes,
        values_keys_gone: vec![],
    })
}

/// The note of a major crossed when the chart carries no UPGRADE.md: a published package never does
/// (kube-prometheus-stack's `.helmignore` leaves it out), so the note says where the chart's own
/// repository keeps it, at the tag of this version.
fn not_packaged(chart: &ChartFacts, to_major: u64) -> Note {
    let heading = format!("From {}.x to {to_major}.x", to_major - 1);
    let text = if chart.name == "kube-prometheus-stack" {
        format!(
            "not in the chart package (its .helmignore leaves UPGRADE.md out): read https://github.com/prometheus-community/helm-charts/blob/kube-prometheus-stack-{}/charts/kube-prometheus-stack/UPGRADE.md#{}",
            chart.version,
            heading.to_lowercase().replace('.', "").replace(' ', "-")
        )
    } else {
        format!("chart {} ships no UPGRADE.md", chart.name)
    };
    Note { heading, text }
}

fn major(version: &str) -> Option<u64> {
    version
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// The `## From X.x to Y.x` sections, with Y, in the file's order (newest first).
fn sections(md: &str) -> Vec<(u64, Note)> {
    let mut out: Vec<(u64, Note)> = Vec::new();
    let mut current: Option<(u64, Note)> = None;
    for line in md.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            out.extend(current.take());
            let to = heading
                .strip_prefix("From ")
                .and_then(|h| h.split(" to ").nth(1))
                .and_then(|v| major(v.trim()));
            if let Some(to) = to {
                current = Some((
                    to,
                    Note {
                        heading: heading.trim().to_string(),
                        text: String::new(),
                    },
                ));
            }
            continue;
        }
        if let Some((_, note)) = &mut current {
            note.text.push_str(line);
            note.text.push('\n');
        }
    }
    out.extend(current);
    for (_, n) in &mut out {
        n.text = n.text.trim().to_string();
    }
    out
}

impl ChartUpgrade {
    /// For people: the versions, the keys gone, each note indented.
    pub fn text(&self) -> String {
        let direction = match (major(&self.from), major(&self.to)) {
            (Some(a), Some(b)) if b < a => "downgrade",
            _ => "upgrade",
        };
        let mut s = format!(
            "Chart {direction}: {} → {} (promstack applies the new chart's CRDs before the release, as the notes ask)\n",
            self.from, self.to
        );
        if !self.values_keys_gone.is_empty() {
            s.push_str(&format!(
                "Keys of your values files that chart {} does not read (helm will ignore them):\n",
                self.to
            ));
            for k in &self.values_keys_gone {
                s.push_str(&format!("  {k}\n"));
            }
        }
        for n in &self.notes {
            s.push_str(&format!("The chart's notes, {}:\n", n.heading));
            for line in n.text.lines() {
                s.push_str(&format!("  | {line}\n"));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MD: &str = "# Upgrade\n\n## From 87.x to 88.x\n\nOperator v0.93.0\n\n## From 86.x to 87.x\n\nOperator v0.92.0\n\n## From 85.x to 86.x\n\nOld\n";

    fn release(chart: &str) -> Option<ReleaseInfo> {
        Some(ReleaseInfo {
            name: "kube-prometheus".into(),
            namespace: "monitoring".into(),
            revision: "3".into(),
            status: "deployed".into(),
            chart: chart.into(),
            app_version: String::new(),
        })
    }

    fn chart(version: &str) -> ChartFacts {
        ChartFacts {
            name: "kube-prometheus-stack".into(),
            version: version.into(),
            upgrade_notes: Some(MD.into()),
            ..Default::default()
        }
    }

    #[test]
    fn the_notes_of_each_major_crossed_oldest_first() {
        let u = plan(&release("kube-prometheus-stack-86.2.0"), &chart("88.5.3")).unwrap();
        assert_eq!((u.from.as_str(), u.to.as_str()), ("86.2.0", "88.5.3"));
        let headings: Vec<&str> = u.notes.iter().map(|n| n.heading.as_str()).collect();
        assert_eq!(headings, ["From 86.x to 87.x", "From 87.x to 88.x"]);
        assert_eq!(u.notes[1].text, "Operator v0.93.0");
        assert!(u.text().contains("Chart upgrade: 86.2.0 → 88.5.3"));
        assert!(u.text().contains("  | Operator v0.92.0\n"));
    }

    #[test]
    fn the_same_version_is_no_upgrade_and_a_minor_one_has_no_notes() {
        assert_eq!(
            plan(&release("kube-prometheus-stack-88.5.3"), &chart("88.5.3")),
            None
        );
        assert_eq!(plan(&None, &chart("88.5.3")), None);
        let minor = plan(&release("kube-prometheus-stack-88.1.0"), &chart("88.5.3")).unwrap();
        assert!(minor.notes.is_empty());
        let down = plan(&release("kube-prometheus-stack-88.5.3"), &chart("87.19.2")).unwrap();
        assert!(down.notes.is_empty() && down.text().starts_with("Chart downgrade"));
        let other = plan(&release("other-chart-1.0.0"), &chart("88.5.3")).unwrap();
        assert_eq!(
            (other.from.as_str(), other.to.as_str()),
            ("other-chart-1.0.0", "kube-prometheus-stack-88.5.3")
        );
        assert!(other.notes.is_empty());
    }

    #[test]
    fn a_package_without_upgrade_md_points_at_the_notes_of_each_major_crossed() {
        let packaged = ChartFacts {
            upgrade_notes: None,
            ..chart("88.5.3")
        };
        let u = plan(&release("kube-prometheus-stack-86.2.0"), &packaged).unwrap();
        let headings: Vec<&str> = u.notes.iter().map(|n| n.heading.as_str()).collect();
        assert_eq!(headings, ["From 86.x to 87.x", "From 87.x to 88.x"]);
        assert_eq!(u.notes[1].text, "not in the chart package (its .helmignore leaves UPGRADE.md out): read https://github.com/prometheus-community/helm-charts/blob/kube-prometheus-stack-88.5.3/charts/kube-prometheus-stack/UPGRADE.md#from-87x-to-88x");
        let other = ChartFacts {
            name: "mine".into(),
            ..packaged
        };
        let u = plan(
            &release("mine-1.0.0"),
            &ChartFacts {
                version: "2.0.0".into(),
                ..other
            },
        )
        .unwrap();
        assert_eq!(u.notes[0].text, "chart mine ships no UPGRADE.md");
    }

    #[test]
    fn keys_the_new_chart_does_not_read_are_named() {
        let mut u = plan(&release("kube-prometheus-stack-87.19.2"), &chart("88.5.3")).unwrap();
        u.values_keys_gone = vec!["mine.yaml:3: `old` is not a key of prometheus".into()];
        assert!(u.text().contains("Keys of your values files that chart 88.5.3 does not read (helm will ignore them):\n  mine.yaml:3: `old` is not a key of prometheus\n"), "{}", u.text());
    }
}
