//! The chart: kube-prometheus-stack as a file and what is made of it before anything reaches the
//! cluster. What the install reads from the chart itself ([`chart_files`]: name, version, the values
//! it reads, `UPGRADE.md`), its render kept for the next run ([`render_cache`]), the values and
//! their merge ([`values`]) and their lint against what the chart reads ([`values_lint`]), a chart
//! upgrade planned before any write ([`upgrade`]), the images a render runs ([`images`]), and its
//! CRDs, applied and waited for ([`crds`]).
//!
//! Not here: running helm ([`crate::helm`]), the parts of the stack the install makes or checks
//! beside the chart ([`crate::stack`]), and what a release would change ([`crate::release_diff`]).
pub mod chart_files;
pub mod crds;
pub mod images;
pub mod render_cache;
pub mod upgrade;
pub mod values;
pub mod values_lint;
