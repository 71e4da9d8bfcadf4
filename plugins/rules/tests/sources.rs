//! Rules from any file, folder or stream, as the real binary takes them in a pipeline: files and
//! folders as arguments, `-f -` with what the real helm 4 renders of the real chart, the same
//! verdict as `--dir`, errors at file:line or document:line, `--prune` refused for a selection,
//! standard input read only when `-` is named, completion and help.
use promstack_shared::testing::needs;
use promstack_shared::testing::{output_fed, output_ok};
use std::process::{Command, Output, Stdio};

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../rules");

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-promstack-rules"));
    c.env_remove("KUBECONFIG")
        .env_remove("PROMSTACK_RULES_DIR")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

fn first_line(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn validate(args: &[&str], input: Option<&str>) -> Output {
    let mut c = bin();
    c.arg("validate").args(args).args(["-o", "json"]);
    match input {
        Some(i) => output_fed(&mut c, i.as_bytes()),
        None => c.output().unwrap(),
    }
}

fn dead_kubeconfig(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("kubeconfig");
    std::fs::write(&p, "apiVersion: v1\nkind: Config\nclusters: [{name: dead, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: dead, context: {cluster: dead, user: u}}]\ncurrent-context: dead\n").unwrap();
    p
}

#[test]
fn files_a_folder_and_dir_give_the_same_verdict_and_say_what_they_read() {
    let files: Vec<String> = ["node.yaml", "cilium.yaml", "workloads.yaml"]
        .iter()
        .map(|f| format!("{RULES}/{f}"))
        .collect();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let forms = [
        validate(&["--dir", RULES], None),
        validate(&[RULES], None),
        validate(&["-f", RULES], None),
        validate(&files, None),
        validate(&[files[0], "-f", files[1], "-f", files[2]], None),
    ];
    for o in &forms {
        assert!(o.status.success(), "{}", text(o));
        let v = json(o);
        assert_eq!(
            (v["valid"].clone(), v["rules"].clone()),
            (true.into(), 12.into()),
            "{v}"
        );
        assert_eq!(v["sources"]["found"], 12);
        assert_eq!(first_line(o), v["sources"]["summary"].as_str().unwrap());
    }
    assert_eq!(
        first_line(&forms[1]),
        format!("rules: {RULES} (12 rules in 3 files)")
    );
    assert_eq!(json(&forms[0])["sources"]["whole_set"], true);
    assert_eq!(json(&forms[3])["sources"]["whole_set"], false);
    // none: the embedded defaults, and the first line says so
    let embedded = validate(&[], None);
    assert!(first_line(&embedded).starts_with("rules: the embedded defaults (12 rules in 3 files); pass files, folders or -f - for your own"), "{}", text(&embedded));
    assert_eq!(json(&embedded)["sources"]["embedded"], true);
    // one bad file among good ones: the same problem, at the same file:line, in every form
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bad.yaml"),
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n",
    )
    .unwrap();
    let bad = tmp.path().join("bad.yaml");
    for o in [
        validate(&["--dir", tmp.path().to_str().unwrap()], None),
        validate(&[bad.to_str().unwrap()], None),
    ] {
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let problems = json(&o)["problems"].to_string();
        assert!(
            problems.contains("bad.yaml:4: group `g`, rule `A`: invalid PromQL"),
            "{problems}"
        );
    }
}

#[needs(refdata, helm4)]
#[test]
fn a_stream_of_the_real_charts_helm_template_is_read_whole() {
    let helm = promstack_shared::testing::tool("helm4");
    let refdata = promstack_shared::testing::refdata::dir();
    let chart = refdata.join("charts/kube-prometheus-stack-88.5.3.tgz");
    let rendered = output_ok(
        Command::new(helm)
            .args(["template", "kp"])
            .arg(&chart)
            .args(["-n", "monitoring"]),
    );
    let stream = String::from_utf8(rendered.stdout).unwrap();
    let docs = promstack_shared::input::sources::stream::documents(&stream).len();
    let prometheus_rules = stream.matches("\nkind: PrometheusRule\n").count();
    assert!(
        prometheus_rules > 30,
        "the chart renders its PrometheusRules"
    );
    let o = validate(&["-f", "-"], Some(&stream));
    assert!(o.status.success(), "{}", text(&o));
    let v = json(&o);
    assert_eq!(v["objects"], prometheus_rules, "{v}");
    let rules = v["rules"].as_u64().unwrap();
    assert!((200..300).contains(&rules), "about 230 rules: {rules}");
    assert_eq!(
        v["sources"]["skipped"],
        docs - prometheus_rules,
        "every other object, counted"
    );
    assert_eq!(
        first_line(&o),
        format!(
            "rules: <stdin> ({rules} rules in the standard input; {} other objects skipped)",
            docs - prometheus_rules
        )
    );
    // the same stream in a file, and in a folder: the same verdict
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("rendered.yaml"), &stream).unwrap();
    for o in [
        validate(&[tmp.path().join("rendered.yaml").to_str().unwrap()], None),
        validate(&["--dir", tmp.path().to_str().unwrap()], None),
    ] {
        let w = json(&o);
        assert_eq!(
            (
                w["valid"].clone(),
                w["rules"].clone(),
                w["sources"]["skipped"].clone()
            ),
            (true.into(), rules.into(), (docs - prometheus_rules).into())
        );
    }
    // and a `kubectl get -o yaml` List of them
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        promstack_shared::input::sources::stream::documents(&stream)
            .iter()
            .filter(|d| d.text.contains("\nkind: PrometheusRule\n"))
            .map(|d| {
                let body: Vec<String> = d
                    .text
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                    .enumerate()
                    .map(|(i, l)| format!("{}{l}", if i == 0 { "- " } else { "  " }))
                    .collect();
                body.join("\n") + "\n"
            })
            .collect::<String>()
    );
    let w = json(&validate(&["-f", "-"], Some(&list)));
    assert_eq!(
        (w["valid"].clone(), w["rules"].clone()),
        (true.into(), rules.into())
    );
}

