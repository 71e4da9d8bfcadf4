// rules/ and dashboards/ are embedded with include_dir!, which cargo does not track: rebuild when
// anything in them changes (cargo scans a directory given here recursively).
fn main() {
    println!("cargo:rerun-if-changed=../rules");
    println!("cargo:rerun-if-changed=../dashboards");
}
