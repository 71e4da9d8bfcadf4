//! `rules validate`: as Prometheus 3.14 loads rule files (structure, PromQL, names, durations,
//! templates) and what the operator and API server refuse; every problem
//! with file:line. Invalid sources are exit 2.
use crate::{load, validate};
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::verb::Report;
use promstack_shared::ExitCode;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// The rules folder (None: the embedded rules).
    pub dir: Option<PathBuf>,
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

/// Read, build and check every source; every problem is reported, none stops the others.
pub fn run(opts: &ValidateOptions) -> anyhow::Result<ValidateReport> {
    let files = load::read(opts.dir.as_deref())?;
    let (loaded, mut problems) = match load::load(files, &opts.namespace) {
        Ok(l) => {
            let p = validate::validate(&l, &opts.target.offline())
                .iter()
                .map(ToString::to_string)
                .collect();
            (Some(l), p)
        }
        Err(e) => (None, e),
    };
    problems.sort();
    Ok(ValidateReport {
        valid: problems.is_empty(),
        objects: loaded.as_ref().map_or(0, |l| l.objects.len()),
        groups: loaded
            .as_ref()
            .map_or(0, |l| l.objects.iter().map(|o| o.spec.groups.len()).sum()),
        rules: loaded.as_ref().map_or(0, |l| l.each_rule().count()),
        problems,
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
