//! The release diff, the values lint and a chart upgrade on a real cluster: install the older
//! chart (PROMSTACK_E2E_OLD_CHART, a local 87.19.2 such as ../shared/refdata/charts' package; else
//! `--chart-version 87.19.2` of the default repository), plan the upgrade to the chart under test
//! (its CRD changes, its notes), apply it, then: an unchanged re-run's diff is empty (exit 0), a
//! retention change shows exactly `spec.retention: 2d → 3d` on the Prometheus object (exit 3),
//! and two typos are refused with file:line and a suggestion (exit 2), nothing written.
use super::{json, setup};
use serde_json::Value;

const OLD: &str = "87.19.2";

fn out(o: &std::process::Output) -> (Option<i32>, String, String) {
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn diff_values_lint_and_a_chart_upgrade() {
    let (e, base) = setup("upgrade-");
    let old: Vec<String> = match std::env::var("PROMSTACK_E2E_OLD_CHART") {
        Ok(path) => vec!["--chart".into(), path],
        Err(_) if std::env::var("PROMSTACK_E2E_CHART").is_ok() => panic!(
            "PROMSTACK_E2E_CHART is a local chart: set PROMSTACK_E2E_OLD_CHART to a local {OLD} too (../shared/refdata/charts/kube-prometheus-stack-{OLD}.tgz)"
        ),
        Err(_) => vec!["--chart-version".into(), OLD.into()],
    };
    let new: Vec<String> = match std::env::var("PROMSTACK_E2E_CHART") {
        Ok(path) => vec!["--chart".into(), path],
        Err(_) => vec![],
    };
    let args = |chart: &[String], more: &[&str]| -> Vec<String> {
        let mut a = base.clone();
        a.extend(chart.iter().cloned());
        a.extend(more.iter().map(|s| s.to_string()));
        a
    };
    let run = |verb: Option<&str>, a: Vec<String>| {
        let mut all: Vec<&str> = verb.into_iter().collect();
        all.extend(a.iter().map(String::as_str));
        e.cmd(&all).output().unwrap()
    };

    // the older chart, installed
    let installed = json(&run(
        None,
        args(&old, &["--generate-grafana-password", "-o", "json"]),
    ));
    assert_eq!(installed["changed"], true);

    // the upgrade, planned: versions, the chart's notes, the CRD changes, objects changed
    let (code, text, err) = out(&run(Some("diff"), args(&new, &[])));
    assert_eq!(code, Some(3), "{err}\n{text}");
    assert!(
        text.contains(&format!("Chart upgrade: {OLD} → 88.5.3"))
            && text.contains("The chart's notes, From 87.x to 88.x:")
            && text.contains("CRDs:\n  ")
            && text.contains("prometheuses.monitoring.coreos.com: serves v1"),
        "{text}"
    );
    let (code, text, err) = out(&run(Some("diff"), args(&new, &["-o", "json"])));
    assert_eq!(code, Some(3), "{err}");
    let plan: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(plan["upgrade"]["from"], OLD);
    assert!(!plan["diff"]["crds"].as_array().unwrap().is_empty());
    assert!(plan["diff"]["counts"]["Deployment"]["changed"].as_u64() > Some(0));

    // applied, cleanly; then nothing would change
    let upgraded = json(&run(None, args(&new, &["-o", "json"])));
    assert_eq!(upgraded["changed"], true);
    let (code, text, err) = out(&run(Some("diff"), args(&new, &[])));
    assert_eq!(code, Some(0), "{err}\n{text}");
    assert!(text.contains("Nothing would change."), "{text}");

    // one value changed: exactly that field of that object
    let dir = tempfile::tempdir().unwrap();
    let retention = dir.path().join("retention.yaml");
    std::fs::write(
        &retention,
        "prometheus:\n  prometheusSpec:\n    retention: 3d\n",
    )
    .unwrap();
    let r = retention.to_str().unwrap();
    let dry = json(&run(
        None,
        args(&new, &["--dry-run", "-f", r, "-o", "json"]),
    ));
    let objects = dry["diff"]["objects"].as_array().unwrap();
    let changed: Vec<(&Value, &Value)> = objects.iter().map(|o| (&o["kind"], &o["name"])).collect();
    assert_eq!(
        changed,
        [(
            &Value::from("Prometheus"),
            &Value::from("kube-prometheus-prometheus")
        )],
        "{objects:#?}"
    );
    assert_eq!(
        objects[0]["fields"],
        serde_json::json!([{"path": "spec.retention", "from": "2d", "to": "3d"}])
    );
    let (code, text, _) = out(&run(None, args(&new, &["--dry-run", "-f", r])));
    assert_eq!(code, Some(0));
    assert!(
        text.contains("~ Prometheus ")
            && text.contains("    spec.retention: 2d → 3d\n")
            && text.contains("Objects: 0 added, 1 changed, 0 removed"),
        "{text}"
    );

    // two typos: refused with file:line and the nearest key, nothing written
    let typo = dir.path().join("typo.yaml");
    std::fs::write(
        &typo,
        "prometheus:\n  prometheusSpec:\n    retention: 3d\n    retension: 7d\ngrafana:\n  adminPasword: x\n",
    )
    .unwrap();
    let t = typo.to_str().unwrap();
    let (code, _, err) = out(&run(None, args(&new, &["--dry-run", "-f", t])));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!("{t}:4: `retension` is not a key of prometheus.prometheusSpec; did you mean `retention`?"))
            && err.contains(&format!("{t}:6: `adminPasword` is not a key of grafana; did you mean `adminPassword`?")),
        "{err}"
    );
    let (code, _, err) = out(&run(None, args(&new, &["-f", t])));
    assert_eq!(code, Some(2), "{err}");
    let (code, _, _) = out(&run(Some("diff"), args(&new, &[])));
    assert_eq!(code, Some(0), "the refused install changed something");
}
