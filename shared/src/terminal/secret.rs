//! Secret values: a type that never prints its value, a password policy, generation with the
//! operating system's CSPRNG, and the three ways to get one (prompt, stdin, generate).
use crate::terminal::ui::Ui;
use std::fmt;
use std::io::Read;
use zeroize::Zeroizing;

/// A secret string. `Debug` and `Display` print `<redacted>`; the value is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    pub fn new(value: String) -> Self {
        SecretString(Zeroizing::new(value))
    }
    /// The value itself. Call only where it goes into a Kubernetes Secret or a comparison.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The placeholder printed wherever a secret value would be.
pub const REDACTED: &str = "<redacted>";

/// Passwords that are never accepted, whatever their length (compared case-insensitively).
pub const FORBIDDEN_PASSWORDS: &[&str] = &[
    "admin",
    "prom-operator",
    "password",
    "changeme",
    "grafana",
    "prometheus",
];

/// Minimum length of a password a user gives.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Why a password is refused; `None` when it is acceptable.
pub fn password_problem(pw: &str) -> Option<String> {
    if pw.is_empty() {
        return Some("the password is empty".into());
    }
    if FORBIDDEN_PASSWORDS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(pw.trim()))
    {
        return Some("that password is a well-known default and is never accepted".into());
    }
    if pw.chars().count() < MIN_PASSWORD_LEN {
        return Some(format!(
            "the password is shorter than {MIN_PASSWORD_LEN} characters"
        ));
    }
    if pw.trim() != pw {
        return Some("the password starts or ends with white space".into());
    }
    if pw.chars().any(char::is_control) {
        return Some("the password contains control characters (a newline?)".into());
    }
    None
}

const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random password of `len` characters from an unambiguous alphanumeric alphabet, drawn from
/// the operating system's CSPRNG with rejection sampling (no modulo bias).
pub fn generate_password(len: usize) -> SecretString {
    let limit = 256 - (256 % ALPHABET.len());
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).expect("the operating system's random source works");
        for &b in &buf {
            if (b as usize) < limit && out.len() < len {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
        buf.fill(0);
    }
    SecretString::new(out)
}

/// Read a secret from a reader (stdin): everything, less one trailing newline.
pub fn read_secret(mut r: impl Read) -> std::io::Result<SecretString> {
    let mut s = Zeroizing::new(String::new());
    r.read_to_string(&mut s)?;
    let trimmed = s.strip_suffix('\n').unwrap_or(&s);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(SecretString::new(trimmed.to_string()))
}

/// Ask for a new password twice, hidden, on the terminal; re-asks until it passes the policy and
/// both entries agree. The prompt runs off the runtime thread, so Ctrl-C ends it at once (exit 130).
pub async fn prompt_new_password(ui: &Ui, prompt: &str) -> Result<SecretString, crate::Error> {
    if !ui.is_interactive() {
        return Err(crate::Error::input(
            "cannot prompt for a password without a terminal",
        ));
    }
    let prompt = prompt.to_string();
    crate::terminal::prompt::run("the password prompt", move || {
        dialoguer::Password::new()
            .with_prompt(prompt)
            .with_confirmation("Repeat it", "The two entries differ, try again")
            .validate_with(|s: &String| password_problem(s).map_or(Ok(()), Err))
            .interact_on(&console::Term::stderr())
            .map(SecretString::new)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = SecretString::new("hunter2hunter2".into());
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(format!("{s:?}"), "SecretString(<redacted>)");
        assert!(!format!("{:?}", Some(&s)).contains("hunter2"));
        assert_eq!(s.expose(), "hunter2hunter2");
    }

    #[test]
    fn the_policy_refuses_defaults_short_and_odd_passwords() {
        assert!(password_problem("").is_some());
        assert!(password_problem("admin").is_some());
        assert!(password_problem("prom-operator").is_some());
        assert!(password_problem("PROM-OPERATOR").is_some());
        assert!(password_problem("short-pw").is_some());
        assert!(password_problem(" twelve-chars-long").is_some());
        assert!(password_problem("twelve\nchars-long").is_some());
        assert_eq!(password_problem("correct-horse-battery"), None);
    }

    #[test]
    fn generated_passwords_are_long_distinct_and_pass_the_policy() {
        let a = generate_password(24);
        let b = generate_password(24);
        assert_eq!(a.expose().len(), 24);
        assert_ne!(a, b);
        assert!(a.expose().bytes().all(|c| ALPHABET.contains(&c)));
        assert_eq!(password_problem(a.expose()), None);
    }

    #[test]
    fn stdin_secrets_lose_one_trailing_newline_only() {
        assert_eq!(read_secret(&b"abc\n"[..]).unwrap().expose(), "abc");
        assert_eq!(read_secret(&b"abc\r\n"[..]).unwrap().expose(), "abc");
        assert_eq!(read_secret(&b"abc"[..]).unwrap().expose(), "abc");
        assert_eq!(read_secret(&b"abc\n\n"[..]).unwrap().expose(), "abc\n");
    }
}
