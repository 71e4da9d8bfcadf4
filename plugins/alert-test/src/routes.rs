//! `alert-test routes`: Alertmanager's routing, offline. The routing itself is the common crate's
//! Alertmanager model ([`promstack_shared::alertmanager::config::routing`]); this module reads the
//! labels given on the command line.
use promstack_shared::Error;
use std::collections::BTreeMap;

pub use promstack_shared::alertmanager::config::routing::{receivers, route, Matched};

/// `k=v` arguments as labels.
pub fn parse_labels(args: &[String]) -> Result<BTreeMap<String, String>, Error> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
                .ok_or_else(|| Error::input(format!("`{a}` is not a label (want name=value)")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_the_command_line() {
        let l = parse_labels(&["severity=critical".into(), "team = \"db\"".into()]).unwrap();
        assert_eq!(l["severity"], "critical");
        assert_eq!(l["team"], "db");
        assert!(parse_labels(&["nonsense".into()]).is_err());
    }
}
