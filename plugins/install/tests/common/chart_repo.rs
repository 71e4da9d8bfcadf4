//! A chart repository on loopback, for what helm fetches.
use promstack_install::helm::Chart;
use promstack_shared::testing::output_ok;
use serde_json::Value;
use std::path::PathBuf;

/// A chart repository on loopback: serves the files of `dir` and counts the requests per path.
pub struct ChartRepo {
    /// the repository's files (removed with the value)
    dir: Option<tempfile::TempDir>,
    name: String,
    version: String,
    pub url: String,
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ChartRepo {
    /// The chart folder `chart` packaged into a repository with its index (`helm package`, `helm
    /// repo index` of the real `helm`), served until the value goes.
    pub fn of(helm: &std::path::Path, chart: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut repo = ChartRepo::serve(dir.path().to_path_buf());
        let d = dir.path().to_str().unwrap();
        let run = |args: &[&str]| output_ok(std::process::Command::new(helm).args(args));
        run(&["package", chart, "--destination", d]);
        run(&["repo", "index", d, "--url", &repo.url]);
        let meta: Value =
            serde_yaml::from_str(&std::fs::read_to_string(format!("{chart}/Chart.yaml")).unwrap())
                .unwrap();
        repo.name = meta["name"].as_str().unwrap().into();
        repo.version = meta["version"].as_str().unwrap().into();
        repo.dir = Some(dir);
        repo
    }

    /// The chart as a reference into this repository.
    pub fn chart(&self) -> Chart {
        Chart::Repo {
            repo: self.url.clone(),
            name: self.name.clone(),
            version: self.version.clone(),
        }
    }

    /// The chart file's path in the repository.
    pub fn file(&self) -> String {
        format!("/{}-{}.tgz", self.name, self.version)
    }

    fn serve(dir: PathBuf) -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                // the headers, up to the blank line
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                seen.lock().unwrap().push(path.clone());
                let head = |status: &str, len: usize| {
                    format!(
                        "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
                    )
                };
                let _ = match std::fs::read(dir.join(path.trim_start_matches('/'))) {
                    Ok(body) => stream
                        .write_all(head("200 OK", body.len()).as_bytes())
                        .and_then(|_| stream.write_all(&body)),
                    Err(_) => stream.write_all(head("404 Not Found", 0).as_bytes()),
                };
            }
        });
        ChartRepo {
            dir: None,
            name: String::new(),
            version: String::new(),
            url,
            requests,
        }
    }

    /// How often `path` was asked for.
    pub fn count(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}
