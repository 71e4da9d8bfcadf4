//! `rules validate`: as Prometheus 3.14 loads rule files (structure, PromQL, names, durations,
//! templates) and what the operator and API server refuse; every problem
//! with file:line. Invalid sources are exit 2.
use crate::{load, validate};
use promstack_shared::input::sources::Inputs;
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{Report, Sourced};
use promstack_shared::ExitCode;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// The sources (none: the embedded rules).
    pub sources: Inputs,
    pub namespace: String,
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidateReport {
    pub valid: bool,
    pub objects: usize,
    pub groups: usize,
    pub rules: usize,
    pub problems: Vec<String>,
}

/// Read, build and check every source; every problem is reported, none stops the others. The
/// first line (`ui`) says which sources were read.
pub fn run(opts: &ValidateOptions, ui: &Ui) -> anyhow::Result<Sourced<ValidateReport>> {
    let (loaded, mut problems) =
        load::load_read(load::read_inputs(&opts.sources)?, &opts.namespace);
    ui.line(&loaded.sources.summary);
    let built = problems.is_empty();
    if built {
        // in the order of the files and of the lines in each (line 8 before line 12)
        let mut found = validate::validate(&loaded, &opts.target.offline());
        found.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        problems = found.iter().map(ToString::to_string).collect();
    } else {
        problems.sort();
    }
    let count = |n: usize| if built { n } else { 0 };
    let report = ValidateReport {
        valid: problems.is_empty(),
        objects: count(loaded.objects.len()),
        groups: count(loaded.objects.iter().map(|o| o.spec.groups.len()).sum()),
        rules: count(loaded.rule_count()),
        problems,
    };
    Ok(Sourced {
        sources: loaded.sources,
        report,
    })
}

impl Report for ValidateReport {
    fn text(&self) -> String {
        let mut s: String = self.problems.iter().map(|p| format!("{p}\n")).collect();
        s.push_str(&if self.valid {
            format!(
                "valid: {} PrometheusRules, {} groups, {} rules\n",
                self.objects, self.groups, self.rules
            )
        } else {
            format!("{} problem(s)\n", self.problems.len())
        });
        s
    }
    /// Invalid sources are bad input.
    fn exit_code(&self) -> ExitCode {
        if self.valid {
            ExitCode::Ok
        } else {
            ExitCode::Usage
        }
    }
}
