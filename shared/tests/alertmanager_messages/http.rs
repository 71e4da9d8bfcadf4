//! The HTTP client's settings (prometheus/common) and SigV4's.
use super::{with_receiver, Says};
/// The HTTP client's own checks (prometheus/common's `Validate`), each where it applies: the
/// http_config itself, its OAuth2 and TLS settings, and a SigV4 config.
pub(super) fn http_client_settings(says: Says) {
    let webhook = |extra: &str| {
        with_receiver(
            &format!("    webhook_configs:\n      - url: http://x\n        http_config:\n{extra}"),
            "",
        )
    };
    says(
        &webhook("          bearer_token: a\n          bearer_token_file: /b\n"),
        &["x.yml:7: receivers[0].webhook_configs[0].http_config: at most one of bearer_token & bearer_token_file must be configured"],
    );
    says(
        &webhook("          oauth2:\n            client_id: i\n            token_url: http://t\n            no_proxy: x\n"),
        &["x.yml:8: receivers[0].webhook_configs[0].http_config.oauth2: if no_proxy is configured, proxy_url must also be configured"],
    );
    says(
        &webhook("          tls_config:\n            ca: x\n            ca_file: /y\n"),
        &["x.yml:8: receivers[0].webhook_configs[0].http_config.tls_config: at most one of ca, ca_file & ca_ref must be configured"],
    );
    says(
        &with_receiver("    sns_configs:\n      - topic_arn: arn:aws:sns:us-east-1:1:t\n        sigv4:\n          access_key: a\n", ""),
        &["x.yml:7: receivers[0].sns_configs[0].sigv4: must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config"],
    );
}

/// A webhook whose http_config has `lines` (at line 8 on).
fn webhook_http(lines: &str) -> String {
    with_receiver(
        &format!("    webhook_configs:\n      - url: http://x\n        http_config:\n{lines}"),
        "",
    )
}

/// Which of basic_auth, a bearer token, OAuth2 and authorization may go together, each field
/// set once, and the headers no http_config may set (named as Go's canonical form).
pub(super) fn http_authentication(says: Says) {
    let refused = |lines: &str, what: &str| {
        (
            webhook_http(lines),
            format!("x.yml:7: receivers[0].webhook_configs[0].http_config: {what}"),
        )
    };
    // a bearer token is an authorization, which a webex config needs
    let webex = |lines: &str| {
        with_receiver(
            &format!("    webex_configs:\n      - room_id: x\n        http_config:\n{lines}"),
            "",
        )
    };
    says(&webex("          bearer_token_file: /t\n"), &[]);
    says(&webex("          bearer_token: t\n"), &[]);
    says(
        &webex("          basic_auth: {username: u}\n"),
        &["x.yml:6: receivers[0].webex_configs[0]: missing webex_configs.http_config.authorization"],
    );
    for lines in [
        "          bearer_token: t\n",
        "          basic_auth: {username: u, password: p}\n",
        "          authorization: {credentials: c}\n",
        "          http_headers: {content type: {values: [a]}, X-Custom: {values: [b]}}\n",
    ] {
        says(&webhook_http(lines), &[]);
    }
    for (config, want) in [
        refused("          basic_auth: {username: u, username_file: /u}\n", "at most one of basic_auth username, username_file & username_ref must be configured"),
        refused("          basic_auth: {password: p, password_ref: x}\n", "at most one of basic_auth password, password_file & password_ref must be configured"),
        refused("          basic_auth: {username: u}\n          bearer_token: t\n", "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"),
        refused("          oauth2: {client_id: i, token_url: http://t}\n          bearer_token_file: /t\n", "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured"),
        refused("          authorization: {credentials: c}\n          bearer_token: t\n", "authorization is not compatible with bearer_token & bearer_token_file"),
        refused("          authorization: {credentials: c, credentials_file: /c}\n", "at most one of authorization credentials & credentials_file must be configured"),
        refused("          authorization: {credentials: c}\n          basic_auth: {username: u}\n", "at most one of basic_auth, oauth2 & authorization must be configured"),
        refused("          http_headers: {content-type: {values: [a]}}\n", "setting header \"Content-Type\" is not allowed"),
        refused("          http_headers: {X-Custom: {values: [b]}, x-amz-date: {values: [a]}}\n", "setting header \"X-Amz-Date\" is not allowed"),
    ] {
        says(&config, &[&want]);
    }
}

