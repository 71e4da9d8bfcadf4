//! Terminal UI: styled lines on stderr, spinners on every wait, confirmations.
//!
//! Results go to stdout (the caller prints them); everything for people goes to stderr, so
//! `| jq` and `| kubectl apply -f -` work. Colour only on a terminal and without `NO_COLOR`;
//! prompts only when both stdin and stderr are terminals.
use crate::terminal::cli::GlobalArgs;
use console::{style, Term};
pub use indicatif::ProgressBar;
use indicatif::ProgressStyle;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
enum Sink {
    Stderr,
    Silent,
    Capture(Arc<Mutex<Vec<String>>>),
}

/// Where human output goes, and whether we may prompt.
#[derive(Clone)]
pub struct Ui {
    color: bool,
    interactive: bool,
    verbose: u8,
    sink: Sink,
}

/// Should colour be used? Never with `--no-color`, a non-empty `NO_COLOR`, or when stderr is not a terminal.
pub fn color_wanted(no_color_flag: bool, no_color_env: Option<&str>, stderr_is_tty: bool) -> bool {
    !no_color_flag && no_color_env.is_none_or(str::is_empty) && stderr_is_tty
}

impl Ui {
    /// The UI for a real run, from the global flags and the environment.
    pub fn from_args(args: &GlobalArgs) -> Self {
        let stderr_tty = std::io::stderr().is_terminal();
        let color = color_wanted(
            args.no_color,
            std::env::var("NO_COLOR").ok().as_deref(),
            stderr_tty,
        );
        console::set_colors_enabled_stderr(color);
        console::set_colors_enabled(color);
        Ui {
            color,
            interactive: stderr_tty && std::io::stdin().is_terminal(),
            verbose: args.verbose,
            sink: Sink::Stderr,
        }
    }

    /// Prints nothing, never prompts (tests).
    pub fn silent() -> Self {
        Ui {
            color: false,
            interactive: false,
            verbose: 0,
            sink: Sink::Silent,
        }
    }

    /// Records the lines it would print (tests); never prompts.
    pub fn capture() -> (Self, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        (
            Ui {
                color: false,
                interactive: false,
                verbose: 2,
                sink: Sink::Capture(lines.clone()),
            },
            lines,
        )
    }

    pub fn is_interactive(&self) -> bool {
        self.interactive
    }

    pub fn color(&self) -> bool {
        self.color
    }

    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    fn emit(&self, line: String) {
        match &self.sink {
            Sink::Stderr => {
                let _ = Term::stderr().write_line(&line);
            }
            Sink::Silent => {}
            Sink::Capture(lines) => lines
                .lock()
                .unwrap()
                .push(console::strip_ansi_codes(&line).into_owned()),
        }
    }

    /// A step starts.
    pub fn step(&self, msg: &str) {
        self.emit(format!("{} {msg}", style("•").cyan()));
    }
    /// Something succeeded.
    pub fn ok(&self, msg: &str) {
        self.emit(format!("{} {msg}", style("✓").green()));
    }
    /// Something the user should know about.
    pub fn warn(&self, msg: &str) {
        self.emit(format!("{} {msg}", style("!").yellow().bold()));
    }
    /// Something failed (the error itself is reported by the caller).
    pub fn fail(&self, msg: &str) {
        self.emit(format!("{} {msg}", style("✗").red().bold()));
    }
    /// Plain text.
    pub fn line(&self, msg: &str) {
        self.emit(msg.to_string());
    }
    /// Only with -v.
    pub fn detail(&self, msg: &str) {
        if self.verbose > 0 {
            self.emit(format!("  {}", style(msg).dim()));
        }
    }

    /// A spinner for a wait; hidden when stderr is not a terminal (the result line is still printed).
    pub fn spinner(&self, msg: &str) -> ProgressBar {
        if !matches!(self.sink, Sink::Stderr) || !self.interactive {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner:.cyan} {msg} {elapsed:.dim}")
                .expect("valid template"),
        );
        bar.set_message(msg.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// End a spinner with a success line.
    pub fn finish(&self, bar: ProgressBar, msg: &str) {
        bar.finish_and_clear();
        self.ok(msg);
    }

    /// End a spinner with a failure line.
    pub fn abandon(&self, bar: ProgressBar, msg: &str) {
        bar.finish_and_clear();
        self.fail(msg);
    }

    /// Ask to go on. `--yes` answers yes; without a terminal and without `--yes` this is a usage
    /// error. The question runs off the runtime thread, so Ctrl-C ends it at once (exit 130).
    pub async fn confirm(&self, question: &str, yes: bool) -> Result<bool, crate::Error> {
        if yes {
            return Ok(true);
        }
        if !self.interactive {
            return Err(crate::Error::input(format!(
                "{question} needs confirmation, and there is no terminal to ask on: pass --yes (-y)"
            )));
        }
        let question = question.to_string();
        crate::terminal::prompt::run("the confirmation", move || {
            dialoguer::Confirm::new()
                .with_prompt(question)
                .default(false)
                .interact_on(&Term::stderr())
        })
        .await
    }
}

/// `1m05s`, `12s`, `850ms`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s >= 1 {
        format!("{s}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(color_wanted(false, None, true));
        assert!(color_wanted(false, Some(""), true));
        assert!(!color_wanted(false, Some("1"), true));
        assert!(!color_wanted(true, None, true));
        assert!(!color_wanted(false, None, false));
    }

    #[tokio::test]
    async fn confirm_without_terminal_needs_yes() {
        let ui = Ui::silent();
        assert!(ui.confirm("delete it?", true).await.unwrap());
        let err = ui.confirm("delete it?", false).await.unwrap_err();
        assert_eq!(err.exit_code(), crate::ExitCode::Usage);
        assert!(err.to_string().contains("--yes"));
    }

    #[test]
    fn capture_records_plain_lines() {
        let (ui, lines) = Ui::capture();
        ui.ok("done");
        ui.warn("careful");
        ui.detail("more");
        assert_eq!(*lines.lock().unwrap(), ["✓ done", "! careful", "  more"]);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_millis(850)), "850ms");
        assert_eq!(human_duration(Duration::from_secs(12)), "12s");
        assert_eq!(human_duration(Duration::from_secs(65)), "1m05s");
    }
}
