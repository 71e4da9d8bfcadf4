//! Results on stdout in the format the user asked for.
use crate::terminal::cli::OutputFormat;
use serde::Serialize;

/// Serialise a result as JSON or YAML; `None` for text (the caller renders text itself).
pub fn render<T: Serialize>(format: OutputFormat, value: &T) -> anyhow::Result<Option<String>> {
    Ok(match format {
        OutputFormat::Text => None,
        OutputFormat::Json => Some(serde_json::to_string_pretty(value)? + "\n"),
        OutputFormat::Yaml => Some(serde_yaml::to_string(value)?),
    })
}

/// Several Kubernetes objects as one multi-document YAML stream (`kubectl apply -f -` reads it).
pub fn yaml_stream(objects: &[serde_json::Value]) -> anyhow::Result<String> {
    let mut out = String::new();
    for obj in objects {
        out.push_str("---\n");
        out.push_str(&serde_yaml::to_string(obj)?);
    }
    Ok(out)
}

/// Print a result: JSON or YAML of `value`, or the text `text` gives (only built when needed).
pub fn print_result<T: Serialize>(
    format: OutputFormat,
    value: &T,
    text: impl FnOnce() -> String,
) -> anyhow::Result<()> {
    match render(format, value)? {
        Some(s) => print!("{s}"),
        None => print!("{}", text()),
    }
    Ok(())
}

/// What every verb's `run` returns: a result pipelines read as JSON/YAML (its `Serialize`),
/// people read as text, and whose exit code says how it went.
pub trait Report: Serialize {
    /// The result for people (stdout).
    fn text(&self) -> String;
    /// 0 unless the result itself is a failed check (status NOT HEALTHY, an unmet expectation).
    fn exit_code(&self) -> crate::ExitCode {
        crate::ExitCode::Ok
    }
}

/// Print a verb's report in the format asked for and give its exit code: the last step of every
/// plugin's `run`.
pub fn finish<R: Report>(format: OutputFormat, report: &R) -> anyhow::Result<crate::ExitCode> {
    print_result(format, report, || report.text())?;
    Ok(report.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Unhealthy {
        fail: usize,
    }
    impl Report for Unhealthy {
        fn text(&self) -> String {
            format!("{} fail\n", self.fail)
        }
        fn exit_code(&self) -> crate::ExitCode {
            if self.fail == 0 {
                crate::ExitCode::Ok
            } else {
                crate::ExitCode::CheckFailed
            }
        }
    }

    #[test]
    fn finish_gives_the_reports_exit_code_in_every_format() {
        for f in [OutputFormat::Text, OutputFormat::Json, OutputFormat::Yaml] {
            assert_eq!(
                finish(f, &Unhealthy { fail: 1 }).unwrap(),
                crate::ExitCode::CheckFailed
            );
            assert_eq!(
                finish(f, &Unhealthy { fail: 0 }).unwrap(),
                crate::ExitCode::Ok
            );
        }
    }

    #[test]
    fn json_and_yaml_render_text_does_not() {
        let v = serde_json::json!({"a": 1});
        assert_eq!(render(OutputFormat::Text, &v).unwrap(), None);
        assert_eq!(
            render(OutputFormat::Json, &v).unwrap().unwrap(),
            "{\n  \"a\": 1\n}\n"
        );
        assert_eq!(render(OutputFormat::Yaml, &v).unwrap().unwrap(), "a: 1\n");
        let s = yaml_stream(&[v.clone(), v]).unwrap();
        assert_eq!(s, "---\na: 1\n---\na: 1\n");
    }
}
