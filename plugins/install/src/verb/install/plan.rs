//! Phase 3, the plan: what would change (namespace, Secrets, CRDs, the helm release), decided from
//! the reads alone, as a typed list of steps. `--dry-run` prints it (and `-o yaml` the objects,
//! Secrets redacted) and stops here.
use super::inputs::Inputs;
use super::preflight::{self, Facts};
use super::{step, Deps, GrafanaAccess, HelmClock, InstallOptions, InstallReport, Step, Timings};
use crate::chart::crds;
use crate::chart::values::{self, RELEASE};
use crate::helm::Release;
use crate::stack::alertmanager;
use crate::stack::grafana;
use anyhow::Context as _;
use promstack_shared::kube::cluster::{to_value, ObjRef};
use promstack_shared::kube::owned::{self, Change};
use promstack_shared::terminal::secret::SecretString;
use promstack_shared::Error;
use serde_json::Value;
use std::path::PathBuf;

/// One object the install writes: the step, and the object (the Grafana Secret has none while
/// its password is still to be asked, or when it stays as it is).
pub(super) struct Planned {
    pub step: Step,
    pub object: Option<Value>,
}

/// Every step, in the order the writes happen.
pub(super) struct Plan {
    pub namespace: Planned,
    pub grafana_secret: Planned,
    pub alertmanager_secret: Planned,
    pub crds: Vec<Step>,
    pub release: Step,
    /// The helm command line, values files named by origin.
    pub helm_command: Vec<String>,
}

/// Decide every step. The Grafana password is asked here when a Secret needs one and none was
/// given (not with --dry-run).
pub(super) async fn make(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &mut Inputs,
    facts: &Facts,
    clock: &HelmClock,
) -> anyhow::Result<Plan> {
    let grafana_secret = grafana_secret(opts, deps, inputs, facts).await?;
    let alertmanager_secret = alertmanager_secret(opts, deps, inputs, facts).await?;
    let crds = facts
        .rendered
        .crds
        .iter()
        .zip(&facts.rendered.crds_live)
        .map(|(crd, live)| {
            step(
                format!("CustomResourceDefinition {}", crds::objref(crd).name),
                owned::plan(live.as_ref(), crd),
            )
        })
        .collect();
    let release = Step {
        object: format!("helm release {}/{RELEASE}", opts.namespace),
        change: release_change(opts, deps, inputs, facts, clock).await?,
        note: facts
            .recover
            .as_ref()
            .map(|r| format!("stuck in {}: recovered first", r.status)),
    };
    Ok(Plan {
        namespace: namespace_step(opts, facts),
        grafana_secret,
        alertmanager_secret,
        crds,
        release,
        helm_command: helm_command(inputs, facts),
    })
}

impl Plan {
    /// The steps in order.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = vec![
            self.namespace.step.clone(),
            self.grafana_secret.step.clone(),
            self.alertmanager_secret.step.clone(),
        ];
        steps.extend(self.crds.iter().cloned());
        steps.push(self.release.clone());
        steps
    }

    /// The report of the plan (the writes and waits fill in the rest).
    pub fn report(&self, opts: &InstallOptions, inputs: &Inputs, facts: &Facts) -> InstallReport {
        let steps = self.steps();
        InstallReport {
            dry_run: opts.dry_run,
            context: facts.info.context.clone(),
            server: facts.info.server.clone(),
            namespace: opts.namespace.clone(),
            env: opts.env,
            chart: opts.chart.describe(),
            release: RELEASE.into(),
            helm_version: facts.helm.full.clone(),
            preflight: facts.checks.clone(),
            changed: steps.iter().any(|s| s.change != Change::Unchanged),
            steps,
            helm_command: self.helm_command.clone(),
            waited: vec![],
            grafana: grafana_access(&inputs.merged, &facts.nodes, &opts.namespace, opts),
            timings: Timings::default(),
            diff: None,
            upgrade: None,
        }
    }

    /// With --dry-run: every object that would be applied, Secrets redacted, for `-o yaml`.
    pub fn rendered(&self, opts: &InstallOptions, facts: Facts) -> Vec<Value> {
        let ns = opts.namespace.as_str();
        let unset = SecretString::new(String::new());
        let grafana = self
            .grafana_secret
            .object
            .clone()
            .unwrap_or_else(|| to_value(&grafana::secret(ns, &opts.grafana_user, &unset)));
        let mut out = vec![
            self.namespace.object.clone().unwrap_or_default(),
            grafana::redacted(grafana),
        ];
        out.extend(
            self.alertmanager_secret
                .object
                .clone()
                .map(grafana::redacted),
        );
        out.extend(facts.rendered.crds);
        out.extend(
            facts
                .rendered
                .docs
                .into_iter()
                .filter(|d| d["kind"] != "CustomResourceDefinition"),
        );
        out
    }
}

