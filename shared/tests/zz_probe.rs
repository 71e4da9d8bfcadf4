use promstack_shared::alertmanager::config::check;
#[test]
fn probe() {
    let text = std::fs::read_to_string("/tmp/deep/re100k.yml").unwrap();
    let t = std::time::Instant::now();
    let c = check("x", &text);
    println!("check: {:?} {:?}", t.elapsed(), c.problems.len());
}
