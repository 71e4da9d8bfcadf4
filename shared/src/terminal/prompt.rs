//! Prompts that never hold up the runtime, and a terminal that is put back when a signal ends one.
//!
//! A dialoguer prompt blocks its thread in `read(2)` until Enter. Run on the runtime's only
//! thread (every plugin uses a current-thread runtime), it would keep the Ctrl-C/SIGTERM listener
//! from ever running: the process could then be stopped only with SIGKILL. So every prompt runs
//! on a blocking thread ([`run`]) while the runtime stays free to notice a signal.
//!
//! A password prompt turns the terminal's echo off while it reads. When a signal ends the process
//! in the middle of one, the read never returns and never turns echo back on, so the terminal
//! state is saved before each prompt and [`restore_terminal`] (called by `cli::run_main` on the
//! way out) puts it back, and shows the cursor that a confirmation hides.
use crate::error::{Error, Signal};
use std::sync::Mutex;

#[cfg(unix)]
static SAVED: Mutex<Option<libc::termios>> = Mutex::new(None);
#[cfg(not(unix))]
static SAVED: Mutex<Option<()>> = Mutex::new(None);

#[cfg(unix)]
fn save_terminal() {
    // prompts run only when stdin is a terminal (Ui::is_interactive), and console reads from it
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr writes a whole termios into `t` when it returns 0
    if unsafe { libc::tcgetattr(libc::STDIN_FILENO, t.as_mut_ptr()) } == 0 {
        *SAVED.lock().unwrap() = Some(unsafe { t.assume_init() });
    }
}

#[cfg(not(unix))]
fn save_terminal() {}

fn forget_terminal() {
    SAVED.lock().unwrap().take();
}

/// Put the terminal back as it was before a prompt that is still running (echo on, cursor shown).
/// Does nothing when no prompt is running. Safe to call from any thread, any number of times.
pub fn restore_terminal() {
    let saved = SAVED.lock().map(|mut s| s.take()).unwrap_or(None);
    #[cfg(unix)]
    if let Some(t) = saved {
        // SAFETY: `t` is a termios read from this same descriptor by tcgetattr
        unsafe { libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t) };
        let _ = console::Term::stderr().show_cursor();
        // the prompt's half-typed line: end it so the error starts on a line of its own
        eprintln!();
    }
    #[cfg(not(unix))]
    let _ = saved;
}

/// Run a blocking prompt on a blocking thread and wait for it without blocking the runtime.
/// A prompt that Ctrl-C ended (a raw-mode read sees the key, not the signal) is an
/// interruption (exit 130); any other failure of the terminal is a run-time error.
pub async fn run<T, F>(what: &str, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> dialoguer::Result<T> + Send + 'static,
{
    save_terminal();
    let res = tokio::task::spawn_blocking(f).await;
    forget_terminal();
    match res {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(dialoguer::Error::IO(e))) if e.kind() == std::io::ErrorKind::Interrupted => Err(
            Error::interrupted(Signal::CtrlC, format!("{what} cancelled")),
        ),
        Ok(Err(e)) => Err(Error::runtime(format!("{what} failed: {e}"))),
        Err(e) => Err(Error::runtime(format!("{what} failed: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_prompt_runs_off_the_runtime_thread() {
        let runtime_thread = std::thread::current().id();
        let ran_on = run("test prompt", || Ok(std::thread::current().id()))
            .await
            .unwrap();
        assert_ne!(ran_on, runtime_thread);
    }

    #[tokio::test]
    async fn ctrl_c_in_a_raw_prompt_is_an_interruption() {
        let err = run::<(), _>("the confirmation", || {
            Err(dialoguer::Error::IO(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "read interrupted",
            )))
        })
        .await
        .unwrap_err();
        assert_eq!(err.exit_code().code(), 130);
        assert_eq!(
            err.to_string(),
            "interrupted by Ctrl-C: the confirmation cancelled"
        );
        let err = run::<(), _>("the confirmation", || {
            Err(dialoguer::Error::IO(std::io::Error::other("tty gone")))
        })
        .await
        .unwrap_err();
        assert_eq!(err.exit_code().code(), 1);
    }
}
