//! `dashboards validate`: JSON, uids, titles, every panel query (PromQL), datasource references,
//! and what the API server would refuse of the ConfigMaps. Errors are exit 2.
use crate::load;
use crate::validate::{self, Level, Problem};
use promstack_shared::verb::Report;
use promstack_shared::ExitCode;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// The dashboards folder (None: the embedded dashboards).
    pub dir: Option<PathBuf>,
    /// Which Prometheus the panel queries are checked for.
    pub target: promstack_shared::prometheus::target::TargetArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidateReport {
    pub valid: bool,
    pub dashboards: usize,
    pub queries: usize,
    pub problems: Vec<Problem>,
}

pub fn run(opts: &ValidateOptions) -> anyhow::Result<ValidateReport> {
    let files = load::read(opts.dir.as_deref())?;
    let (prepared, problems) = load::problems_for(&files, &opts.target.offline());
    Ok(ValidateReport {
        valid: !problems.iter().any(|p| p.level == Level::Error),
        dashboards: prepared.len(),
        queries: prepared.iter().map(|p| validate::queries(p).len()).sum(),
        problems,
    })
}

impl Report for ValidateReport {
    fn text(&self) -> String {
        let mut s: String = self.problems.iter().map(|p| format!("{p}\n")).collect();
        s.push_str(&if self.valid {
            format!(
                "valid: {} dashboards, {} queries\n",
                self.dashboards, self.queries
            )
        } else {
            let errors = self
                .problems
                .iter()
                .filter(|p| p.level == Level::Error)
                .count();
            format!("{errors} error(s)\n")
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
