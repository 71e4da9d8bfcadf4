//! `rules lint`: pint-style checks with stable names on valid sources; exit 3 when a finding is
//! at least `--fail-on`.
use crate::lint::{self, Finding, Severity};
use crate::load;
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::verb::Report;
use promstack_shared::{Error, ExitCode};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct LintOptions {
    pub dir: Option<PathBuf>,
    pub namespace: String,
    /// The scrape interval ranges are checked against.
    pub scrape_interval: Duration,
    pub fail_on: Severity,
    /// Which Prometheus the PromQL is checked for.
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub findings: Vec<Finding>,
    pub errors: usize,
    pub warnings: usize,
    #[serde(skip)]
    pub fail_on: Severity,
}

pub fn run(opts: &LintOptions) -> anyhow::Result<LintReport> {
    if opts.scrape_interval.is_zero() {
        return Err(Error::input("--scrape-interval must be more than 0, like 30s").into());
    }
    let target = opts.target.offline();
    let loaded = load::valid_for(opts.dir.as_deref(), &opts.namespace, &target)?;
    let findings = lint::lint(&loaded, opts.scrape_interval, &target);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    Ok(LintReport {
        errors,
        warnings: findings.len() - errors,
        findings,
        fail_on: opts.fail_on,
    })
}

impl Report for LintReport {
    fn text(&self) -> String {
        let mut s: String = self.findings.iter().map(|f| format!("{f}\n")).collect();
        s.push_str(&format!(
            "{} error(s), {} warning(s)\n",
            self.errors, self.warnings
        ));
        s
    }
    fn exit_code(&self) -> ExitCode {
        if self.findings.iter().any(|f| f.severity >= self.fail_on) {
            ExitCode::CheckFailed
        } else {
            ExitCode::Ok
        }
    }
}
