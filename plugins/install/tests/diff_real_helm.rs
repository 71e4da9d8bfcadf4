//! The release diff and the values lint on renders by the real helm 3 and helm 4 of the fixture
//! chart: the release as one values file rendered it, applied to the in-memory cluster as helm 4
//! applies it; the render of other values against it shows exactly the object that changes, with
//! the field; the same values show nothing. The lint reads the chart's files and its render's CRDs.
mod common;
use common::helm;
use promstack_install::chart::values::{self, Env, OverlaySettings, RELEASE};
use promstack_install::chart::{chart_files, crds, values_lint};
use promstack_install::helm::{Chart, HelmApi, Release};
use promstack_install::install::ValuesDir;
use promstack_install::release_diff::{self, Change};
use promstack_shared::kube::cluster::MemoryCluster;
use promstack_shared::testing::needs;
use serde_json::{json, Value};
use std::time::Duration;

async fn render(h: &dyn HelmApi, user: &str) -> (Vec<values::ValuesFile>, Vec<Value>) {
    let chain = values::chain(
        Env::Local,
        vec![values::parse("mine.yaml", user).unwrap()],
        &OverlaySettings {
            storage_class: "local-path".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let files = ValuesDir::write(&chain).unwrap();
    let release = Release {
        name: RELEASE.into(),
        namespace: "monitoring".into(),
        chart: Chart::Local(common::FIXTURE_CHART.into()),
        values_files: files.files.clone(),
        timeout: Duration::from_secs(30),
    };
    let text = h.template(&release).await.unwrap();
    (chain, crds::documents(&text).unwrap())
}

fn manifest(docs: &[Value]) -> String {
    docs.iter()
        .filter(|d| d["kind"] != "CustomResourceDefinition")
        .map(|d| format!("---\n{}", serde_yaml::to_string(d).unwrap()))
        .collect()
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn a_changed_value_shows_exactly_its_object_on_real_renders() {
    for major in [3, 4] {
        let h = helm(major);
        let (_, before) = render(&h, "layer: one\n").await;
        let c = MemoryCluster::new();
        c.insert(
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}}),
        );
        for d in before
            .iter()
            .filter(|d| d["kind"] != "CustomResourceDefinition")
        {
            c.apply_as(
                &release_diff::owned_by_helm(d.clone(), RELEASE, "monitoring"),
                "helm",
            )
            .unwrap();
        }
        let same = release_diff::compute(
            &c,
            "monitoring",
            &before,
            Some(&manifest(&before)),
            true,
            &[],
        )
        .await
        .unwrap();
        assert!(!same.changes(), "helm {major}: {}", same.text());
        let (_, after) = render(&h, "layer: two\n").await;
        let d = release_diff::compute(
            &c,
            "monitoring",
            &after,
            Some(&manifest(&before)),
            true,
            &[],
        )
        .await
        .unwrap();
        let changed: Vec<(String, Change)> =
            d.objects.iter().map(|o| (o.title(), o.change)).collect();
        assert_eq!(
            changed,
            [(
                "ConfigMap monitoring/kube-prometheus-values".to_string(),
                Change::Changed
            )],
            "helm {major}: {}",
            d.text()
        );
        assert_eq!(d.objects[0].fields[0].path, "data.values.json");
        assert_eq!(c.writes(), 0);
    }
}

#[needs(helm3, helm4)]
#[tokio::test]
async fn the_lint_reads_the_chart_and_its_rendered_crds() {
    for major in [3, 4] {
        let h = helm(major);
        let (chain, docs) = render(&h, "grafana:\n  servce: {type: NodePort}\n").await;
        let facts = chart_files::read(std::path::Path::new(common::FIXTURE_CHART)).unwrap();
        let found: Vec<String> = chain
            .iter()
            .flat_map(|f| {
                values_lint::lint(
                    &f.origin,
                    &f.text,
                    &f.values,
                    &facts,
                    &crds::from_rendered(&docs),
                )
            })
            .map(|u| u.to_string())
            .collect();
        assert_eq!(
            found,
            ["mine.yaml:2: `servce` is not a key of grafana; did you mean `service`?"],
            "helm {major}"
        );
    }
}
