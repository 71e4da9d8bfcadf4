//! Alertmanager's routing, offline: the route path(s) and receivers an alert with these labels
//! gets, with `continue`, matchers, the old `match`/`match_re`, and inheritance of receiver,
//! group_by and timings, as Alertmanager's dispatcher walks the tree. `amtool config routes test`
//! is the reference in the tests.
use super::{get, is_true, scalar_text, strings};
use crate::alertmanager::matchers::{parse_matchers, MatchType, Matcher};
use serde::Serialize;
use serde_yaml::Value as Yaml;
use std::collections::{BTreeMap, BTreeSet};

/// A route of the tree, read leniently (the checks are [`super::problems`]'s).
#[derive(Debug, Clone, Default)]
pub struct Route {
    pub receiver: Option<String>,
    pub group_by: Option<Vec<String>>,
    pub continue_: bool,
    pub match_: BTreeMap<String, String>,
    pub match_re: BTreeMap<String, String>,
    pub matchers: Vec<String>,
    pub group_wait: Option<String>,
    pub group_interval: Option<String>,
    pub repeat_interval: Option<String>,
    pub routes: Vec<Route>,
}

impl Drop for Route {
    /// A route tree as deep as Alertmanager takes one (10,000 levels) is dropped without
    /// recursion: each route's children are moved to a work list first.
    fn drop(&mut self) {
        let mut work = std::mem::take(&mut self.routes);
        while let Some(mut r) = work.pop() {
            work.append(&mut r.routes);
        }
    }
}

impl Route {
    /// A route from its YAML (deep trees on a stack grown as needed).
    fn read(v: &Yaml) -> Result<Route, String> {
        crate::input::deep::grow(|| Route::read_here(v))
    }

    fn read_here(v: &Yaml) -> Result<Route, String> {
        let m = match v {
            Yaml::Mapping(m) => m,
            // an empty route too: Alertmanager 0.34 cannot load one (it crashes on a nil route)
            _ => return Err("a route is a mapping (receiver, matchers, routes, ...)".into()),
        };
        let opt = |k: &str| get(m, k).and_then(scalar_text);
        let map = |k: &str| -> BTreeMap<String, String> {
            get(m, k)
                .and_then(Yaml::as_mapping)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((scalar_text(k)?, scalar_text(v).unwrap_or_default())))
                .collect()
        };
        let routes = get(m, "routes")
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten();
        Ok(Route {
            receiver: opt("receiver"),
            group_by: get(m, "group_by").map(|_| strings(m, "group_by")),
            continue_: is_true(m, "continue"),
            match_: map("match"),
            match_re: map("match_re"),
            matchers: strings(m, "matchers"),
            group_wait: opt("group_wait"),
            group_interval: opt("group_interval"),
            repeat_interval: opt("repeat_interval"),
            routes: routes.map(Route::read).collect::<Result<_, _>>()?,
        })
    }
}

/// A receiver's name (its integrations do not matter for routing).
#[derive(Debug, Clone)]
pub struct Receiver {
    pub name: String,
}

/// The parts of a config routing reads.
#[derive(Debug, Clone)]
pub struct Config {
    pub route: Route,
    pub receivers: Vec<Receiver>,
}

impl Config {
    /// The config as Alertmanager reads the file ([`super::yaml`]).
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc = super::yaml::load(text).map_err(|e| {
            format!(
                "the Alertmanager config cannot be read: line {}: {}",
                e.line, e.message
            )
        })?;
        let config = Config::read(&doc);
        super::yaml::dismantle(doc);
        config
    }

    fn read(doc: &Yaml) -> Result<Self, String> {
        let Some(top) = doc.as_mapping() else {
            return Err("the Alertmanager config is not a mapping with a route".into());
        };
        let route = get(top, "route").ok_or("the Alertmanager config has no route")?;
        let receivers = get(top, "receivers")
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
            .filter_map(Yaml::as_mapping)
            .map(|r| Receiver {
                name: super::text(r, "name"),
            })
            .collect();
        Ok(Config {
            route: Route::read(route)?,
            receivers,
        })
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
        out.push(Matcher::new(MatchType::Equal, k, v)?);
    }
    for (k, v) in &r.match_re {
        out.push(Matcher::new(MatchType::Regexp, k, v)?);
    }
    for m in &r.matchers {
        out.extend(parse_matchers(m).map_err(|e| format!("`{m}`: {e}"))?);
    }
    Ok(out)
}

