//! Where tests find the reference data (upstream CRDs, the pinned chart's values and packages,
//! upstream rules, dashboards and test files): `PROMSTACK_REFDATA`, default `../shared/refdata`
//! beside the project. A test that reads it is marked `#[needs(refdata)]` (see
//! [`crate::testing::needs`]): reported ignored where it is absent, run (and failing) in CI.
use std::path::PathBuf;

/// The refdata folder.
///
/// # Panics
/// When it is absent (see `promstack_testenv`).
#[track_caller]
pub fn dir() -> PathBuf {
    promstack_testenv::path("refdata")
}
