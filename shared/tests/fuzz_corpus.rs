//! Every input of the fuzz corpora (`fuzz/corpus/<target>/`: what `cargo fuzz` kept, seeds
//! included) and of the crashes it found (`fuzz/regressions/<target>/`) through its target's code
//! (`promstack_shared::testing::fuzzing`), on a stable toolchain: CI replays them without libFuzzer.
use promstack_shared::testing::fuzzing::TARGETS;
use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_and_regression_input_replays() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut failed = Vec::new();
    for (name, run) in TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(name));
        let regressions = inputs(&fuzz.join("regressions").join(name));
        assert!(
            corpus.len() >= 20,
            "{name}: {} corpus inputs; the corpus is kept in fuzz/corpus/{name}",
            corpus.len()
        );
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).unwrap();
            if std::panic::catch_unwind(|| run(&data)).is_err() {
                failed.push(path.display().to_string());
            }
        }
        eprintln!(
            "{name}: {} corpus inputs, {} regressions",
            corpus.len(),
            regressions.len()
        );
    }
    assert!(failed.is_empty(), "these inputs fail: {failed:#?}");
}
