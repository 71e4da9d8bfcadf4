//! Test support: a cluster seeded like a small Talos cluster, and a fake helm that records what
//! it was asked and, on upgrade, creates ready workloads in the in-memory cluster.
#![allow(dead_code)]
mod chart_file;
mod chart_repo;
mod deletion;
mod render;
pub use chart_file::chart_archive;
use chart_file::chart_id;
#[allow(unused_imports)] // the tests that read refdata's chart packages
pub use chart_file::package_crds;
#[allow(unused_imports)] // not every test binary serves a repository
pub use chart_repo::ChartRepo;
#[allow(unused_imports)] // for the tests of what is deleted
pub use deletion::*;
use render::{chart_objects, grafana_objects, operator_objects};

use async_trait::async_trait;
use promstack_install::chart::values::{self, Env};
use promstack_install::helm::{upgrade_args, Chart, HelmApi, HelmVersion, Release, ReleaseInfo};
use promstack_install::install::{Deps, InstallOptions, InstallOutcome};
use promstack_shared::kube::cluster::{MemoryCluster, ObjRef};
use promstack_shared::terminal::ui::Ui;
use promstack_shared::Error;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const FIXTURE_CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/chart");

/// A cluster with the local-path StorageClass and `nodes` Ready nodes.
pub fn cluster(nodes: usize) -> Arc<MemoryCluster> {
    let c = Arc::new(MemoryCluster::new());
    c.insert(json!({"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"local-path"},"provisioner":"rancher.io/local-path"}));
    for i in 0..nodes {
        c.insert(json!({"apiVersion":"v1","kind":"Node","metadata":{"name":format!("node-{i}")},
            "status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":format!("10.0.0.{}", i + 10)}]}}));
    }
    c.insert(json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kube-system"}}));
    c
}

#[derive(Default)]
pub struct HelmState {
    pub major: u32,
    pub release: Option<ReleaseInfo>,
    /// releases of the same name in other namespaces (a second stack)
    pub elsewhere: Vec<ReleaseInfo>,
    pub values: Value,
    pub calls: Vec<String>,
    /// argv of every upgrade, as the real helm would have received it
    pub upgrade_argv: Vec<Vec<String>>,
    /// the text of every values file at upgrade time, in order
    pub upgrade_files: Vec<Vec<String>>,
    /// don't create the StatefulSets (the operator never got to it)
    pub skip_statefulsets: bool,
    pub fail_upgrade: bool,
    /// the upgrade never returns (helm waiting on something that never gets ready)
    pub hang_upgrade: bool,
    /// node-exporter's DaemonSet creates no pods (admission refuses them): it stays at 0 ready,
    /// with the DaemonSet controller's FailedCreate event
    pub refused_daemonset: bool,
    /// `helm list --all-namespaces` is forbidden (RBAC limited to the namespace)
    pub forbid_all_namespaces: bool,
    /// `helm list` fails for another reason (the API server cannot be reached)
    pub fail_list: bool,
    /// the chart each template, show chart and upgrade was given, in order
    pub charts: Vec<(&'static str, Chart)>,
    /// `helm pull` fails (the repository cannot be reached)
    pub fail_pull: bool,
    /// the release's objects as the last upgrade rendered them (`helm get manifest`)
    pub manifest: Option<String>,
}

pub struct FakeHelm {
    pub cluster: Arc<MemoryCluster>,
    pub state: Mutex<HelmState>,
}

impl FakeHelm {
    pub fn new(cluster: Arc<MemoryCluster>, major: u32) -> Self {
        FakeHelm {
            cluster,
            state: Mutex::new(HelmState {
                major,
                values: json!({}),
                ..Default::default()
            }),
        }
    }
    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }
    pub fn count(&self, verb: &str) -> usize {
        self.calls().iter().filter(|c| *c == verb).count()
    }
    fn call(&self, what: &str) {
        self.state.lock().unwrap().calls.push(what.into());
    }
    /// helm keeps a release's records as Secrets in its namespace: once the namespace is gone
    /// (deleted and finished), so is the release; while it is Terminating, helm still lists it.
    fn forget_a_release_whose_namespace_is_gone(&self, st: &mut HelmState) {
        let gone = |ns: &str| {
            let ns = ObjRef::new("v1", "Namespace", None, ns);
            self.cluster.peek(&ns).is_none()
        };
        if st.release.as_ref().is_some_and(|r| gone(&r.namespace)) {
            st.release = None;
        }
    }
    /// A call that takes a chart: recorded, and a local chart must be there (as for helm).
    fn chart(&self, what: &'static str, chart: &Chart) -> Result<(), Error> {
        self.state
            .lock()
            .unwrap()
            .charts
            .push((what, chart.clone()));
        match chart {
            Chart::Local(p) if !p.exists() => Err(Error::runtime(format!(
                "helm {what} failed: Error: path \"{}\" not found",
                p.display()
            ))),
            _ => Ok(()),
        }
    }
    fn ready_workloads(&self, ns: &str, values: &Value) {
        let nodes = self
            .cluster
            .objects()
            .iter()
            .filter(|o| o["kind"] == "Node")
            .count() as i64;
        let skip_sts = self.state.lock().unwrap().skip_statefulsets;
        let refused = self.state.lock().unwrap().refused_daemonset;
        for w in promstack_install::stack::workloads::expected(values) {
            let status = match w.kind {
                "DaemonSet" if refused => {
                    self.cluster.insert(failed_create_event(ns, &w.name));
                    json!({"observedGeneration":1,"desiredNumberScheduled":nodes,"currentNumberScheduled":0,"numberMisscheduled":0,"numberReady":0,"updatedNumberScheduled":0})
                }
                "DaemonSet" => {
                    json!({"observedGeneration":1,"desiredNumberScheduled":nodes,"currentNumberScheduled":nodes,"numberMisscheduled":0,"numberReady":nodes,"updatedNumberScheduled":nodes})
                }
                "StatefulSet" if skip_sts => continue,
                _ => {
                    json!({"observedGeneration":1,"replicas":1,"readyReplicas":1,"updatedReplicas":1,"availableReplicas":1})
                }
            };
            // whole objects, as the API server returns them (readiness reads them typed): the
            // one helm wrote with its status, or one made up
            let r =
                promstack_shared::kube::cluster::ObjRef::new("apps/v1", w.kind, Some(ns), &w.name);
            match self.cluster.peek(&r) {
                Some(mut live) => {
                    live["metadata"]["generation"] = json!(1);
                    live["status"] = status;
                    self.cluster.insert(live);
                }
                None => self.cluster.insert(json!({"apiVersion":"apps/v1","kind":w.kind,"metadata":{"name":w.name,"namespace":ns,"generation":1},"spec":{"replicas":1,"selector":{},"template":{}},"status":status})),
            }
        }
    }
}

/// The FailedCreate event the DaemonSet controller records when Pod Security refuses its pods.
pub fn failed_create_event(ns: &str, daemonset: &str) -> Value {
    let now = k8s_openapi::jiff::Timestamp::now().to_string();
    json!({"apiVersion":"v1","kind":"Event",
        "metadata":{"name":format!("{daemonset}.failedcreate"),"namespace":ns},
        "involvedObject":{"kind":"DaemonSet","name":daemonset,"namespace":ns},
        "type":"Warning","reason":"FailedCreate","count":12,"lastTimestamp":now,"firstTimestamp":now,
        "message":format!("Error creating: pods \"{daemonset}-x7k2p\" is forbidden: violates PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volumes \"proc\", \"sys\", \"root\"), hostPort (container \"node-exporter\" uses hostPort 9100)")})
}

fn read_files(r: &Release) -> (Vec<String>, Value) {
    let texts: Vec<String> = r
        .values_files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("values file exists while helm runs"))
        .collect();
    let mut merged = json!({});
    for (t, f) in texts.iter().zip(&r.values_files) {
        values::merge(
            &mut merged,
            &values::parse(&f.display().to_string(), t).unwrap().values,
        );
    }
    (texts, merged)
}

