//! prometheus/common's HTTP client, TLS and header settings, and prometheus/sigv4's, as
//! Alertmanager's integrations and outputs take them.
use super::Struct;
use super::Ty::*;

pub static HTTP_CONFIG: Struct = Struct {
    name: "http_config",
    fields: &[
        ("basic_auth", Struct(&BASIC_AUTH)),
        ("authorization", Struct(&AUTHORIZATION)),
        ("oauth2", Struct(&OAUTH2)),
        ("bearer_token", Str),
        ("bearer_token_file", Str),
        ("tls_config", Struct(&TLS_CONFIG)),
        ("follow_redirects", Bool),
        ("enable_http2", Bool),
        ("proxy_url", AnyUrl),
        ("no_proxy", Str),
        ("proxy_from_environment", Bool),
        ("proxy_connect_header", Map(&List(&Str))),
        ("http_headers", Map(&Struct(&HEADER))),
    ],
};

pub static BASIC_AUTH: Struct = Struct {
    name: "basic_auth",
    fields: &[
        ("username", Str),
        ("username_file", Str),
        ("username_ref", Str),
        ("password", Str),
        ("password_file", Str),
        ("password_ref", Str),
    ],
};

pub static AUTHORIZATION: Struct = Struct {
    name: "authorization",
    fields: &[
        ("type", Str),
        ("credentials", Str),
        ("credentials_file", Str),
        ("credentials_ref", Str),
    ],
};

pub static OAUTH2: Struct = Struct {
    name: "oauth2",
    fields: &[
        ("client_id", Str),
        ("client_secret", Str),
        ("client_secret_file", Str),
        ("client_secret_ref", Str),
        ("client_certificate_key_id", Str),
        ("client_certificate_key", Str),
        ("client_certificate_key_file", Str),
        ("client_certificate_key_ref", Str),
        ("grant_type", Str),
        ("signature_algorithm", Str),
        ("iss", Str),
        ("audience", Str),
        ("claims", Map(&Any)),
        ("scopes", List(&Str)),
        ("token_url", Str),
        ("endpoint_params", Map(&Str)),
        ("tls_config", Struct(&TLS_CONFIG)),
        ("proxy_url", AnyUrl),
        ("no_proxy", Str),
        ("proxy_from_environment", Bool),
        ("proxy_connect_header", Map(&List(&Str))),
    ],
};

pub static TLS_CONFIG: Struct = Struct {
    name: "tls_config",
    fields: &[
        ("ca", Str),
        ("cert", Str),
        ("key", Str),
        ("ca_file", Str),
        ("cert_file", Str),
        ("key_file", Str),
        ("ca_ref", Str),
        ("cert_ref", Str),
        ("key_ref", Str),
        ("server_name", Str),
        ("insecure_skip_verify", Bool),
        ("min_version", TlsVersion),
        ("max_version", TlsVersion),
    ],
};

pub static HEADER: Struct = Struct {
    name: "header",
    fields: &[
        ("values", List(&Str)),
        ("secrets", List(&Str)),
        ("files", List(&Str)),
    ],
};

pub static SIGV4: Struct = Struct {
    name: "sigv4",
    fields: &[
        ("region", Str),
        ("access_key", Str),
        ("secret_key", Str),
        ("profile", Str),
        ("role_arn", Str),
        ("external_id", Str),
        ("use_fips_sts_endpoint", Bool),
        ("service_name", Str),
    ],
};
