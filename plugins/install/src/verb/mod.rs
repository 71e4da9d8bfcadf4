//! The verbs of `kubectl promstack install`, one module each, in helm's `pkg/action` shape: an
//! options struct the command line maps its flags to, the dependencies it reaches the world
//! through ([`Deps`]), and one `run(opts, deps)` that returns a report
//! ([`promstack_shared::terminal::output::Report`]).
pub mod export;
pub mod images;
pub mod install;
pub mod stage;
pub mod status;
pub mod uninstall;

use crate::helm::HelmApi;
use promstack_shared::kube::cluster::Cluster;
use promstack_shared::terminal::ui::Ui;
use std::sync::Mutex;

/// What install and uninstall reach the world through: the cluster, helm, the terminal, and
/// standard input (read only for `--grafana-password-stdin`; a prompt reads the terminal itself).
pub struct Deps<'a> {
    pub cluster: &'a dyn Cluster,
    pub helm: &'a dyn HelmApi,
    pub ui: &'a Ui,
    pub stdin: Mutex<Box<dyn std::io::Read + Send + 'a>>,
}

impl<'a> Deps<'a> {
    /// With nothing on standard input.
    pub fn new(cluster: &'a dyn Cluster, helm: &'a dyn HelmApi, ui: &'a Ui) -> Self {
        Deps {
            cluster,
            helm,
            ui,
            stdin: Mutex::new(Box::new(std::io::empty())),
        }
    }

    /// Standard input is `input`.
    pub fn with_stdin(mut self, input: impl std::io::Read + Send + 'a) -> Self {
        self.stdin = Mutex::new(Box::new(input));
        self
    }
}
