//! `alert-test routes`: Alertmanager's routing, offline. Given labels and a config, the matching
//! route path(s) and receivers, with `continue`, matchers (`=`, `!=`, `=~`, `!~`), the old `match`
//! and `match_re`, and inheritance of receiver, group_by and timings, as Alertmanager's dispatcher does.
use promstack_shared::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Route {
    #[serde(default)]
    pub receiver: Option<String>,
    #[serde(default)]
    pub group_by: Option<Vec<String>>,
    #[serde(default, rename = "continue")]
    pub continue_: bool,
    #[serde(default, rename = "match")]
    pub match_: BTreeMap<String, String>,
    #[serde(default)]
    pub match_re: BTreeMap<String, String>,
    #[serde(default)]
    pub matchers: Vec<String>,
    #[serde(default)]
    pub group_wait: Option<String>,
    #[serde(default)]
    pub group_interval: Option<String>,
    #[serde(default)]
    pub repeat_interval: Option<String>,
    #[serde(default)]
    pub routes: Vec<Route>,
}

#[derive(Deserialize)]
struct Config {
    route: Route,
}

/// One matcher, compiled.
#[derive(Debug)]
struct Matcher {
    name: String,
    op: &'static str,
    value: String,
    re: Option<regex::Regex>,
}

impl Matcher {
    fn new(name: &str, op: &'static str, value: &str) -> Result<Self, String> {
        let re = if op.ends_with('~') {
            Some(
                regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("bad regex `{value}`: {e}"))?,
            )
        } else {
            None
        };
        Ok(Matcher {
            name: name.into(),
            op,
            value: value.into(),
            re,
        })
    }

    /// Parse `name op value` (value quoted or bare).
    fn parse(s: &str) -> Result<Self, String> {
        let s = s
            .trim()
            .trim_start_matches('{')
            .trim_end_matches('}')
            .trim();
        let ops: [&'static str; 4] = ["=~", "!~", "!=", "="];
        let (pos, op) = ops
            .iter()
            .filter_map(|op| s.find(op).map(|p| (p, *op)))
            .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
            .ok_or_else(|| format!("`{s}` is not a matcher"))?;
        let name = s[..pos].trim().trim_matches('"');
        let raw = s[pos + op.len()..].trim();
        let value = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
            None => raw.to_string(),
        };
        Matcher::new(name, op, &value)
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.name).map(String::as_str).unwrap_or("");
        match self.op {
            "=" => v == self.value,
            "!=" => v != self.value,
            "=~" => self.re.as_ref().is_some_and(|r| r.is_match(v)),
            _ => !self.re.as_ref().is_some_and(|r| r.is_match(v)),
        }
    }

    fn show(&self) -> String {
        format!("{}{}\"{}\"", self.name, self.op, self.value)
    }
}

/// A matched route: where it is, and what it inherited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    /// The path of matchers from the root, e.g. `["", "severity=\"critical\""]`.
    pub path: Vec<String>,
    pub receiver: String,
    pub group_by: Vec<String>,
    pub group_wait: String,
    pub group_interval: String,
    pub repeat_interval: String,
    #[serde(rename = "continue")]
    pub continue_: bool,
}

#[derive(Clone)]
struct Inherited {
    receiver: String,
    group_by: Vec<String>,
    group_wait: String,
    group_interval: String,
    repeat_interval: String,
}

fn matchers(r: &Route) -> Result<Vec<Matcher>, String> {
    let mut out = Vec::new();
    for (k, v) in &r.match_ {
        out.push(Matcher::new(k, "=", v)?);
    }
    for (k, v) in &r.match_re {
        out.push(Matcher::new(k, "=~", v)?);
    }
    for m in &r.matchers {
        out.push(Matcher::parse(m)?);
    }
    Ok(out)
}

