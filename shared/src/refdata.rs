//! Where tests find the reference data (upstream CRDs, the pinned chart's values, upstream rules
//! and dashboards): `PROMSTACK_REFDATA`, default `../shared/refdata` beside the project.
//! Absent: tests say they were skipped; under `CI=true` its absence is a failure.
use std::path::PathBuf;

/// The refdata folder, or `None` (after printing why) when it is absent outside CI.
///
/// # Panics
/// When it is absent and `CI=true`.
pub fn dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("PROMSTACK_REFDATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/refdata"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let msg = format!(
        "reference data not found at {} (set PROMSTACK_REFDATA)",
        dir.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{msg}; CI=true needs it");
    }
    eprintln!("SKIPPED: {msg}");
    None
}
