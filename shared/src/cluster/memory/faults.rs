//! Faults the in-memory cluster injects: an error (or a delay) on the requests that match a verb,
//! a kind, a name, for a number of times.
use super::super::ClusterError;
use std::time::Duration;

/// The request kinds the in-memory cluster serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Version,
    Get,
    List,
    Apply,
    Delete,
    /// A create with dryRun=All: admission runs, nothing is stored (not a write).
    DryRun,
}

impl Verb {
    pub fn is_write(self) -> bool {
        matches!(self, Verb::Apply | Verb::Delete)
    }
}

/// A fault to inject: which requests it hits, what it does, how often.
#[derive(Debug, Clone)]
pub struct Fault {
    pub verb: Option<Verb>,
    pub kind: Option<String>,
    pub name: Option<String>,
    /// The error to answer with; `None` only delays.
    pub error: Option<ClusterError>,
    /// Wait this long before answering (a slow API server).
    pub delay: Option<Duration>,
    /// How many requests it hits; `None` for all of them.
    pub times: Option<usize>,
}

impl Fault {
    /// Every matching request fails with this error.
    pub fn error(error: ClusterError) -> Self {
        Fault {
            verb: None,
            kind: None,
            name: None,
            error: Some(error),
            delay: None,
            times: None,
        }
    }
    /// An HTTP status from the API server (429, 500, ...).
    pub fn status(code: u16) -> Self {
        let error = match code {
            404 => ClusterError::NotFound("injected".into()),
            409 => ClusterError::Conflict("injected conflict".into()),
            code => ClusterError::Api {
                code,
                message: format!("injected HTTP {code}"),
            },
        };
        Fault::error(error)
    }
    /// Every matching request is slow but succeeds.
    pub fn slow(delay: Duration) -> Self {
        Fault {
            verb: None,
            kind: None,
            name: None,
            error: None,
            delay: Some(delay),
            times: None,
        }
    }
    pub fn on(mut self, verb: Verb) -> Self {
        self.verb = Some(verb);
        self
    }
    pub fn kind(mut self, kind: &str) -> Self {
        self.kind = Some(kind.into());
        self
    }
    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.into());
        self
    }
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    pub(super) fn hits(&self, verb: Verb, kind: Option<&str>, name: Option<&str>) -> bool {
        self.times != Some(0)
            && self.verb.is_none_or(|v| v == verb)
            && self.kind.as_deref().is_none_or(|k| Some(k) == kind)
            && self.name.as_deref().is_none_or(|n| Some(n) == name)
    }
}
