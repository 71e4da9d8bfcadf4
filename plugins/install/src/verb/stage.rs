//! Where a run of this plugin is, so that an interruption (Ctrl-C, SIGTERM) says what is true at
//! that moment: nothing was changed (inputs, pre-flight, a prompt), some objects were written
//! (before helm), helm was running (the release may be left pending: `--recover`), the release
//! is there and only the wait was cut short, or an uninstall was cut short. Kept per thread: the plugin runs on a current-thread
//! runtime, so the run and the signal handler that reads this share one (and tests running in
//! parallel do not see each other's).
use std::cell::Cell;

/// The stages, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Inputs, pre-flight, plan, prompts: only reads so far.
    NothingWritten,
    /// The namespace, promstack's Secrets and the CRDs are being written; helm has not run.
    Writing,
    /// helm is running (a recovery, or the upgrade).
    Helm,
    /// helm is done; the workloads are being waited for.
    Waiting,
    /// `uninstall` is removing things (helm uninstall, then promstack's objects).
    Uninstalling,
}

thread_local! {
    static STAGE: Cell<Stage> = const { Cell::new(Stage::NothingWritten) };
}

/// The run has reached `stage`.
pub fn enter(stage: Stage) {
    STAGE.with(|s| s.set(stage));
}

/// The stage the run is at.
pub fn current() -> Stage {
    STAGE.with(Cell::get)
}

/// What an interruption now leaves behind, and what to do.
pub fn interrupted_message() -> String {
    match current() {
        Stage::NothingWritten => "nothing was changed".into(),
        Stage::Writing => "stopped before helm ran: the namespace, Secrets or CRDs written so far stay; run the same command again to finish".into(),
        Stage::Helm => "stopped while helm was running: the release may be left pending; run the same command again with --recover".into(),
        Stage::Waiting => "stopped while waiting for the workloads: helm had finished; check them with `kubectl promstack status`".into(),
        Stage::Uninstalling => "stopped during the uninstall: what was removed is gone; run the same uninstall again to finish".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_stage_says_what_is_true_then() {
        assert_eq!(current(), Stage::NothingWritten);
        assert_eq!(interrupted_message(), "nothing was changed");
        enter(Stage::Writing);
        assert!(interrupted_message().contains("before helm ran"));
        assert!(!interrupted_message().contains("--recover"));
        enter(Stage::Helm);
        assert!(interrupted_message().contains("--recover"));
        enter(Stage::Waiting);
        assert!(interrupted_message().contains("helm had finished"));
        enter(Stage::Uninstalling);
        assert!(interrupted_message().contains("uninstall again"));
        // another thread (another run) starts with nothing written
        let other = std::thread::spawn(interrupted_message).join().unwrap();
        assert_eq!(other, "nothing was changed");
    }
}