#[async_trait]
impl HelmApi for FakeHelm {
    async fn version(&self) -> Result<HelmVersion, Error> {
        self.call("version");
        HelmVersion::parse(&format!("v{}.1.0", self.state.lock().unwrap().major))
    }
    async fn releases(&self, _name: &str, ns: Option<&str>) -> Result<Vec<ReleaseInfo>, Error> {
        self.call("list");
        let mut st = self.state.lock().unwrap();
        self.forget_a_release_whose_namespace_is_gone(&mut st);
        if st.fail_list {
            return Err(Error::runtime("helm list failed: Error: Kubernetes cluster unreachable: Get \"https://10.0.0.1:6443/version\": dial tcp 10.0.0.1:6443: connect: connection refused"));
        }
        if ns.is_none() && st.forbid_all_namespaces {
            return Err(Error::runtime("helm list failed: Error: list: failed to list: secrets is forbidden: User \"dev\" cannot list resource \"secrets\" in API group \"\" at the cluster scope"));
        }
        Ok(st
            .release
            .iter()
            .chain(st.elsewhere.iter().filter(|_| ns.is_none()))
            .filter(|r| ns.is_none_or(|ns| r.namespace == ns))
            .cloned()
            .collect())
    }
    async fn values(&self, _name: &str, _ns: &str) -> Result<Value, Error> {
        self.call("get-values");
        Ok(self.state.lock().unwrap().values.clone())
    }
    async fn manifest(&self, _name: &str, _ns: &str) -> Result<Option<String>, Error> {
        self.call("get-manifest");
        Ok(self.state.lock().unwrap().manifest.clone())
    }
    async fn template(&self, r: &Release) -> Result<String, Error> {
        self.call("template");
        self.chart("template", &r.chart)?;
        Ok(render_text(r))
    }
    async fn pull(&self, chart: &Chart, dest: &std::path::Path) -> Result<PathBuf, Error> {
        self.call("pull");
        assert!(
            !matches!(chart, Chart::Local(_)),
            "a local chart is never pulled"
        );
        if self.state.lock().unwrap().fail_pull {
            return Err(Error::runtime("helm pull failed: Error: looks like \"https://prometheus-community.github.io/helm-charts\" is not a valid chart repository or cannot be reached"));
        }
        // as helm names it: <name>-<version>.tgz
        let file = dest.join("kube-prometheus-stack-88.5.3.tgz");
        std::fs::write(&file, chart_archive()).unwrap();
        Ok(file)
    }
    async fn chart_id(&self, chart: &Chart) -> Result<String, Error> {
        self.call("show-chart");
        self.chart("show chart", chart)?;
        Ok(chart_id(chart))
    }
    async fn upgrade_install(&self, r: &Release, major: u32) -> Result<(), Error> {
        self.call("upgrade");
        self.chart("upgrade", &r.chart)?;
        if self.state.lock().unwrap().hang_upgrade {
            std::future::pending::<()>().await;
        }
        let (texts, merged) = read_files(r);
        let chart_id = chart_id(&r.chart);
        // the release's objects, written as helm 4 (server-side apply) or helm 3 (update) writes
        let rendered = render_text(r);
        for d in release_objects(&rendered, &r.name, &r.namespace) {
            let _ = match major {
                4 => self.cluster.apply_as(&d, "helm"),
                _ => self.cluster.update_as(&d, "helm"),
            };
        }
        let manifest: String = promstack_install::chart::crds::documents(&rendered)
            .unwrap()
            .into_iter()
            .filter(|d| d["kind"] != "CustomResourceDefinition")
            .filter(|d| d.pointer("/metadata/annotations/helm.sh~1hook").is_none())
            .map(|d| format!("---\n{}", serde_yaml::to_string(&d).unwrap()))
            .collect();
        {
            let mut st = self.state.lock().unwrap();
            self.forget_a_release_whose_namespace_is_gone(&mut st);
            st.manifest = Some(manifest);
            st.upgrade_argv.push(upgrade_args(r, major));
            st.upgrade_files.push(texts);
            if st.fail_upgrade {
                return Err(Error::runtime(
                    "helm upgrade failed: timed out waiting for the condition",
                ));
            }
            let rev = st
                .release
                .as_ref()
                .map_or(1, |x| x.revision.parse::<u32>().unwrap() + 1);
            st.release = Some(ReleaseInfo {
                name: r.name.clone(),
                namespace: r.namespace.clone(),
                revision: rev.to_string(),
                status: "deployed".into(),
                chart: chart_id.clone(),
                app_version: "v0.93.1".into(),
            });
            st.values = merged.clone();
        }
        self.ready_workloads(&r.namespace, &merged);
        // the webhooks' certificate Job (a hook) makes their TLS Secret; helm does not own it
        if merged
            .pointer("/prometheusOperator/admissionWebhooks/enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true)
        {
            self.cluster.insert(json!({"apiVersion":"v1","kind":"Secret","metadata":{"name":"kube-prometheus-admission","namespace":r.namespace},
                "data":{"ca":"Y2E=","cert":"Y2VydA==","key":"a2V5"}}));
        }
        // what helm creates outside the namespace, owned by this release
        for mut d in
            promstack_install::chart::crds::documents(&chart_objects(&r.namespace)).unwrap()
        {
            if d["kind"] == "DaemonSet" {
                continue;
            }
            if d.pointer("/metadata/annotations/helm.sh~1hook").is_none() {
                continue; // written with the release's objects above
            }
            // a hook object left behind: helm made it without its ownership annotations
            d["metadata"].as_object_mut().unwrap().remove("annotations");
            self.cluster.insert(d);
        }
        Ok(())
    }
    async fn rollback(&self, _name: &str, _ns: &str, _t: Duration) -> Result<(), Error> {
        self.call("rollback");
        if let Some(r) = self.state.lock().unwrap().release.as_mut() {
            r.status = "deployed".into();
        }
        Ok(())
    }
    async fn uninstall(&self, _name: &str, _ns: &str, _t: Duration) -> Result<(), Error> {
        self.call("uninstall");
        self.state.lock().unwrap().release = None;
        Ok(())
    }
}

/// What the fake `helm template` renders: the fixture's CRDs, a ConfigMap, and the chart's
/// objects for these values.
fn render_text(r: &Release) -> String {
    let dir = format!("{FIXTURE_CHART}/charts/crds/crds");
    let mut out = String::new();
    for f in ["crd-gadgets.yaml", "crd-widgets.yaml"] {
        out.push_str("---\n# Source: fixture-stack/charts/crds/crds/");
        out.push_str(f);
        out.push('\n');
        out.push_str(&std::fs::read_to_string(format!("{dir}/{f}")).unwrap());
    }
    out.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rendered\n  namespace: monitoring\n");
    let (_, merged) = read_files(r);
    out.push_str(&chart_objects(&r.namespace));
    out.push_str(&operator_objects(&r.namespace, &merged));
    out.push_str(&grafana_objects(&r.namespace, &merged));
    out
}

/// The release's objects in a render (CRDs and hooks left out, as `helm get manifest` has them),
/// with the ownership helm writes on every object it makes.
pub fn release_objects(rendered: &str, release: &str, ns: &str) -> Vec<Value> {
    promstack_install::chart::crds::documents(rendered)
        .unwrap()
        .into_iter()
        .filter(|d| d["kind"] != "CustomResourceDefinition")
        .filter(|d| d.pointer("/metadata/annotations/helm.sh~1hook").is_none())
        .map(|d| promstack_install::release_diff::owned_by_helm(d, release, ns))
        .collect()
}

/// Options for a quick test run: generated password, short poll interval.
pub fn options() -> InstallOptions {
    let mut o = InstallOptions::new(Env::Local, "monitoring");
    o.password = promstack_install::stack::grafana::PasswordSource::Generate;
    o.poll_interval = Duration::from_millis(5);
    o.timeout = Duration::from_secs(5);
    o
}

/// Options for a quick `uninstall --yes` from namespace monitoring: nothing asked for beyond the
/// release and our Secrets, a short poll interval.
pub fn uninstall_options() -> promstack_install::uninstall::UninstallOptions {
    promstack_install::uninstall::UninstallOptions {
        namespace: "monitoring".into(),
        delete_namespace: false,
        delete_crds: false,
        delete_kubelet_service: false,
        keep_secrets: false,
        force: false,
        dry_run: false,
        yes: true,
        timeout: Duration::from_secs(5),
        poll_interval: Duration::from_millis(5),
    }
}

pub async fn run(
    o: &InstallOptions,
    c: &MemoryCluster,
    h: &FakeHelm,
    stdin: &[u8],
) -> anyhow::Result<InstallOutcome> {
    let ui = Ui::silent();
    let deps = Deps::new(c, h, &ui).with_stdin(stdin);
    promstack_install::install::run(o, &deps).await
}

/// Run with a Ui that records what it prints.
pub async fn run_captured(
    o: &InstallOptions,
    c: &MemoryCluster,
    h: &FakeHelm,
) -> (anyhow::Result<InstallOutcome>, Vec<String>) {
    let (ui, lines) = Ui::capture();
    let deps = Deps::new(c, h, &ui);
    let res = promstack_install::install::run(o, &deps).await;
    let printed = lines.lock().unwrap().clone();
    (res, printed)
}

pub fn code(e: &anyhow::Error) -> i32 {
    promstack_shared::exit_code_of(e).code()
}

/// Install the stack into `namespace` (generated password) the way the plugin does, then forget
/// the requests it took: a cluster where promstack is already installed.
pub fn seed_installed(c: &Arc<MemoryCluster>, h: &FakeHelm, namespace: &str) {
    let mut o = options();
    o.namespace = namespace.into();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(&o, c, h, b""))
        .expect("seeding an installed stack");
    h.state.lock().unwrap().calls.clear();
    c.reset_counts();
}

