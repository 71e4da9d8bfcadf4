// The real tools this crate's tests need: a test that needs a missing one is reported ignored,
// with the reason, outside CI (promstack-testenv; the tests mark it #[needs(..)]).
fn main() {
    promstack_testenv::build_script(&["refdata", "kubectl", "prometheus", "node_exporter"]);
}
