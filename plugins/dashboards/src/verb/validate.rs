//! `dashboards validate`: JSON, uids, titles, every panel query (PromQL), datasource references,
//! and what the API server would refuse of the ConfigMaps. Errors are exit 2.
use crate::load;
use crate::validate::{self, Level, Problem};
use promstack_shared::input::sources::Inputs;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{Report, Sourced};
use promstack_shared::ExitCode;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// The sources (none: the embedded dashboards).
    pub sources: Inputs,
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

/// Every problem of every source; the first line (`ui`) says which sources were read.
pub fn run(opts: &ValidateOptions, ui: &Ui) -> anyhow::Result<Sourced<ValidateReport>> {
    let loaded = load::load(&opts.sources, &opts.target.offline())?;
    ui.line(&loaded.sources.summary);
    let report = ValidateReport {
        valid: !loaded.problems.iter().any(|p| p.level == Level::Error),
        dashboards: loaded.prepared.len(),
        queries: loaded
            .prepared
            .iter()
            .map(|p| validate::queries(p).len())
            .sum(),
        problems: loaded.problems,
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
