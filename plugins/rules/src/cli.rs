//! The command line of `kubectl promstack rules`: its flags, and each verb's options made from them.
use crate::lint::Severity;
use crate::verb::{
    lint::LintOptions, sync::SyncOptions, test::TestOptions, validate::ValidateOptions,
};
use clap::{Args, Parser, Subcommand};
use promstack_shared::input::sources::{RuleSet, SourceArgs};
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::terminal::cli::GlobalArgs;
use promstack_shared::terminal::verb::DiffOptions;
use std::path::PathBuf;

/// PrometheusRules as code: validate, lint, test, diff, sync, prune.
///
/// Sources: files and folders (arguments or -f, repeatable; -f - reads a YAML stream on standard
/// input, such as `helm template`, `kustomize build` or `kubectl get -o yaml` print), or --dir.
/// Each holds PrometheusRule YAML (one or many documents, a kind: List) or plain Prometheus rule
/// files (`groups:`); other objects are skipped and counted. promtool unit tests: tests/ of a
/// folder, or test files given. None given: promstack's own rules, embedded in this binary; the
/// first line on stderr says which sources were read.
///
/// Exit codes: 0 ok, 1 failure at run time (cluster, network, promtool), 2 bad input (nothing was
/// changed), 3 a check failed (lint above --fail-on, a unit test failed, no Prometheus selects the
/// rules, diff found drift with --exit-code).
#[derive(Debug, Parser)]
#[command(
    name = "kubectl promstack rules",
    bin_name = "kubectl promstack rules",
    version
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub target: TargetArgs,
}

/// The source flags of every verb (files, folders, `-f -`, `--dir`).
pub type Sources = SourceArgs<RuleSet>;

/// The examples under a verb's `--help`.
fn examples(verb: &str, extra: [&str; 3]) -> String {
    promstack_shared::input::sources::args::examples::<RuleSet>(verb, extra)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check as Prometheus 3.14 loads rule files: structure, PromQL, names, durations, templates; every error with file:line
    #[command(after_help = examples("validate", [""; 3]))]
    Validate(ValidateArgs),
    /// pint-style checks with stable names; opt out per rule with `# promstack-lint: ignore CHECK`
    #[command(after_help = examples("lint", ["--offline"; 3]))]
    Lint(LintArgs),
    /// Run the promtool unit tests (tests/ of a folder, or test files given) with the real promtool
    #[command(after_help = examples("test", [""; 3]))]
    Test(TestArgs),
    /// Field-level differences between the sources and the cluster (of files or a stream: only the objects they make)
    #[command(after_help = examples("diff", ["--exit-code"; 3]))]
    Diff(DiffArgs),
    /// Server-side apply the rules (validated first: nothing is written if any file is bad)
    #[command(after_help = examples("sync", ["--dry-run", "--prune", "--whole-set --prune"]))]
    Sync(SyncArgs),
    /// PrometheusRules in the cluster, ours or not, with their source; with sources, the objects they make (as kubectl get -f)
    #[command(after_help = examples("list", [""; 3]))]
    List(promstack_shared::terminal::cli::ListArgs<RuleSet>),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub sources: Sources,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// The scrape interval ranges are checked against
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = promstack_shared::go::duration::parse_flag)]
    pub scrape_interval: std::time::Duration,
    /// Exit 3 when a finding is at least this severe
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub fail_on: Severity,
    /// Skip the online checks (series, ranges against the retention, vector matching, external labels, recording-rule dependencies, cost)
    #[arg(long, conflicts_with = "backtest")]
    pub offline: bool,
    /// Replay each alert over this past range against Prometheus (for and keep_firing_for as Prometheus applies them): how many alerts would have fired, when, for how long
    #[arg(long, value_name = "DURATION", value_parser = promstack_shared::go::duration::parse_flag)]
    pub backtest: Option<std::time::Duration>,
    #[command(flatten)]
    pub prometheus: promstack_shared::kube::endpoint::PrometheusArgs,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// The promtool binary
    #[arg(
        long,
        value_name = "PATH",
        env = "PROMSTACK_PROMTOOL",
        default_value = "promtool"
    )]
    pub promtool: PathBuf,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// Exit 3 when anything differs
    #[arg(long)]
    pub exit_code: bool,
    /// The files or stream given are all the rules of the namespace: show ours they do not make as deleted, as for a folder
    #[arg(long)]
    pub whole_set: bool,
    /// Replay each alert the sync would add or change over this past range against Prometheus, as it will be and as it is live
    #[arg(long, value_name = "DURATION", value_parser = promstack_shared::go::duration::parse_flag)]
    pub backtest: Option<std::time::Duration>,
    #[command(flatten)]
    pub prometheus: promstack_shared::kube::endpoint::PrometheusArgs,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// Delete PrometheusRules of ours whose source is gone (only objects with promstack's labels); refused for files or a stream unless --whole-set
    #[arg(long)]
    pub prune: bool,
    /// The files or stream given are all the rules of the namespace, as a folder is: ours they do not make are stale (deleted with --prune)
    #[arg(long)]
    pub whole_set: bool,
    /// Show the plan and change nothing; with -o yaml, print the objects (no cluster needed)
    #[arg(long)]
    pub dry_run: bool,
    /// Extra label on every PrometheusRule, e.g. release=kube-prometheus (repeatable)
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    /// Do not check that a Prometheus selects the rules
    #[arg(long)]
    pub no_selector_check: bool,
}

