//! Bad dashboards: each a clear error naming the file (and panel), exit 2, nothing written.
use promstack_shared::terminal::ui::Ui;

fn check(files: &[(&str, &[u8])], want: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let p = tmp.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let err = promstack_dashboards::load_valid(Some(tmp.path()), &Ui::silent()).unwrap_err();
    assert_eq!(err.exit_code(), promstack_shared::ExitCode::Usage);
    let msg = err.to_string();
    for w in want {
        assert!(msg.contains(w), "want `{w}` in:\n{msg}");
    }
}

const OK: &str = r#"{"title": "A", "uid": "a", "panels": []}"#;

#[test]
fn invalid_json() {
    check(
        &[("x.json", b"{\n  \"title\": \"x\",\n  \"panels\": [,]\n}")],
        &["x.json", "3:", "invalid JSON"],
    );
}

#[test]
fn not_a_dashboard() {
    check(
        &[("x.json", br#"{"title": "x", "uid": "x"}"#)],
        &["x.json", "not a dashboard"],
    );
}

#[test]
fn duplicate_uid() {
    check(
        &[
            ("a.json", OK.as_bytes()),
            ("b.json", br#"{"title": "B", "uid": "a", "panels": []}"#),
        ],
        &["b.json", "uid `a` is also used by a.json"],
    );
}

#[test]
fn uid_too_long() {
    check(
        &[(
            "x.json",
            format!(
                r#"{{"title": "x", "uid": "{}", "panels": []}}"#,
                "u".repeat(41)
            )
            .as_bytes(),
        )],
        &["x.json", "longer than 40"],
    );
}

#[test]
fn unparsable_promql_names_the_panel() {
    let d = r#"{"title": "x", "uid": "x", "panels": [{"type": "row", "title": "r", "panels": [{"title": "Broken panel", "targets": [{"expr": "sum(rate(x_total[$__rate_interval])"}]}]}]}"#;
    check(
        &[("x.json", d.as_bytes())],
        &[
            "x.json",
            "panel `Broken panel`",
            "panels[0].panels[0].targets[0].expr",
            "invalid PromQL",
        ],
    );
}

#[test]
fn not_utf8() {
    check(
        &[("x.json", b"{\"title\": \"\xff\"}")],
        &["x.json", "UTF-8"],
    );
}

#[test]
fn empty_file() {
    check(&[("x.json", b"")], &["x.json", "empty file"]);
}

#[test]
fn titles_unique_in_a_folder_and_datasource_variables_defined() {
    check(
        &[
            ("f/a.json", OK.as_bytes()),
            ("f/b.json", br#"{"title": "A", "uid": "b", "panels": []}"#),
        ],
        &["another dashboard in folder `f` is titled `A`"],
    );
    let d = r#"{"title": "x", "uid": "x", "panels": [{"title": "p", "datasource": {"type": "prometheus", "uid": "${ds}"}, "targets": [{"expr": "up"}]}]}"#;
    check(
        &[("x.json", d.as_bytes())],
        &["datasource variable `${ds}` is not defined"],
    );
}

#[test]
fn grafana_com_exports_come_out_provisionable() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let prepared =
        promstack_dashboards::load_valid(Some(std::path::Path::new(dir)), &Ui::silent()).unwrap();
    let d = &prepared[0].value;
    assert!(d.get("__inputs").is_none() && d.get("__requires").is_none());
    assert_eq!(d["panels"][0]["datasource"], "prometheus");
    assert_eq!(
        d["panels"][0]["targets"][0]["datasource"]["uid"],
        "prometheus"
    );
    assert_eq!(
        d["templating"]["list"][0]["datasource"]["uid"],
        "prometheus"
    );
    assert!(d["id"].is_null());
    let text = serde_json::to_string(d).unwrap();
    assert!(!text.contains("DS_PROMETHEUS"));
    assert!(prepared[0]
        .notes
        .iter()
        .any(|n| n.contains("DS_PROMETHEUS")));
}
