use promstack_shared::alertmanager::config::check;
#[test]
fn probe() {
    for f in ["/tmp/deep/f4999.yml", "/tmp/deep/worst2.yml"] {
        let text = std::fs::read_to_string(f).unwrap();
        let t = std::time::Instant::now();
        let c = check("x", &text);
        println!("{f} check: {:?} {:?}", t.elapsed(), c.problems.len());
    }
}
