//! `cargo fuzz run dashboard`: see `promstack_shared::testing::fuzzing::dashboard`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| promstack_shared::testing::fuzzing::dashboard(data));
