//! The alert test: fire, follow each hop with a timeline, report state and receivers, and always
//! clean up (rule deleted, alert resolved): on success, failure, timeout, and Ctrl-C/SIGTERM.
use promstack_shared::alertmanager::api::AlertmanagerApi;
use promstack_shared::kube::cluster::{with_retry, ApplyOptions, Cluster, ObjRef, WRITE_ATTEMPTS};
use promstack_shared::kube::owned;
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::prometheus::rule::{
    PrometheusRule, PrometheusRuleSpec, Rule, RuleGroup, API_VERSION, KIND,
};
use promstack_shared::terminal::ui::{human_duration, Ui};
use promstack_shared::Error;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The `promstack.io/component` of the temporary rules.
pub const COMPONENT: &str = "alert-test";
/// The label that makes the test alert unique.
pub const TEST_ID_LABEL: &str = "promstack_test_id";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// A temporary PrometheusRule (expr: vector(1)): the whole path, Prometheus included
    Prometheus,
    /// POST the alert to Alertmanager's API: routing only
    Alertmanager,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub via: Via,
    pub namespace: String,
    pub alertname: String,
    pub severity: String,
    pub labels: Vec<(String, String)>,
    pub for_: String,
    pub expect: Vec<String>,
    pub wait_delivery: bool,
    pub timeout: Duration,
    pub keep: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub step: String,
    pub took_ms: u128,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub sent: bool,
    pub failed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertReport {
    pub test_id: String,
    pub alertname: String,
    pub via: Via,
    /// active | suppressed | (empty when it never arrived)
    pub state: String,
    pub receivers: Vec<String>,
    pub expected: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// True when the alert reached exactly the expected receivers (any, when none were expected), active.
    pub ok: bool,
    /// What was proven: routing, or routing and delivery.
    pub proven: String,
    pub steps: Vec<Step>,
    pub cleanup: Vec<String>,
}

/// Where Prometheus and Alertmanager are, and the cluster for rule mode.
pub struct Access<'a> {
    pub cluster: Option<&'a dyn Cluster>,
    pub prometheus: Option<PrometheusApi>,
    pub alertmanager: AlertmanagerApi,
}

pub fn new_test_id() -> String {
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).expect("OS randomness");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Poll `f` until it gives `Some`, with growing pauses (50 ms up to 1 s), until `deadline`.
async fn poll<T, F, Fut>(deadline: Instant, what: &str, mut f: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, String>>,
{
    let mut pause = Duration::from_millis(50);
    let mut last_err = String::new();
    loop {
        match f().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last_err = e,
        }
        if Instant::now() >= deadline {
            return Err(Error::runtime(format!(
                "timed out waiting for {what}{}",
                if last_err.is_empty() {
                    String::new()
                } else {
                    format!(" (last error: {last_err})")
                }
            )));
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 3 / 2).min(Duration::from_secs(1));
    }
}

/// What exists and must be undone.
#[derive(Default)]
pub struct Leftovers {
    pub rule: Option<ObjRef>,
    /// The alert's labels as Alertmanager holds them (for a resolving POST).
    pub alert_labels: Option<BTreeMap<String, String>>,
    pub direct_labels: Option<BTreeMap<String, String>>,
}

fn rule_object(o: &Options, id: &str, labels: &BTreeMap<String, String>) -> PrometheusRule {
    let name = format!("promstack-alert-test-{id}");
    PrometheusRule {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(o.namespace.clone()),
            labels: Some(owned::labels(COMPONENT)),
            ..Default::default()
        },
        spec: PrometheusRuleSpec {
            groups: vec![RuleGroup {
                name: name.clone(),
                interval: None,
                query_offset: None,
                limit: None,
                partial_response_strategy: None,
                labels: Default::default(),
                rules: vec![Rule {
                    alert: Some(o.alertname.clone()),
                    record: None,
                    expr: "vector(1)".into(),
                    for_: Some(o.for_.clone()),
                    keep_firing_for: None,
                    labels: labels.clone(),
                    annotations: BTreeMap::from([
                        ("summary".to_string(), "promstack alert-test: a test alert, resolved when the test ends".to_string()),
                        ("description".to_string(), format!("Fired by `kubectl promstack alert-test` (test id {id}) to prove routing.")),
                    ]),
                }],
            }],
        },
    }
}

/// Now plus `offset`, in RFC 3339 to the second (UTC), as Alertmanager's API takes it.
fn now_rfc3339(offset: Duration) -> String {
    (k8s_openapi::jiff::Timestamp::now() + offset)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn notification_counters(am: &AlertmanagerApi) -> Result<(f64, f64), String> {
    Ok((
        am.counter("alertmanager_notifications_total", &[]).await?,
        am.counter("alertmanager_notifications_failed_total", &[])
            .await?,
    ))
}

/// A test under way: its report so far, what it left to clean up, and the timeline (each step
/// named, timed from the one before, said as it happens).
struct Progress<'a> {
    ui: &'a Ui,
    mark: Instant,
    report: AlertReport,
    left: &'a mut Leftovers,
}

