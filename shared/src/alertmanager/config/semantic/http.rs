//! prometheus/common's HTTP client settings (`Validate` of its HTTP client, OAuth2 and TLS
//! configs, the reserved headers) and prometheus/sigv4's.
use super::{go_quote, keys, Ctx};
use crate::alertmanager::config::{get, has, is_true, text};
use serde_yaml::{Mapping, Value as Yaml};

pub(super) fn check_http_config(x: &mut Ctx) {
    let m = x.m;
    http_config(x.say_fn(), m);
}

pub(super) fn check_oauth2(x: &mut Ctx) {
    let m = x.m;
    proxy(x.say_fn(), m);
}

pub(super) fn check_tls_config(x: &mut Ctx) {
    let m = x.m;
    tls(x.say_fn(), m);
}

pub(super) fn check_sigv4(x: &mut Ctx) {
    if x.nonempty("access_key") != x.nonempty("secret_key") {
        x.say("must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config".into());
    }
    if x.nonempty("external_id") && !x.nonempty("role_arn") {
        x.say("external_id can only be used with role_arn".into());
    }
}

/// Go's `textproto.CanonicalMIMEHeaderKey` (`content-type` → `Content-Type`); a key with a
/// character a header name may not hold is left as it is.
pub(super) fn canonical_header(h: &str) -> String {
    let valid = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if !h.chars().all(valid) {
        return h.to_string();
    }
    let mut upper = true;
    h.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

/// Headers no http_config may set.
pub(super) const RESERVED_HEADERS: [&str; 18] = [
    "Authorization",
    "Host",
    "Content-Encoding",
    "Content-Length",
    "Content-Type",
    "User-Agent",
    "Connection",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Www-Authenticate",
    "Accept-Encoding",
    "X-Prometheus-Remote-Write-Version",
    "X-Prometheus-Remote-Read-Version",
    "X-Prometheus-Scrape-Timeout-Seconds",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
];

pub(super) fn headers(say: &mut dyn FnMut(String), m: &Mapping, k: &str) {
    for h in keys(m, k) {
        let canonical = canonical_header(&h);
        if RESERVED_HEADERS.contains(&canonical.as_str()) {
            say(format!(
                "setting header {} is not allowed",
                go_quote(&canonical)
            ));
        }
    }
}

pub(super) fn count(m: &Mapping, ks: &[&str]) -> usize {
    ks.iter().filter(|k| !text(m, k).is_empty()).count()
}

pub(super) fn http_config(say: &mut dyn FnMut(String), m: &Mapping) {
    let bearer = !text(m, "bearer_token").is_empty();
    let bearer_file = !text(m, "bearer_token_file").is_empty();
    let basic = get(m, "basic_auth").and_then(Yaml::as_mapping);
    let oauth2 = get(m, "oauth2").and_then(Yaml::as_mapping);
    let basic_set = has(m, "basic_auth");
    let oauth2_set = has(m, "oauth2");
    if bearer && bearer_file {
        say("at most one of bearer_token & bearer_token_file must be configured".into());
    }
    if (basic_set || oauth2_set) && (bearer || bearer_file) {
        say("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured".into());
    }
    if let Some(b) = basic {
        if count(b, &["username", "username_file", "username_ref"]) > 1 {
            say("at most one of basic_auth username, username_file & username_ref must be configured".into());
        }
        if count(b, &["password", "password_file", "password_ref"]) > 1 {
            say("at most one of basic_auth password, password_file & password_ref must be configured".into());
        }
    }
    if has(m, "authorization") {
        let a = get(m, "authorization").and_then(Yaml::as_mapping);
        if bearer || bearer_file {
            say("authorization is not compatible with bearer_token & bearer_token_file".into());
        }
        if a.is_some_and(|a| count(a, &["credentials", "credentials_file", "credentials_ref"]) > 1)
        {
            say(
                "at most one of authorization credentials & credentials_file must be configured"
                    .into(),
            );
        }
        let ty = a.map(|a| text(a, "type")).unwrap_or_default();
        if ty.trim().eq_ignore_ascii_case("basic") {
            say("authorization type cannot be set to \"basic\", use \"basic_auth\" instead".into());
        }
        if basic_set || oauth2_set {
            say("at most one of basic_auth, oauth2 & authorization must be configured".into());
        }
    }
    if oauth2_set {
        if basic_set {
            say("at most one of basic_auth, oauth2 & authorization must be configured".into());
        }
        let o = oauth2.cloned().unwrap_or_default();
        if text(&o, "client_id").is_empty() {
            say("oauth2 client_id must be configured".into());
        }
        if text(&o, "token_url").is_empty() {
            say("oauth2 token_url must be configured".into());
        }
        if text(&o, "grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
            if count(
                &o,
                &[
                    "client_certificate_key",
                    "client_certificate_key_file",
                    "client_certificate_key_ref",
                ],
            ) > 1
            {
                say("at most one of oauth2 client_certificate_key, client_certificate_key_file & client_certificate_key_ref must be configured using grant-type=urn:ietf:params:oauth:grant-type:jwt-bearer".into());
            }
            let alg = text(&o, "signature_algorithm");
            if !alg.is_empty() && !matches!(alg.as_str(), "RS256" | "RS384" | "RS512") {
                say("valid signature algorithms are RS256, RS384 and RS512".into());
            }
        } else if count(
            &o,
            &["client_secret", "client_secret_file", "client_secret_ref"],
        ) > 1
        {
            say("at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials".into());
        }
    }
    proxy(say, m);
    headers(say, m, "http_headers");
}

pub(super) fn proxy(say: &mut dyn FnMut(String), m: &Mapping) {
    let url = !text(m, "proxy_url").is_empty();
    let from_env = is_true(m, "proxy_from_environment");
    let no_proxy = !text(m, "no_proxy").is_empty();
    let connect = get(m, "proxy_connect_header")
        .and_then(Yaml::as_mapping)
        .is_some_and(|h| !h.is_empty());
    if connect && !from_env && !url {
        say("if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured".into());
    }
    if from_env && url {
        say("if proxy_from_environment is configured, proxy_url must not be configured".into());
    }
    if from_env && no_proxy {
        say("if proxy_from_environment is configured, no_proxy must not be configured".into());
    }
    if !has(m, "proxy_url") && no_proxy {
        say("if no_proxy is configured, proxy_url must also be configured".into());
    }
}

pub(super) fn tls(say: &mut dyn FnMut(String), m: &Mapping) {
    if count(m, &["ca", "ca_file", "ca_ref"]) > 1 {
        say("at most one of ca, ca_file & ca_ref must be configured".into());
    }
    if count(m, &["cert", "cert_file", "cert_ref"]) > 1 {
        say("at most one of cert, cert_file & cert_ref must be configured".into());
    }
    if count(m, &["key", "key_file", "key_ref"]) > 1 {
        say("at most one of key and key_file must be configured".into());
    }
    let cert = count(m, &["cert", "cert_file", "cert_ref"]) > 0;
    let key = count(m, &["key", "key_file", "key_ref"]) > 0;
    if cert && !key {
        say("exactly one of key or key_file must be configured when a client certificate is configured".into());
    } else if key && !cert {
        say(
            "exactly one of cert or cert_file must be configured when a client key is configured"
                .into(),
        );
    }
}
