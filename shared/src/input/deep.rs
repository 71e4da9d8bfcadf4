//! Recursion over what a user wrote (a PromQL expression nested 10,000 deep, a sum of 20,000
//! terms, a Go template's nested actions) that cannot overflow the native stack: each recursive
//! step of a parser or of a walk over a tree runs inside [`grow`], which moves on to a new stack
//! segment on the heap when little is left of the current one, on whatever thread it runs: the
//! main thread (8 MiB, where the plugins' current-thread tokio runtime runs too), [`crate::input::par`]'s
//! workers and tokio's blocking threads (2 MiB each, std's and tokio's default). Go's goroutine
//! stacks grow the same way, so Prometheus and Go's template parser have no depth limit of their
//! own to match, and none is set where they set none.

/// Stack that must remain before a step runs; more than any step between two calls of [`grow`]
/// uses (parsing one operand, checking one node, compiling one regex), in a debug build too.
const RED_ZONE: usize = 256 * 1024;
/// The size of each new segment.
const SEGMENT: usize = 4 * 1024 * 1024;

/// Run `f`, on a new stack segment if the current one has less than [`RED_ZONE`] left.
#[inline]
pub fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}

#[cfg(test)]
mod tests {
    /// Deeper than any thread's stack holds without it (a 2 MiB worker's at ~100 bytes a level).
    fn depth(n: u64) -> u64 {
        super::grow(|| if n == 0 { 0 } else { 1 + depth(n - 1) })
    }

    #[test]
    fn a_million_levels_on_a_small_thread() {
        let h = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| depth(1_000_000))
            .unwrap();
        assert_eq!(h.join().unwrap(), 1_000_000);
    }
}
