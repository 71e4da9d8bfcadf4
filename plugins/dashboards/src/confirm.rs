//! `sync` confirms that Grafana picked its dashboards up: before writing, the versions Grafana
//! serves of them; after, a bounded wait until it serves each as written in its folder
//! ([`promstack_shared::grafana::arrival`]). What the sidecar will not pick up (a label, namespace
//! or resource it does not watch, another folder annotation: read from the Grafana Deployment) is
//! named without waiting. A Grafana that cannot be reached is said, and the sync goes on.
use crate::grafana::{self, Connected, GrafanaTarget};
use promstack_shared::grafana::arrival::{self, Arrival, Change, Expected};
use promstack_shared::grafana::dashboard::{self, Prepared};
use promstack_shared::grafana::sidecar::folder_title;
use promstack_shared::kube::cluster::Cluster;
use promstack_shared::kube::owned::Change as Planned;
use promstack_shared::kube::sync::SyncReport;
use promstack_shared::terminal::ui::Ui;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How often Grafana is asked while waiting.
const INTERVAL: Duration = Duration::from_secs(2);

/// What the sync found of Grafana.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Confirmation {
    /// Not confirmed: why (a dry run, no wait asked, Grafana not reachable).
    Skipped { reason: String },
    /// Grafana was asked.
    Checked(Arrival),
}

/// Grafana reached before the sync writes, with the versions it serves of the dashboards.
pub struct Before {
    grafana: Connected,
    versions: BTreeMap<String, i64>,
}

/// Reach Grafana and note the versions it serves; `Err` is the skip, said on `ui`.
pub async fn before(
    target: &GrafanaTarget,
    cluster: &dyn Cluster,
    ns: &str,
    prepared: &[Prepared],
    ui: &Ui,
) -> Result<Before, Confirmation> {
    match grafana::connect(target, Some(cluster), ns).await {
        Ok(grafana) => {
            let uids: Vec<String> = prepared.iter().map(|p| p.uid().to_string()).collect();
            let versions = arrival::served_versions(&grafana.api, &uids).await;
            Ok(Before { grafana, versions })
        }
        Err(e) => {
            let reason = format!(
                "Grafana cannot be reached ({e}): not confirming that it serves the dashboards"
            );
            ui.warn(&reason);
            Err(Confirmation::Skipped { reason })
        }
    }
}

/// What Grafana should serve after the sync: each dashboard, where and as written.
fn expected(
    before: &Before,
    prepared: &[Prepared],
    ns: &str,
    report: &SyncReport,
) -> Vec<Expected> {
    let change_of = |name: &str| {
        report
            .items
            .iter()
            .find(|i| i.name == name)
            .map_or(Change::Unchanged, |i| match i.change {
                Planned::Create => Change::Created,
                Planned::Update => Change::Updated,
                _ => Change::Unchanged,
            })
    };
    prepared
        .iter()
        .filter_map(|p| {
            let cm = promstack_shared::kube::cluster::to_value(&dashboard::configmap_of(p, ns).ok()?);
            let name = cm["metadata"]["name"].as_str().unwrap_or_default().to_string();
            let intended = folder_title(
                cm["metadata"]["annotations"][dashboard::FOLDER_ANNOTATION]
                    .as_str()
                    .unwrap_or(""),
            );
            let known_problem = before.grafana.sidecar.as_ref().and_then(|s| {
                s.ignores(&cm).or_else(|| {
                    let there = s.folder_of(&cm);
                    (there != intended).then(|| format!(
                        "the sidecar ({}/{}) reads the folder from annotation {}, not {}: Grafana shows it in {there}, not {intended}",
                        s.deployment, s.container, s.folder_annotation, dashboard::FOLDER_ANNOTATION
                    ))
                })
            });
            Some(Expected {
                uid: p.uid().to_string(),
                title: p.value["title"].as_str().unwrap_or_default().to_string(),
                folder: intended,
                source: p.path.clone(),
                content: p.value.clone(),
                change: change_of(&name),
                prior_version: before.versions.get(p.uid()).copied(),
                known_problem,
            })
        })
        .collect()
}

/// Wait until Grafana serves what the sync wrote (at most `timeout`), with progress on `ui`.
pub async fn after(
    before: &Before,
    prepared: &[Prepared],
    ns: &str,
    report: &SyncReport,
    timeout: Duration,
    ui: &Ui,
) -> Confirmation {
    let expected = expected(before, prepared, ns, report);
    let what = format!(
        "waiting for Grafana to serve {} dashboard(s)",
        expected.len()
    );
    let bar = ui.spinner(&what);
    let progress = |done: usize, total: usize| bar.set_message(format!("{what}: {done}/{total}"));
    let found = arrival::wait(
        &before.grafana.api,
        &expected,
        timeout,
        INTERVAL,
        &before.grafana.log_hint(),
        &progress,
    )
    .await;
    bar.finish_and_clear();
    match found.missing.is_empty() {
        true => ui.ok(&format!(
            "Grafana serves all {} in their folders ({})",
            found.arrived,
            before.grafana.reached.describe("Grafana")
        )),
        false => ui.fail(&format!(
            "{} did not arrive in Grafana",
            found.missing.len()
        )),
    }
    Confirmation::Checked(found)
}

/// The confirmation for people.
pub fn text(c: &Confirmation) -> String {
    match c {
        Confirmation::Skipped { reason } => format!("Grafana: {reason}\n"),
        Confirmation::Checked(a) if a.missing.is_empty() => format!(
            "Grafana serves all {} synced dashboard(s) as written, in their folders ({:.1}s)\n",
            a.arrived, a.waited_seconds
        ),
        Confirmation::Checked(a) => {
            let mut s = format!(
                "Grafana: {} synced dashboard(s) did not arrive ({} did, {:.0}s waited):\n",
                a.missing.len(),
                a.arrived,
                a.waited_seconds
            );
            for m in &a.missing {
                s.push_str(&format!(
                    "  {} `{}` ({}, folder {}): {}\n",
                    m.uid, m.title, m.source, m.folder, m.reason
                ));
            }
            s
        }
    }
}
