//! End to end against a real cluster with the stack installed (PROMSTACK_E2E_KUBECONFIG). Syncs
//! promstack's rules into a throwaway namespace, changes one, prunes one, checks the live objects,
//! and removes the namespace afterwards. The namespace gets no Prometheus of its own, so the
//! selection check is the real one: the stack's Prometheus must select rules from every namespace.
use promstack_shared::testing::{kubectl, plugin_json, E2eNamespace};
use std::path::Path;

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");

fn rules(kc: &Path, ns: &str, args: &[&str]) -> serde_json::Value {
    plugin_json(env!("CARGO_BIN_EXE_kubectl-promstack-rules"), kc, ns, args)
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn sync_change_prune_verify() {
    let kc = promstack_shared::testing::e2e_kubeconfig();
    let ns = E2eNamespace::create(&kc, "promstack-rules-e2e");

    let tmp = tempfile::tempdir().unwrap();
    for f in promstack_shared::sources::rule_files(Some(std::path::Path::new(RULES))).unwrap() {
        std::fs::write(tmp.path().join(&f.path), &f.text).unwrap();
    }
    let dir = tmp.path().to_str().unwrap();
    let r = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(r["created"], 3, "{r}");
    let again = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(
        (
            again["created"].clone(),
            again["updated"].clone(),
            again["unchanged"].clone()
        ),
        (0.into(), 0.into(), 3.into()),
        "second sync: {again}"
    );

    let text = std::fs::read_to_string(tmp.path().join("node.yaml"))
        .unwrap()
        .replace("for: 3m", "for: 4m");
    std::fs::write(tmp.path().join("node.yaml"), text).unwrap();
    std::fs::remove_file(tmp.path().join("cilium.yaml")).unwrap();
    let r = rules(&kc, &ns.name, &["sync", "--dir", dir, "--prune"]);
    assert_eq!(
        (r["updated"].clone(), r["pruned"].clone()),
        (1.into(), 1.into()),
        "{r}"
    );

    let listed = rules(&kc, &ns.name, &["list"]);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["promstack-node", "promstack-workloads"]);
    let live = kubectl(
        &kc,
        &[
            "-n",
            &ns.name,
            "get",
            "prometheusrule",
            "promstack-node",
            "-o",
            "jsonpath={.spec.groups[0].rules[0].for}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&live.stdout), "4m");
    let diff = rules(&kc, &ns.name, &["diff", "--dir", dir]);
    assert_eq!(diff, serde_json::json!([]), "no drift after the sync");

    // drift the way server-side apply sees it: a --label promstack stops setting is removed
    let labelled = rules(
        &kc,
        &ns.name,
        &["sync", "--dir", dir, "--label", "team=e2e"],
    );
    assert_eq!(labelled["updated"], 2, "{labelled}");
    let diff = rules(&kc, &ns.name, &["diff", "--dir", dir]);
    let diffs = diff.as_array().unwrap();
    assert_eq!(diffs.len(), 2, "the label shows as drift: {diff}");
    assert!(
        diffs[0]["diff"]
            .as_str()
            .unwrap()
            .contains("-    team: e2e"),
        "{diff}"
    );
    let r = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(r["updated"], 2, "{r}");
    let team = kubectl(
        &kc,
        &[
            "-n",
            &ns.name,
            "get",
            "prometheusrule",
            "promstack-node",
            "-o",
            "jsonpath={.metadata.labels.team}",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&team.stdout),
        "",
        "the API server removed team=e2e"
    );
    let again = rules(&kc, &ns.name, &["sync", "--dir", dir]);
    assert_eq!(again["unchanged"], 2, "and then nothing changes: {again}");
    assert_eq!(
        rules(&kc, &ns.name, &["diff", "--dir", dir]),
        serde_json::json!([])
    );
}
