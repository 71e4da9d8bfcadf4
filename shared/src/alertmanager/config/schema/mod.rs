//! Every structure of Alertmanager 0.34's configuration file, as data: its fields and each
//! field's type, as Alertmanager's Go types declare them (its `config`, `notify/*`,
//! `timeinterval`, `tracing` and `eventrecorder` packages, and `prometheus/common`'s HTTP client,
//! TLS and OAuth2 settings, `prometheus/sigv4`). Alertmanager reads the file strictly: a field
//! not here is refused. [`super::walk`] checks a document against it; what Go's `UnmarshalYAML`
//! methods check beyond the types is in [`super::semantic`].

/// A field's type, as Go's YAML decoder (yaml.v2) reads into it.
#[derive(Debug)]
pub enum Ty {
    /// Any scalar (yaml.v2 stores a number's or a bool's text in a string).
    Str,
    /// A `bool`.
    Bool,
    /// A signed integer.
    Int,
    /// An unsigned integer.
    Uint,
    /// A `float64`.
    Float,
    /// Prometheus's `model.Duration` (`1h30m`, `5d`).
    ModelDuration,
    /// Go's `time.Duration` (`1.5s`, `300ms`), or an integer of nanoseconds.
    GoDuration,
    /// A Go duration read as text (`1.5s`; no integer).
    TextDuration,
    /// An http(s) URL with a host.
    Url,
    /// [`Ty::Url`], or `<secret>`.
    SecretUrl,
    /// A URL that may hold a Go template; checked as a URL when it does not.
    TemplateUrl,
    /// Anything Go's `url.Parse` reads (a proxy URL).
    AnyUrl,
    /// `host:port`.
    HostPort,
    /// `TLS10` to `TLS13`.
    TlsVersion,
    /// An IANA time zone name.
    Location,
    /// A `templates:` entry: a file name pattern (`filepath.Glob`'s).
    Glob,
    /// A regex (the values of `match_re`): null is refused.
    Regexp,
    /// A list of matcher lines.
    Matchers,
    /// A time interval's ranges.
    Weekday,
    DayOfMonth,
    Month,
    Year,
    /// Anything.
    Any,
    /// A Jira field: a template string, or `{template, enable_update}`.
    JiraField,
    List(&'static Ty),
    /// A mapping with string keys.
    Map(&'static Ty),
    /// A mapping of label names (valid UTF-8, not empty) to values.
    LabelSet,
    Struct(&'static Struct),
}

/// A Go struct: its name (for the semantic checks) and its fields.
#[derive(Debug)]
pub struct Struct {
    pub name: &'static str,
    pub fields: &'static [(&'static str, Ty)],
}

impl Struct {
    pub fn field(&self, key: &str) -> Option<&'static Ty> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, t)| t)
    }
}

use Ty::*;

mod chat;
mod http;
mod receivers;
pub use http::*;
pub use receivers::*;

/// The whole file.
pub static CONFIG_TY: Ty = Struct(&CONFIG);

pub static CONFIG: Struct = Struct {
    name: "config",
    fields: &[
        ("global", Struct(&GLOBAL)),
        ("route", Struct(&ROUTE)),
        ("inhibit_rules", List(&Struct(&INHIBIT_RULE))),
        ("receivers", List(&Struct(&RECEIVER))),
        ("templates", List(&Glob)),
        ("mute_time_intervals", List(&Struct(&NAMED_TIME_INTERVAL))),
        ("time_intervals", List(&Struct(&NAMED_TIME_INTERVAL))),
        ("tracing", Struct(&TRACING)),
        ("event_recorder", Struct(&EVENT_RECORDER)),
    ],
};

pub static GLOBAL: Struct = Struct {
    name: "global",
    fields: &[
        ("resolve_timeout", ModelDuration),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("jira_api_url", Url),
        ("smtp_from", Str),
        ("smtp_hello", Str),
        ("smtp_smarthost", HostPort),
        ("smtp_auth_username", Str),
        ("smtp_auth_password", Str),
        ("smtp_auth_password_file", Str),
        ("smtp_auth_secret", Str),
        ("smtp_auth_secret_file", Str),
        ("smtp_auth_identity", Str),
        ("smtp_require_tls", Bool),
        ("smtp_tls_config", Struct(&TLS_CONFIG)),
        ("smtp_force_implicit_tls", Bool),
        ("slack_api_url", SecretUrl),
        ("slack_api_url_file", Str),
        ("slack_app_token", Str),
        ("slack_app_token_file", Str),
        ("slack_app_url", Url),
        ("pagerduty_url", Url),
        ("opsgenie_api_url", Url),
        ("opsgenie_api_key", Str),
        ("opsgenie_api_key_file", Str),
        ("wechat_api_url", Url),
        ("wechat_api_secret", Str),
        ("wechat_api_secret_file", Str),
        ("wechat_api_corp_id", Str),
        ("victorops_api_url", Url),
        ("victorops_api_key", Str),
        ("victorops_api_key_file", Str),
        ("telegram_api_url", Url),
        ("telegram_bot_token", Str),
        ("telegram_bot_token_file", Str),
        ("webex_api_url", Url),
        ("rocketchat_api_url", Url),
        ("rocketchat_token", Str),
        ("rocketchat_token_file", Str),
        ("rocketchat_token_id", Str),
        ("rocketchat_token_id_file", Str),
        ("mattermost_webhook_url", SecretUrl),
        ("mattermost_webhook_url_file", Str),
    ],
};

