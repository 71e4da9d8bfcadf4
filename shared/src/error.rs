//! Typed errors a caller branches on, and the exit codes of every plugin.
//!
//! 0 ok, 1 failure at run time (cluster, network, timeout), 2 bad input or usage,
//! 3 a check failed, 130 interrupted by Ctrl-C, 143 stopped by SIGTERM (the shell's 128 + signal).

/// Process exit codes shared by every plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    Runtime = 1,
    Usage = 2,
    CheckFailed = 3,
    /// Ctrl-C (SIGINT): 128 + 2, what a shell reports for a process the signal ended.
    Interrupted = 130,
    /// SIGTERM: 128 + 15.
    Terminated = 143,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Errors whose kind decides the exit code. Anything else is a run-time failure (1).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input or usage: a file, a flag, a value. Nothing was changed.
    #[error("{0}")]
    Input(String),
    /// A check did not pass (pre-flight, status, route expectation).
    #[error("{0}")]
    CheckFailed(String),
    /// Failure at run time: cluster, network, tool, timeout.
    #[error("{0}")]
    Runtime(String),
    /// The user stopped the run (Ctrl-C or SIGTERM); the message says what was left as it was.
    #[error("interrupted by {signal}: {message}")]
    Interrupted { signal: Signal, message: String },
}

/// The signals that stop a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT, from Ctrl-C at the terminal.
    CtrlC,
    /// SIGTERM, from `kill` or a CI runner's cancel.
    Term,
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signal::CtrlC => "Ctrl-C",
            Signal::Term => "SIGTERM",
        })
    }
}

impl Error {
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }
    pub fn check(msg: impl Into<String>) -> Self {
        Error::CheckFailed(msg.into())
    }
    pub fn runtime(msg: impl Into<String>) -> Self {
        Error::Runtime(msg.into())
    }
    pub fn interrupted(signal: Signal, msg: impl Into<String>) -> Self {
        Error::Interrupted {
            signal,
            message: msg.into(),
        }
    }
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Input(_) => ExitCode::Usage,
            Error::CheckFailed(_) => ExitCode::CheckFailed,
            Error::Runtime(_) => ExitCode::Runtime,
            Error::Interrupted {
                signal: Signal::CtrlC,
                ..
            } => ExitCode::Interrupted,
            Error::Interrupted {
                signal: Signal::Term,
                ..
            } => ExitCode::Terminated,
        }
    }
}

/// The exit code for any error: typed [`Error`]s (anywhere in the chain) decide it, the rest is 1.
pub fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            return e.exit_code();
        }
    }
    ExitCode::Runtime
}

/// Print an error chain the way every plugin does: `error: what` then `  caused by: ...` lines.
pub fn render(err: &anyhow::Error) -> String {
    let mut out = format!("error: {err}");
    for cause in err.chain().skip(1) {
        out.push_str(&format!("\n  caused by: {cause}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn exit_codes_follow_the_typed_error_through_context() {
        let e: anyhow::Error = Error::input("bad file").into();
        assert_eq!(exit_code_of(&e), ExitCode::Usage);
        let wrapped = Err::<(), _>(Error::check("not healthy"))
            .context("status")
            .unwrap_err();
        assert_eq!(exit_code_of(&wrapped), ExitCode::CheckFailed);
        assert_eq!(exit_code_of(&anyhow::anyhow!("boom")), ExitCode::Runtime);
        assert_eq!(ExitCode::Usage.code(), 2);
        assert_eq!(ExitCode::CheckFailed.code(), 3);
        let stopped: anyhow::Error =
            Error::interrupted(Signal::CtrlC, "nothing was changed").into();
        assert_eq!(exit_code_of(&stopped).code(), 130);
        assert_eq!(
            stopped.to_string(),
            "interrupted by Ctrl-C: nothing was changed"
        );
        let termed: anyhow::Error = Error::interrupted(Signal::Term, "x").into();
        assert_eq!(exit_code_of(&termed).code(), 143);
    }

    #[test]
    fn render_shows_the_chain() {
        let e = Err::<(), _>(Error::runtime("connection refused"))
            .context("reading Secret monitoring/x")
            .unwrap_err();
        assert_eq!(
            render(&e),
            "error: reading Secret monitoring/x\n  caused by: connection refused"
        );
    }
}
