//! The command line of `kubectl promstack dashboards`: its flags, and each verb's options made
//! from them.
use crate::verb::{check::CheckOptions, sync::SyncOptions, validate::ValidateOptions};
use clap::{Args, Parser, Subcommand};
use promstack_shared::cli::GlobalArgs;
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::sources::{DashboardSet, SourceArgs};
use promstack_shared::verb::DiffOptions;

/// Grafana dashboards as code: validate, diff, sync, prune, list, check.
///
/// Sources: files and folders (arguments or -f, repeatable; -f - reads standard input), or --dir:
/// dashboard JSON files (a folder's sub-folders become Grafana folders; Grafana API exports
/// {"dashboard": ..., "meta": ...} and grafana.com exports with __inputs and ${DS_PROMETHEUS} are
/// made provisionable), and YAML files or streams (kustomize build, helm template, kubectl get -o
/// yaml, a kind: List) whose ConfigMaps and Secrets with the label grafana_dashboard: "1" hold
/// dashboards, every other object skipped and counted. None given: promstack's own dashboards,
/// embedded in this binary; the first line on stderr says which sources were read. Each dashboard
/// becomes a ConfigMap for the Grafana sidecar (label grafana_dashboard: "1", folder annotation
/// grafana_folder).
///
/// Exit codes: 0 ok, 1 failure at run time (cluster, network), 2 bad input (nothing was changed),
/// 3 a check failed (a query errors, or returns nothing with --require-data; drift with --exit-code).
#[derive(Debug, Parser)]
#[command(
    name = "kubectl promstack dashboards",
    bin_name = "kubectl promstack dashboards",
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
pub type Sources = SourceArgs<DashboardSet>;

/// The examples under a verb's `--help`.
fn examples(verb: &str, extra: [&str; 3]) -> String {
    promstack_shared::sources::args::examples::<DashboardSet>(verb, extra)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check JSON, uids, titles, every panel query (PromQL) and datasource references
    #[command(after_help = examples("validate", [""; 3]))]
    Validate(ValidateArgs),
    /// Field-level differences between the sources and the cluster (a dashboard moved to another folder shows as a move; of files or a stream, only the ConfigMaps they make)
    #[command(after_help = examples("diff", ["--exit-code"; 3]))]
    Diff(DiffArgs),
    /// Server-side apply the dashboard ConfigMaps (validated first: nothing is written if any file is bad, or if a uid is already another dashboard ConfigMap's or Secret's)
    #[command(after_help = examples("sync", ["--dry-run", "--prune", "--whole-set --prune"]))]
    Sync(SyncArgs),
    /// Dashboard ConfigMaps in the cluster (label grafana_dashboard), ours or not; with sources, the ConfigMaps they make (as kubectl get -f)
    #[command(after_help = examples("list", [""; 3]))]
    List(promstack_shared::cli::ListArgs<DashboardSet>),
    /// Run every panel query against Prometheus and report errors and queries without data
    #[command(after_help = examples("check", ["--require-data"; 3]))]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub sources: Sources,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// Exit 3 when anything differs
    #[arg(long)]
    pub exit_code: bool,
    /// The files or stream given are all the dashboards of the namespace: show ours they do not make as deleted, and moves, as for a folder
    #[arg(long)]
    pub whole_set: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// Delete dashboard ConfigMaps of ours whose source is gone (only objects with promstack's labels; a moved dashboard's old ConfigMap is deleted without it); refused for files or a stream unless --whole-set
    #[arg(long)]
    pub prune: bool,
    /// The files or stream given are all the dashboards of the namespace, as a folder is: ours they do not make are stale (deleted with --prune), and a dashboard under a new name moves
    #[arg(long)]
    pub whole_set: bool,
    /// Show the plan and change nothing; with -o yaml, print the ConfigMaps (no cluster needed)
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub sources: Sources,
    #[command(flatten)]
    pub prometheus: promstack_shared::endpoint::PrometheusArgs,
    /// How far back to query
    #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = promstack_shared::duration::parse_flag)]
    pub range: std::time::Duration,
    /// Exit 3 also when a query returns no data
    #[arg(long)]
    pub require_data: bool,
}

impl ValidateArgs {
    pub fn options(&self, t: &TargetArgs) -> ValidateOptions {
        ValidateOptions {
            sources: self.sources.inputs(),
            target: t.clone(),
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
            target: t.clone(),
        }
    }
}

impl CheckArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> CheckOptions {
        CheckOptions {
            sources: self.sources.inputs(),
            namespace: g.namespace.clone(),
            prometheus: self.prometheus.endpoint(),
            range: self.range,
            require_data: self.require_data,
            target: t.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn common_flags_go_before_or_after_every_subcommand() {
        promstack_shared::testing::assert_common_flags_anywhere(
            "dashboards",
            Cli::try_parse_from,
            |c: &Cli| &c.global,
            &[&["validate"], &["diff"], &["sync"], &["list"], &["check"]],
        );
    }
}
