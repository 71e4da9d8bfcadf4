//! Go's semantics that Prometheus and Alertmanager both inherit, as Go 1.26 (which they are built
//! with) has them: `text/template`'s parse ([`template`]), `regexp`'s RE2 syntax and matching
//! ([`re2`]), and the duration grammar of `prometheus/common` ([`duration`]).
//!
//! Not here: what either project does with them (which template functions a rule's annotation
//! may call, which matchers a route takes): that is `prometheus/` and `alertmanager/`. This folder
//! knows neither project.
pub mod duration;
pub mod re2;
pub mod template;
