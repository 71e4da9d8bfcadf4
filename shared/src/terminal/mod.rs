//! The terminal and the command line: what every plugin shows and takes the same way.
//!
//! - [`cli`]: the global flags every plugin takes (`--kubeconfig`, `--context`, `-n`, `-o`, ...),
//!   parsed anywhere on the line, and the signal handling around a command.
//! - [`verb`]: the shape every verb has (options, dependencies, one `run` returning a report);
//!   [`output`]: a report on stdout as text, JSON or YAML, and its exit code.
//! - [`ui`]: messages, colour and TTY detection, progress, confirmations; [`prompt`]: prompts off
//!   the runtime thread, the terminal put back when a signal ends one; [`secret`]: secret values
//!   that never print, password policy, generation, input from a prompt or stdin.
//! - [`completion`]: shell completion from each plugin's clap definition; [`suggest`]: "did you
//!   mean" for an unknown name.
//!
//! Not here: what a flag's value means to Prometheus, Alertmanager or Grafana, and what the
//! sources of rules and dashboards are (`input/`); the exit codes themselves are [`crate::error`].
pub mod cli;
pub mod completion;
pub mod output;
pub mod prompt;
pub mod secret;
pub mod suggest;
pub mod ui;
pub mod verb;