/// OAuth2's client credentials and JWT bearer grants, and SigV4's external_id.
pub(super) fn oauth2_grant_types_and_sigv4(says: Says) {
    let oauth2 = |lines: &str| {
        webhook_http(&format!(
            "          oauth2:\n            client_id: i\n            token_url: http://t\n{lines}"
        ))
    };
    let jwt = |lines: &str| {
        oauth2(&format!("            grant_type: urn:ietf:params:oauth:grant-type:jwt-bearer\n            client_certificate_key: k\n{lines}"))
    };
    let at_oauth2 =
        |what: &str| format!("x.yml:7: receivers[0].webhook_configs[0].http_config: {what}");
    says(&jwt(""), &[]);
    says(&jwt("            signature_algorithm: RS384\n"), &[]);
    says(
        &jwt("            signature_algorithm: HS256\n"),
        &[&at_oauth2(
            "valid signature algorithms are RS256, RS384 and RS512",
        )],
    );
    says(
        &jwt("            client_certificate_key_file: /k\n"),
        &[&at_oauth2("at most one of oauth2 client_certificate_key, client_certificate_key_file & client_certificate_key_ref must be configured using grant-type=urn:ietf:params:oauth:grant-type:jwt-bearer")],
    );
    says(
        &oauth2("            client_secret: s\n            client_secret_file: /s\n"),
        &[&at_oauth2("at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials")],
    );
    let sigv4 = |lines: &str| {
        with_receiver(&format!("    sns_configs:\n      - topic_arn: arn:aws:sns:us-east-1:1:t\n        sigv4:\n{lines}"), "")
    };
    says(
        &sigv4("          role_arn: arn:aws:iam::1:role/r\n          external_id: e\n"),
        &[],
    );
    says(
        &sigv4("          external_id: e\n"),
        &["x.yml:7: receivers[0].sns_configs[0].sigv4: external_id can only be used with role_arn"],
    );
}

/// Which proxy settings go together (prometheus/common's `ProxyConfig.Validate`).
pub(super) fn proxy_settings(says: Says) {
    let header = "          proxy_connect_header: {X-A: [v]}\n";
    for lines in [
        format!("          proxy_url: http://p\n{header}"),
        format!("          proxy_from_environment: true\n{header}"),
        "          proxy_connect_header: {}\n".to_string(),
        "          proxy_url: http://p\n          no_proxy: x\n".to_string(),
        "          oauth2: {client_id: i, token_url: http://t, client_secret: s}\n".to_string(),
    ] {
        says(&webhook_http(&lines), &[]);
    }
    for (lines, why) in [
        (header.to_string(), "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured"),
        ("          proxy_from_environment: true\n          proxy_url: http://p\n".to_string(), "if proxy_from_environment is configured, proxy_url must not be configured"),
    ] {
        says(
            &webhook_http(&lines),
            &[&format!("x.yml:7: receivers[0].webhook_configs[0].http_config: {why}")],
        );
    }
    // each rule is said (Go stops at the first)
    says(
        &webhook_http("          proxy_from_environment: true\n          no_proxy: x\n"),
        &[
            "x.yml:7: receivers[0].webhook_configs[0].http_config: if proxy_from_environment is configured, no_proxy must not be configured",
            "x.yml:7: receivers[0].webhook_configs[0].http_config: if no_proxy is configured, proxy_url must also be configured",
        ],
    );
}

