//! The real tools tests run: where each is found, and running them.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The peers `scripts/build-peers.sh` builds from their Go modules, at the versions the chart deploys:
/// (the name a test asks for, its folder in `.tools/`, the binary there). Debian's packages of the same
/// names (Prometheus 2.42, Alertmanager 0.25) are too old to test against, so these are never taken from PATH.
const PEERS: &[(&str, &str, &str)] = &[
    ("prometheus", "prometheus-v3.14.0", "prometheus"),
    ("promtool", "prometheus-v3.14.0", "promtool"),
    ("alertmanager", "alertmanager-v0.34.0", "alertmanager"),
    (
        "prometheus-alertmanager",
        "alertmanager-v0.34.0",
        "alertmanager",
    ),
    ("amtool", "alertmanager-v0.34.0", "amtool"),
];

/// Where a peer of [`PEERS`] is built: `.tools/<folder>/<binary>` of this checkout.
pub fn peer_path(name: &str) -> Option<PathBuf> {
    PEERS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, dir, bin)| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../.tools")
                .join(dir)
                .join(bin)
        })
}

/// A binary from `env`, else (Prometheus and Alertmanager's, see [`PEERS`]) the one `scripts/build-peers.sh`
/// built into `.tools/`, else (the others) on PATH; `None` after printing a skip notice (a panic under CI).
pub fn tool(name: &str, env: &str) -> Option<PathBuf> {
    let found = std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| match peer_path(name) {
            Some(built) => built.is_file().then_some(built),
            None => std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            }),
        });
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{name} is missing and CI=true: run scripts/test-tools.sh (or set {env})");
        }
        eprintln!("SKIPPED: {name} not found (run scripts/test-tools.sh or set {env})");
    }
    found
}

/// A tool `env` names, else the one scripts/test-tools.sh puts at `.tools/<rel>`; `None` after a
/// skip notice (a panic under CI=true). `what` names it.
fn tools_bin(env: &str, rel: &str, what: &str) -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.tools")
        .join(rel);
    let found = std::env::var_os(env)
        .map(PathBuf::from)
        .or(local.is_file().then_some(local));
    if found.is_none() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{what} is missing and CI=true: run scripts/test-tools.sh (or set {env})");
        }
        eprintln!("SKIPPED: {what} not found (run scripts/test-tools.sh or set {env})");
    }
    found
}

/// kubectl v1.33: `PROMSTACK_KUBECTL`, else the one scripts/test-tools.sh puts in `.tools/`; `None`
/// after a skip notice (a panic under CI=true).
pub fn kubectl_bin() -> Option<PathBuf> {
    tools_bin(
        "PROMSTACK_KUBECTL",
        "kubectl-v1.33/kubectl",
        "kubectl v1.33",
    )
}

/// helm 4: `PROMSTACK_HELM4`, else the one scripts/test-tools.sh puts in `.tools/`; `None` after a
/// skip notice (a panic under CI=true).
pub fn helm4_bin() -> Option<PathBuf> {
    tools_bin("PROMSTACK_HELM4", "helm-v4/helm", "helm 4")
}

/// Puts an executable `contents` at `dst` (mode 0755) so that running it cannot fail with "Text
/// file busy": the file is written by a child process (`install`), never through a descriptor of
/// this one, which a test running in parallel could inherit through its own fork and hold open
/// for writing while the file is executed (Linux refuses to run a file open for writing).
pub fn write_executable(dst: &Path, contents: &str) {
    let staged = dst.with_extension("staged");
    std::fs::write(&staged, contents).expect("writing a stand-in executable");
    copy_executable(&staged, dst);
    std::fs::remove_file(&staged).expect("removing the staged copy");
}

/// Copies the executable `src` to `dst` (mode 0755), written by a child process as
/// [`write_executable`] says: the test's own descriptors never point at `dst`.
pub fn copy_executable(src: &Path, dst: &Path) {
    output_ok(
        Command::new("install")
            .arg("-m")
            .arg("0755")
            .arg(src)
            .arg(dst),
    );
}

/// Runs `cmd` to its end; its output, after asserting it succeeded (what it printed, stdout
/// then stderr, in the message).
pub fn output_ok(cmd: &mut Command) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Run `cmd` with `input` on its standard input (written from a thread, so a command that
/// writes much before it reads cannot block it), and collect its output.
pub fn output_fed(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the command");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // a command that exits before it reads everything closes the pipe: not an error here
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("waiting for the command");
    writer.join().expect("the writer thread");
    out
}