impl Progress<'_> {
    fn step(&mut self, name: &str, detail: String) {
        let took = self.mark.elapsed();
        self.ui.ok(&format!(
            "{name} ({}){}",
            human_duration(took),
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        ));
        self.report.steps.push(Step {
            step: name.into(),
            took_ms: took.as_millis(),
            detail,
        });
        self.mark = Instant::now();
    }
}

/// Run the test. `left` records what exists, so the caller can clean up whatever happens here.
pub async fn run(
    o: &Options,
    a: &Access<'_>,
    ui: &Ui,
    left: &mut Leftovers,
) -> Result<AlertReport, Error> {
    let id = new_test_id();
    let deadline = Instant::now() + o.timeout;
    let mut labels: BTreeMap<String, String> = o.labels.iter().cloned().collect();
    labels.insert("severity".into(), o.severity.clone());
    labels.insert(TEST_ID_LABEL.into(), id.clone());
    let report = AlertReport {
        test_id: id.clone(),
        alertname: o.alertname.clone(),
        via: o.via,
        state: String::new(),
        receivers: vec![],
        expected: o.expect.clone(),
        delivery: None,
        ok: false,
        proven: if o.wait_delivery {
            "routing and delivery".into()
        } else {
            "routing (not delivery: pass --wait-delivery)".into()
        },
        steps: vec![],
        cleanup: vec![],
    };
    let mut p = Progress {
        ui,
        mark: Instant::now(),
        report,
        left,
    };
    let before = match o.wait_delivery {
        true => Some(
            notification_counters(&a.alertmanager)
                .await
                .map_err(Error::runtime)?,
        ),
        false => None,
    };
    match o.via {
        Via::Alertmanager => fire_direct(o, a, &labels, &mut p).await?,
        Via::Prometheus => fire_rule(o, a, &id, &labels, deadline, &mut p).await?,
    }
    arrival(a, &id, deadline, &mut p).await?;
    if let Some(counters) = before {
        if p.report.state == "active" {
            delivery(a, counters, deadline, &mut p).await?;
        }
    }
    let mut report = p.report;
    let mut expected = o.expect.clone();
    expected.sort();
    report.ok = report.state == "active"
        && (expected.is_empty() || expected == report.receivers)
        && report.delivery.as_ref().is_none_or(|d| d.sent && !d.failed);
    Ok(report)
}

/// `--via alertmanager`: post the alert to Alertmanager's API.
async fn fire_direct(
    o: &Options,
    a: &Access<'_>,
    labels: &BTreeMap<String, String>,
    p: &mut Progress<'_>,
) -> Result<(), Error> {
    let mut all = labels.clone();
    all.insert("alertname".into(), o.alertname.clone());
    let alert = json!({
        "labels": all,
        "annotations": {"summary": "promstack alert-test: a test alert, resolved when the test ends"},
        "startsAt": now_rfc3339(Duration::ZERO),
        "endsAt": now_rfc3339(o.timeout + Duration::from_secs(300)),
    });
    a.alertmanager
        .post_alerts(&[alert])
        .await
        .map_err(Error::runtime)?;
    p.left.direct_labels = Some(all);
    p.step("alert posted to Alertmanager", a.alertmanager.base().into());
    Ok(())
}

/// Rule mode: apply the temporary rule, wait for Prometheus to load it and the alert to fire.
async fn fire_rule(
    o: &Options,
    a: &Access<'_>,
    id: &str,
    labels: &BTreeMap<String, String>,
    deadline: Instant,
    p: &mut Progress<'_>,
) -> Result<(), Error> {
    let cluster = a
        .cluster
        .ok_or_else(|| Error::input("rule mode needs a cluster (or use --via alertmanager)"))?;
    let prom = a.prometheus.as_ref().ok_or_else(|| {
        Error::input("rule mode needs Prometheus (--prometheus-url or a port-forward)")
    })?;
    let rule = rule_object(o, id, labels);
    let obj = serde_json::to_value(&rule).expect("typed objects serialise");
    let r = ObjRef::of(&obj).map_err(|e| Error::runtime(e.to_string()))?;
    with_retry(WRITE_ATTEMPTS, || {
        cluster.apply(&obj, ApplyOptions::default())
    })
    .await
    .map_err(|e| Error::runtime(format!("applying the test rule {r}: {e}")))?;
    p.left.rule = Some(r.clone());
    p.step("temporary rule applied", r.to_string());
    let group = rule.spec.groups[0].name.clone();
    poll(deadline, "Prometheus to load the rule", || async {
        let d = prom.api("/api/v1/rules").await?;
        Ok(d["groups"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["name"] == group.as_str()))
            .then_some(()))
    })
    .await?;
    p.step("Prometheus loaded the rule", String::new());
    poll(deadline, "the alert to fire in Prometheus", || async {
        let d = prom.api("/api/v1/alerts").await?;
        Ok(d["alerts"]
            .as_array()
            .is_some_and(|al| {
                al.iter()
                    .any(|x| x["labels"][TEST_ID_LABEL] == id && x["state"] == "firing")
            })
            .then_some(()))
    })
    .await?;
    p.step("alert firing in Prometheus", String::new());
    Ok(())
}

