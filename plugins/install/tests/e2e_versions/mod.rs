//! A stack whose CRDs are older than its operator, made as users make one: the 87.19.2 chart
//! installed with plain helm (its CRDs: operator 0.92.1), the release upgraded to 88.5.3 with
//! plain helm (helm never upgrades CRDs: the operator runs v0.93.1 over the 0.92.1 CRDs). `status`
//! fails its versions check, naming a field the operator drops (Prometheus spec.tsdb.chunkEncoding)
//! and the fix; `kubectl promstack install` applies the chart's CRDs server-side (taking over the
//! release and the CRDs helm wrote) and the check is ok, every CRD at 0.93.1.
//!
//! helm: PROMSTACK_HELM, else `helm` on PATH (scripts/e2e.sh puts .tools/helm-v4 or -v3 there).
//! The charts: PROMSTACK_E2E_OLD_CHART and PROMSTACK_E2E_CHART, else the packages in
//! ../shared/refdata/charts.
use super::e2e_support::stack;
use super::{json, setup};
use std::process::Command;

fn chart(env: &str, version: &str) -> String {
    std::env::var(env).unwrap_or_else(|_| {
        let p = promstack_shared::testing::refdata::dir()
            .join(format!("charts/kube-prometheus-stack-{version}.tgz"));
        p.display().to_string()
    })
}

/// Plain helm against the suite's cluster, in the suite's namespace.
fn helm(e: &super::E2e, args: &[&str]) {
    let bin = std::env::var("PROMSTACK_HELM").unwrap_or_else(|_| "helm".into());
    let out = Command::new(&bin)
        .args(args)
        .arg("--kubeconfig")
        .arg(&e.kubeconfig)
        .args(["--namespace", &e.namespace])
        .output()
        .unwrap_or_else(|err| panic!("{bin}: {err}"));
    assert!(
        out.status.success(),
        "{bin} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs a cluster: set PROMSTACK_E2E_KUBECONFIG"]
fn crds_older_than_the_operator_fail_status_until_install() {
    let (e, mut flags) = setup("oldcrds-");
    let (old, new) = (
        chart("PROMSTACK_E2E_OLD_CHART", "87.19.2"),
        chart("PROMSTACK_E2E_CHART", "88.5.3"),
    );
    // the release as promstack names its objects, so that status finds them, and its volumes as
    // promstack's local env has them (a StatefulSet cannot change its volumeClaimTemplates: going
    // from the chart's emptyDir to a claim, the real operator deletes and recreates the
    // StatefulSet, which the harness's stand-in operator does not do)
    let local = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../values/values-local.yaml"
    );
    let set = ["--set", "fullnameOverride=kube-prometheus", "-f", local];
    let mut install = vec![
        "install",
        "kube-prometheus",
        old.as_str(),
        "--create-namespace",
    ];
    install.extend(set);
    helm(&e, &install);
    let mut upgrade = vec!["upgrade", "kube-prometheus", new.as_str()];
    upgrade.extend(set);
    helm(&e, &upgrade);

    let endpoints = stack::endpoint_flags();
    let st = stack::status(&e, &endpoints, &[]);
    let crds = stack::check(&st, "versions", "CRDs");
    assert_eq!(crds["level"], "fail", "{crds:#}");
    let detail = crds["detail"].as_str().unwrap();
    assert!(
        detail.contains("older than the operator v0.93.1")
            && detail.contains("at 0.92.1")
            && detail.contains("Prometheus spec.tsdb.chunkEncoding"),
        "{detail}"
    );
    assert!(crds["hint"]
        .as_str()
        .unwrap()
        .contains("kubectl promstack install applies the chart's CRDs server-side"));
    assert_eq!(
        st["versions"]["operator"], "v0.93.1",
        "{:#}",
        st["versions"]
    );
    assert_eq!(st["versions"]["chart"], "88.5.3");
    assert_eq!(
        st["versions"]["crds"]["prometheuses.monitoring.coreos.com"],
        "0.92.1"
    );

    // kubectl promstack install clears it
    flags.extend([
        "--chart".into(),
        new.clone(),
        "--generate-grafana-password".into(),
    ]);
    flags.extend(["-o".into(), "json".into()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    assert_eq!(json(&e.cmd(&flags).output().unwrap())["changed"], true);
    let st = stack::status(&e, &endpoints, &[]);
    let crds = stack::check(&st, "versions", "CRDs");
    assert_eq!(crds["level"], "ok", "{crds:#}");
    let versions = st["versions"]["crds"].as_object().unwrap();
    assert_eq!(versions.len(), 10, "{versions:?}");
    assert!(versions.values().all(|v| v == "0.93.1"), "{versions:?}");
}
