//! The variables in scope while a template is parsed.

/// The variables declared at the moment (`t.vars`), in order, and how many times each name is:
/// looking one up is one step however many there are.
pub(super) struct Vars {
    order: Vec<String>,
    count: std::collections::HashMap<String, usize>,
}

impl Vars {
    /// `$` and these.
    pub(super) fn new(declared: &[&str]) -> Self {
        let mut v = Vars {
            order: Vec::new(),
            count: Default::default(),
        };
        v.push("$".into());
        for d in declared {
            v.push(d.to_string());
        }
        v
    }
    pub(super) fn push(&mut self, name: String) {
        *self.count.entry(name.clone()).or_default() += 1;
        self.order.push(name);
    }
    pub(super) fn contains(&self, name: &str) -> bool {
        self.count.contains_key(name)
    }
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }
    /// `popVars`: back to the first `n`.
    pub(super) fn truncate(&mut self, n: usize) {
        for name in self.order.drain(n.min(self.order.len())..) {
            if let Some(c) = self.count.get_mut(&name) {
                *c -= 1;
                if *c == 0 {
                    self.count.remove(&name);
                }
            }
        }
    }
}
