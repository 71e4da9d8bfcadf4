//! The scalar forms Alertmanager's Go types read, with Go's error messages: URLs (`net/url`'s
//! `Parse`, then Alertmanager's http(s)-with-a-host rule), `host:port` (`net.SplitHostPort`),
//! Go durations (`time.ParseDuration`) and Prometheus durations (`model.ParseDuration`).

fn go_quote(s: &str) -> String {
    crate::prometheus::promql::quote::go_quote(s)
}

/// What Go's `url.Parse` makes of `s`: its scheme and host, or Go's error.
pub fn url_parse(s: &str) -> Result<(String, String), String> {
    let fail = |why: String| Err(format!("parse {}: {why}", go_quote(s)));
    if s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return fail("net/url: invalid control character in URL".into());
    }
    let (rest, fragment) = s.split_once('#').map_or((s, None), |(a, f)| (a, Some(f)));
    if let Some(f) = fragment {
        if let Err(e) = unescape(f) {
            return fail(e);
        }
    }
    if rest.is_empty() {
        return Ok((String::new(), String::new()));
    }
    // the scheme: a letter, then letters, digits, `+`, `-`, `.`, up to `:`
    let mut scheme = "";
    let mut after = rest;
    for (i, c) in rest.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return fail("missing protocol scheme".into()),
            ':' => {
                scheme = &rest[..i];
                after = &rest[i + 1..];
                break;
            }
            _ => break,
        }
    }
    let scheme = scheme.to_ascii_lowercase();
    let after = after.split_once('?').map_or(after, |(a, _)| a);
    if !after.starts_with('/') && !scheme.is_empty() {
        // opaque: `mailto:x`
        return Ok((scheme, String::new()));
    }
    if scheme.is_empty() {
        // a path first segment with a colon would be taken for a scheme
        let first = after.split('/').next().unwrap_or("");
        if first.contains(':') && !after.starts_with("//") {
            return fail("first path segment in URL cannot contain colon".into());
        }
    }
    let mut host = String::new();
    let mut path = after;
    if let Some(authority_and_path) = after.strip_prefix("//") {
        let end = authority_and_path
            .find('/')
            .unwrap_or(authority_and_path.len());
        let authority = &authority_and_path[..end];
        path = &authority_and_path[end..];
        let hostport = match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                if !valid_userinfo(userinfo) {
                    return fail("net/url: invalid userinfo".into());
                }
                &authority[at + 1..]
            }
            None => authority,
        };
        host = match parse_host(hostport) {
            Ok(h) => h,
            Err(e) => return fail(e),
        };
    }
    if let Err(e) = unescape(path) {
        return fail(e);
    }
    Ok((scheme, host))
}

fn valid_userinfo(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c) || !c.is_ascii())
}

/// `%XX` escapes, each two hex digits.
fn unescape(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                let end = (i + 3).min(b.len());
                // Go quotes the bytes: `%` and what follows may be part of a character
                let bytes = String::from_utf8_lossy(&b[i..end]);
                return Err(format!("invalid URL escape {}", go_quote(&bytes)));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// Go's `parseHost`: `[v6]:port`, or `name:port`, the port digits; only the characters a host
/// may hold.
fn parse_host(h: &str) -> Result<String, String> {
    if let Some(rest) = h.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err("missing ']' in host".into());
        };
        let port = &rest[end + 1..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
        return Ok(h.to_string());
    }
    if let Some(i) = h.rfind(':') {
        let port = &h[i..];
        if !valid_optional_port(port) {
            return Err(format!("invalid port {} after host", go_quote(port)));
        }
    }
    for c in h.chars() {
        let allowed =
            c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:[]<>\"%".contains(c) || !c.is_ascii();
        if !allowed {
            return Err(format!(
                "invalid character {} in host name",
                go_quote(&c.to_string())
            ));
        }
    }
    unescape(h)?;
    Ok(h.to_string())
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Alertmanager's URL: Go parses it, the scheme is http or https, there is a host.
pub fn am_url(s: &str) -> Result<(), String> {
    let (scheme, host) = url_parse(s)?;
    if scheme != "http" && scheme != "https" {
        return Err(format!("unsupported scheme {} for URL", go_quote(&scheme)));
    }
    if host.is_empty() {
        return Err("missing host for URL".into());
    }
    Ok(())
}

/// Go's `net.SplitHostPort`, then Alertmanager's rule that the port is not empty.
pub fn host_port(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    let addr_err = |why: &str| Err(format!("address {s}: {why}"));
    let Some(i) = s.rfind(':') else {
        return addr_err("missing port in address");
    };
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return addr_err("missing ']' in address");
        };
        match &rest[end + 1..] {
            p if p.starts_with(':') && end + 2 == i => (&rest[..end], &p[1..]),
            p if p.starts_with(':') => return addr_err("too many colons in address"),
            _ => return addr_err("missing port in address"),
        }
    } else {
        let host = &s[..i];
        if host.contains(':') {
            return addr_err("too many colons in address");
        }
        (host, &s[i + 1..])
    };
    if host.contains('[') || host.contains(']') || port.contains('[') || port.contains(']') {
        return addr_err(if host.contains('[') || port.contains('[') {
            "unexpected '[' in address"
        } else {
            "unexpected ']' in address"
        });
    }
    if port.is_empty() {
        return Err(format!("address {}: port cannot be empty", go_quote(s)));
    }
    Ok(())
}

