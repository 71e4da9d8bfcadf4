//! `rules test`: the promtool unit tests in tests/, run by the real promtool; exit 3 when one fails.
use crate::load;
use crate::promtool::{self, TestResult};
use promstack_shared::input::sources::Inputs;
use promstack_shared::terminal::ui::Ui;
use promstack_shared::terminal::verb::{Report, Sourced};
use promstack_shared::ExitCode;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct TestOptions {
    /// The rules and their unit tests (none: the embedded ones).
    pub sources: Inputs,
    pub namespace: String,
    /// The promtool binary.
    pub promtool: PathBuf,
}

/// Each test file's result.
#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub results: Vec<TestResult>,
}

pub fn run(opts: &TestOptions, ui: &Ui) -> anyhow::Result<Sourced<TestReport>> {
    let target = Default::default();
    let loaded = load::sources_valid(&opts.sources, &opts.namespace, &target, ui)?;
    let results = promtool::run(&opts.promtool, &loaded, &loaded.tests)?;
    Ok(Sourced {
        sources: loaded.sources,
        report: TestReport { results },
    })
}

impl TestReport {
    fn failed(&self) -> usize {
        self.results.iter().filter(|r| !r.passed).count()
    }
}

impl Report for TestReport {
    fn text(&self) -> String {
        let mut s = String::new();
        for r in &self.results {
            s.push_str(&format!(
                "{} {}\n",
                if r.passed { "PASS" } else { "FAIL" },
                r.file
            ));
            if !r.passed {
                s.push_str(&format!("{}\n", r.output));
            }
        }
        let failed = self.failed();
        s.push_str(&format!(
            "{} passed, {} failed\n",
            self.results.len() - failed,
            failed
        ));
        s
    }
    fn exit_code(&self) -> ExitCode {
        if self.failed() == 0 {
            ExitCode::Ok
        } else {
            ExitCode::CheckFailed
        }
    }
}