/// Wait for Alertmanager to hold the alert; its state and receivers.
async fn arrival(
    a: &Access<'_>,
    id: &str,
    deadline: Instant,
    p: &mut Progress<'_>,
) -> Result<(), Error> {
    let found: Value = poll(deadline, "Alertmanager to hold the alert", || async {
        let list = a.alertmanager.alerts(&[(TEST_ID_LABEL, id)]).await?;
        Ok(list.into_iter().next())
    })
    .await?;
    p.left.alert_labels = found["labels"].as_object().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
            .collect()
    });
    p.report.state = found["status"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    p.report.receivers = found["receivers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str().map(String::from))
        .collect();
    p.report.receivers.sort();
    let detail = format!(
        "state {}, receivers {}",
        p.report.state,
        p.report.receivers.join(", ")
    );
    p.step("Alertmanager holds the alert", detail);
    Ok(())
}

/// `--wait-delivery`: wait until Alertmanager's notification counters move past `before`.
async fn delivery(
    a: &Access<'_>,
    (sent0, failed0): (f64, f64),
    deadline: Instant,
    p: &mut Progress<'_>,
) -> Result<(), Error> {
    let d = poll(deadline, "a notification to be sent", || async {
        let (sent, failed) = notification_counters(&a.alertmanager).await?;
        Ok((sent > sent0 || failed > failed0).then_some(Delivery {
            sent: sent > sent0,
            failed: failed > failed0,
        }))
    })
    .await?;
    let name = match d.failed {
        true => "notification FAILED",
        false => "notification sent",
    };
    p.step(name, String::new());
    p.report.delivery = Some(d);
    Ok(())
}

/// Undo what the test left, unless `keep`: delete the rule, post the alert as resolved.
pub async fn cleanup(a: &Access<'_>, left: &Leftovers, keep: bool, ui: &Ui) -> Vec<String> {
    let mut done = Vec::new();
    if keep {
        done.push("kept for inspection (--keep): rule and alert left in place".into());
        return done;
    }
    if let (Some(r), Some(cluster)) = (&left.rule, a.cluster) {
        match with_retry(WRITE_ATTEMPTS, || cluster.delete(r)).await {
            Ok(_) => done.push(format!("{r} deleted")),
            Err(e) => {
                ui.fail(&format!("could not delete {r}: {e}; delete it by hand"));
                done.push(format!("{r} NOT deleted: {e}"));
            }
        }
    }
    if let Some(labels) = left.alert_labels.as_ref().or(left.direct_labels.as_ref()) {
        let resolved = json!({"labels": labels, "startsAt": now_rfc3339(Duration::ZERO), "endsAt": now_rfc3339(Duration::ZERO)});
        match a.alertmanager.post_alerts(&[resolved]).await {
            Ok(()) => done.push("alert resolved in Alertmanager".into()),
            Err(e) => done.push(format!("alert NOT resolved: {e}")),
        }
    }
    for d in &done {
        ui.line(&format!("  cleanup: {d}"));
    }
    done
}

/// The report as text for people.
pub fn text(r: &AlertReport) -> String {
    let mut s = String::new();
    for st in &r.steps {
        s.push_str(&format!(
            "  {:<32} {:>8}  {}\n",
            st.step,
            human_duration(Duration::from_millis(st.took_ms as u64)),
            st.detail
        ));
    }
    let total: u128 = r.steps.iter().map(|s| s.took_ms).sum();
    s.push_str(&format!(
        "{} {} ({}) {} to [{}]{} in {}; proven: {}\n",
        if r.ok { "OK:" } else { "FAILED:" },
        r.alertname,
        r.test_id,
        if r.state == "active" {
            "routed"
        } else {
            "was NOT routed (suppressed)"
        },
        r.receivers.join(", "),
        if r.expected.is_empty() {
            String::new()
        } else {
            format!(", expected [{}]", r.expected.join(", "))
        },
        human_duration(Duration::from_millis(total as u64)),
        r.proven
    ));
    s
}

#[cfg(test)]
mod tests;
