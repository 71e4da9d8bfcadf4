//! Phase 1: everything the user gave, loaded and checked before the cluster is touched (bad
//! input: exit 2, nothing changed).
use super::{Deps, InstallOptions, ValuesDir};
use crate::chart::values::{self, ValuesFile, RELEASE};
use crate::helm::Release;
use crate::stack::alertmanager;
use crate::stack::grafana::{self, NewPassword};
use anyhow::Context as _;
use serde_json::Value;

/// The install's inputs, checked.
pub(super) struct Inputs {
    /// The values chain helm gets: embedded base, env overlay, the user's files, the generated one.
    pub chain: Vec<ValuesFile>,
    /// The chain merged as helm merges it.
    pub merged: Value,
    /// The Alertmanager config (the user's or the default).
    pub am_text: String,
    /// The password for a new or rotated Grafana admin Secret, once there is one.
    pub password: Option<NewPassword>,
    /// The release as helm is asked to install it (its values files in `values_dir`).
    pub release: Release,
    /// The private copies of the values files, held until the inputs are dropped (which removes
    /// them); never read.
    pub _values_dir: ValuesDir,
}

/// Load and check the values files, the Alertmanager config and a password that needs no
/// terminal (generated, or from stdin), and write the values files for helm.
pub(super) fn load(opts: &InstallOptions, deps: &Deps<'_>) -> anyhow::Result<Inputs> {
    let user: Vec<ValuesFile> = opts
        .user_values
        .iter()
        .map(|p| values::load(p))
        .collect::<Result<_, _>>()?;
    let am_text = alertmanager::load(opts.alertmanager_config.as_deref(), &|w| deps.ui.warn(w))?;
    let chain = values::chain(opts.env, user, &opts.overlay)?;
    let merged = values::merged(&chain);
    let password = {
        let mut stdin = deps
            .stdin
            .lock()
            .map_err(|_| anyhow::anyhow!("standard input is not usable"))?;
        grafana::given(&opts.password, &mut *stdin)?
    };
    let values_dir = ValuesDir::write(&chain).context("writing the values files for helm")?;
    let release = Release {
        name: RELEASE.into(),
        namespace: opts.namespace.clone(),
        chart: opts.chart.clone(),
        values_files: values_dir.files.clone(),
        timeout: opts.timeout,
    };
    deps.ui.detail(&format!(
        "values files in {} (removed afterwards)",
        values_dir.path().display()
    ));
    Ok(Inputs {
        chain,
        merged,
        am_text,
        password,
        release,
        _values_dir: values_dir,
    })
}
