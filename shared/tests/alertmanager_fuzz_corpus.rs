//! The corpus of the Alertmanager config check's fuzz target (`config::fuzz_check`), replayed:
//! the seeds (our fixtures and regression cases), each crash the fuzzer found once (`crash-*`),
//! and a sample of the small inputs of its merged corpus after a 10-minute run (`corpus-*`).
use promstack_shared::alertmanager::config::fuzz_check;

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/alertmanager/fuzz"
);

#[test]
fn every_fuzz_corpus_input_is_checked_without_a_crash() {
    let mut n = 0;
    for e in std::fs::read_dir(CORPUS).unwrap() {
        let path = e.unwrap().path();
        fuzz_check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 20, "only {n} inputs in {CORPUS}");
}
