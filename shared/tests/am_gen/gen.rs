//! Whole Alertmanager configs, built at random from the checker's own field tables
//! (`config::schema`) and what each part needs to load: a route tree over the receivers and time
//! intervals it defines, receivers with integrations of every kind, inhibit rules, time
//! intervals, templates, global settings, tracing and the event recorder. Values come from
//! [`super::pools`], now and then from past the edge of what loads.
use super::emit::Node;
use super::pools::{self, quote, Rng};
use promstack_shared::alertmanager::config::schema::{self, Struct, Ty};

/// What an integration needs to load on its own (each with a value that loads).
const REQUIRED: &[(&str, &[(&str, &str)])] = &[
    (
        "discord_configs",
        &[("webhook_url", "https://discord.example.com/api/webhooks/1")],
    ),
    (
        "email_configs",
        &[
            ("to", "ops@example.com"),
            ("from", "am@example.com"),
            ("smarthost", "smtp.example.com:25"),
        ],
    ),
    (
        "incidentio_configs",
        &[
            ("url", "https://api.incident.io/v2/alert_events/http/x"),
            ("alert_source_token", "tok"),
        ],
    ),
    ("pagerduty_configs", &[("routing_key", "rk")]),
    (
        "slack_configs",
        &[("api_url", "https://hooks.slack.com/services/x")],
    ),
    ("webhook_configs", &[("url", "https://example.com/hook")]),
    ("opsgenie_configs", &[("api_key", "key")]),
    ("wechat_configs", &[("api_secret", "s"), ("corp_id", "c")]),
    ("pushover_configs", &[("user_key", "u"), ("token", "t")]),
    (
        "victorops_configs",
        &[("api_key", "k"), ("routing_key", "rk")],
    ),
    ("sns_configs", &[("topic_arn", "arn:aws:sns:us-east-1:1:t")]),
    ("telegram_configs", &[("bot_token", "t"), ("chat_id", "42")]),
    (
        "webex_configs",
        &[
            ("room_id", "room"),
            ("http_config", "{authorization: {credentials: c}}"),
        ],
    ),
    (
        "msteams_configs",
        &[("webhook_url", "https://teams.example.com/x")],
    ),
    (
        "msteamsv2_configs",
        &[("webhook_url", "https://teams.example.com/x")],
    ),
    (
        "jira_configs",
        &[
            ("api_url", "https://jira.example.com"),
            ("project", "OPS"),
            ("issue_type", "Bug"),
        ],
    ),
    ("rocketchat_configs", &[("token_id", "id"), ("token", "t")]),
    (
        "mattermost_configs",
        &[("webhook_url", "https://mm.example.com/hooks/x")],
    ),
];

/// Fields that often conflict with what a generated config already has (a `_file` twin, one of
/// several alternatives).
fn conflicting(k: &str) -> bool {
    k.ends_with("_file")
        || [
            "target_arn",
            "phone_number",
            "app_token",
            "no_proxy",
            "oauth2",
            "api_type",
            "basic_auth",
            "authorization",
            "bearer_token",
            "http_headers",
            "proxy_connect_header",
            "update_message",
            "responders",
            "custom_fields",
            "headers",
            "threading",
            "monospace",
            "actions",
            "fields",
            "cert",
            "key",
            "ca",
            "proxy_from_environment",
            "batch_max_events",
            "batch_max_bytes",
            "batch_flush_interval",
            "compression",
            "acks",
            "format",
            "client_type",
            "parse_mode",
            "message_type",
            "alert_source_token",
            "brokers",
            "labels",
        ]
        .contains(&k)
}

pub struct Gen<'r> {
    pub r: &'r mut Rng,
    /// Percent of values taken from past the edge.
    pub odd: u64,
    pub receivers: Vec<String>,
    pub intervals: Vec<String>,
}