fn inherit(r: &Route, parent: &Inherited) -> Inherited {
    let or = |own: &Option<String>, from: &String| own.clone().unwrap_or_else(|| from.clone());
    Inherited {
        receiver: or(&r.receiver, &parent.receiver),
        group_by: r
            .group_by
            .clone()
            .unwrap_or_else(|| parent.group_by.clone()),
        group_wait: or(&r.group_wait, &parent.group_wait),
        group_interval: or(&r.group_interval, &parent.group_interval),
        repeat_interval: or(&r.repeat_interval, &parent.repeat_interval),
    }
}

/// The routes below `r` the alert takes, if it matches `r` (`path`: the matchers from the root
/// to `r`'s parent; deep trees on a stack grown as needed).
fn walk(
    r: &Route,
    labels: &BTreeMap<String, String>,
    parent: &Inherited,
    path: &mut Vec<String>,
    root: bool,
) -> Result<Option<Vec<Matched>>, String> {
    crate::input::deep::grow(|| walk_here(r, labels, parent, path, root))
}

fn walk_here(
    r: &Route,
    labels: &BTreeMap<String, String>,
    parent: &Inherited,
    path: &mut Vec<String>,
    root: bool,
) -> Result<Option<Vec<Matched>>, String> {
    let ms = matchers(r)?;
    if !root && !ms.iter().all(|m| m.matches(labels)) {
        return Ok(None);
    }
    let here = inherit(r, parent);
    path.push(ms.iter().map(Matcher::show).collect::<Vec<_>>().join(","));
    let mut all = Vec::new();
    for child in &r.routes {
        match walk(child, labels, &here, path, false) {
            Ok(Some(found)) => {
                all.extend(found);
                if !child.continue_ {
                    break;
                }
            }
            Ok(None) => {}
            Err(e) => {
                path.pop();
                return Err(e);
            }
        }
    }
    if all.is_empty() {
        all.push(Matched {
            path: path.clone(),
            receiver: here.receiver,
            group_by: here.group_by,
            group_wait: here.group_wait,
            group_interval: here.group_interval,
            repeat_interval: here.repeat_interval,
            continue_: r.continue_,
        });
    }
    path.pop();
    Ok(Some(all))
}

/// The routes an alert with these labels takes through the config's route tree.
pub fn route(
    config_yaml: &str,
    labels: &BTreeMap<String, String>,
) -> Result<Vec<Matched>, crate::Error> {
    let cfg = Config::parse(config_yaml).map_err(crate::Error::input)?;
    // Alertmanager's defaults for the root route
    let defaults = Inherited {
        receiver: String::new(),
        group_by: vec![],
        group_wait: "30s".into(),
        group_interval: "5m".into(),
        repeat_interval: "4h".into(),
    };
    Ok(walk(&cfg.route, labels, &defaults, &mut Vec::new(), true)
        .map_err(crate::Error::input)?
        .unwrap_or_default())
}

/// The receivers, in routing order (what `amtool config routes test` prints).
pub fn receivers(matched: &[Matched]) -> Vec<String> {
    matched.iter().map(|m| m.receiver.clone()).collect()
}