/// The namespace, labelled as ours (and with the Pod Security level node-exporter needs).
fn namespace_step(opts: &InstallOptions, facts: &Facts) -> Planned {
    let ns = opts.namespace.as_str();
    let object = to_value(&namespace(ns, &facts.pod_security, facts.ns_live.as_ref()));
    let change = owned::plan(facts.ns_live.as_ref(), &object);
    let relabels = change != Change::Unchanged && facts.pod_security.labels_namespace();
    Planned {
        step: Step {
            object: format!("Namespace {ns}"),
            change,
            note: relabels.then(|| {
                format!(
                    "label {}: {}",
                    preflight::labels_said(),
                    preflight::WHY_PRIVILEGED
                )
            }),
        },
        object: Some(object),
    }
}

/// The Grafana admin Secret: created, rotated (--rotate-grafana-password), or kept. A password
/// is asked for here when one is needed and none was given.
async fn grafana_secret(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &mut Inputs,
    facts: &Facts,
) -> anyhow::Result<Planned> {
    let ns = opts.namespace.as_str();
    let live = match facts.ns_live {
        Some(_) => deps
            .cluster
            .get(&ObjRef::new(
                "v1",
                "Secret",
                Some(ns),
                values::GRAFANA_SECRET,
            ))
            .await
            .context("reading the Grafana admin Secret")?,
        None => None,
    };
    if let Some(live) = &live {
        if !opts.rotate_password && !grafana::has_keys(live) {
            return Err(Error::input(format!(
                "Secret {ns}/{} exists but lacks `{}`/`{}`: pass --rotate-grafana-password to write a new password into it",
                values::GRAFANA_SECRET,
                grafana::USER_KEY,
                grafana::PASSWORD_KEY
            ))
            .into());
        }
    }
    let need_password = live.is_none() || opts.rotate_password;
    if need_password && inputs.password.is_none() && !opts.dry_run {
        inputs.password = Some(grafana::prompted(deps.ui).await?);
    }
    if !need_password {
        inputs.password = None;
    }
    let change = match (&live, need_password) {
        (None, _) => Change::Create,
        (Some(_), true) => Change::Update,
        (Some(_), false) => Change::Unchanged,
    };
    let note = match (change, &inputs.password) {
        (Change::Unchanged, _) => "existing password kept (--rotate-grafana-password replaces it)",
        (_, Some(p)) if p.generated => "password generated",
        (_, Some(_)) => "password given",
        (_, None) => "password will be asked for",
    };
    Ok(Planned {
        step: Step {
            object: format!("Secret {ns}/{}", values::GRAFANA_SECRET),
            change,
            note: Some(note.into()),
        },
        object: inputs
            .password
            .as_ref()
            .map(|p| to_value(&grafana::secret(ns, &opts.grafana_user, &p.value))),
    })
}

/// The Alertmanager config Secret.
async fn alertmanager_secret(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    facts: &Facts,
) -> anyhow::Result<Planned> {
    let ns = opts.namespace.as_str();
    let object = to_value(&alertmanager::secret(ns, &inputs.am_text));
    let live = match facts.ns_live {
        Some(_) => deps
            .cluster
            .get(&ObjRef::of(&object)?)
            .await
            .context("reading the Alertmanager config Secret")?,
        None => None,
    };
    Ok(Planned {
        step: step(
            format!("Secret {ns}/{}", values::ALERTMANAGER_SECRET),
            owned::plan(live.as_ref(), &object),
        ),
        object: Some(object),
    })
}

