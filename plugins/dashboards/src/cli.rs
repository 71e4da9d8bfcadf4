//! The command line of `kubectl promstack dashboards`.
use clap::{Args, Parser, Subcommand};
use promstack_shared::cli::GlobalArgs;
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
    Validate {
        #[command(flatten)]
        sources: Sources,
    },
    /// Field-level differences between the sources and the cluster
    Diff {
        #[command(flatten)]
        sources: Sources,
        /// Exit 3 when anything differs
        #[arg(long)]
        exit_code: bool,
    },
    /// Server-side apply the dashboard ConfigMaps (validated first: nothing is written if any file is bad)
    Sync {
        #[command(flatten)]
        sources: Sources,
        /// Delete dashboard ConfigMaps of ours whose source is gone (only objects with promstack's labels)
        #[arg(long)]
        prune: bool,
        /// Show the plan and change nothing; with -o yaml, print the ConfigMaps (no cluster needed)
        #[arg(long)]
        dry_run: bool,
    },
    /// Dashboard ConfigMaps in the cluster (label grafana_dashboard), ours or not
    List {
        /// Every namespace
        #[arg(short = 'A', long)]
        all_namespaces: bool,
    },
    /// Run every panel query against Prometheus and report errors and queries without data
    Check {
        #[command(flatten)]
        sources: Sources,
        #[command(flatten)]
        prometheus: promstack_shared::endpoint::PrometheusArgs,

        /// How far back to query
        #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = promstack_shared::duration::parse_flag)]
        range: std::time::Duration,
        /// Exit 3 also when a query returns no data
        #[arg(long)]
        require_data: bool,
    },
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
