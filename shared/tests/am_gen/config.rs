//! The top of a generated config: global settings, the route tree, receivers, inhibit rules,
//! time intervals, templates, tracing and the event recorder.
use super::emit::Node;
use super::gen::Gen;
use promstack_shared::alertmanager::config::schema::{self, Ty};

const TIMES: &[(&str, &str)] = &[
    ("'09:00'", "'17:00'"),
    ("'00:00'", "'24:00'"),
    ("'17:00'", "'09:00'"),
    ("'9:00'", "'10:00'"),
    ("'25:00'", "'26:00'"),
    ("'10:00'", "''"),
    ("'10:00'", "'10:00'"),
    ("'23:59'", "'24:00'"),
];

const TEMPLATES: &[&str] = &[
    "'templates/*.tmpl'",
    "'notifications/*.tmpl'",
    "'['",
    "'tpl/[a-'",
    "'x\\'",
    "'tpl/[]a]'",
    "'tpl/[^a-z]*.tmpl'",
];

impl Gen<'_> {
    /// A whole config.
    pub fn config(&mut self) -> Node {
        self.receivers = (0..1 + self.r.below(3)).map(|i| format!("r{i}")).collect();
        self.intervals = (0..self.r.below(3)).map(|i| format!("t{i}")).collect();
        let mut m: Vec<(String, Node)> = Vec::new();
        if self.r.chance(35) {
            m.push(("global".into(), self.structure(&schema::GLOBAL, &[], 2)));
        }
        m.push(("route".into(), self.route(0)));
        let receivers = self.receivers.clone();
        let receivers = receivers.iter().map(|n| self.receiver(n)).collect();
        m.push(("receivers".into(), Node::L(receivers)));
        if self.r.chance(30) {
            let n = 1 + self.r.below(2);
            let rules = (0..n).map(|_| self.inhibit_rule()).collect();
            m.push(("inhibit_rules".into(), Node::L(rules)));
        }
        self.time_intervals(&mut m);
        if self.r.chance(12) {
            let good = self.good();
            let t = *self.r.pick(if good { &TEMPLATES[..2] } else { TEMPLATES });
            m.push(("templates".into(), Node::L(vec![Node::s(t)])));
        }
        for (k, s) in [
            ("tracing", &schema::TRACING),
            ("event_recorder", &schema::EVENT_RECORDER),
        ] {
            if self.r.chance(5) {
                let required: &[(&str, &str)] = match k {
                    "tracing" => &[("endpoint", "'otel:4317'")],
                    _ => &[],
                };
                let v = self.structure(s, required, 1);
                m.push((k.into(), v));
            }
        }
        Node::M(m)
    }

    fn inhibit_rule(&mut self) -> Node {
        let mut m: Vec<(String, Node)> = Vec::new();
        for side in ["source", "target"] {
            let (suffix, v) = match self.r.below(4) {
                0 => ("_match", self.value(&Ty::Map(&Ty::Str), 1)),
                1 => ("_match_re", self.value(&Ty::Map(&Ty::Regexp), 1)),
                _ => ("_matchers", self.value(&Ty::Matchers, 1)),
            };
            m.push((format!("{side}{suffix}"), v));
        }
        if self.r.chance(60) {
            let n = 1 + self.r.below(2);
            let labels = (0..n).map(|_| Node::S(self.label_name())).collect();
            m.push(("equal".into(), Node::L(labels)));
        }
        if self.r.chance(10) {
            m.push(("name".into(), Node::s("inhibit-critical")));
        }
        Node::M(m)
    }

    fn time_intervals(&mut self, top: &mut Vec<(String, Node)>) {
        let names = self.intervals.clone();
        let (mut now, mut old) = (Vec::new(), Vec::new());
        for n in &names {
            let mut m = Vec::new();
            if self.good() {
                m.push(("name".to_string(), Node::S(n.clone())));
            }
            let specs = (0..1 + self.r.below(2))
                .map(|_| self.time_interval())
                .collect();
            m.push(("time_intervals".into(), Node::L(specs)));
            if self.r.chance(70) {
                now.push(Node::M(m))
            } else {
                old.push(Node::M(m))
            }
        }
        for (k, list) in [("time_intervals", now), ("mute_time_intervals", old)] {
            if !list.is_empty() {
                top.push((k.into(), Node::L(list)));
            }
        }
    }

    fn time_interval(&mut self) -> Node {
        let mut m: Vec<(String, Node)> = Vec::new();
        if self.r.chance(50) {
            let good = self.good();
            let (s, e) = *self.r.pick(if good { &TIMES[..2] } else { TIMES });
            let range = Node::M(vec![
                ("start_time".into(), Node::s(s)),
                ("end_time".into(), Node::s(e)),
            ]);
            m.push(("times".into(), Node::L(vec![range])));
        }
        for (k, ty) in [
            ("weekdays", &Ty::Weekday),
            ("days_of_month", &Ty::DayOfMonth),
            ("months", &Ty::Month),
            ("years", &Ty::Year),
        ] {
            if self.r.chance(30) {
                let v = self.scalar(ty);
                m.push((k.into(), Node::L(vec![v])));
            }
        }
        if self.r.chance(20) {
            let v = self.scalar(&Ty::Location);
            m.push(("location".into(), v));
        }
        Node::M(m)
    }
}