/// Does the release need a helm upgrade: new, stuck, forced, or another chart or other values
/// than it runs with.
async fn release_change(
    opts: &InstallOptions,
    deps: &Deps<'_>,
    inputs: &Inputs,
    facts: &Facts,
    clock: &HelmClock,
) -> anyhow::Result<Change> {
    let ns = opts.namespace.as_str();
    Ok(match &facts.existing {
        None => Change::Create,
        Some(_) if facts.recover.is_some() || opts.force_upgrade => Change::Update,
        Some(r) if r.status != "deployed" => Change::Update,
        Some(r) => {
            let same_chart = clock.time(deps.helm.chart_id(facts.chart(opts))).await? == r.chart;
            let same_values =
                same_chart && clock.time(deps.helm.values(RELEASE, ns)).await? == inputs.merged;
            if same_values {
                Change::Unchanged
            } else {
                Change::Update
            }
        }
    })
}

/// The helm command as run, with each temporary values file named by where it comes from.
fn helm_command(inputs: &Inputs, facts: &Facts) -> Vec<String> {
    let shown = Release {
        values_files: inputs
            .chain
            .iter()
            .map(|f| PathBuf::from(&f.origin))
            .collect(),
        ..inputs.release.clone()
    };
    let mut c = vec!["helm".to_string()];
    c.extend(crate::helm::upgrade_args(&shown, facts.helm.major));
    c
}

fn grafana_access(
    merged: &Value,
    nodes: &[Value],
    ns: &str,
    opts: &InstallOptions,
) -> GrafanaAccess {
    let g = &merged["grafana"];
    let url = if g["ingress"]["enabled"].as_bool() == Some(true) {
        let host = g["ingress"]["hosts"][0]
            .as_str()
            .unwrap_or("<ingress host>");
        let scheme = if g["ingress"]["tls"]
            .as_array()
            .is_some_and(|t| !t.is_empty())
        {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    } else if g["service"]["type"] == "NodePort" {
        let ip = nodes
            .iter()
            .flat_map(|n| {
                n.pointer("/status/addresses")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find(|a| a["type"] == "InternalIP")
            .and_then(|a| a["address"].as_str().map(String::from))
            .unwrap_or_else(|| "<node-ip>".into());
        format!(
            "http://{ip}:{}",
            g["service"]["nodePort"].as_u64().unwrap_or(30300)
        )
    } else {
        format!("kubectl -n {ns} port-forward svc/{RELEASE}-grafana 3000:80, then http://localhost:3000")
    };
    GrafanaAccess {
        url,
        user: opts.grafana_user.clone(),
        password_secret: values::GRAFANA_SECRET.into(),
        password_command: format!(
            "kubectl -n {ns} get secret {} -o jsonpath='{{.data.admin-password}}' | base64 -d",
            values::GRAFANA_SECRET
        ),
    }
}

/// The namespace as promstack applies it: its labels, and the Pod Security level node-exporter
/// needs, enforced, and warned and audited at the same level (a warn or audit level someone else
/// set on an existing namespace is theirs: left as it is).
fn namespace(
    ns: &str,
    ps: &preflight::PodSecurity,
    live: Option<&serde_json::Value>,
) -> k8s_openapi::api::core::v1::Namespace {
    let mut labels = owned::labels(crate::COMPONENT);
    if ps.labels_namespace() {
        labels.insert(
            preflight::ENFORCE_LABEL.into(),
            preflight::PRIVILEGED.into(),
        );
        for label in [preflight::WARN_LABEL, preflight::AUDIT_LABEL] {
            let theirs = live
                .and_then(|n| n.pointer("/metadata/labels"))
                .and_then(|l| l.get(label))
                .and_then(serde_json::Value::as_str)
                .is_some_and(|level| level != preflight::PRIVILEGED);
            if !theirs {
                labels.insert(label.into(), preflight::PRIVILEGED.into());
            }
        }
    }
    k8s_openapi::api::core::v1::Namespace {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(ns.into()),
            labels: Some(labels),
            ..Default::default()
        },
        ..Default::default()
    }
}