/// Differences that matter between two configs (ours, and the one Alertmanager loaded, which
/// the operator may have rewritten): the top-level receiver, the receivers, the child routes.
pub fn differences(ours: &str, live: &str) -> Result<Vec<String>, String> {
    let a = Config::parse(ours).map_err(|e| format!("our config: {e}"))?;
    let b = Config::parse(live).map_err(|e| format!("the loaded config: {e}"))?;
    let mut d = Vec::new();
    if a.route.receiver != b.route.receiver {
        d.push(format!(
            "route receiver {:?} vs {:?}",
            a.route.receiver.as_deref(),
            b.route.receiver.as_deref()
        ));
    }
    let names = |c: &Config| {
        c.receivers
            .iter()
            .map(|r| r.name.clone())
            .collect::<BTreeSet<_>>()
    };
    let (ra, rb) = (names(&a), names(&b));
    if ra != rb {
        d.push(format!("receivers {ra:?} vs {rb:?}"));
    }
    if a.route.routes.len() != b.route.routes.len() {
        d.push(format!(
            "{} child routes vs {}",
            a.route.routes.len(),
            b.route.routes.len()
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: &str = "route:\n  receiver: default\n  group_by: [alertname]\n  routes:\n    - receiver: pager\n      matchers: ['severity=\"critical\"']\n      continue: true\n      group_wait: 5s\n    - receiver: team\n      match_re:\n        severity: warning|critical\n      routes:\n        - matchers: ['team=~\"db|storage\"']\n          receiver: team-db\n        - match: {team: web}\n";

    fn labels(s: &[(&str, &str)]) -> BTreeMap<String, String> {
        s.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn continue_matchers_and_inheritance() {
        let m = route(CFG, &labels(&[("severity", "critical"), ("team", "db")])).unwrap();
        assert_eq!(receivers(&m), ["pager", "team-db"]);
        assert_eq!(m[0].group_wait, "5s");
        assert_eq!(m[1].group_wait, "30s");
        assert_eq!(m[1].group_by, ["alertname"], "inherited from the root");
        let m = route(CFG, &labels(&[("severity", "warning"), ("team", "web")])).unwrap();
        assert_eq!(
            receivers(&m),
            ["team"],
            "a child without a receiver inherits its parent's"
        );
        assert_eq!(
            receivers(&route(CFG, &labels(&[("severity", "info")])).unwrap()),
            ["default"]
        );
        assert!(route(
            "route: {receiver: a, routes: [{matchers: [nonsense]}]}\n",
            &labels(&[])
        )
        .is_err());
        for (empty, why) in [
            (
                "route: {receiver: a, routes: [~]}\n",
                "a route is a mapping (receiver, matchers, routes, ...)",
            ),
            ("route:\n", "the Alertmanager config has no route"),
        ] {
            let err = route(empty, &labels(&[])).unwrap_err();
            assert_eq!(err.to_string(), why, "{empty}");
        }
    }

    /// A route tree thousands of levels deep is read, routed and dropped in a thread with a
    /// small stack, as a tokio worker's: a recursive drop of the tree would overflow it.
    #[test]
    fn a_deep_route_tree_is_dropped_without_recursion() {
        let mut text = String::from("route:\n  receiver: r\n  routes:\n");
        for level in 1..=2_000 {
            text.push_str(&format!("{}- routes:\n", "  ".repeat(level)));
        }
        text.push_str("receivers:\n  - name: r\n");
        std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || {
                let m = route(&text, &labels(&[])).unwrap();
                assert_eq!(receivers(&m), ["r"]);
            })
            .unwrap()
            .join()
            .unwrap();
    }

    /// What `status` compares between our config and the loaded one: the root's receiver, the
    /// set of receivers, the number of child routes; the rest may differ.
    #[test]
    fn differences_name_what_routing_depends_on() {
        let cfg = |root: &str, names: &str, children: usize| {
            format!(
                "route:\n  receiver: {root}\n  group_wait: 1s\n  routes:\n{}receivers:\n{names}",
                "    - receiver: a\n".repeat(children)
            )
        };
        let ours = cfg("a", "  - name: a\n  - name: b\n", 1);
        let d = |live: &str| differences(&ours, live).unwrap();
        assert_eq!(d(&ours.replace("1s", "2s")), Vec::<String>::new());
        assert_eq!(
            d(&cfg("b", "  - name: a\n  - name: b\n", 1)),
            ["route receiver Some(\"a\") vs Some(\"b\")"]
        );
        assert_eq!(
            d(&cfg("a", "  - name: a\n", 2)),
            ["receivers {\"a\", \"b\"} vs {\"a\"}", "1 child routes vs 2"]
        );
        assert_eq!(
            differences("route: [\n", &ours).unwrap_err(),
            "our config: the Alertmanager config cannot be read: line 2: did not find expected node content"
        );
        assert!(differences(&ours, "[]\n")
            .unwrap_err()
            .starts_with("the loaded config: "));
    }
}
