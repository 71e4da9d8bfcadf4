//! `cargo fuzz run rule_file`: see `promstack_shared::testing::fuzzing::rule_file`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| promstack_shared::testing::fuzzing::rule_file(data));
