//! The event recorder's outputs.
use super::{go_quote, strings, Ctx};
use crate::alertmanager::config::{has, is_true, text};
use serde_yaml::Mapping;

pub(super) fn check_file_output(x: &mut Ctx) {
    if !x.nonempty("path") {
        x.say("event_recorder file output requires a path".into());
    }
}

pub(super) fn check_kafka_output(x: &mut Ctx) {
    let m = x.m;
    kafka_output(x.say_fn(), m);
}

pub(super) fn check_webhook_output(x: &mut Ctx) {
    let m = x.m;
    let url = text(m, "url");
    if !has(m, "url") {
        x.say("event_recorder webhook output requires a url".into());
    } else if url == "<secret>" {
        x.say("event_recorder webhook output requires an absolute http(s) url".into());
    }
    let n = |k: &str| crate::alertmanager::config::integer(m, k).unwrap_or(0.0);
    let flush = crate::go::duration::seconds(&text(m, "batch_flush_interval")).unwrap_or(0.0);
    if n("batch_max_events") < 0.0 || n("batch_max_bytes") < 0.0 {
        x.say("event_recorder webhook batch settings cannot be negative".into());
    }
    if !is_true(m, "batch")
        && (n("batch_max_events") != 0.0 || n("batch_max_bytes") != 0.0 || flush != 0.0)
    {
        x.say("event_recorder webhook batch settings require batch: true".into());
    }
}

pub(super) fn kafka_output(say: &mut dyn FnMut(String), m: &Mapping) {
    let brokers = strings(m, "brokers");
    if brokers.is_empty() {
        say("event_recorder kafka: at least one broker is required".into());
    } else if brokers.iter().any(String::is_empty) {
        say("event_recorder kafka: broker entries must be non-empty".into());
    }
    let acks = text(m, "acks");
    if !matches!(acks.as_str(), "" | "none" | "leader" | "all") {
        say(format!(
            "event_recorder kafka: unknown acks {}, must be \"none\", \"leader\", or \"all\"",
            go_quote(&acks)
        ));
    }
    let comp = text(m, "compression");
    if !matches!(
        comp.as_str(),
        "" | "none" | "gzip" | "snappy" | "lz4" | "zstd"
    ) {
        say(format!(
            "event_recorder kafka: unknown compression {}",
            go_quote(&comp)
        ));
    }
    if text(m, "topic").is_empty() {
        say("event_recorder kafka output requires a topic".into());
    }
    let format = text(m, "format");
    if !matches!(format.as_str(), "" | "json" | "protobuf") {
        say(format!(
            "event_recorder kafka: unknown format {}, must be \"json\" or \"protobuf\"",
            go_quote(&format)
        ));
    }
}
