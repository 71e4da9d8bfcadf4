//! krew: the manifest (.krew.yaml, a krew-release-bot template) lists every binary of the
//! workspace for linux and darwin on amd64 and arm64, each platform's archive is the one
//! scripts/package.sh makes for it (its checksum what krew verifies, its files what krew installs),
//! and the umbrella, the one binary krew links onto PATH, finds its siblings in krew's store
//! through that link.
use promstack_shared::testing::{copy_executable, output_ok, write_executable};
use serde_json::Value;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// What scripts/package.sh puts at the top of an archive: the binaries of its `for b in ...`
/// loop, and README.md.
fn packaged_files() -> Vec<String> {
    let script = std::fs::read_to_string(format!("{ROOT}/scripts/package.sh")).unwrap();
    let bins = script
        .lines()
        .find_map(|l| l.trim().strip_prefix("for b in "))
        .and_then(|l| l.strip_suffix("; do"))
        .expect("package.sh's loop over the binaries");
    assert!(script.contains("cp README.md \"$stage/\""), "{script}");
    let mut out: Vec<String> = bins.split_whitespace().map(String::from).collect();
    out.push("README.md".into());
    out
}

/// The four release archives, laid out as package.sh lays them out (`promstack-<os>-<arch>.tar.gz`,
/// its files at the top; stand-ins for the binaries, each archive's own), in `dir`.
fn release_archives(dir: &Path) {
    for platform in ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64"] {
        let stage = dir.join(format!("stage-{platform}"));
        std::fs::create_dir(&stage).unwrap();
        for f in packaged_files() {
            std::fs::write(stage.join(&f), format!("{f} for {platform}\n")).unwrap();
        }
        let archive = dir.join(format!("promstack-{platform}.tar.gz"));
        output_ok(
            Command::new("tar")
                .arg("-C")
                .arg(&stage)
                .arg("-czf")
                .arg(&archive)
                .arg("."),
        );
    }
}

