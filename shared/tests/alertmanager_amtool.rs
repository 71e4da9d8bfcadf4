//! Our Alertmanager config check against the real `amtool check-config`: every config of the
//! broken corpus is refused by both (ours with file:line), every good one accepted by both; our
//! half runs everywhere, amtool's where amtool 0.34 is (always in CI).
//! amtool is 0.34, the version the chart deploys (scripts/build-peers.sh).
use promstack_shared::alertmanager::config::{check, problems};
use promstack_shared::testing::{needs, tool};
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/alertmanager");

fn files(kind: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(CORPUS).join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn amtool_accepts(bin: &Path, f: &Path) -> bool {
    std::process::Command::new(bin)
        .arg("check-config")
        .arg(f)
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn every_broken_config_is_refused_by_us_with_its_file() {
    let bad = files("bad");
    assert!(
        bad.len() >= 30,
        "the corpus has {} broken configs",
        bad.len()
    );
    for f in &bad {
        let name = f.file_name().unwrap().to_str().unwrap();
        let p = problems(name, &std::fs::read_to_string(f).unwrap());
        assert!(
            !p.is_empty(),
            "we accept {name}, which Alertmanager refuses"
        );
        assert!(
            p.iter().all(|m| m.starts_with(&format!("{name}:"))),
            "{name}: every problem names the file: {p:?}"
        );
    }
}

/// The corpus is what Alertmanager 0.34 refuses and loads: each broken config is refused by
/// amtool, each good one (and the UTF-8 label one) loaded.
#[needs(amtool)]
#[test]
fn amtool_refuses_every_broken_config_and_loads_every_good_one() {
    let amtool = tool("amtool");
    for f in files("bad") {
        let name = f.file_name().unwrap().to_str().unwrap();
        assert!(
            !amtool_accepts(&amtool, &f),
            "amtool accepts {name}: not a broken config"
        );
    }
    let mut good = files("good");
    good.push(Path::new(CORPUS).join("inhibit-equal-utf8-label.yaml"));
    for f in good {
        assert!(
            amtool_accepts(&amtool, &f),
            "amtool refuses {}",
            f.display()
        );
    }
}

#[test]
fn every_good_config_is_accepted_by_us() {
    for f in files("good") {
        let name = f.file_name().unwrap().to_str().unwrap();
        let p = problems(name, &std::fs::read_to_string(&f).unwrap());
        assert!(p.is_empty(), "we refuse {name}: {p:#?}");
    }
}

#[test]
fn the_three_configs_that_got_through_before_say_what_is_wrong_and_where() {
    let read = |n: &str| std::fs::read_to_string(Path::new(CORPUS).join("bad").join(n)).unwrap();
    let p = problems("x.yaml", &read("matcher-broken-regex.yaml"));
    assert_eq!(
        p,
        ["x.yaml:5: route.routes[0].matchers[0]: `severity=~\"(critical\"`: error parsing regexp: missing closing ): `^(?:(critical)$`"]
    );
    let p = problems("x.yaml", &read("webhook-without-url.yaml"));
    assert!(
        p[0] == "x.yaml:6: receivers[0].webhook_configs[0]: one of url or url_file must be configured",
        "{p:?}"
    );
    let p = problems("x.yaml", &read("slack-api-url-not-a-url.yaml"));
    assert_eq!(
        p,
        ["x.yaml:6: receivers[0].slack_configs[0].api_url: unsupported scheme \"\" for URL"]
    );
}

/// Alertmanager 0.34 reads its config in the fallback mode, where a label name is any UTF-8 text
/// (0.25 took classic label names only): we load it, as amtool 0.34 does (above).
#[test]
fn a_utf8_label_name_loads_in_0_34() {
    let f = Path::new(CORPUS).join("inhibit-equal-utf8-label.yaml");
    let p = problems("x.yaml", &std::fs::read_to_string(&f).unwrap());
    assert_eq!(p, Vec::<String>::new());
}

/// Secrets and URLs are not read as templates here, nor is an http_config: no warning quotes
/// them (amtool 0.34 accepts this config).
#[test]
fn a_secret_or_an_http_config_is_not_read_as_a_template() {
    let c = check(
        "x.yaml",
        "route:\n  receiver: a\nreceivers:\n  - name: a\n    pagerduty_configs:\n      - routing_key: '{{ x'\n        http_config:\n          oauth2: {client_id: '{{ y', client_secret: s, token_url: 'http://t'}\n",
    );
    assert_eq!(c.problems, Vec::<String>::new());
    assert_eq!(c.warnings, Vec::<String>::new());
}

#[test]
fn a_template_that_cannot_render_is_a_warning() {
    // Alertmanager loads this (amtool accepts it) and fails each notification it renders
    let c = check(
        "x.yaml",
        "route:\n  receiver: a\nreceivers:\n  - name: a\n    slack_configs:\n      - api_url: https://hooks.slack.com/x\n        title: '{{ .CommonLabels.alertname }'\n",
    );
    assert_eq!(c.problems, Vec::<String>::new());
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0].starts_with(
            "x.yaml:7: receivers[0].slack_configs[0].title: the template does not parse"
        ),
        "{:?}",
        c.warnings
    );
}

/// The typo `webhook_config:` for `webhook_configs:` directly under a receiver: amtool 0.34
/// refuses it with yaml.v2's strict unmarshal error, at the line we name (alertmanager_0_34.rs).
#[needs(amtool)]
#[test]
fn amtool_refuses_a_misspelt_key_under_a_receiver() {
    let f = Path::new(CORPUS).join("bad/receiver-webhook-config-typo.yaml");
    let out = std::process::Command::new(tool("amtool"))
        .arg("check-config")
        .arg(&f)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("FAILED: yaml: unmarshal errors:\n  line 5: field webhook_config not found in type config.plain"),
        "{said}"
    );
}
