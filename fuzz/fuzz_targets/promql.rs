//! `cargo fuzz run promql`: see `promstack_shared::testing::fuzzing::promql`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| promstack_shared::testing::fuzzing::promql(data));
