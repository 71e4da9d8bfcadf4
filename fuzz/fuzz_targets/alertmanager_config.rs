//! `cargo fuzz run alertmanager_config`: see `promstack_shared::alertmanager::config::fuzz_check`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| promstack_shared::alertmanager::config::fuzz_check(data));