fn sha256(file: &Path) -> String {
    let out = output_ok(Command::new("sha256sum").arg(file));
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// The release archive a URL of the manifest names, in `archives` (by its file name).
fn archive_of(archives: &Path, uri: &str) -> std::path::PathBuf {
    let file = archives.join(uri.rsplit('/').next().unwrap());
    assert!(file.is_file(), "{uri}: package.sh makes no such archive");
    file
}

/// The manifest as the release bot renders it for tag v0.1.0: `addURIAndSha URL .TagName`
/// becomes `uri: URL` and `sha256:` the checksum of what the URL serves (the bot downloads it),
/// here the archive of that name in `archives`.
fn manifest(archives: &Path) -> Value {
    let text = std::fs::read_to_string(format!("{ROOT}/.krew.yaml")).unwrap();
    let uri = regex::Regex::new(r#"\{\{\s*addURIAndSha\s+"([^"]+)"\s+\.TagName\s*\}\}"#).unwrap();
    let rendered = uri.replace_all(&text, |c: &regex::Captures| {
        let uri = c[1].replace("{{ .TagName }}", "v0.1.0");
        let sum = sha256(&archive_of(archives, &uri));
        format!("uri: {uri}\n    sha256: {sum}")
    });
    let rendered = rendered.replace("{{ .TagName }}", "v0.1.0");
    assert!(
        !rendered.contains("{{"),
        "a template expression the bot would not fill: {rendered}"
    );
    serde_yaml::from_str(&rendered).unwrap()
}

/// The binaries the workspace installs (test-only ones, behind a feature, left out).
fn workspace_binaries() -> Vec<String> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(format!("{ROOT}/plugins"))
        .unwrap()
        .flatten()
    {
        let text = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        for block in text.split("[[bin]]").skip(1) {
            let block = block.split("\n[").next().unwrap();
            if block.contains("required-features") {
                continue;
            }
            let name = block
                .lines()
                .find_map(|l| l.trim().strip_prefix("name = "))
                .unwrap()
                .trim_matches('"');
            out.push(name.to_string());
        }
    }
    out.sort();
    out
}

#[test]
fn the_manifest_lists_every_binary_for_every_platform() {
    let archives = tempfile::tempdir().unwrap();
    release_archives(archives.path());
    let m = manifest(archives.path());
    assert_eq!(
        m["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(m["kind"], "Plugin");
    assert_eq!(m["metadata"]["name"], "promstack");
    let spec = &m["spec"];
    assert_eq!(spec["version"], "v0.1.0");
    let short = spec["shortDescription"].as_str().unwrap();
    assert!(!short.is_empty() && short.len() <= 50, "{short}");
    assert!(spec["homepage"].as_str().unwrap().starts_with("https://"));
    assert!(spec["description"].as_str().unwrap().len() > 50);
    let mut platforms: Vec<(String, String)> = Vec::new();
    for p in spec["platforms"].as_array().unwrap() {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        platforms.push((os.into(), arch.into()));
        assert_eq!(p["bin"], "kubectl-promstack", "krew links the umbrella");
        let uri = p["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("https://") && uri.ends_with(&format!("promstack-{os}-{arch}.tar.gz")),
            "{uri}"
        );
        // what krew checks before it installs: the archive at the URI has this checksum, and
        // holds every file the platform installs
        let archive = archive_of(archives.path(), uri);
        assert_eq!(
            p["sha256"],
            sha256(&archive),
            "{os}/{arch}: krew refuses {uri}"
        );
        let listed = output_ok(Command::new("tar").arg("-tzf").arg(&archive)).stdout;
        let held: Vec<String> = String::from_utf8(listed)
            .unwrap()
            .lines()
            .map(|l| l.trim_start_matches("./").to_string())
            .collect();
        let from: Vec<String> = p["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["from"].as_str().unwrap().to_string())
            .collect();
        for f in &from {
            assert!(
                held.contains(f),
                "{os}/{arch}: {f} is not in {uri}: {held:?}"
            );
        }
        let mut binaries: Vec<String> = from
            .into_iter()
            .filter(|f| f.starts_with("kubectl-"))
            .collect();
        binaries.sort();
        assert_eq!(binaries, workspace_binaries(), "{os}/{arch}");
    }
    platforms.sort();
    let want: Vec<(String, String)> = [
        ("darwin", "amd64"),
        ("darwin", "arm64"),
        ("linux", "amd64"),
        ("linux", "arm64"),
    ]
    .iter()
    .map(|(o, a)| (o.to_string(), a.to_string()))
    .collect();
    assert_eq!(platforms, want);
}

#[test]
fn in_krews_layout_the_umbrella_finds_its_siblings_through_the_link() {
    // <root>/store/promstack/v0.1.0/ holds the package; <root>/bin/kubectl-promstack links to it
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("store/promstack/v0.1.0");
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    copy_executable(
        Path::new(env!("CARGO_BIN_EXE_kubectl-promstack")),
        &store.join("kubectl-promstack"),
    );
    let sibling = store.join("kubectl-promstack-echo");
    write_executable(&sibling, "#!/bin/sh\necho \"echo-plugin $*\"\n");
    symlink(
        store.join("kubectl-promstack"),
        bin.join("kubectl-promstack"),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(bin.join("kubectl-promstack"))
            .args(args)
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .output()
            .unwrap()
    };
    let usage = String::from_utf8(run(&[]).stdout).unwrap();
    assert!(usage.contains("echo"), "{usage}");
    assert!(
        usage.contains(&store.join("kubectl-promstack-echo").display().to_string()),
        "{usage}"
    );
    let out = run(&["echo", "-n", "x"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "echo-plugin -n x\n");
    // and a plugin of the same name on PATH does not win over the package's own
    let other = bin.join("kubectl-promstack-echo");
    write_executable(&other, "#!/bin/sh\necho other\n");
    assert_eq!(
        String::from_utf8_lossy(&run(&["echo"]).stdout),
        "echo-plugin \n"
    );
    assert!(Path::new(&store).is_dir());
}
