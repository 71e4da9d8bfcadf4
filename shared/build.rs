// rules/ and dashboards/ are embedded with include_dir!, which cargo does not track: rebuild when
// anything in them changes (cargo scans a directory given here recursively). The tests' real
// tools: a test that needs a missing one is reported ignored, with the reason (promstack-testenv).
fn main() {
    println!("cargo:rerun-if-changed=../rules");
    println!("cargo:rerun-if-changed=../dashboards");
    promstack_testenv::build_script(&["amtool", "promtool", "refdata"]);
}
