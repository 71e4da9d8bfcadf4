//! The command line of `kubectl promstack dashboards`: its flags, and each verb's options made
//! from them.
use crate::verb::{check::CheckOptions, sync::SyncOptions, validate::ValidateOptions};
use clap::{Args, Parser, Subcommand};
use promstack_shared::cli::GlobalArgs;
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::verb::DiffOptions;
use std::path::PathBuf;

/// Grafana dashboards as code: validate, diff, sync, prune, list, check.
///
/// Sources: dashboard JSON files, sub-folders become Grafana folders; Grafana API exports
/// ({"dashboard": ..., "meta": ...}) and grafana.com exports (__inputs, ${DS_PROMETHEUS}) are
/// made provisionable. Default: promstack's own dashboards, embedded in this binary. Each becomes a
/// ConfigMap for the Grafana sidecar (label grafana_dashboard: "1", folder annotation grafana_folder).
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

#[derive(Debug, Clone, Args)]
pub struct Sources {
    /// Dashboards folder (default: promstack's embedded dashboards/)
    #[arg(
        long,
        value_name = "DIR",
        env = "PROMSTACK_DASHBOARDS_DIR",
        global = true
    )]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check JSON, uids, titles, every panel query (PromQL) and datasource references
    Validate(ValidateArgs),
    /// Field-level differences between the sources and the cluster (a dashboard moved to another folder shows as a move)
    Diff(DiffArgs),
    /// Server-side apply the dashboard ConfigMaps (validated first: nothing is written if any file is bad, or if a uid is already another dashboard ConfigMap's or Secret's)
    Sync(SyncArgs),
    /// Dashboard ConfigMaps in the cluster (label grafana_dashboard), ours or not
    List(promstack_shared::cli::ListArgs),
    /// Run every panel query against Prometheus and report errors and queries without data
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
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub sources: Sources,
    /// Delete dashboard ConfigMaps of ours whose source is gone (only objects with promstack's labels; a moved dashboard's old ConfigMap is deleted without it)
    #[arg(long)]
    pub prune: bool,
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
            dir: self.sources.dir.clone(),
            target: t.clone(),
        }
    }
}

impl DiffArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> DiffOptions {
        DiffOptions {
            dir: self.sources.dir.clone(),
            namespace: g.namespace.clone(),
            exit_code: self.exit_code,
            target: t.clone(),
        }
    }
}

impl SyncArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> SyncOptions {
        SyncOptions {
            dir: self.sources.dir.clone(),
            namespace: g.namespace.clone(),
            prune: self.prune,
            dry_run: self.dry_run,
            target: t.clone(),
        }
    }
}

impl CheckArgs {
    pub fn options(&self, g: &GlobalArgs, t: &TargetArgs) -> CheckOptions {
        CheckOptions {
            dir: self.sources.dir.clone(),
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