pub static ROUTE: Struct = Struct {
    name: "route",
    fields: &[
        ("receiver", Str),
        ("group_by", List(&Str)),
        ("match", Map(&Str)),
        ("match_re", Map(&Regexp)),
        ("matchers", Matchers),
        ("mute_time_intervals", List(&Str)),
        ("active_time_intervals", List(&Str)),
        ("continue", Bool),
        ("routes", List(&Struct(&ROUTE))),
        ("group_wait", ModelDuration),
        ("group_interval", ModelDuration),
        ("repeat_interval", ModelDuration),
        ("labels", LabelSet),
    ],
};

pub static INHIBIT_RULE: Struct = Struct {
    name: "inhibit_rule",
    fields: &[
        ("name", Str),
        ("source_match", Map(&Str)),
        ("source_match_re", Map(&Regexp)),
        ("source_matchers", Matchers),
        ("target_match", Map(&Str)),
        ("target_match_re", Map(&Regexp)),
        ("target_matchers", Matchers),
        ("equal", List(&Str)),
    ],
};

pub static NAMED_TIME_INTERVAL: Struct = Struct {
    name: "time_interval",
    fields: &[
        ("name", Str),
        ("time_intervals", List(&Struct(&TIME_INTERVAL))),
    ],
};

pub static TIME_INTERVAL: Struct = Struct {
    name: "time_interval_spec",
    fields: &[
        ("times", List(&Struct(&TIME_RANGE))),
        ("weekdays", List(&Weekday)),
        ("days_of_month", List(&DayOfMonth)),
        ("months", List(&Month)),
        ("years", List(&Year)),
        ("location", Location),
    ],
};

pub static TIME_RANGE: Struct = Struct {
    name: "time_range",
    fields: &[("start_time", Str), ("end_time", Str)],
};

pub static TRACING: Struct = Struct {
    name: "tracing",
    fields: &[
        ("client_type", Str),
        ("endpoint", Str),
        ("sampling_fraction", Float),
        ("insecure", Bool),
        ("tls_config", Struct(&TLS_CONFIG)),
        ("headers", Map(&Struct(&HEADER))),
        ("compression", Str),
        ("timeout", ModelDuration),
    ],
};

pub static EVENT_RECORDER: Struct = Struct {
    name: "event_recorder",
    fields: &[
        ("file_outputs", List(&Struct(&FILE_OUTPUT))),
        ("webhook_outputs", List(&Struct(&WEBHOOK_OUTPUT))),
        ("kafka_outputs", List(&Struct(&KAFKA_OUTPUT))),
        ("stdout_outputs", List(&Struct(&STDOUT_OUTPUT))),
    ],
};

pub static FILE_OUTPUT: Struct = Struct {
    name: "file_output",
    fields: &[("path", Str)],
};

pub static STDOUT_OUTPUT: Struct = Struct {
    name: "stdout_output",
    fields: &[],
};

pub static WEBHOOK_OUTPUT: Struct = Struct {
    name: "webhook_output",
    fields: &[
        ("url", SecretUrl),
        ("http_config", Struct(&HTTP_CONFIG)),
        ("timeout", ModelDuration),
        ("workers", Int),
        ("max_retries", Int),
        ("retry_backoff", ModelDuration),
        ("batch", Bool),
        ("batch_max_events", Int),
        ("batch_max_bytes", Int),
        ("batch_flush_interval", ModelDuration),
    ],
};

pub static KAFKA_OUTPUT: Struct = Struct {
    name: "kafka_output",
    fields: &[
        ("brokers", List(&Str)),
        ("topic", Str),
        ("client_id", Str),
        ("format", Str),
        ("acks", Str),
        ("compression", Str),
        ("buffer_size", Int),
        ("tls_config", Struct(&TLS_CONFIG)),
    ],
};