#[test]
fn errors_in_a_stream_name_its_document_and_line() {
    let stream = "---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: r\nspec:\n  groups:\n    - name: g\n      rules:\n        - alert: Broken\n          expr: sum(rate(x_total[5m]) by (job)\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: s}\nspec:\n  groups:\n    - name: h\n      bogus: 1\n";
    let o = validate(&["-f", "-"], Some(stream));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains("<stdin>:document 3:line 24:7: spec.groups[0]: unknown field `bogus`"),
        "{said}"
    );
    // the objects that build are validated once the stream builds
    let fixed = stream.replace("      bogus: 1\n", "      rules: []\n");
    let said = text(&validate(&["-f", "-"], Some(&fixed)));
    assert!(
        said.contains("<stdin>:document 2:line 15: group `g`, rule `Broken`: invalid PromQL"),
        "{said}"
    );
    // `-` twice, or a stream that is no YAML
    let twice = validate(&["-f", "-", "-"], Some(stream));
    assert_eq!(twice.status.code(), Some(2));
    assert!(text(&twice).contains("named twice"));
    let junk = validate(&["-f", "-"], Some("{a: [\n"));
    assert_eq!(junk.status.code(), Some(2));
    assert!(
        text(&junk).contains("<stdin>:document 1:line 2"),
        "{}",
        text(&junk)
    );
}

#[test]
fn prune_is_refused_for_files_and_streams_unless_they_are_the_whole_set() {
    let tmp = tempfile::tempdir().unwrap();
    let kc = dead_kubeconfig(tmp.path());
    let node = format!("{RULES}/node.yaml");
    let stream = std::fs::read_to_string(&node).unwrap();
    let extra = tmp.path().join("extra.yaml");
    std::fs::write(&extra, "groups: []\n").unwrap();
    let extra = extra.to_str().unwrap();
    let sync = |args: &[&str]| {
        let mut c = bin();
        c.arg("sync").args(args).arg("--kubeconfig").arg(&kc);
        output_fed(&mut c, stream.as_bytes())
    };
    for args in [
        &[node.as_str(), "--prune"][..],
        &["-f", "-", "--prune"],
        &["-f", "-", "--prune", "--dry-run", "-o", "yaml"],
        &[RULES, extra, "--prune"],
    ] {
        let o = sync(args);
        let said = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {said}");
        assert!(
            said.contains("--prune deletes every PrometheusRule of ours")
                && said.contains("--whole-set")
                && !said.contains("127.0.0.1:1"),
            "{args:?}: {said}"
        );
    }
    // said to be the whole set: the objects (no cluster needed for them)
    let o = sync(&[
        "-f",
        "-",
        "--prune",
        "--whole-set",
        "--dry-run",
        "-o",
        "yaml",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("name: promstack-node"));
    // a folder is one: the cluster is asked (and is dead: a run-time failure)
    assert_eq!(sync(&[RULES, "--prune"]).status.code(), Some(1));
}

#[test]
fn standard_input_is_read_only_when_named() {
    // stdin a pipe that never ends: without `-` it is never read, so the command ends
    let mut child = bin()
        .arg("validate")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _held_open = child.stdin.take();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "it waited for stdin"
    );
}

#[test]
fn completion_offers_files_and_standard_input() {
    let complete = |words: &[&str]| {
        let o = bin()
            .current_dir(RULES)
            .arg("__complete")
            .args(words)
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let args = complete(&["validate", ""]);
    assert!(
        args.contains("node.yaml\n") && args.contains("tests/\n"),
        "{args}"
    );
    let f = complete(&["sync", "-f", ""]);
    assert!(
        f.contains("node.yaml\n") && f.contains("-\tstandard input"),
        "{f}"
    );
    let dir = complete(&["lint", "--dir", ""]);
    assert!(
        dir.contains("tests/\n") && !dir.contains("node.yaml"),
        "{dir}"
    );
}

#[test]
fn every_verb_shows_a_file_a_folder_and_a_stream_in_its_help() {
    for verb in ["validate", "lint", "test", "diff", "sync", "list"] {
        let help =
            String::from_utf8(bin().args([verb, "--help"]).output().unwrap().stdout).unwrap();
        assert!(
            help.contains("[FILE|DIR]...")
                && help.contains("-f, --filename <FILE|DIR|->")
                && help.contains(&format!("kubectl promstack rules {verb} rules/node.yaml"))
                && help.contains(&format!("kubectl promstack rules {verb} rules/")),
            "{verb}: {help}"
        );
        if verb != "test" {
            assert!(
                help.contains(&format!("| kubectl promstack rules {verb} -f -")),
                "{verb}: {help}"
            );
        }
    }
}
