//! Shell completion from each plugin's clap definition, so it never drifts from the flags.
//!
//! - kubectl (1.26+) completes a plugin's arguments by running `kubectl_complete-<plugin>` with the
//!   words typed after the plugin's name (the last one the word being completed, maybe empty) and
//!   reading cobra's `__complete` answer: one candidate a line (`value<TAB>description`), then
//!   `:<directive>`. Every plugin binary answers that when run as `<binary> __complete WORDS...`
//!   ([`cobra`], clap_complete's engine underneath); the umbrella's `kubectl_complete-promstack`
//!   asks the plugin the words are for.
//! - `<binary> __completion bash|zsh|fish` prints the shell script for the standalone binary
//!   (clap_complete's generators); `kubectl promstack completion SHELL` collects them.
use clap::CommandFactory;
use std::ffi::OsString;

/// The argument that asks a plugin binary for completions of the words after it.
pub const COMPLETE: &str = "__complete";
/// The argument that asks a plugin binary for its shell completion script.
pub const SCRIPT: &str = "__completion";

/// cobra's directive: the shell completes nothing else (no file names).
pub const NO_FILE_COMP: u32 = 4;
/// cobra's default directive: the shell may fall back to file names.
pub const DEFAULT: u32 = 0;

/// The candidates for the last of `words` (typed after the binary's name), in cobra's
/// `__complete` format. No candidate leaves the shell to complete file names.
pub fn cobra(mut cmd: clap::Command, words: &[OsString]) -> String {
    let bin = cmd.get_name().to_string();
    let mut args: Vec<OsString> = vec![bin.into()];
    args.extend(words.iter().cloned());
    if words.is_empty() {
        args.push(OsString::new());
    }
    let index = args.len() - 1;
    let cwd = std::env::current_dir().ok();
    let candidates =
        clap_complete::engine::complete(&mut cmd, args, index, cwd.as_deref()).unwrap_or_default();
    let mut out = String::new();
    let mut any = false;
    for c in candidates.iter().filter(|c| !c.is_hide_set()) {
        any = true;
        out.push_str(&c.get_value().to_string_lossy());
        if let Some(help) = c.get_help() {
            let help = help.to_string();
            let first = help.lines().next().unwrap_or_default().trim();
            if !first.is_empty() {
                out.push('\t');
                out.push_str(first);
            }
        }
        out.push('\n');
    }
    let directive = if any { NO_FILE_COMP } else { DEFAULT };
    out.push_str(&format!(":{directive}\n"));
    out
}

/// The completion script of the standalone binary `bin` for `shell` (bash, zsh, fish).
pub fn script(cmd: clap::Command, bin: &'static str, shell: &str) -> Result<String, String> {
    use clap_complete::Shell;
    // the standalone binary's own name (the definitions say `kubectl promstack <plugin>`)
    let mut cmd = cmd.name(bin).bin_name(bin);
    let shell = match shell {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        other => {
            return Err(format!(
                "no completion for shell `{other}`: bash, zsh or fish"
            ))
        }
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, bin, &mut out);
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// What every plugin's `main` calls first: answers `__complete WORDS...` and
/// `__completion SHELL` from `C`'s definition and exits; otherwise returns, and the plugin runs.
pub fn serve<C: CommandFactory>(bin: &'static str) {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.first().and_then(|a| a.to_str()) {
        Some(COMPLETE) => {
            print!("{}", cobra(C::command().name(bin), &args[1..]));
            std::process::exit(0);
        }
        Some(SCRIPT) => {
            let shell = args.get(1).and_then(|s| s.to_str()).unwrap_or_default();
            match script(C::command(), bin, shell) {
                Ok(s) => {
                    print!("{s}");
                    std::process::exit(0)
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    std::process::exit(2)
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Parser, Subcommand, ValueEnum};

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Option<Cmd>,
        /// Which environment
        #[arg(long, value_enum, global = true)]
        env: Option<Env>,
        /// Where
        #[arg(short, long, global = true)]
        namespace: Option<String>,
    }
    #[derive(Subcommand)]
    enum Cmd {
        /// Check the stack
        Status,
        /// Remove it
        Uninstall {
            /// And the namespace
            #[arg(long)]
            delete_namespace: bool,
        },
    }
    #[derive(Clone, ValueEnum)]
    enum Env {
        /// Small
        Local,
        /// HA
        Cloud,
    }

    fn complete(words: &[&str]) -> String {
        let words: Vec<OsString> = words.iter().map(OsString::from).collect();
        cobra(Cli::command().name("kubectl-x"), &words)
    }

    #[test]
    fn subcommands_flags_and_values_in_cobras_format() {
        let top = complete(&[""]);
        assert!(top.contains("status\tCheck the stack\n"), "{top}");
        assert!(top.contains("uninstall\tRemove it\n"), "{top}");
        assert!(top.ends_with(":4\n"), "{top}");
        assert_eq!(complete(&["st"]), "status\tCheck the stack\n:4\n");
        let values = complete(&["--env", ""]);
        assert_eq!(values, "local\tSmall\ncloud\tHA\n:4\n");
        assert_eq!(complete(&["--env=c"]), "--env=cloud\tHA\n:4\n");
        let flags = complete(&["uninstall", "--"]);
        assert!(
            flags.contains("--delete-namespace\tAnd the namespace\n"),
            "{flags}"
        );
        assert!(
            flags.contains("--env\t"),
            "global flags after a subcommand: {flags}"
        );
    }

    #[test]
    fn nothing_to_offer_leaves_the_shell_its_default() {
        assert_eq!(complete(&["--namespace", ""]), ":0\n");
    }

    #[test]
    fn scripts_for_the_three_shells() {
        for shell in ["bash", "zsh", "fish"] {
            let s = script(Cli::command(), "kubectl-x", shell).unwrap();
            assert!(
                s.contains("kubectl-x") && s.contains("uninstall"),
                "{shell}"
            );
        }
        assert!(script(Cli::command(), "kubectl-x", "tcsh").is_err());
    }
}
