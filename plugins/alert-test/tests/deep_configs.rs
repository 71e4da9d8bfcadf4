//! No Alertmanager config crashes or hangs the check: deep and long inputs through the real
//! binary (`alert-test routes --config`, which checks the file as Alertmanager 0.34 loads it before
//! it routes), each ending with exit 0 (routed) or 2 (refused), never a signal (a stack
//! overflow aborts the process) nor a hang. The verdict is amtool 0.34's (checked where amtool
//! is built: `PROMSTACK_AMTOOL`, else `.tools/alertmanager-v0.34.0/amtool`): Alertmanager reads
//! at most 10,000 nested indentations and 10,000 nested flow collections (yaml.v2), and a regex
//! nested at most 998 deep (Go's RE2, after its own `^(?:...)$`); except that flow collections
//! nested past 256 are refused here on purpose (`config::yaml::MAX_FLOW_DEPTH` says why).
use promstack_shared::testing::needs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-promstack-alert-test");
const RECEIVERS: &str = "receivers:\n  - name: r\n";

/// `depth` routes, each the only child of the one before, in flow style (two flow levels each).
fn flow_routes(depth: usize) -> String {
    let open = "{receiver: r, routes: [".repeat(depth);
    let close = "]}".repeat(depth);
    format!("route: {open}{{receiver: r}}{close}\n{RECEIVERS}")
}

/// `depth` routes nested in block style, with indentless lists (one indentation each), each
/// to `receiver`.
fn block_routes(depth: usize, receiver: &str) -> String {
    let mut s = String::from("route:\n  receiver: r\n");
    for i in 0..depth {
        let pad = " ".repeat(2 + 2 * i);
        s.push_str(&format!("{pad}routes:\n{pad}- receiver: {receiver}\n"));
    }
    s + RECEIVERS
}

/// A route with a regex nested `depth` parentheses deep.
fn nested_regex(depth: usize) -> String {
    let re = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
    format!("route:\n  receiver: r\n  routes:\n    - match_re: {{a: '{re}'}}\n{RECEIVERS}")
}

/// One line of `n` matchers, and a matcher with a value of `len` characters.
fn long_matchers(n: usize, len: usize) -> String {
    let line = vec!["a=\"b\""; n].join(",");
    let value = "x".repeat(len);
    format!("route:\n  receiver: r\n  routes:\n    - matchers: ['{line}', 'b=\"{value}\"', '{}']\n{RECEIVERS}", "{".repeat(n))
}

/// `n` sibling routes and `n` inhibit rules.
fn wide(n: usize) -> String {
    let routes = "    - {receiver: r, matchers: ['a=~\"b|c\"']}\n".repeat(n);
    let rules =
        "  - {source_matchers: ['a=b'], target_matchers: ['c=~\"d.*\"'], equal: [e]}\n".repeat(n);
    format!("route:\n  receiver: r\n  routes:\n{routes}{RECEIVERS}inhibit_rules:\n{rules}")
}

/// Aliases of aliases: a billion laughs, which yaml.v2 refuses as excessive aliasing.
fn laughs() -> String {
    let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = format!("*a{}", i - 1);
        s.push_str(&format!("a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", ")));
    }
    s
}

/// A `payload` (anything) nested `depth` lists deep, under a route tree 3 deep.
fn deep_payload(depth: usize) -> String {
    let v = format!("{}x{}", "[".repeat(depth), "]".repeat(depth));
    format!("route:\n  receiver: r\n{RECEIVERS}    webhook_configs:\n      - url: https://example.com/x\n        payload: {v}\n")
}

/// amtool 0.34.0 (`#[needs(amtool)]` on the test), its version checked.
fn amtool() -> PathBuf {
    promstack_shared::testing::tool_of_version("amtool", "version 0.34.0")
}

/// The exit code of `alert-test routes --config <file>`, after asserting it neither crashed nor
/// hung.
fn routes_exit(file: &Path) -> i32 {
    let mut child = Command::new(BIN)
        .args(["routes", "--no-color", "--config"])
        .arg(file)
        .arg("severity=critical")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{}: alert-test routes hangs", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let code = status
        .code()
        .unwrap_or_else(|| panic!("{}: alert-test routes crashed: {status}", file.display()));
    assert!([0, 2, 3].contains(&code), "{}: exit {code}", file.display());
    code
}

#[needs(amtool)]
#[test]
fn deep_and_long_configs_neither_crash_nor_hang_and_are_judged_as_amtool_judges_them() {
    let amtool = amtool();
    let dir = tempfile::tempdir().unwrap();
    // (name, config, Alertmanager 0.34 loads it, promstack takes it)
    let cases: Vec<(&str, String, bool, bool)> = vec![
        ("flow-routes-127-deep", flow_routes(127), true, true),
        // flow collections nested past 256: refused here on purpose (`yaml::MAX_FLOW_DEPTH`)
        ("flow-routes-4999-deep", flow_routes(4_999), true, false),
        ("flow-routes-10000-deep", flow_routes(10_000), false, false),
        (
            "block-routes-3000-deep",
            block_routes(3_000, "r"),
            true,
            true,
        ),
        (
            "block-routes-1500-deep-each-undefined",
            block_routes(1_500, "nope"),
            false,
            false,
        ),
        ("regex-nested-998", nested_regex(998), true, true),
        ("regex-nested-999", nested_regex(999), false, false),
        ("regex-nested-100000", nested_regex(100_000), false, false),
        (
            "matchers-20000-in-a-line",
            long_matchers(20_000, 1_000_000),
            false,
            false,
        ),
        ("wide-10000", wide(10_000), true, true),
        ("billion-laughs", laughs(), false, false),
        ("payload-250-deep", deep_payload(250), true, true),
        ("payload-9990-deep", deep_payload(9_990), true, false),
        ("payload-10001-deep", deep_payload(10_001), false, false),
    ];
    for (name, text, loads, ours) in cases {
        let file = dir.path().join(format!("{name}.yml"));
        std::fs::write(&file, &text).unwrap();
        let started = Instant::now();
        let code = routes_exit(&file);
        println!("{name}: exit {code} in {:?}", started.elapsed());
        {
            let bin = &amtool;
            let out = Command::new(bin)
                .arg("check-config")
                .arg(&file)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.success(),
                loads,
                "{name}: amtool now says {said}"
            );
        }
        assert_eq!(code != 2, ours, "{name}: exit {code}");
    }
}
