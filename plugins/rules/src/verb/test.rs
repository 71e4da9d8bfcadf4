//! `rules test`: the promtool unit tests in tests/, run by the real promtool; exit 3 when one fails.
use crate::load;
use crate::promtool::{self, TestResult};
use promstack_shared::verb::Report;
use promstack_shared::ExitCode;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct TestOptions {
    pub dir: Option<PathBuf>,
    pub namespace: String,
    /// The promtool binary.
    pub promtool: PathBuf,
}

/// Each test file's result (serialised as the list).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct TestReport {
    pub results: Vec<TestResult>,
}

pub fn run(opts: &TestOptions) -> anyhow::Result<TestReport> {
    let loaded = load::valid(opts.dir.as_deref(), &opts.namespace)?;
    let tests = promtool::test_files(opts.dir.as_deref())?;
    let results = promtool::run(&opts.promtool, &loaded, &tests)?;
    Ok(TestReport { results })
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