impl Gen<'_> {
    pub fn good(&mut self) -> bool {
        !self.r.chance(self.odd)
    }

    pub fn scalar(&mut self, ty: &Ty) -> Node {
        let good = self.good();
        Node::s(self.r.pick(pools::samples(ty, good)))
    }

    pub fn label_name(&mut self) -> String {
        let names = pools::LABEL_NAMES;
        let from = if self.good() { &names[..3] } else { names };
        self.r.pick(from).to_string()
    }

    fn matchers(&mut self) -> Node {
        let n = 1 + self.r.below(2);
        Node::L(
            (0..n)
                .map(|_| Node::S(quote(&pools::matcher_line(self.r))))
                .collect(),
        )
    }

    /// A value of `ty`; `depth` bounds nested structures.
    pub fn value(&mut self, ty: &'static Ty, depth: usize) -> Node {
        match ty {
            Ty::Struct(s) => self.structure(s, &[], depth + 1),
            Ty::List(item) => {
                let n = self.r.below(3);
                Node::L((0..n).map(|_| self.value(item, depth + 1)).collect())
            }
            Ty::Map(v) => {
                let mut m = Vec::new();
                for _ in 0..self.r.below(3) {
                    let k = self.label_name();
                    if !m.iter().any(|(x, _)| *x == k) {
                        m.push((k, self.value(v, depth + 1)));
                    }
                }
                Node::M(m)
            }
            Ty::LabelSet => self.value(&Ty::Map(&Ty::Str), depth),
            Ty::Matchers => self.matchers(),
            Ty::JiraField if self.r.chance(30) => Node::M(vec![
                ("template".into(), Node::s("x")),
                ("enable_update".into(), self.scalar(&Ty::Bool)),
            ]),
            other => self.scalar(other),
        }
    }

    /// A structure: `required` fields, then each other field one time in `1 + 6 * depth`.
    pub fn structure(
        &mut self,
        s: &'static Struct,
        required: &[(&str, &str)],
        depth: usize,
    ) -> Node {
        let mut m: Vec<(String, Node)> = Vec::new();
        for (k, v) in required {
            if self.good() {
                m.push((k.to_string(), Node::s(v)));
            }
        }
        for (k, ty) in s.fields {
            if m.iter().any(|(x, _)| x == k) || depth > 4 || self.r.below(1 + 6 * depth) != 0 {
                continue;
            }
            // a config meant to load leaves out what conflicts with what it has, most times
            if self.odd == 0 && self.r.chance(90) && conflicting(k) {
                continue;
            }
            let v = self.value(ty, depth);
            m.push((k.to_string(), v));
        }
        Node::M(m)
    }

    fn names(&mut self, from: &[String], bad: &str) -> Node {
        let n = 1 + self.r.below(2);
        Node::L((0..n).map(|_| self.name(from, bad)).collect())
    }

    fn name(&mut self, from: &[String], bad: &str) -> Node {
        if from.is_empty() || !self.good() {
            return Node::s(bad);
        }
        Node::S(self.r.pick(from).clone())
    }

    /// A route: the root, or a child `depth` below it.
    pub fn route(&mut self, depth: usize) -> Node {
        let mut m: Vec<(String, Node)> = Vec::new();
        let receivers = self.receivers.clone();
        let intervals = self.intervals.clone();
        if depth == 0 || self.r.chance(60) {
            m.push(("receiver".into(), self.name(&receivers, "nope")));
        }
        for (k, ty, pc) in [
            ("group_by", &Ty::List(&Ty::Str), 25),
            ("group_wait", &Ty::ModelDuration, 15),
            ("group_interval", &Ty::ModelDuration, 15),
            ("repeat_interval", &Ty::ModelDuration, 15),
        ] {
            if self.r.chance(pc) {
                let v = match k {
                    "group_by" if self.r.chance(30) => Node::L(vec![Node::s("'...'")]),
                    "group_by" => {
                        let (a, b) = (self.label_name(), self.label_name());
                        let mut names = vec![Node::S(a.clone())];
                        if a != b || !self.good() {
                            names.push(Node::S(b));
                        }
                        Node::L(names)
                    }
                    _ => self.value(ty, 0),
                };
                m.push((k.into(), v));
            }
        }
        if depth > 0 {
            self.child_route_parts(&mut m, &intervals);
        }
        if depth < 3 && self.r.chance(45 - 10 * depth as u64) {
            let n = 1 + self.r.below(3);
            m.push((
                "routes".into(),
                Node::L((0..n).map(|_| self.route(depth + 1)).collect()),
            ));
        }
        Node::M(m)
    }

    fn child_route_parts(&mut self, m: &mut Vec<(String, Node)>, intervals: &[String]) {
        match self.r.below(6) {
            0..=2 => m.push(("matchers".into(), self.matchers())),
            3 => m.push(("match".into(), self.value(&Ty::Map(&Ty::Str), 1))),
            4 => m.push(("match_re".into(), self.value(&Ty::Map(&Ty::Regexp), 1))),
            _ => {}
        }
        for (k, pc) in [
            ("continue", 20),
            ("mute_time_intervals", 12),
            ("active_time_intervals", 12),
            ("labels", 5),
        ] {
            if self.r.chance(pc) {
                let v = match k {
                    "continue" => self.scalar(&Ty::Bool),
                    "labels" => self.value(&Ty::LabelSet, 1),
                    _ => self.names(intervals, "nope"),
                };
                m.push((k.into(), v));
            }
        }
    }

    /// A receiver named `name` with integrations of one or two kinds.
    pub fn receiver(&mut self, name: &str) -> Node {
        let mut m = vec![("name".to_string(), Node::s(name))];
        for _ in 0..self.r.below(3) {
            let (kind, required) = *self.r.pick(REQUIRED);
            let Some(Ty::List(Ty::Struct(s))) = schema::RECEIVER.field(kind) else {
                unreachable!("{kind} is a list of structures");
            };
            let n = 1 + self.r.below(2);
            let configs = (0..n).map(|_| self.structure(s, required, 1)).collect();
            if !m.iter().any(|(k, _)| k == kind) {
                m.push((kind.to_string(), Node::L(configs)));
            }
        }
        if self.r.chance(5) {
            m.push(("labels".into(), self.value(&Ty::Map(&Ty::Str), 1)));
        }
        Node::M(m)
    }
}