/// Our Secret `name` in namespace monitoring, as stored.
pub fn secret(c: &MemoryCluster, name: &str) -> Option<serde_json::Value> {
    c.peek(&promstack_shared::kube::cluster::ObjRef::new(
        "v1",
        "Secret",
        Some("monitoring"),
        name,
    ))
}

/// `s` as a Secret's data holds it (base64).
pub fn b64(s: &str) -> String {
    serde_json::to_value(k8s_openapi::ByteString(s.as_bytes().to_vec()))
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// The pre-flight check `name` of an install's report.
pub fn preflight_check<'a>(
    out: &'a InstallOutcome,
    name: &str,
) -> &'a promstack_install::install::Check {
    out.report
        .preflight
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no pre-flight check {name}: {:?}", out.report.preflight))
}

/// The real helm 3 or 4 (`.tools/helm-v{major}`, or PROMSTACK_HELM{major}) with a kubeconfig of a
/// cluster that does not answer. The test is marked `#[needs(helm3)]` / `#[needs(helm4)]`.
pub fn helm(major: u32) -> promstack_install::helm::Helm {
    let binary = promstack_shared::testing::tool(&format!("helm{major}"));
    // an unreachable cluster: whatever needs one fails fast and says so
    let dir = tempfile::tempdir().unwrap().keep();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: [{name: none, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: none, context: {cluster: none, user: u}}]\ncurrent-context: none\n",
    )
    .unwrap();
    promstack_install::helm::Helm::new(binary, Some(kubeconfig), None)
}

/// A pre-flight refusal: exit 3, nothing written, helm never run.
pub fn assert_refused_before_writing(c: &MemoryCluster, h: &FakeHelm, e: &anyhow::Error) {
    assert_eq!(code(e), 3, "{e:#}");
    assert_eq!(c.writes(), 0, "{e:#}");
    assert_eq!(h.count("upgrade"), 0);
}
