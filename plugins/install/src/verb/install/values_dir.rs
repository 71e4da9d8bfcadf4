//! The values files helm reads: private copies of the chain, written where only we can read them.
use crate::chart::values::ValuesFile;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Values files written for helm: a private dir (0700) with 0600 files, removed on drop.
pub struct ValuesDir {
    dir: tempfile::TempDir,
    pub files: Vec<PathBuf>,
}

impl ValuesDir {
    pub fn write(chain: &[ValuesFile]) -> anyhow::Result<Self> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("promstack-values-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir()?;
        let mut files = Vec::new();
        for (i, f) in chain.iter().enumerate() {
            let stem: String = Path::new(&f.origin)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "values.yaml".into())
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let path = dir.path().join(format!("{:02}-{stem}", i + 1));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            opts.open(&path)?.write_all(f.text.as_bytes())?;
            files.push(path);
        }
        Ok(ValuesDir { dir, files })
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}
