//! The requests the in-memory cluster serves: each one counted and logged (and journalled), the
//! faults injected on it, the deletion controllers run before it, and the requests under way
//! at once.
use super::{deletion, ClusterError, MemoryCluster, Pace, State, Verb};
use std::sync::Mutex;

/// One request under way; taken off when it ends, or when its future is dropped.
struct InFlight<'a>(&'a Mutex<State>, u64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0
            .lock()
            .unwrap()
            .in_flight
            .retain(|(id, _)| *id != self.1);
    }
}

impl MemoryCluster {
    /// Requests served of one verb (failed ones included).
    pub fn count(&self, verb: Verb) -> usize {
        *self.state.lock().unwrap().counts.get(&verb).unwrap_or(&0)
    }

    /// All requests served.
    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().counts.values().sum()
    }

    /// Write requests (apply, delete) served.
    pub fn writes(&self) -> usize {
        let st = self.state.lock().unwrap();
        st.counts
            .iter()
            .filter(|(v, _)| v.is_write())
            .map(|(_, n)| n)
            .sum()
    }

    /// The requests served, in order, as `(verb, "Kind ns/name")`.
    pub fn log(&self) -> Vec<(Verb, String)> {
        self.state.lock().unwrap().log.clone()
    }

    /// Also append every request, as `Verb what`, to this file as it is served: for tests that
    /// run a plugin in another process (a pseudo-terminal) and read what it did afterwards, even
    /// when a signal ended it.
    pub fn journal_to(&self, path: impl Into<std::path::PathBuf>) {
        self.state.lock().unwrap().journal = Some(path.into());
    }

    pub fn reset_counts(&self) {
        let mut st = self.state.lock().unwrap();
        st.counts.clear();
        st.log.clear();
        st.max_in_flight = st.in_flight.len();
        st.overlaps.clear();
    }

    /// The most requests that were under way at once (a request is under way while a slow fault
    /// delays it, so inject [`Fault::slow`] to see whether a caller overlaps its requests).
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Each time a request started while others were under way: all of them, as `Verb Kind`
    /// (`Get StorageClass`, `List Node`, `Version`).
    pub fn overlaps(&self) -> Vec<Vec<String>> {
        self.state.lock().unwrap().overlaps.clone()
    }

    pub(super) async fn enter(
        &self,
        verb: Verb,
        kind: Option<&str>,
        name: Option<&str>,
        what: String,
    ) -> Result<(), ClusterError> {
        self.enter_scoped(verb, kind, name, false, what).await
    }

    /// [`Self::enter`] for a request that may span every namespace (a list without one).
    pub(super) async fn enter_scoped(
        &self,
        verb: Verb,
        kind: Option<&str>,
        name: Option<&str>,
        every_namespace: bool,
        what: String,
    ) -> Result<(), ClusterError> {
        let (delay, error, id) = {
            let mut st = self.state.lock().unwrap();
            // the API server's deletion controllers run on between requests
            if let Pace::PerRequest(budget) = st.pace {
                deletion::advance(&mut st.objects, budget);
            }
            *st.counts.entry(verb).or_default() += 1;
            if let Some(path) = &st.journal {
                use std::io::Write;
                let line = format!("{verb:?} {what}\n");
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .and_then(|mut f| f.write_all(line.as_bytes()))
                    .expect("the journal file can be written");
            }
            st.log.push((verb, what));
            if st.unreachable {
                return Err(ClusterError::Unreachable(
                    "dial tcp: connection refused".into(),
                ));
            }
            let mut delay = None;
            let mut error = None;
            for f in st.faults.iter_mut() {
                if f.hits(verb, kind, name, every_namespace) {
                    if let Some(n) = f.times.as_mut() {
                        *n -= 1;
                    }
                    delay = delay.or(f.delay);
                    if error.is_none() {
                        error = f.error.clone();
                    }
                }
            }
            st.next_request += 1;
            let id = st.next_request;
            let label = format!("{verb:?} {}", kind.unwrap_or_default());
            st.in_flight.push((id, label.trim_end().to_string()));
            st.max_in_flight = st.max_in_flight.max(st.in_flight.len());
            if st.in_flight.len() > 1 {
                let now = st.in_flight.iter().map(|(_, l)| l.clone()).collect();
                st.overlaps.push(now);
            }
            (delay, error, id)
        };
        let under_way = InFlight(&self.state, id);
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        drop(under_way);
        match error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