/// Which TLS settings go together: one source each of the CA, the certificate and the key, and a
/// certificate with its key.
pub(super) fn tls_settings(says: Says) {
    let tls = |lines: &str| webhook_http(&format!("          tls_config: {{{lines}}}\n"));
    for lines in ["ca: x", "cert: c, key: k", "cert_file: /c, key_ref: k"] {
        says(&tls(lines), &[]);
    }
    for (lines, why) in [
        ("cert: c, cert_file: /c, key: k", "at most one of cert, cert_file & cert_ref must be configured"),
        ("cert: c, key: k, key_file: /k", "at most one of key and key_file must be configured"),
        ("cert: c", "exactly one of key or key_file must be configured when a client certificate is configured"),
        ("key_file: /k", "exactly one of cert or cert_file must be configured when a client key is configured"),
    ] {
        says(
            &tls(lines),
            &[&format!("x.yml:8: receivers[0].webhook_configs[0].http_config.tls_config: {why}")],
        );
    }
}

/// incident.io's alert source token, or an authorization in its http_config: one of them.
pub(super) fn incidentio_authorization(says: Says) {
    let incidentio = |lines: &str| {
        with_receiver(
            &format!("    incidentio_configs:\n      - url: https://i\n{lines}"),
            "",
        )
    };
    for lines in [
        "        alert_source_token: t\n",
        "        http_config: {authorization: {credentials: c}}\n",
        "        alert_source_token_file: /t\n        http_config: {basic_auth: {username: u}}\n",
    ] {
        says(&incidentio(lines), &[]);
    }
    says(
        &incidentio("        alert_source_token: t\n        http_config: {bearer_token: b}\n"),
        &["x.yml:6: receivers[0].incidentio_configs[0]: cannot specify alert_source_token or alert_source_token_file when using http_config.authorization"],
    );
    // its URL: one of url and url_file
    let token = "        alert_source_token: t\n";
    says(
        &with_receiver(
            &format!("    incidentio_configs:\n      - url_file: /u\n{token}"),
            "",
        ),
        &[],
    );
    says(
        &with_receiver(&format!("    incidentio_configs:\n      - {}", &token[8..]), ""),
        &["x.yml:6: receivers[0].incidentio_configs[0]: one of url or url_file must be configured"],
    );
    says(
        &incidentio(&format!("        url_file: /u\n{token}")),
        &["x.yml:6: receivers[0].incidentio_configs[0]: at most one of url & url_file must be configured"],
    );
    says(
        &incidentio("        http_config: {basic_auth: {username: u}}\n"),
        &["x.yml:6: receivers[0].incidentio_configs[0]: at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured"],
    );
}

/// An email's address, its headers (one each, by Go's canonical name) and its threading.
pub(super) fn email_settings(says: Says) {
    let email = |lines: &str| {
        with_receiver(
            &format!("    email_configs:\n      - from: a@b\n        smarthost: h:25\n{lines}"),
            "",
        )
    };
    let at = |why: &str| format!("x.yml:6: receivers[0].email_configs[0]: {why}");
    for lines in [
        "        to: c@d\n        headers: {subject: a, X-A: b}\n",
        "        to: c@d\n        threading: {enabled: true, thread_by_date: none}\n",
        "        to: c@d\n        threading: {enabled: true, thread_by_date: daily}\n",
        "        to: c@d\n        headers: {references: r}\n        threading: {enabled: false}\n",
    ] {
        says(&email(lines), &[]);
    }
    for (lines, why) in [
        ("", "missing to address in email config"),
        ("        to: c@d\n        headers: {subject: a, Subject: b}\n", "duplicate header \"Subject\" in email config"),
        ("        to: c@d\n        headers: {references: r}\n        threading: {enabled: true, thread_by_date: daily}\n", "conflicting configuration: threading.enabled conflicts with custom References header"),
        ("        to: c@d\n        headers: {in-reply-to: r}\n        threading: {enabled: true, thread_by_date: daily}\n", "conflicting configuration: threading.enabled conflicts with custom In-Reply-To header"),
        ("        to: c@d\n        threading: {enabled: true, thread_by_date: weekly}\n", "threading.thread_by_date must be either 'none' or 'daily'"),
    ] {
        says(&email(lines), &[&at(why)]);
    }
}
