//! The release diff in the install flow (`--dry-run`, `install diff`), on the in-memory cluster
//! (server-side apply modelled with field ownership) with a helm that writes the release's objects
//! as helm 4 (apply) or helm 3 (update) does: a changed value shows exactly the objects it
//! changes, a re-run shows nothing, and nothing is written.
mod common;
use common::*;
use promstack_install::release_diff::Change;

fn no_tls(dir: &std::path::Path) -> std::path::PathBuf {
    let f = dir.join("no-tls.yaml");
    std::fs::write(&f, "prometheusOperator:\n  tls:\n    enabled: false\n").unwrap();
    f
}

#[tokio::test]
async fn a_changed_value_shows_the_object_it_changes_and_a_rerun_shows_nothing() {
    for major in [3, 4] {
        let c = cluster(1);
        let h = FakeHelm::new(c.clone(), major);
        run(&options(), &c, &h, b"").await.unwrap();
        // nothing changed: the dry run's diff is empty, and nothing is written
        let mut o = options();
        o.dry_run = true;
        c.reset_counts();
        let same = run(&o, &c, &h, b"").await.unwrap().report;
        let diff = same.diff.as_ref().unwrap();
        assert!(!diff.changes(), "helm {major}: {}", diff.text());
        assert!(!same.changed, "helm {major}: {:?}", same.steps);
        assert!(diff.counts["Deployment"].unchanged >= 1);
        assert!(diff.hooks >= 1, "the webhook certificate Job is a hook");
        assert_eq!(c.writes(), 0);
        // one value changed: the operator's Deployment loses its TLS volume, nothing else changes
        let dir = tempfile::tempdir().unwrap();
        o.user_values = vec![no_tls(dir.path())];
        let changed = run(&o, &c, &h, b"").await.unwrap().report;
        let diff = changed.diff.as_ref().unwrap();
        let titles: Vec<String> = diff.objects.iter().map(|d| d.title()).collect();
        assert_eq!(
            titles,
            ["Deployment monitoring/kube-prometheus-operator"],
            "helm {major}: {}",
            diff.text()
        );
        let op = &diff.objects[0];
        assert_eq!(op.change, Change::Changed);
        assert_eq!(op.fields.len(), 1, "{:?}", op.fields);
        assert_eq!(op.fields[0].path, "spec.template.spec.volumes");
        assert!(op.diff.contains("-      - name: tls-secret"), "{}", op.diff);
        assert!(changed.changed);
        assert_eq!(c.writes(), 0, "a dry run writes nothing");
        let text = promstack_install::summary::render(&changed, None);
        assert!(
            text.contains("~ Deployment monitoring/kube-prometheus-operator")
                && text.contains("Objects: 0 added, 1 changed, 0 removed"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_fresh_install_plans_every_object_as_added() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    let mut o = options();
    o.dry_run = true;
    let r = run(&o, &c, &h, b"").await.unwrap().report;
    let diff = r.diff.unwrap();
    assert!(!diff.objects.is_empty());
    assert!(diff.objects.iter().all(|d| d.change == Change::Added));
    assert!(diff.crds.iter().all(|c| c.new) && !diff.crds.is_empty());
    assert_eq!(c.writes(), 0);
    assert_eq!(h.count("get-manifest"), 0, "no release to read");
}

#[tokio::test]
async fn a_chart_upgrade_names_the_versions_its_notes_and_the_keys_it_does_not_read() {
    let c = cluster(1);
    let h = FakeHelm::new(c.clone(), 4);
    run(&options(), &c, &h, b"").await.unwrap();
    // the deployed release is of an older major
    h.state.lock().unwrap().release.as_mut().unwrap().chart =
        "kube-prometheus-stack-87.19.2".into();
    c.reset_counts();
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone.yaml");
    std::fs::write(&gone, "grafana:\n  oldKey: 1\n").unwrap();
    let mut o = options();
    o.dry_run = true;
    o.user_values = vec![gone.clone()];
    o.allow_unknown_values = true;
    let r = run(&o, &c, &h, b"").await.unwrap().report;
    let u = r.upgrade.as_ref().expect("an upgrade is planned");
    assert_eq!((u.from.as_str(), u.to.as_str()), ("87.19.2", "88.5.3"));
    let headings: Vec<&str> = u.notes.iter().map(|n| n.heading.as_str()).collect();
    assert_eq!(headings, ["From 87.x to 88.x"]);
    assert_eq!(
        u.values_keys_gone,
        [format!(
            "{}:2: `oldKey` is not a key of grafana",
            gone.display()
        )]
    );
    let text = promstack_install::summary::render(&r, None);
    assert!(
        text.contains("Chart upgrade: 87.19.2 → 88.5.3")
            && text.contains("  | The fixture's notes for 88: apply the CRDs first."),
        "{text}"
    );
    assert_eq!(c.writes(), 0);
}
