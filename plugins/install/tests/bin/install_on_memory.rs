//! `kubectl-promstack-install` as the binary runs it (the same parser, `run_main`, Ctrl-C handling
//! and `run_with`), with the in-memory cluster and the fake helm of the tests behind it instead of
//! a real cluster and helm. The PTY tests (tests/pty_flow.rs) type into its prompts.
//!
//! PROMSTACK_TEST_SEED: `fresh` (default: a 3-node cluster, nothing installed), `installed`
//! (the stack is there with its Secrets) or `installed-with-others` (and objects of the chart's
//! CRDs' kinds that other owners made: Cilium's three in kube-system, 20 of a team in team-a). PROMSTACK_TEST_HELM_HANGS=1: helm's upgrade never
//! returns (so a signal can come while helm runs). PROMSTACK_TEST_JOURNAL: a file that gets every request
//! the plugin makes, one line each (`Apply Secret monitoring/...`), written as it happens.
//! The terminal's echo is turned on first, as a real terminal has it (the PTY test library turns
//! it off), so a test can see that a password prompt hides what is typed.
#[path = "../common/mod.rs"]
mod common;

use promstack_shared::terminal::cli::{or_interrupted_with, run_main};

fn main() {
    promstack_shared::testing::terminal_echo_on();
    let cli = promstack_install::cli::parse_from(std::env::args_os()).unwrap_or_else(|e| e.exit());
    let cluster = common::cluster(3);
    let helm = common::FakeHelm::new(cluster.clone(), 4);
    let seed = std::env::var("PROMSTACK_TEST_SEED").unwrap_or_default();
    if seed.starts_with("installed") {
        common::seed_installed(&cluster, &helm, &cli.global.namespace);
    }
    if seed == "installed-with-others" {
        others(&cluster);
    }
    if std::env::var("PROMSTACK_TEST_HELM_HANGS").as_deref() == Ok("1") {
        helm.state.lock().unwrap().hang_upgrade = true;
    }
    if let Some(path) = std::env::var_os("PROMSTACK_TEST_JOURNAL") {
        cluster.journal_to(path);
    }
    run_main(or_interrupted_with(
        async { promstack_install::run_with(&cli, &*cluster, &helm).await },
        promstack_install::verb::stage::interrupted_message,
    ));
}

/// Widgets (a kind of the fixture chart's CRDs) of other owners.
fn others(c: &promstack_shared::kube::cluster::MemoryCluster) {
    use serde_json::json;
    c.insert(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}));
    let widget = |ns: &str, name: &str, release: &str| {
        json!({"apiVersion": "fixture.promstack.io/v1", "kind": "Widget",
            "metadata": {"name": name, "namespace": ns,
                "annotations": {"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns}}})
    };
    for name in ["cilium-agent", "cilium-operator", "hubble"] {
        c.insert(widget("kube-system", name, "cilium"));
    }
    for i in 0..20 {
        c.insert(widget("team-a", &format!("w-{i:02}"), "app"));
    }
}
