//! The real helm (v3 and v4) and the real amtool.
//!
//! Tools are found through PROMSTACK_HELM3 / PROMSTACK_HELM4 / PROMSTACK_AMTOOL, else
//! `.tools/helm-v{3,4}/helm` (scripts/test-tools.sh puts them there) and amtool 0.34 (`.tools/alertmanager-v0.34.0`, scripts/build-peers.sh).
//! A test is reported ignored where a tool it needs is missing, and fails on it in CI.
mod common;
use common::{helm, ChartRepo};
use promstack_install::chart::crds;
use promstack_install::chart::values::{self, Env, OverlaySettings, GRAFANA_SECRET};
use promstack_install::helm::{upgrade_args, Chart, Helm, HelmApi, HelmCall, Release};
use promstack_install::install::ValuesDir;
use promstack_install::stack::alertmanager;
use promstack_shared::testing::needs;
use std::path::PathBuf;
use std::time::Duration;

fn release(files: &ValuesDir) -> Release {
    Release {
        name: values::RELEASE.into(),
        namespace: "monitoring".into(),
        chart: Chart::Local(common::FIXTURE_CHART.into()),
        values_files: files.files.clone(),
        timeout: Duration::from_secs(30),
    }
}

fn chain_with_user(user_yaml: &str) -> Vec<values::ValuesFile> {
    values::chain(
        Env::Local,
        vec![values::parse("user.yaml", user_yaml).unwrap()],
        &OverlaySettings {
            storage_class: "local-path".into(),
            ..Default::default()
        },
    )
    .unwrap()
}

