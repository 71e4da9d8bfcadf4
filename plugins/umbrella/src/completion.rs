//! Completion for `kubectl promstack ...`. kubectl runs `kubectl_complete-promstack` with the words
//! typed after `kubectl promstack` (the last one being completed) and reads cobra's answer: a
//! candidate a line (`value<TAB>description`), then `:<directive>`. The first word is completed
//! here (the plugins found, `status`, `completion`); the rest by the plugin it names, which
//! answers from its own flags (`kubectl-promstack-<sub> __complete WORDS...`). Where every
//! plugin binary is on PATH, kubectl asks `kubectl_complete-promstack-<sub>` for the words after
//! `kubectl promstack <sub>`: a link by that name answers for that plugin.
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::process::Command;

const COMPLETE_PREFIX: &str = "kubectl_complete-promstack";
/// cobra's directive: no file names.
const NO_FILE_COMP: &str = ":4\n";
const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// `Some(None)` when run as `kubectl_complete-promstack`, `Some(Some(sub))` as
/// `kubectl_complete-promstack-<sub>`, `None` otherwise.
pub fn invoked_as() -> Option<Option<String>> {
    let arg0 = std::env::args_os().next()?;
    let name = std::path::Path::new(&arg0)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let rest = name.strip_prefix(COMPLETE_PREFIX)?;
    match rest.strip_prefix('-') {
        Some(sub) if !sub.is_empty() => Some(Some(sub.replace('_', "-"))),
        _ if rest.is_empty() => Some(None),
        _ => None,
    }
}

/// What one line of `kubectl promstack` says of a plugin.
fn describe(sub: &str) -> &str {
    match sub {
        "install" => {
            "Install kube-prometheus-stack and keep it right (uninstall, export, status, images)"
        }
        "rules" => "PrometheusRules as code: validate, lint, test, diff, sync, list",
        "dashboards" => "Grafana dashboards as code: validate, diff, sync, list, check",
        "alert-test" => "Fire a test alert and prove which receivers it reaches",
        "status" => "Check the stack (kubectl promstack install status)",
        "completion" => "Shell completion script of the plugins: bash, zsh or fish",
        _ => "a promstack plugin",
    }
}

/// The answer for `words`; `for_plugin` when run as `kubectl_complete-promstack-<sub>`.
pub fn answer(
    plugins: &[(String, PathBuf)],
    for_plugin: Option<&str>,
    words: &[OsString],
) -> String {
    if let Some(sub) = for_plugin {
        return ask(plugins, sub, words);
    }
    match words {
        [] | [_] => {
            let typed = words
                .first()
                .map(|w| w.to_string_lossy())
                .unwrap_or_default();
            let mut subs: Vec<&str> = plugins.iter().map(|(s, _)| s.as_str()).collect();
            if subs.contains(&"install") {
                subs.push("status");
            }
            subs.push("completion");
            let mut out: String = subs
                .iter()
                .filter(|s| s.starts_with(typed.as_ref()))
                .map(|s| format!("{s}\t{}\n", describe(s)))
                .collect();
            out.push_str(NO_FILE_COMP);
            out
        }
        [first, rest @ ..] => match first.to_str() {
            Some("completion") => {
                let typed = rest[0].to_string_lossy();
                let mut out: String = match rest.len() {
                    1 => SHELLS
                        .iter()
                        .filter(|s| s.starts_with(typed.as_ref()))
                        .map(|s| format!("{s}\n"))
                        .collect(),
                    _ => String::new(),
                };
                out.push_str(NO_FILE_COMP);
                out
            }
            Some("status") => {
                let mut words = vec![OsString::from("status")];
                words.extend(rest.iter().cloned());
                ask(plugins, "install", &words)
            }
            Some(sub) => ask(plugins, sub, rest),
            None => NO_FILE_COMP.into(),
        },
    }
}

/// The plugin's own answer for `words`, or nothing (the shell's default) when it has none.
fn ask(plugins: &[(String, PathBuf)], sub: &str, words: &[OsString]) -> String {
    let Some((_, path)) = plugins.iter().find(|(s, _)| s == sub) else {
        return ":0\n".into();
    };
    let out = Command::new(path)
        .arg("__complete")
        .args(
            words
                .iter()
                .map(OsString::as_os_str)
                .chain(words.is_empty().then(|| OsStr::new(""))),
        )
        .stderr(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ => ":0\n".into(),
    }
}

/// `kubectl promstack completion SHELL`: the scripts of every plugin found, for the standalone
/// binaries (`kubectl-promstack-install ...`); kubectl itself completes through
/// `kubectl_complete-promstack`.
pub fn scripts(plugins: &[(String, PathBuf)], shell: &str) -> Result<String, String> {
    if !SHELLS.contains(&shell) {
        return Err(format!(
            "usage: kubectl promstack completion bash|zsh|fish (not `{shell}`)"
        ));
    }
    if plugins.is_empty() {
        return Err("no promstack plugin found: run ./install.sh".into());
    }
    let mut out = format!(
        "# promstack: completion for the standalone plugin binaries ({shell}).\n# `kubectl promstack <TAB>` completes through kubectl_complete-promstack on PATH.\n"
    );
    for (sub, path) in plugins {
        let o = Command::new(path)
            .args(["__completion", shell])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", path.display()))?;
        if !o.status.success() {
            return Err(format!(
                "{} gave no {shell} completion: {}",
                path.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        out.push_str(&format!("\n# kubectl-promstack-{sub}\n"));
        out.push_str(&String::from_utf8_lossy(&o.stdout));
    }
    Ok(out)
}
