//! What pre-flight finds being deleted that the install is to create anew: the namespace (an
//! `uninstall --delete-namespace` just before, a `kubectl delete namespace`: the API server
//! refuses anything new in it until it is gone) and the chart's CRDs (`--delete-crds`: applied
//! now, they would still look Established and go all the same, and helm would fail on their
//! kinds half-way). Both are waited for until gone, with progress, within one `--timeout`
//! between them ([`promstack_shared::kube::wait::deletion`], as uninstall waits for them), and then
//! created anew. `--dry-run` (and `install diff`) waits for nothing: it says, from one look, what
//! the install would wait for, and plans as if it were gone.
use super::super::{Check, Deps, InstallOptions, Said};
use anyhow::Context as _;
use promstack_shared::kube::wait::deletion::{self, Deleting};
use promstack_shared::kube::wait::WaitOptions;
use promstack_shared::terminal::ui::human_duration;
use tokio::time::Instant;

/// Something being deleted that the install creates anew.
pub(super) struct Deleted {
    /// The pre-flight check's name: `namespace-deleted`, `crds-deleted`.
    pub check: &'static str,
    /// `namespace monitoring`, `2 CRDs`.
    pub what: String,
    /// Is `what` more than one?
    pub plural: bool,
    pub deleting: Box<dyn Deleting>,
}

/// Wait until it is gone (bounded by what is left of --timeout at `until`), or with --dry-run
/// only say what the install would wait for; the check says which.
pub(super) async fn first(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    mut d: Deleted,
    until: Instant,
) -> anyhow::Result<Check> {
    let (is, it, they) = match d.plural {
        true => ("are", "them", "they are"),
        false => ("is", "it", "it is"),
    };
    let what = &d.what;
    if opts.dry_run {
        let gone = d
            .deleting
            .look(deps.cluster)
            .await
            .with_context(|| format!("reading {what}, which {is} being deleted"))?;
        let said = match gone {
            true => format!("{what} being deleted, gone now: the install creates {it} anew"),
            false => format!(
                "{what} {is} being deleted ({}): the install would wait until {they} gone (within --timeout, {}), then create {it} anew; nothing was waited for (--dry-run)",
                d.deleting.progress(),
                human_duration(opts.timeout)
            ),
        };
        return Ok(check(d.check, said, !gone));
    }
    let wait = WaitOptions {
        timeout: until.saturating_duration_since(Instant::now()),
        interval: opts.poll_interval,
    };
    let took = deletion::wait_gone(deps.cluster, vec![d.deleting], wait, deps.ui)
        .await
        .with_context(|| format!("{what} {is} being deleted, and the install waits until {they} gone before it creates {it} again; nothing was written"))?;
    let said = format!(
        "{what} being deleted, gone after {}: the install creates {it} anew",
        human_duration(took)
    );
    Ok(check(d.check, said, false))
}

/// The check, said as a warning when the install is still to wait.
fn check(name: &'static str, said: String, warn: bool) -> Check {
    Check {
        name,
        ok: true,
        detail: said.clone(),
        said: vec![match warn {
            true => Said::Warn(said),
            false => Said::Ok(said),
        }],
    }
}
