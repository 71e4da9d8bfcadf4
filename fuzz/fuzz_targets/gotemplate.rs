//! `cargo fuzz run gotemplate`: see `promstack_shared::testing::fuzzing::gotemplate`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| promstack_shared::testing::fuzzing::gotemplate(data));
