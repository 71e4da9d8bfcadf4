//! The body of the fuzz target of the Alertmanager config check (`fuzz/`'s `alertmanager_config`,
//! a cargo-fuzz target of its own workspace): any bytes, read as a config file, go through the
//! check and through offline routing; neither may panic, overflow its stack or hang, and every
//! problem names the file. The fuzz target `alertmanager_config` (`fuzz/`) runs it;
//! `tests/fuzz_corpus.rs` replays its corpus and regressions.
use std::collections::BTreeMap;

/// Check `data` as an Alertmanager config file, and route an alert through it.
pub fn fuzz_check(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let checked = super::check("fuzz.yml", &text);
    for p in &checked.problems {
        assert!(
            p.starts_with("fuzz.yml"),
            "a problem that names no file: {p}"
        );
    }
    let labels: BTreeMap<String, String> = [("severity", "critical"), ("team", "db")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let routed = super::routing::route(&text, &labels);
    if checked.problems.is_empty() {
        // a config Alertmanager loads routes every alert somewhere
        let routed = routed.unwrap_or_else(|e| panic!("a config that loads does not route: {e}"));
        assert!(
            !routed.is_empty(),
            "a config that loads routes the alert nowhere"
        );
    }
}
