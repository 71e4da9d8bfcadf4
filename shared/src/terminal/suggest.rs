//! "Did you mean": the known name nearest to an unknown one, as clap and kubectl suggest.

/// The known name within a third of the longer name's length in edits (transpositions count
/// one), nearest first; `None` when none is that near.
pub fn nearest<'a>(unknown: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::damerau_levenshtein(unknown, k), k))
        .filter(|(d, k)| *d <= (k.len().max(unknown.len()) / 3).max(1))
        .min()
        .map(|(_, k)| k)
}

#[cfg(test)]
mod tests {
    #[test]
    fn near_names_only() {
        let known = ["retention", "retentionSize", "replicas"];
        assert_eq!(
            super::nearest("retension", known.into_iter()),
            Some("retention")
        );
        assert_eq!(
            super::nearest("adminPasword", ["adminPassword", "adminUser"].into_iter()),
            Some("adminPassword")
        );
        assert_eq!(super::nearest("zzz", known.into_iter()), None);
    }
}
