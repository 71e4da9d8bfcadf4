//! `kubectl promstack`: lists the promstack plugins and runs `kubectl-promstack-<sub>`. krew links
//! only this binary onto PATH, so the plugins are looked for next to its resolved path first, then
//! on PATH; this makes `kubectl promstack <sub> ...` work the same whether kubectl or this binary
//! dispatches. Run as `kubectl_complete-promstack` (a link to it), it answers kubectl's plugin
//! completion ([`completion`]); `kubectl promstack completion SHELL` prints the plugins' scripts.
mod completion;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

const PREFIX: &str = "kubectl-promstack-";

/// The plugins found: in the directory of this binary first, then on PATH (first wins).
fn plugins() -> Vec<(String, PathBuf)> {
    // resolved: through krew's link in bin/ to the package in store/promstack/<version>/
    let mut dirs: Vec<PathBuf> = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .into_iter()
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut here: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let sub = name.strip_prefix(PREFIX)?.to_string();
                (!sub.is_empty() && !sub.contains('.') && is_executable(&e.path()))
                    .then_some((sub, e.path()))
            })
            .collect();
        here.sort();
        for (sub, path) in here {
            if !found.iter().any(|(s, _)| *s == sub) {
                found.push((sub, path));
            }
        }
    }
    found
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

fn usage(plugins: &[(String, PathBuf)]) -> String {
    let mut s = String::from("kubectl promstack: kube-prometheus-stack on your cluster, kept right from files in git.\n\nUsage: kubectl promstack <command> [flags]\n\nCommands:\n");
    if plugins.is_empty() {
        s.push_str(
            "  (none found: run ./install.sh, or put the kubectl-promstack-* binaries on PATH)\n",
        );
    }
    for (sub, path) in plugins {
        s.push_str(&format!("  {sub:<12} {}\n", path.display()));
    }
    if plugins.iter().any(|(s, _)| s == "install") {
        s.push_str(&format!(
            "  {:<12} kubectl promstack install status\n",
            "status"
        ));
    }
    s.push_str(&format!(
        "  {:<12} completion script of the plugins for bash, zsh or fish\n",
        "completion"
    ));
    s.push_str("\nRun `kubectl promstack <command> --help` for a command's flags.\n");

    s
}

fn main() {
    let plugins = plugins();
    if let Some(for_plugin) = completion::invoked_as() {
        let words: Vec<OsString> = std::env::args_os().skip(1).collect();
        print!(
            "{}",
            completion::answer(&plugins, for_plugin.as_deref(), &words)
        );
        return;
    }
    let mut args = std::env::args_os().skip(1);
    let first: Option<OsString> = args.next();
    let sub = match first.as_ref().map(|a| a.to_string_lossy().into_owned()) {
        None => {
            print!("{}", usage(&plugins));
            return;
        }
        Some(h) if h == "-h" || h == "--help" || h == "help" => {
            print!("{}", usage(&plugins));
            return;
        }
        Some(v) if v == "--version" || v == "-V" => {
            println!("kubectl-promstack {}", env!("CARGO_PKG_VERSION"));
            return;
        }
        Some(sub) => sub,
    };
    if sub == "completion" {
        let shell = args.next().map(|s| s.to_string_lossy().into_owned());
        match completion::scripts(&plugins, shell.as_deref().unwrap_or_default()) {
            Ok(s) => print!("{s}"),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    // `kubectl promstack status` is `kubectl promstack install status`
    if sub == "status" && !plugins.iter().any(|(s, _)| s == "status") {
        if let Some((_, path)) = plugins.iter().find(|(s, _)| s == "install") {
            let mut rest: Vec<OsString> = vec!["status".into()];
            rest.extend(args);
            exec(path, rest);
        }
    }
    let Some((_, path)) = plugins.iter().find(|(s, _)| *s == sub) else {
        eprintln!("error: unknown command `{sub}`\n\n{}", usage(&plugins));
        std::process::exit(2);
    };
    exec(path, args.collect());
}

#[cfg(unix)]
fn exec(path: &Path, args: Vec<OsString>) -> ! {
    use std::os::unix::process::CommandExt;
    let err = Command::new(path).args(args).exec();
    eprintln!("error: cannot run {}: {err}", path.display());
    std::process::exit(1);
}

#[cfg(not(unix))]
fn exec(path: &Path, args: Vec<OsString>) -> ! {
    match Command::new(path).args(args).status() {
        Ok(s) => std::process::exit(s.code().unwrap_or(1)),
        Err(err) => {
            eprintln!("error: cannot run {}: {err}", path.display());
            std::process::exit(1);
        }
    }
}
