//! Which Prometheus PromQL is checked for ([`Target`]): by default the chart's as promstack
//! installs it (v3.14, no `enableFeatures`); with `--enable-feature NAME` (repeatable,
//! Prometheus's own names) what those flags enable; against a cluster, what the live Prometheus
//! objects that will load the rules enable (`spec.enableFeatures`; a feature counts when every
//! one of them has it). The flag is declared here once for every plugin.
pub use super::promql::Target;
use super::promql::{Feature, Features};
use clap::Args;
use serde_json::Value;

/// Prometheus 3.14's feature flags that do not change what PromQL it accepts (accepted, and of
/// no effect here).
pub const OTHER_FEATURES: &[&str] = &[
    "auto-reload-config",
    "concurrent-rule-eval",
    "created-timestamp-zero-ingestion",
    "delayed-compaction",
    "exemplar-storage",
    "extra-scrape-metrics",
    "fast-startup",
    "histograms-st-encoding",
    "memory-snapshot-on-shutdown",
    "metadata-wal-records",
    "native-histograms",
    "old-ui",
    "ooo-native-histograms",
    "otlp-deltatocumulative",
    "otlp-native-delta-ingestion",
    "promql-delayed-name-removal",
    "promql-duration-expr",
    "promql-per-step-stats",
    "search-api",
    "st-storage",
    "st-synthesis",
    "type-and-unit-labels",
    "use-start-timestamps",
    "use-uncached-io",
    "xor2-encoding",
];

/// `--enable-feature`.
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Check PromQL as a Prometheus started with --enable-feature=NAME does (repeatable;
    /// Prometheus's names: promql-experimental-functions, promql-binop-fill-modifiers,
    /// promql-extended-range-selectors). Default: what the Prometheus in question enables
    /// (rules sync/diff: the selecting Prometheus objects' spec.enableFeatures; dashboards check:
    /// the queried Prometheus's flags), else none, as promstack installs the stack
    #[arg(long = "enable-feature", value_name = "NAME", value_parser = parse_flag, global = true)]
    pub enable_feature: Vec<String>,
}

/// A feature flag's name as Prometheus 3.14 knows it (a comma-separated list as Prometheus takes).
pub fn parse_flag(s: &str) -> Result<String, String> {
    for name in s.split(',').map(str::trim) {
        if Feature::from_flag(name).is_none() && !OTHER_FEATURES.contains(&name) {
            return Err(format!(
                "`{name}` is not a feature flag of Prometheus 3.14 (the PromQL ones: {})",
                Feature::ALL.map(Feature::flag).join(", ")
            ));
        }
    }
    Ok(s.to_string())
}

fn features_of<'a>(names: impl Iterator<Item = &'a str>) -> Features {
    names
        .flat_map(|n| n.split(','))
        .filter_map(|n| Feature::from_flag(n.trim()))
        .fold(Features::default(), Features::with)
}

impl TargetArgs {
    /// The target the flags name, if any were given.
    pub fn explicit(&self) -> Option<Target> {
        (!self.enable_feature.is_empty()).then(|| Target {
            features: features_of(self.enable_feature.iter().map(String::as_str)),
            who: "--enable-feature".into(),
        })
    }
    /// The flags' target, else the stack's as installed.
    pub fn offline(&self) -> Target {
        self.explicit().unwrap_or_default()
    }
}

/// The target of a running Prometheus: the value of its `enable-feature` flag as
/// `/api/v1/status/flags` gives it (comma-separated), named `who`.
pub fn of_flag_value(value: &str, who: &str) -> Target {
    Target {
        features: features_of(std::iter::once(value)),
        who: who.to_string(),
    }
}

/// What a running Prometheus enables, asked at `/api/v1/status/flags`; `Err` says why it could
/// not be read.
pub async fn of_running(api: &super::api::PrometheusApi) -> Result<Target, String> {
    let flags = api.api("/api/v1/status/flags").await?;
    let value = flags["enable-feature"].as_str().unwrap_or_default();
    Ok(of_flag_value(
        value,
        &format!("Prometheus at {}", api.base()),
    ))
}

/// The target of these live Prometheus objects: the features every one of them enables, named
/// after them. `None` without objects.
pub fn of_objects(objects: &[&Value]) -> Option<Target> {
    let first = objects.first()?;
    let enabled = |p: &Value| {
        features_of(
            p.pointer("/spec/enableFeatures")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        )
    };
    let mut features = enabled(first);
    for p in &objects[1..] {
        let other = enabled(p);
        features = Feature::ALL
            .into_iter()
            .filter(|f| features.has(*f) && other.has(*f))
            .fold(Features::default(), Features::with);
    }
    let names: Vec<String> = objects
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["metadata"]["namespace"].as_str().unwrap_or_default(),
                p["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
        .collect();
    Some(Target {
        features,
        who: format!("Prometheus {}", names.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_name_prometheus_features() {
        assert!(parse_flag("promql-experimental-functions").is_ok());
        assert!(parse_flag("native-histograms,promql-binop-fill-modifiers").is_ok());
        assert!(parse_flag("promql-experimental-function")
            .unwrap_err()
            .contains("not a feature flag of Prometheus 3.14"));
        let a = TargetArgs {
            enable_feature: vec!["promql-experimental-functions,native-histograms".into()],
        };
        let t = a.offline();
        assert!(t.features.experimental_functions && !t.features.fill_modifiers);
        assert_eq!(
            t.says(),
            "--enable-feature enables: promql-experimental-functions"
        );
        assert_eq!(
            TargetArgs::default().offline().says(),
            "the stack enables: none"
        );
    }

    #[test]
    fn live_objects_enable_what_all_of_them_enable() {
        let a = json!({"metadata":{"namespace":"m","name":"a"},"spec":{"enableFeatures":["promql-experimental-functions","promql-extended-range-selectors"]}});
        let b = json!({"metadata":{"namespace":"m","name":"b"},"spec":{"enableFeatures":["promql-experimental-functions"]}});
        let t = of_objects(&[&a, &b]).unwrap();
        assert!(t.features.experimental_functions && !t.features.extended_range_selectors);
        assert_eq!(
            t.says(),
            "Prometheus m/a, m/b enables: promql-experimental-functions"
        );
        assert!(of_objects(&[]).is_none());
    }

    #[test]
    fn a_running_prometheus_says_its_flags_comma_separated() {
        let t = of_flag_value(
            "promql-at-modifier,promql-experimental-functions,memory-snapshot-on-shutdown",
            "Prometheus at http://127.0.0.1:9090",
        );
        assert!(t.features.has(Feature::ExperimentalFunctions));
        assert!(!t.features.has(Feature::BinopFillModifiers));
        assert_eq!(t.who, "Prometheus at http://127.0.0.1:9090");
        assert_eq!(of_flag_value("", "x").features, Features::default());
    }
}