impl ValidateArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> ValidateOptions {
        ValidateOptions {
            sources: self.sources.inputs(),
            namespace: g.namespace.clone(),
            target: t.clone(),
        }
    }
}

impl LintArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> LintOptions {
        LintOptions {
            sources: self.sources.inputs(),
            namespace: g.namespace.clone(),
            scrape_interval: self.scrape_interval,
            fail_on: self.fail_on,
            target: t.clone(),
            online: match self.offline {
                true => None,
                false => Some(self.prometheus.endpoint()),
            },
            backtest: self.backtest,
        }
    }
}

impl TestArgs {
    pub fn options(&self, g: &GlobalArgs) -> TestOptions {
        TestOptions {
            sources: self.sources.inputs(),
            namespace: g.namespace.clone(),
            promtool: self.promtool.clone(),
        }
    }
}

impl DiffArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> DiffOptions {
        DiffOptions {
            sources: self.sources.inputs(),
            namespace: g.namespace.clone(),
            exit_code: self.exit_code,
            whole_set: self.whole_set,
            target: t.clone(),
        }
    }
}

impl SyncArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> SyncOptions {
        SyncOptions {
            sources: self.sources.inputs(),
            namespace: g.namespace.clone(),
            prune: self.prune,
            whole_set: self.whole_set,
            dry_run: self.dry_run,
            labels: self.labels.clone(),
            selector_check: !self.no_selector_check,
            target: t.clone(),
        }
    }
}

/// `KEY=VALUE`, both as the API server takes a label (the same checks as `validate`).
fn parse_label(s: &str) -> Result<(String, String), String> {
    use promstack_shared::kube::limits::{key_problem, label_value_problem};
    let Some((k, v)) = s.split_once('=') else {
        return Err(format!("`{s}` is not KEY=VALUE"));
    };
    if let Some(p) = key_problem(k).or_else(|| label_value_problem(v)) {
        return Err(format!("not a Kubernetes label: {p}"));
    }
    Ok((k.to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn common_flags_go_before_or_after_every_subcommand() {
        promstack_shared::testing::assert_common_flags_anywhere(
            "rules",
            Cli::try_parse_from,
            |c: &Cli| &c.global,
            &[
                &["validate"],
                &["lint"],
                &["test"],
                &["diff"],
                &["sync"],
                &["list"],
            ],
        );
    }
}
