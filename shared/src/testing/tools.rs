//! The real tools tests run: where each is found (promstack-testenv), and running them.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The tool `name` names in `promstack_testenv::NEEDS` (`promtool`, `amtool`, `prometheus`,
/// `alertmanager`, `node_exporter`, `helm3`, `helm4`, `kubectl`, `shellcheck`, `npm`): its
/// variable (`PROMSTACK_PROMTOOL`...), else where `scripts/test-tools.sh` puts it (`.tools/`; the
/// Debian packages on PATH). A test that calls this is marked `#[needs(name)]`: it is reported
/// ignored where the tool is missing, and runs (and fails here) in CI.
///
/// # Panics
/// When it is missing, or its variable names nothing.
#[track_caller]
pub fn tool(name: &str) -> PathBuf {
    promstack_testenv::path(name)
}

/// [`tool`], once its `--version` (stdout or stderr) says `version`: an oracle of another version
/// than the one users run is no oracle.
///
/// # Panics
/// When it is missing, or says another version.
#[track_caller]
pub fn tool_of_version(name: &str, version: &str) -> PathBuf {
    let bin = tool(name);
    let said = Command::new(&bin)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{} --version: {e}", bin.display()));
    let said = String::from_utf8_lossy(&[said.stdout, said.stderr].concat()).into_owned();
    assert!(
        said.contains(version),
        "{} is not {name} {version} (scripts/test-tools.sh builds it, or set its variable): {said}",
        bin.display()
    );
    bin
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
