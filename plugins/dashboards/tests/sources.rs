//! Dashboards from any file, folder or stream, as the real binary takes them in a pipeline: what
//! the real kustomize (kubectl 1.33's `kubectl kustomize`) builds of a configMapGenerator and a
//! secretGenerator, a grafana.com export piped in, the same verdict and the same ConfigMaps as
//! `--dir`, errors at document:line, `--prune` refused for a stream, completion and help.
use promstack_shared::testing::needs;
use promstack_shared::testing::{output_fed, output_ok};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const DASHBOARDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dashboards");

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-dashboards"));
    c.env_remove("KUBECONFIG")
        .env_remove("PROMSTACK_DASHBOARDS_DIR")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

fn run(args: &[&str], input: &[u8]) -> Output {
    let mut c = bin();
    c.args(args);
    output_fed(&mut c, input)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// `kubectl kustomize` of a kustomization in `dir` (`files` written first).
fn kustomize(dir: &Path, files: &[(&str, &str)]) -> Vec<u8> {
    let kubectl = promstack_shared::testing::tool("kubectl");
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    output_ok(Command::new(kubectl).arg("kustomize").arg(dir)).stdout
}

const KUSTOMIZATION: &str = r#"configMapGenerator:
  - name: hubble
    files: [hubble.json]
    options:
      labels: {grafana_dashboard: "1"}
      annotations: {grafana_folder: Cilium}
  - name: settings
    literals: [retention=2d]
"#;

#[needs(kubectl)]
#[test]
fn kustomize_build_piped_in_gives_the_folders_verdict_and_configmaps() {
    let tree = tempfile::tempdir().unwrap();
    let hubble = std::fs::read_to_string(format!("{DASHBOARDS}/Cilium/hubble.json")).unwrap();
    let built = kustomize(
        tree.path(),
        &[
            ("hubble.json", &hubble),
            ("kustomization.yaml", KUSTOMIZATION),
        ],
    );
    let o = run(&["validate", "-f", "-", "-o", "json"], &built);
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(
        (v["dashboards"].clone(), v["sources"]["skipped"].clone()),
        (1.into(), 1.into()),
        "{v}"
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).lines().next(),
        Some("dashboards: <stdin> (1 dashboard in the standard input; 1 other object skipped)")
    );
    // the folder it would be in: the same verdict, the same ConfigMap
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir(folder.path().join("Cilium")).unwrap();
    std::fs::write(folder.path().join("Cilium/hubble.json"), &hubble).unwrap();
    let dir = folder.path().to_str().unwrap();
    let w = json(&run(&["validate", "--dir", dir, "-o", "json"], b""));
    assert_eq!(
        (w["dashboards"].clone(), w["queries"].clone()),
        (1.into(), v["queries"].clone())
    );
    let from_stream = run(&["sync", "--dry-run", "-o", "yaml", "-f", "-"], &built);
    let from_folder = run(&["sync", "--dry-run", "-o", "yaml", dir], b"");
    assert!(from_stream.status.success(), "{}", text(&from_stream));
    assert_eq!(
        String::from_utf8_lossy(&from_stream.stdout),
        String::from_utf8_lossy(&from_folder.stdout)
    );
    assert!(String::from_utf8_lossy(&from_stream.stdout).contains("name: dashboard-cilium-hubble"));
    // the tree itself as a folder: the JSON file, and the generated objects are not (kustomization.yaml skipped)
    let t = json(&run(
        &["validate", tree.path().to_str().unwrap(), "-o", "json"],
        b"",
    ));
    assert_eq!(
        (t["dashboards"].clone(), t["sources"]["skipped"].clone()),
        (1.into(), 1.into())
    );
}

#[needs(kubectl)]
#[test]
fn errors_in_a_built_stream_name_its_document_and_line() {
    let tree = tempfile::tempdir().unwrap();
    let broken = "{\n  \"title\": \"B\",\n  \"uid\": \"b\",\n  \"panels\": [,]\n}\n";
    let built = kustomize(
        tree.path(),
        &[
            ("hubble.json", broken),
            ("kustomization.yaml", KUSTOMIZATION),
        ],
    );
    let o = run(&["validate", "-f", "-"], &built);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // the stream's line of the JSON's fourth line
    let stream = String::from_utf8_lossy(&built);
    let line = stream
        .lines()
        .position(|l| l.trim() == "\"panels\": [,]")
        .unwrap()
        + 1;
    let doc = promstack_shared::input::sources::stream::documents(&stream)
        .iter()
        .filter(|d| d.start < line)
        .count();
    let want = format!("<stdin>:document {doc}:line {line}:");
    assert!(text(&o).contains(&want), "want {want} in {}", text(&o));
}

#[needs(kubectl)]
#[test]
fn a_secrets_dashboard_is_read_and_never_written_into_a_configmap() {
    let tree = tempfile::tempdir().unwrap();
    let dashboard = r#"{"title": "Secret board", "uid": "secret-board", "panels": []}"#;
    let kustomization = "secretGenerator:\n  - name: board\n    files: [board.json]\n    options:\n      labels: {grafana_dashboard: \"1\"}\n";
    let built = kustomize(
        tree.path(),
        &[
            ("board.json", dashboard),
            ("kustomization.yaml", kustomization),
        ],
    );
    let v = json(&run(&["validate", "-f", "-", "-o", "json"], &built));
    assert_eq!(
        (v["valid"].clone(), v["dashboards"].clone()),
        (true.into(), 1.into())
    );
    let o = run(&["sync", "--dry-run", "-o", "yaml", "-f", "-"], &built);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("come from a Secret (board.json)") && !text(&o).contains("Secret board"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_grafana_com_export_piped_in_is_one_dashboard() {
    let export = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/grafana-com-export.json"
    ))
    .unwrap();
    let o = run(&["validate", "-f", "-", "-o", "json"], &export);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(json(&o)["dashboards"], 1);
    let y = run(&["sync", "--dry-run", "-o", "yaml", "-"], &export);
    let y = String::from_utf8_lossy(&y.stdout);
    assert!(
        y.contains("name: dashboard-gcom-node") && !y.contains("DS_PROMETHEUS"),
        "{y}"
    );
}

#[test]
fn prune_is_refused_for_a_stream_and_files() {
    let export = std::fs::read(format!("{DASHBOARDS}/Cilium/hubble.json")).unwrap();
    let file = format!("{DASHBOARDS}/Cilium/hubble.json");
    for args in [
        &["sync", "-f", "-", "--prune"][..],
        &["sync", &file, "--prune"],
    ] {
        let o = run(
            &[args, &["--kubeconfig", "/nonexistent/kubeconfig"][..]].concat(),
            &export,
        );
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("--whole-set"), "{}", text(&o));
    }
}

#[test]
fn completion_and_help_offer_files_folders_and_standard_input() {
    let o = bin()
        .current_dir(DASHBOARDS)
        .args(["__complete", "check", "-f", ""])
        .output()
        .unwrap();
    let words = String::from_utf8(o.stdout).unwrap();
    assert!(
        words.contains("Cilium/\n") && words.contains("-\tstandard input"),
        "{words}"
    );
    for verb in ["validate", "check", "diff", "sync", "list"] {
        let help =
            String::from_utf8(bin().args([verb, "--help"]).output().unwrap().stdout).unwrap();
        for want in [
            format!("kubectl promstack dashboards {verb} dashboards/node.json"),
            format!("kubectl promstack dashboards {verb} dashboards/"),
            format!("| kubectl promstack dashboards {verb} -f -"),
        ] {
            assert!(help.contains(&want), "{verb}: {want} in {help}");
        }
    }
}
