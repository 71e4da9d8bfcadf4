//! The values lint as a pre-flight check (see [`crate::chart::values_lint`]): every key of every values
//! file helm is to get (promstack's and the user's) is one the chart reads, checked against the
//! chart just rendered and its CRDs. An unknown key is bad input (exit 2) unless
//! `--allow-unknown-values`, which lets it pass with a warning.
use super::passed;
use crate::chart::chart_files::ChartFacts;
use crate::chart::values::ValuesFile;
use crate::chart::values_lint::{self, Unknown};
use crate::install::{Check, Said};
use promstack_shared::Error;

/// Every key of `chain` against the chart; refuses unknown keys unless `allow`, and returns those
/// it let through.
pub fn check(
    chain: &[ValuesFile],
    chart: &ChartFacts,
    crds: &[serde_json::Value],
    allow: bool,
) -> Result<(Check, Vec<Unknown>), Error> {
    let unknown = unknown_keys(chain, chart, crds);
    let chart = format!("{} {}", chart.name, chart.version);
    if unknown.is_empty() {
        let said = format!("every values key is one chart {chart} reads");
        return Ok((passed("values-keys", said.clone(), Some(said)), unknown));
    }
    let list: Vec<String> = unknown.iter().map(ToString::to_string).collect();
    if !allow {
        return Err(refusal(&chart, &list));
    }
    let mut check = passed(
        "values-keys",
        format!("{} unknown keys let through", list.len()),
        None,
    );
    check.said = list
        .iter()
        .map(|l| Said::Warn(format!("{l} (helm ignores it; --allow-unknown-values)")))
        .collect();
    Ok((check, unknown))
}

/// The unknown keys of every values file, in the chain's order.
fn unknown_keys(
    chain: &[ValuesFile],
    chart: &ChartFacts,
    crds: &[serde_json::Value],
) -> Vec<Unknown> {
    chain
        .iter()
        .flat_map(|f| values_lint::lint(&f.origin, &f.text, &f.values, chart, crds))
        .collect()
}

fn refusal(chart: &str, list: &[String]) -> Error {
    Error::input(format!(
        "{} of the values {} not read by chart {chart} (it has no values schema: helm would ignore {} without a word):\n  {}\nFix the key, or pass --allow-unknown-values to install anyway.",
        list.len(),
        if list.len() == 1 { "is a key" } else { "are keys" },
        if list.len() == 1 { "it" } else { "them" },
        list.join("\n  ")
    ))
}
