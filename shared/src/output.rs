//! Results on stdout in the format the user asked for.
use crate::cli::OutputFormat;
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

#[cfg(test)]
mod tests {
    use super::*;

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