fn walk(
    r: &Route,
    labels: &BTreeMap<String, String>,
    parent: &Inherited,
    path: Vec<String>,
    root: bool,
) -> Result<Option<Vec<Matched>>, String> {
    let ms = matchers(r)?;
    if !root && !ms.iter().all(|m| m.matches(labels)) {
        return Ok(None);
    }
    let here = Inherited {
        receiver: r
            .receiver
            .clone()
            .unwrap_or_else(|| parent.receiver.clone()),
        group_by: r
            .group_by
            .clone()
            .unwrap_or_else(|| parent.group_by.clone()),
        group_wait: r
            .group_wait
            .clone()
            .unwrap_or_else(|| parent.group_wait.clone()),
        group_interval: r
            .group_interval
            .clone()
            .unwrap_or_else(|| parent.group_interval.clone()),
        repeat_interval: r
            .repeat_interval
            .clone()
            .unwrap_or_else(|| parent.repeat_interval.clone()),
    };
    let mut path = path;
    path.push(ms.iter().map(Matcher::show).collect::<Vec<_>>().join(","));
    let mut all = Vec::new();
    for child in &r.routes {
        if let Some(found) = walk(child, labels, &here, path.clone(), false)? {
            all.extend(found);
            if !child.continue_ {
                break;
            }
        }
    }
    if all.is_empty() {
        all.push(Matched {
            path,
            receiver: here.receiver,
            group_by: here.group_by,
            group_wait: here.group_wait,
            group_interval: here.group_interval,
            repeat_interval: here.repeat_interval,
            continue_: r.continue_,
        });
    }
    Ok(Some(all))
}

/// The routes an alert with these labels takes through the config's route tree.
pub fn route(config_yaml: &str, labels: &BTreeMap<String, String>) -> Result<Vec<Matched>, Error> {
    let cfg: Config = serde_yaml::from_str(config_yaml)
        .map_err(|e| Error::input(format!("the Alertmanager config cannot be read: {e}")))?;
    // Alertmanager's defaults for the root route
    let defaults = Inherited {
        receiver: String::new(),
        group_by: vec![],
        group_wait: "30s".into(),
        group_interval: "5m".into(),
        repeat_interval: "4h".into(),
    };
    Ok(walk(&cfg.route, labels, &defaults, vec![], true)
        .map_err(Error::input)?
        .unwrap_or_default())
}

/// The receivers, in routing order (what `amtool config routes test` prints).
pub fn receivers(matched: &[Matched]) -> Vec<String> {
    matched.iter().map(|m| m.receiver.clone()).collect()
}

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

    const CFG: &str = "route:\n  receiver: default\n  group_by: [alertname]\n  routes:\n    - receiver: pager\n      matchers: ['severity=\"critical\"']\n      continue: true\n      group_wait: 5s\n    - receiver: team\n      match_re:\n        severity: warning|critical\n      routes:\n        - matchers: ['team=~\"db|storage\"']\n          receiver: team-db\n        - match: {team: web}\n";

    fn labels(s: &[&str]) -> BTreeMap<String, String> {
        parse_labels(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn continue_matchers_and_inheritance() {
        let m = route(CFG, &labels(&["severity=critical", "team=db"])).unwrap();
        assert_eq!(receivers(&m), ["pager", "team-db"]);
        assert_eq!(m[0].group_wait, "5s");
        assert_eq!(m[1].group_wait, "30s");
        assert_eq!(m[1].group_by, ["alertname"], "inherited from the root");
        let m = route(CFG, &labels(&["severity=warning", "team=web"])).unwrap();
        assert_eq!(
            receivers(&m),
            ["team"],
            "a child without a receiver inherits its parent's"
        );
        assert_eq!(
            receivers(&route(CFG, &labels(&["severity=info"])).unwrap()),
            ["default"]
        );
    }

    #[test]
    fn matcher_forms() {
        let l = |v: &str| BTreeMap::from([("a".to_string(), v.to_string())]);
        for (m, yes, no) in [
            ("a=\"1\"", "1", "2"),
            ("a!=1", "2", "1"),
            ("a=~\"x|y\"", "y", "xy"),
            ("{a!~\"z.*\"}", "q", "zed"),
            ("a = \"sp ace\"", "sp ace", "space"),
        ] {
            let parsed = Matcher::parse(m).unwrap_or_else(|e| panic!("{m}: {e}"));
            assert!(parsed.matches(&l(yes)), "{m} should match {yes}");
            assert!(!parsed.matches(&l(no)), "{m} should not match {no}");
        }
        assert!(Matcher::parse("nonsense").is_err());
        assert!(
            Matcher::parse("a=~\"(\"").is_err(),
            "a bad regex is an error"
        );
    }
}
