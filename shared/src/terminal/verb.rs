//! The shape every verb of every plugin has, after helm's `pkg/action`: an options struct the
//! command line maps its flags to, the dependencies it reaches the world through ([`Deps`]), one
//! `run(opts, deps)` returning a [`Report`], and [`finish`] printing it in the format asked for
//! and giving its exit code. Verbs that read only files take no dependencies: `run(opts)`.
use crate::input::sources::Summary;
pub use crate::terminal::output::{finish, Report};

use crate::kube::cluster::{Cluster, KubeCluster};
use crate::terminal::cli::GlobalArgs;
use crate::terminal::ui::Ui;

/// What a verb that talks to the cluster reaches it through, and the terminal. The cluster is
/// connected to on first use, so a verb checks its input first: bad input is exit 2 whether or
/// not a cluster can be reached.
pub struct Deps<'a> {
    pub ui: &'a Ui,
    cluster: Source<'a>,
}

enum Source<'a> {
    Given(&'a dyn Cluster),
    Connect(&'a GlobalArgs, Box<tokio::sync::OnceCell<KubeCluster>>),
}

impl<'a> Deps<'a> {
    /// With this cluster (the in-memory one in tests).
    pub fn new(cluster: &'a dyn Cluster, ui: &'a Ui) -> Self {
        Deps {
            ui,
            cluster: Source::Given(cluster),
        }
    }

    /// Connecting, when first asked, to the cluster of the kubeconfig, `--context` and
    /// `--kubeconfig` flags.
    pub fn connecting(args: &'a GlobalArgs, ui: &'a Ui) -> Self {
        Deps {
            ui,
            cluster: Source::Connect(args, Box::default()),
        }
    }

    /// The cluster (connected now if it was not yet).
    pub async fn cluster(&self) -> anyhow::Result<&dyn Cluster> {
        match &self.cluster {
            Source::Given(c) => Ok(*c),
            Source::Connect(args, cell) => {
                let c = cell
                    .get_or_try_init(|| KubeCluster::from_args(args))
                    .await?;
                Ok(c)
            }
        }
    }
}

/// The report of a verb that read sources, with which it read: `{"sources": {...}, <the
/// report's fields>}` for `-o json|yaml`; the text is the report's (the sources' line goes to
/// stderr first, when they are read).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sourced<R> {
    pub sources: Summary,
    #[serde(flatten)]
    pub report: R,
}

impl<R: Report> Report for Sourced<R> {
    fn text(&self) -> String {
        self.report.text()
    }
    fn exit_code(&self) -> crate::ExitCode {
        self.report.exit_code()
    }
}

/// Which namespace a list verb looks in (`-A`: every one), and the sources whose objects it lists
/// (as `kubectl get -f`; None: every one there).
#[derive(Debug, Clone)]
pub struct ListOptions {
    /// None: every namespace.
    pub namespace: Option<String>,
    /// The sources named on the command line.
    pub sources: Option<crate::input::sources::Inputs>,
    /// The namespace the sources' objects go to (`-n`).
    pub sources_namespace: String,
}

/// What a diff verb compares: the sources (none: the embedded ones) with the cluster's objects
/// in `namespace`; `exit_code` makes a difference a failed check (exit 3). Of a selection (files,
/// a stream) only what it makes, unless `whole_set` says it is the whole set.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub sources: crate::input::sources::Inputs,
    pub namespace: String,
    pub exit_code: bool,
    pub whole_set: bool,
    /// Which Prometheus PromQL is checked for (`--enable-feature`, else the live one's).
    pub target: crate::prometheus::target::TargetArgs,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The very cluster given, not another in-memory one: what the verb reads is what it holds,
    /// and its requests reach it.
    #[tokio::test]
    async fn a_given_cluster_is_the_one_used() {
        use crate::kube::cluster::{MemoryCluster, ObjRef};
        let mem = MemoryCluster::new();
        mem.insert(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "only-here"}}));
        let ui = Ui::silent();
        let deps = Deps::new(&mem, &ui);
        let c = deps.cluster().await.unwrap();
        assert!(std::ptr::addr_eq(c, &mem as &dyn Cluster));
        let ns = ObjRef::new("v1", "Namespace", None, "only-here");
        assert!(c.get(&ns).await.unwrap().is_some());
        assert_eq!(mem.requests(), 1, "the request reached the cluster given");
    }

    #[tokio::test]
    async fn connecting_waits_for_the_first_use_and_says_why_it_failed() {
        let args = GlobalArgs {
            kubeconfig: Some("/nonexistent/promstack-kubeconfig".into()),
            ..GlobalArgs::for_namespace("monitoring")
        };
        let ui = Ui::silent();
        let deps = Deps::connecting(&args, &ui); // no connection yet: nothing fails here
        let err = deps.cluster().await.map(|_| ()).unwrap_err();
        assert!(
            format!("{err:#}").contains("promstack-kubeconfig"),
            "{err:#}"
        );
    }
}
