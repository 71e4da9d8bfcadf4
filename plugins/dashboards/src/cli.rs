//! The command line of `kubectl promstack dashboards`: its flags, and each verb's options made
//! from them.
use crate::grafana::GrafanaTarget;
use crate::verb::{
    check::CheckOptions, live::LiveOptions, sync::SyncOptions, validate::ValidateOptions,
};
use clap::{Args, Parser, Subcommand};
use promstack_shared::input::sources::{DashboardSet, SourceArgs};
use promstack_shared::prometheus::target::TargetArgs;
use promstack_shared::terminal::cli::GlobalArgs;
use promstack_shared::terminal::verb::DiffOptions;

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
/// 3 a check failed (a query errors, or returns nothing with --require-data; drift with --exit-code;
/// a synced dashboard Grafana did not serve within --grafana-wait).
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
    promstack_shared::input::sources::args::examples::<DashboardSet>(verb, extra)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check JSON, uids, titles, every panel query (PromQL) and datasource references
    #[command(after_help = examples("validate", [""; 3]))]
    Validate(ValidateArgs),
    /// Field-level differences between the sources and the cluster (a dashboard moved to another folder shows as a move; of files or a stream, only the ConfigMaps they make)
    #[command(after_help = examples("diff", ["--exit-code"; 3]))]
    Diff(DiffArgs),
    /// Server-side apply the dashboard ConfigMaps (validated first: nothing is written if any file is bad, or if a uid is already another dashboard ConfigMap's or Secret's), then wait until Grafana serves them
    #[command(
        after_help = examples("sync", ["--dry-run", "--prune", "--whole-set --prune"]),
        after_long_help = format!("{}\n\n{SYNC_GRAFANA}", examples("sync", ["--dry-run", "--prune", "--whole-set --prune"]))
    )]
    Sync(SyncArgs),
    /// Dashboard ConfigMaps in the cluster (label grafana_dashboard), ours or not; with sources, the ConfigMaps they make (as kubectl get -f)
    #[command(after_help = examples("list", [""; 3]))]
    List(promstack_shared::terminal::cli::ListArgs<DashboardSet>),
    /// Run every panel query against Prometheus and report errors and queries without data; with --live, every dashboard Grafana serves, through Grafana
    #[command(
        after_help = examples("check", ["--require-data"; 3]),
        after_long_help = format!("{}\n\n{CHECK_LIVE}", examples("check", ["--require-data"; 3]))
    )]
    Check(CheckArgs),
}

/// What `sync --help` says of Grafana.
const SYNC_GRAFANA: &str = "After writing, sync waits (at most --grafana-wait, with progress) until Grafana serves each synced dashboard as written, in its folder: Grafana is --grafana-url, else a port-forward to --grafana-service in the namespace of the Grafana Deployment (-n, else where the chart's Grafana runs), logged in with --grafana-credentials-file or the admin Secret promstack-grafana-admin there. A dashboard that did not arrive is named with the likely reason (a uid clash, another folder, JSON Grafana refused, a label, namespace or resource the sidecar does not watch: read from the Grafana Deployment's sidecar env LABEL, LABEL_VALUE, NAMESPACE, RESOURCE, FOLDER_ANNOTATION), exit 3. A Grafana that cannot be reached is said and skipped; the sync still succeeds.";

/// What `check --help` says of `--live`.
const CHECK_LIVE: &str = "--live checks what Grafana serves instead of files: every dashboard its search API lists, as /api/dashboards/uid/<uid> serves it, its template variables resolved as Grafana resolves them on load (datasource, query variables through the datasource, label_values/label_names/metrics/query_result, custom, constant, interval, All and its custom value, multi-value as (a|b)), each panel query (rows' panels, a repeated panel once) interpolated as Grafana and its Prometheus backend interpolate it ($__rate_interval, $__interval, $__range, formats) and run through Grafana's datasource proxy (GET api/v1/query_range, api/v1/query for an instant target) over --range: per folder and dashboard, queries with data, empty, failing with Grafana's or Prometheus's error. At most --concurrency requests at once, each at most 15s. Grafana: --grafana-url, else a port-forward to --grafana-service where the chart's Grafana runs; login: --grafana-credentials-file, else the admin Secret promstack-grafana-admin.";

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
    /// After writing, wait at most this long for Grafana to serve each synced dashboard (0: do not wait)
    #[arg(long, default_value = "2m", value_name = "DURATION", value_parser = promstack_shared::go::duration::parse_flag)]
    pub grafana_wait: std::time::Duration,
    #[command(flatten)]
    pub grafana: promstack_shared::kube::endpoint::GrafanaArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub sources: Sources,
    #[command(flatten)]
    pub prometheus: promstack_shared::kube::endpoint::PrometheusArgs,
    /// How far back to query
    #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = promstack_shared::go::duration::parse_flag)]
    pub range: std::time::Duration,
    /// Exit 3 also when a query returns no data
    #[arg(long)]
    pub require_data: bool,
    /// Check every dashboard Grafana serves, through Grafana, instead of files (see --help)
    #[arg(long)]
    pub live: bool,
    /// With --live: requests to Grafana in flight at most
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    #[command(flatten)]
    pub grafana: promstack_shared::kube::endpoint::GrafanaArgs,
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
            grafana: GrafanaTarget::of(&self.grafana),
            grafana_wait: self.grafana_wait,
        }
    }
}

impl CheckArgs {
    /// `--live`'s options; files or `--prometheus-url` with it are bad input.
    pub fn live_options(&self, g: &GlobalArgs) -> Result<LiveOptions, promstack_shared::Error> {
        if self.sources.given() || self.prometheus.prometheus_url.is_some() {
            return Err(promstack_shared::Error::input(
                "--live checks the dashboards Grafana serves, through Grafana: it reads no files and asks Prometheus only through Grafana; drop the files, --dir and --prometheus-url, or drop --live",
            ));
        }
        Ok(LiveOptions {
            namespace: g.namespace.clone(),
            grafana: GrafanaTarget::of(&self.grafana),
            range: self.range,
            require_data: self.require_data,
            concurrency: self.concurrency.into(),
        })
    }

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
            &[
                &["validate"],
                &["diff"],
                &["sync"],
                &["list"],
                &["check"],
                &["check", "--live"],
            ],
        );
    }
}
