//! The chart files the fake helm deals in: what `helm pull` writes, and a chart's id as
//! `helm list` shows it.
use super::FIXTURE_CHART;
use promstack_install::helm::Chart;

/// The chart as `helm list` shows it, name-version: a local one's own, the remote one's the
/// pinned kube-prometheus-stack's.
pub fn chart_id(chart: &Chart) -> String {
    match chart {
        Chart::Local(p) => {
            let f = promstack_install::chart::chart_files::read(p).unwrap();
            format!("{}-{}", f.name, f.version)
        }
        _ => "kube-prometheus-stack-88.5.3".to_string(),
    }
}

/// What `helm pull` of the pinned chart writes, as far as the fake needs it: a `.tgz` of the
/// fixture chart's folder named and versioned as kube-prometheus-stack 88.5.3.
pub fn chart_archive() -> Vec<u8> {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let dir = std::path::Path::new(FIXTURE_CHART);
    for entry in ["values.yaml", "UPGRADE.md", "templates", "charts"] {
        let p = dir.join(entry);
        let name = format!("kube-prometheus-stack/{entry}");
        match p.is_dir() {
            true => tar.append_dir_all(&name, &p).unwrap(),
            false => tar.append_path_with_name(&p, &name).unwrap(),
        }
    }
    let chart_yaml = std::fs::read_to_string(dir.join("Chart.yaml"))
        .unwrap()
        .replace("name: fixture-stack", "name: kube-prometheus-stack")
        .replace("version: 0.3.0", "version: 88.5.3");
    let mut h = tar::Header::new_gnu();
    h.set_size(chart_yaml.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(
        &mut h,
        "kube-prometheus-stack/Chart.yaml",
        chart_yaml.as_bytes(),
    )
    .unwrap();
    tar.into_inner().unwrap().finish().unwrap()
}

/// The CRDs a kube-prometheus-stack package of refdata carries (charts/crds/crds/*.yaml)
/// (`#[needs(refdata)]` on the test).
pub fn package_crds(version: &str) -> Vec<serde_json::Value> {
    use std::io::Read;
    let tgz = promstack_shared::testing::refdata::dir()
        .join(format!("charts/kube-prometheus-stack-{version}.tgz"));
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(tgz).unwrap());
    let mut out = Vec::new();
    for entry in tar::Archive::new(gz).entries().unwrap() {
        let mut e = entry.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        if path.contains("/charts/crds/crds/") && path.ends_with(".yaml") {
            let mut text = String::new();
            e.read_to_string(&mut text).unwrap();
            out.push(serde_yaml::from_str(&text).unwrap());
        }
    }
    out
}