/// Go's `time.ParseDuration`.
pub fn go_duration(s: &str) -> Result<(), String> {
    let invalid = || Err(format!("time: invalid duration {}", go_quote(s)));
    let mut rest = s.strip_prefix(['+', '-']).unwrap_or(s);
    if rest == "0" {
        return Ok(());
    }
    if rest.is_empty() {
        return invalid();
    }
    while !rest.is_empty() {
        let int = rest.bytes().take_while(u8::is_ascii_digit).count();
        let mut n = int;
        let mut frac = 0;
        if rest[n..].starts_with('.') {
            n += 1;
            frac = rest[n..].bytes().take_while(u8::is_ascii_digit).count();
            n += frac;
        }
        if int == 0 && frac == 0 {
            return invalid();
        }
        rest = &rest[n..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {}", go_quote(s)));
        }
        let unit = &rest[..unit_len];
        if !matches!(unit, "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h") {
            return Err(format!(
                "time: unknown unit {} in duration {}",
                go_quote(unit),
                go_quote(s)
            ));
        }
        rest = &rest[unit_len..];
    }
    Ok(())
}

/// A `templates:` entry as Go's `filepath.Glob` reads it (unix): `\\` escapes, `[...]` classes
/// of characters and ranges, each well formed.
pub fn glob_pattern(p: &str) -> Result<(), String> {
    let bad = || "syntax error in pattern".to_string();
    let c: Vec<char> = p.chars().collect();
    // Go's getEsc: one character of a class, maybe escaped, something after it
    let esc = |i: usize| -> Result<usize, String> {
        let i = match c.get(i) {
            None | Some('-' | ']') => return Err(bad()),
            Some('\\') => i + 1,
            Some(_) => i,
        };
        if i + 1 >= c.len() {
            return Err(bad());
        }
        Ok(i + 1)
    };
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' if i + 1 >= c.len() => return Err(bad()),
            '\\' => i += 2,
            '[' => {
                i += 1;
                if c.get(i) == Some(&'^') {
                    i += 1;
                }
                let mut ranges = 0;
                while !(c.get(i) == Some(&']') && ranges > 0) {
                    i = esc(i)?;
                    if c[i] == '-' {
                        i = esc(i + 1)?;
                    }
                    ranges += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Prometheus's `model.ParseDuration` (`1h30m`, `5d`, `0`).
pub fn model_duration(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("empty duration string".into());
    }
    if crate::go::duration::is_valid(s) {
        Ok(())
    } else {
        Err(format!("not a valid duration string: {}", go_quote(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_go_and_alertmanager_read_them() {
        assert!(am_url("https://hooks.slack.com/services/x").is_ok());
        assert!(am_url("http://127.0.0.1:9093/api?x=1#frag").is_ok());
        assert!(am_url("http://user:pw@host/").is_ok());
        assert!(am_url("http://[::1]:80/").is_ok());
        assert_eq!(
            am_url("ftp://x/").unwrap_err(),
            "unsupported scheme \"ftp\" for URL"
        );
        assert_eq!(
            am_url("not a url").unwrap_err(),
            "unsupported scheme \"\" for URL"
        );
        assert_eq!(am_url("https:///path").unwrap_err(), "missing host for URL");
        assert_eq!(
            am_url("mailto:x@y").unwrap_err(),
            "unsupported scheme \"mailto\" for URL"
        );
        assert_eq!(
            am_url("http://host:port/").unwrap_err(),
            "parse \"http://host:port/\": invalid port \":port\" after host"
        );
        assert_eq!(
            am_url("http://ho st/").unwrap_err(),
            "parse \"http://ho st/\": invalid character \" \" in host name"
        );
        assert_eq!(
            am_url("http://x/%zz").unwrap_err(),
            "parse \"http://x/%zz\": invalid URL escape \"%zz\""
        );
        assert!(am_url("http://x/%é")
            .unwrap_err()
            .contains("invalid URL escape"));
        assert_eq!(
            am_url(":foo").unwrap_err(),
            "parse \":foo\": missing protocol scheme"
        );
    }

    /// Each against Go 1.26's `url.Parse`: a scheme's later characters, an opaque URL (its escapes
    /// unread), a first segment with a colon, the characters of userinfo, escapes in a path and a
    /// fragment.
    #[test]
    fn url_parse_reads_scheme_host_and_errors_as_go_does() {
        let parts = |s: &str| url_parse(s).map(|(scheme, host)| format!("{scheme} {host}"));
        for (url, want) in [
            ("svn+ssh://x/", "svn+ssh x"),
            ("a1.b-c://h", "a1.b-c h"),
            ("HTTP://X/", "http X"),
            ("h2:x", "h2 "),
            ("mailto:%zz", "mailto "),
            ("http://a%20b@x/", "http x"),
            ("http://x/a%20b", "http x"),
            ("http://x/#%41", "http x"),
        ] {
            assert_eq!(parts(url), Ok(want.to_string()), "{url}");
        }
        for (url, why) in [
            ("1a://x", "first path segment in URL cannot contain colon"),
            ("+a://x", "first path segment in URL cannot contain colon"),
            ("x/%zz", "invalid URL escape \"%zz\""),
            ("http://a b@x/", "net/url: invalid userinfo"),
            ("http://[a]b@x/", "net/url: invalid userinfo"),
            ("http://x/%4g", "invalid URL escape \"%4g\""),
            ("http://x/%4", "invalid URL escape \"%4\""),
            ("http://x/a%20%zz", "invalid URL escape \"%zz\""),
            ("http://x/#%4", "invalid URL escape \"%4\""),
            (
                "http://x/\u{1}",
                "net/url: invalid control character in URL",
            ),
            (
                "http://x/\u{7f}",
                "net/url: invalid control character in URL",
            ),
            ("http://x/a\tb", "net/url: invalid control character in URL"),
        ] {
            assert_eq!(parts(url), Err(format!("parse {}: {why}", go_quote(url))));
        }
    }

    #[test]
    fn host_ports_as_go_splits_them() {
        assert!(host_port("localhost:25").is_ok());
        assert!(host_port("[::1]:25").is_ok());
        assert!(host_port("").is_ok());
        assert_eq!(
            host_port("localhost").unwrap_err(),
            "address localhost: missing port in address"
        );
        assert_eq!(
            host_port("a:b:c").unwrap_err(),
            "address a:b:c: too many colons in address"
        );
        assert_eq!(
            host_port("localhost:").unwrap_err(),
            "address \"localhost:\": port cannot be empty"
        );
        // Go 1.26's net.SplitHostPort on each, word for word
        for (s, go) in [
            ("[::1]", "missing port in address"),
            ("[::1]x", "missing port in address"),
            ("[::1]:25:26", "too many colons in address"),
            ("[::1:25", "missing ']' in address"),
            ("a[b:25", "unexpected '[' in address"),
            ("a]b:25", "unexpected ']' in address"),
            ("ab:2[5", "unexpected '[' in address"),
            ("ab:2]5", "unexpected ']' in address"),
            ("[a]b]:25", "missing port in address"),
            ("[a[b]:25", "unexpected '[' in address"),
            ("[a]:2]5", "unexpected ']' in address"),
            ("x]:25", "unexpected ']' in address"),
            ("[::1]]:25", "missing port in address"),
        ] {
            assert_eq!(host_port(s), Err(format!("address {s}: {go}")), "{s}");
        }
    }

    #[test]
    fn template_globs_as_go_reads_them() {
        for ok in [
            "templates/*.tmpl",
            "a/[abc]*",
            "[^a-z]x",
            "x\\*",
            "[\\]]y",
            "**",
            // an escaped `[` is no class; a class of `[` alone ends at its `]`
            "a\\[",
            "[[]x",
        ] {
            assert!(glob_pattern(ok).is_ok(), "{ok}");
        }
        // `[\\]`: the `]` is escaped, so the class never ends
        for bad in [
            "[",
            "x\\",
            "[]a]",
            "[a-",
            "[a",
            "tpl/[a-]x",
            "[-a]",
            "[^]",
            "[\\]",
        ] {
            assert_eq!(
                glob_pattern(bad).unwrap_err(),
                "syntax error in pattern",
                "{bad}"
            );
        }
    }

    #[test]
    fn durations_go_and_prometheus() {
        for ok in ["1s", "1.5h", "300ms", "2h45m", "-1s", "0", "1us", "1µs"] {
            assert!(go_duration(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            go_duration("5").unwrap_err(),
            "time: missing unit in duration \"5\""
        );
        assert_eq!(
            go_duration("5d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"5d\""
        );
        assert_eq!(go_duration("").unwrap_err(), "time: invalid duration \"\"");
        assert!(model_duration("5d").is_ok());
        assert_eq!(
            model_duration("1.5h").unwrap_err(),
            "not a valid duration string: \"1.5h\""
        );
    }
}