/// What the fixture chart saw as .Values, read back from its rendered ConfigMap.
fn rendered_values(rendered: &str) -> serde_json::Value {
    let docs = crds::documents(rendered).unwrap();
    let cm = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .expect("the fixture renders a ConfigMap");
    serde_json::from_str(cm["data"]["values.json"].as_str().unwrap()).unwrap()
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn helm_reports_its_major_version() {
    for major in [3, 4] {
        let h = helm(major);
        assert_eq!(h.version().await.unwrap().major, major);
    }
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn values_reach_the_chart_in_order_with_the_secret_names() {
    for major in [3, 4] {
        let h = helm(major);
        let files = ValuesDir::write(&chain_with_user(
            "layer: user\nfullnameOverride: mine\ngrafana:\n  service:\n    type: LoadBalancer\n",
        ))
        .unwrap();
        let out = h.template(&release(&files)).await.unwrap();
        let v = rendered_values(&out);
        assert_eq!(
            v["layer"], "user",
            "user -f files override the chart and the embedded values"
        );
        assert_eq!(
            v["grafana"]["service"]["type"], "LoadBalancer",
            "user files come after values-local.yaml"
        );
        assert_eq!(
            v["grafana"]["service"]["nodePort"], 30300,
            "values-local.yaml applies"
        );
        assert_eq!(
            v["fullnameOverride"],
            values::RELEASE,
            "the generated overlay comes last"
        );
        assert_eq!(v["grafana"]["admin"]["existingSecret"], GRAFANA_SECRET);
        assert_eq!(
            v["alertmanager"]["alertmanagerSpec"]["useExistingSecret"],
            true
        );
        assert_eq!(
            v["alertmanager"]["alertmanagerSpec"]["configSecret"],
            values::ALERTMANAGER_SECRET
        );
        assert!(v["grafana"].get("adminPassword").is_none());
        // CRDs from the subchart come with the rendered stream
        let docs = crds::documents(&out).unwrap();
        let names: Vec<_> = crds::from_rendered(&docs)
            .iter()
            .map(|c| c["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names.len(), 2, "helm {major}: {names:?}");
        assert_eq!(
            values::merged(&chain_with_user("layer: user\n"))["grafana"]["admin"],
            v["grafana"]["admin"]
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(files.path())
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o700
        );
        for f in &files.files {
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600,
                "{f:?}"
            );
        }
        let dir = files.path().to_path_buf();
        drop(files);
        assert!(!dir.exists(), "values dir removed");
    }
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn each_major_version_accepts_our_upgrade_flags() {
    for major in [3, 4] {
        let h = helm(major);
        let files = ValuesDir::write(&chain_with_user("{}")).unwrap();
        let err = h
            .upgrade_install(&release(&files), major)
            .await
            .unwrap_err()
            .to_string();
        // the flags parse; what fails is reaching the (absent) cluster
        assert!(
            !err.contains("unknown flag") && !err.contains("invalid argument"),
            "helm {major} refused our flags: {err}"
        );
        assert!(
            err.contains("127.0.0.1:1")
                || err.contains("unreachable")
                || err.contains("connection refused"),
            "helm {major}: {err}"
        );
        assert!(upgrade_args(&release(&files), major).contains(&"--skip-crds".to_string()));
    }
    // and the flags are not interchangeable: helm 3 refuses helm 4's
    let files = ValuesDir::write(&chain_with_user("{}")).unwrap();
    let err = helm(3)
        .upgrade_install(&release(&files), 4)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown flag") || err.contains("invalid argument"),
        "{err}"
    );
}

/// Run one argv through a real helm binary with no cluster to reach: helm parses every flag
/// before it connects, so a bad argv answers "unknown flag" and a good one "cluster unreachable".
fn run_without_cluster(binary: &std::path::Path, argv: &[String]) -> (bool, String) {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(binary)
        .args(argv)
        .args(["--kube-apiserver", "https://127.0.0.1:1"])
        .env("KUBECONFIG", "/dev/null")
        // no user's helm repositories, caches or plugins
        .env("HELM_CONFIG_HOME", home.path().join("config"))
        .env("HELM_CACHE_HOME", home.path().join("cache"))
        .env("HELM_DATA_HOME", home.path().join("data"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn flag_error(stderr: &str) -> bool {
    [
        "unknown flag",
        "unknown shorthand",
        "invalid argument",
        "unknown command",
        "accepts ",
    ]
    .iter()
    .any(|e| stderr.contains(e))
}

fn cluster_unreachable(stderr: &str) -> bool {
    let s = stderr.to_lowercase();
    s.contains("cluster unreachable") || s.contains("127.0.0.1:1")
}

#[needs(helm3, helm4)]
#[test]
fn every_helm_call_parses_in_helm_3_and_helm_4() {
    for major in [3, 4] {
        let h = helm(major);
        let files = ValuesDir::write(&chain_with_user("{}")).unwrap();
        let local = release(&files);
        let remote = Release {
            chart: Chart::from_flags(None, None).unwrap(),
            ..release(&files)
        };
        // with --kubeconfig as the flags give it (a dead one; --kube-apiserver overrides its server)
        let with_flags = Helm::new(h.binary.clone(), Some("/dev/null".into()), None);
        for r in [&local, &remote] {
            for call in HelmCall::examples(r) {
                let argv = with_flags.full_argv(&call, major);
                let (ok, stderr) = run_without_cluster(&h.binary, &argv);
                let line = format!("helm {major}: helm {}", argv.join(" "));
                assert!(!flag_error(&stderr), "{line}\nrefused: {stderr}");
                if call.needs_cluster() {
                    assert!(!ok && cluster_unreachable(&stderr), "{line}\n{stderr}");
                } else if r.chart == local.chart {
                    assert!(ok, "{line}\n{stderr}");
                } else {
                    // the pinned chart's repository: reached or not, the flags were taken
                    assert!(
                        ok || stderr.contains("prometheus-community"),
                        "{line}\n{stderr}"
                    );
                }
            }
        }
        // --kube-context reaches helm too: a context the kubeconfig lacks is the complaint
        let ctx = Helm::new(h.binary.clone(), None, Some("no-such-context".into()));
        let argv = ctx.full_argv(
            &HelmCall::Releases {
                name: "x",
                namespace: None,
            },
            major,
        );
        let (ok, stderr) = run_without_cluster(&h.binary, &argv);
        assert!(!ok && !flag_error(&stderr), "helm {major}: {stderr}");
    }
}

#[needs(helm3, helm4)]
#[test]
fn the_argv_test_tells_the_majors_apart() {
    // what broke on a real cluster: helm 4 has no `list --all`. The test above would catch it.
    let files = ValuesDir::write(&chain_with_user("{}")).unwrap();
    let r = release(&files);
    let list = HelmCall::Releases {
        name: &r.name,
        namespace: Some(&r.namespace),
    };
    let (_, stderr) = run_without_cluster(&helm(4).binary, &list.argv(3));
    assert!(stderr.contains("unknown flag: --all"), "{stderr}");
    for call in [
        HelmCall::UpgradeInstall(&r),
        HelmCall::Uninstall {
            name: "x",
            namespace: "m",
            timeout: Duration::from_secs(5),
        },
    ] {
        assert_ne!(call.argv(3), call.argv(4), "{}", call.verb());
    }
    let h3 = helm(3);
    for call in [
        HelmCall::UpgradeInstall(&r),
        HelmCall::Rollback {
            name: "x",
            namespace: "m",
            timeout: Duration::from_secs(5),
        },
    ] {
        let (_, stderr) = run_without_cluster(&h3.binary, &call.argv(4));
        assert!(
            flag_error(&stderr),
            "helm 3 took helm 4's {}: {stderr}",
            call.verb()
        );
    }
}

fn amtool_accepts(bin: &PathBuf, text: &str) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("alertmanager.yaml");
    std::fs::write(&f, text).unwrap();
    std::process::Command::new(bin)
        .arg("check-config")
        .arg(&f)
        .output()
        .unwrap()
        .status
        .success()
}

#[needs(amtool)]
#[test]
fn amtool_and_our_check_agree() {
    let bin = promstack_shared::testing::tool("amtool");
    assert!(
        amtool_accepts(&bin, alertmanager::DEFAULT_CONFIG),
        "amtool rejects the default config"
    );
    assert!(alertmanager::problems("default", alertmanager::DEFAULT_CONFIG).is_empty());
    let good = [
        "route:\n  receiver: a\nreceivers:\n  - name: a\n",
        "route:\n  receiver: a\n  routes:\n    - receiver: b\n      matchers: ['team=~\"db|web\"']\n      continue: true\nreceivers:\n  - name: a\n  - name: b\n    webhook_configs:\n      - url: 'http://127.0.0.1:9/hook'\n",
    ];
    let bad = [
        "route:\n  receiver: missing\nreceivers:\n  - name: a\n",
        "route:\n  receiver: a\n  group_wait: soon\nreceivers:\n  - name: a\n",
        "route:\n  receiver: a\nreceivers:\n  - name: a\n  - name: a\n",
        "route:\n  receiver: a\nreceivers:\n  - name: a\nbogus: 1\n",
        "route:\n  receiver: a\n  routes:\n    - receiver: a\n      matchers: ['not a matcher']\nreceivers:\n  - name: a\n",
        "receivers:\n  - name: a\n",
        "route: [\n",
    ];
    for g in good {
        assert!(amtool_accepts(&bin, g), "amtool rejects:\n{g}");
        assert!(
            alertmanager::problems("x", g).is_empty(),
            "we reject what amtool accepts:\n{g}\n{:?}",
            alertmanager::problems("x", g)
        );
    }
    for b in bad {
        assert!(!amtool_accepts(&bin, b), "amtool accepts:\n{b}");
        assert!(
            !alertmanager::problems("x", b).is_empty(),
            "we accept what amtool rejects:\n{b}"
        );
    }
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn a_chart_pulled_once_renders_as_the_repository_reference_does() {
    for major in [3, 4] {
        let h = helm(major);
        let repo = ChartRepo::of(&h.binary, common::FIXTURE_CHART);
        let reference = repo.chart();
        let dest = tempfile::tempdir().unwrap();
        let file = h.pull(&reference, dest.path()).await.unwrap();
        assert_eq!(file, dest.path().join("fixture-stack-0.3.0.tgz"));
        assert_eq!(
            (
                repo.count("/index.yaml"),
                repo.count("/fixture-stack-0.3.0.tgz")
            ),
            (1, 1),
            "helm {major}: the index and the chart, once"
        );
        // the file renders and names itself as the reference does
        let files = ValuesDir::write(&chain_with_user("layer: user\n")).unwrap();
        let pulled = Release {
            chart: Chart::Local(file.clone()),
            ..release(&files)
        };
        let by_reference = Release {
            chart: reference.clone(),
            ..release(&files)
        };
        let before = repo.requests.lock().unwrap().len();
        let from_file = h.template(&pulled).await.unwrap();
        assert_eq!(
            h.chart_id(&pulled.chart).await.unwrap(),
            "fixture-stack-0.3.0"
        );
        assert_eq!(
            repo.requests.lock().unwrap().len(),
            before,
            "helm {major}: the pulled file needs no repository"
        );
        assert_eq!(from_file, h.template(&by_reference).await.unwrap());
        assert_eq!(
            repo.count("/index.yaml"),
            2,
            "helm {major} fetches the whole index again for a --repo render: why install pulls once"
        );
    }
}
