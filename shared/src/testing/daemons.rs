//! The real Prometheus-family daemons on loopback (Prometheus 3.14 and Alertmanager 0.34 as
//! `scripts/build-peers.sh` builds them, node-exporter from Debian's package), killed when dropped;
//! the webhook sink, the terminal's echo, and the flags every plugin must take anywhere.
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A daemon that is killed when dropped.
pub struct Daemon {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn wait_http(port: u16, path: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut buf = [0u8; 16];
            if s.read(&mut buf)
                .is_ok_and(|n| n > 12 && buf.starts_with(b"HTTP/1.") && &buf[9..12] == b"200")
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn spawn(
    bin: &Path,
    args: &[String],
    port: u16,
    ready_path: &str,
    dir: tempfile::TempDir,
) -> Daemon {
    let child = Command::new(bin)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let d = Daemon { child, port, dir };
    assert!(
        wait_http(port, ready_path, Duration::from_secs(30)),
        "{} did not become ready on port {port}",
        bin.display()
    );
    d
}

/// prometheus-node-exporter on a loopback port.
pub fn node_exporter(bin: &Path) -> Daemon {
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    spawn(
        bin,
        &[format!("--web.listen-address=127.0.0.1:{port}")],
        port,
        "/metrics",
        dir,
    )
}

/// Prometheus on a loopback port, scraping itself and `extra_targets` (job name, host:port) every
/// second, evaluating rule files every second, with the lifecycle API on. `extra_config` is
/// appended to prometheus.yml (alerting: ..., rule_files: ...).
pub fn prometheus(bin: &Path, extra_targets: &[(&str, String)], extra_config: &str) -> Daemon {
    prometheus_with_flags(bin, extra_targets, extra_config, &[])
}

/// [`prometheus`] started with these flags too (`--enable-feature=...`).
pub fn prometheus_with_flags(
    bin: &Path,
    extra_targets: &[(&str, String)],
    extra_config: &str,
    flags: &[&str],
) -> Daemon {
    prometheus_configured(bin, "", extra_targets, extra_config, flags, |_| {})
}

/// [`prometheus_with_flags`] with more under `global:` (`  external_labels: ...`), and
/// `before_start` given its data folder before it starts (blocks made by
/// `promtool tsdb create-blocks-from` go there).
pub fn prometheus_configured(
    bin: &Path,
    global_extra: &str,
    extra_targets: &[(&str, String)],
    extra_config: &str,
    flags: &[&str],
    before_start: impl FnOnce(&Path),
) -> Daemon {
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    before_start(&data);
    let mut cfg = format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n{global_extra}scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n");
    for (job, target) in extra_targets {
        cfg.push_str(&format!(
            "  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
        ));
    }
    cfg.push_str(extra_config);
    let cfg_path = dir.path().join("prometheus.yml");
    std::fs::write(&cfg_path, cfg).expect("write prometheus.yml");
    let mut args = vec![
        format!("--config.file={}", cfg_path.display()),
        format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--web.enable-lifecycle".to_string(),
        // the first send can happen before Alertmanager discovery has finished (dropped); resend
        // each second instead of each minute, as a long-running Prometheus effectively does
        "--rules.alert.resend-delay=1s".to_string(),
    ];
    args.extend(flags.iter().map(|f| f.to_string()));
    spawn(bin, &args, port, "/-/ready", dir)
}

/// prometheus-alertmanager on a loopback port with this config, clustering off.
pub fn alertmanager(bin: &Path, config: &str) -> Daemon {
    let port = free_port();
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("alertmanager.yml");
    std::fs::write(&cfg, config).expect("write alertmanager.yml");
    let args = vec![
        format!("--config.file={}", cfg.display()),
        format!("--storage.path={}", dir.path().join("data").display()),
        format!("--web.listen-address=127.0.0.1:{port}"),
        "--cluster.listen-address=".to_string(),
    ];
    spawn(bin, &args, port, "/-/ready", dir)
}

/// A webhook receiver on loopback that records every POST body (as JSON) with its path.
pub struct WebhookSink {
    pub port: u16,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>,
}

impl WebhookSink {
    pub fn start() -> Self {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind webhook sink");
        let port = listener.local_addr().expect("addr").port();
        let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let store = received.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let mut reader = BufReader::new(conn);
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_string();
                let mut len = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                        break;
                    }
                    if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                if let Ok(v) = serde_json::from_slice(&body) {
                    store.lock().unwrap().push((path, v));
                }
                let _ = reader.get_mut().write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        WebhookSink { port, received }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Bodies received on `path` whose alerts carry `label=value`.
    pub fn received_for(&self, path: &str, label: &str, value: &str) -> Vec<serde_json::Value> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, b)| {
                p == path
                    && b["alerts"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x["labels"][label] == value))
            })
            .map(|(_, b)| b.clone())
            .collect()
    }
}

/// Turn the terminal's echo on, as a real terminal has it (PTY test libraries turn it off), so a
/// test can see that a password prompt hides what is typed. For the test binaries PTY tests drive.
#[cfg(unix)]
pub fn terminal_echo_on() {
    set_terminal_echo(true);
}

/// Turn the terminal's echo on or off (standard input's terminal; nothing when it is none).
#[cfg(unix)]
pub fn set_terminal_echo(on: bool) {
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills `t` when it returns 0; tcsetattr reads that valid termios
    unsafe {
        if libc::tcgetattr(libc::STDIN_FILENO, t.as_mut_ptr()) == 0 {
            let mut t = t.assume_init();
            match on {
                true => t.c_lflag |= libc::ECHO,
                false => t.c_lflag &= !libc::ECHO,
            }
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t);
        }
    }
}

/// Whether standard input's terminal echoes what is typed (`None`: it is no terminal).
#[cfg(unix)]
pub fn terminal_echo() -> Option<bool> {
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    // SAFETY: tcgetattr fills `t` when it returns 0
    unsafe {
        (libc::tcgetattr(libc::STDIN_FILENO, t.as_mut_ptr()) == 0)
            .then(|| t.assume_init().c_lflag & libc::ECHO != 0)
    }
}

/// The common flags in both places kubectl users type them, for every subcommand of a plugin:
/// `parse` is the plugin's own parser, `global` picks the common flags out of what it parsed,
/// `subcommands` the argv of each subcommand (`[]` for the bare plugin). Panics, naming the
/// command line, when a placement is refused or a flag is lost.
pub fn assert_common_flags_anywhere<C>(
    plugin: &str,
    parse: impl Fn(Vec<String>) -> Result<C, clap::Error>,
    global: impl Fn(&C) -> &crate::terminal::cli::GlobalArgs,
    subcommands: &[&[&str]],
) {
    let common = [
        "--kubeconfig",
        "/tmp/kc",
        "--context",
        "ctx",
        "-n",
        "elsewhere",
        "-o",
        "json",
        "--no-color",
        "-y",
        "-v",
    ];
    for sub in subcommands {
        let before: Vec<String> = std::iter::once(plugin)
            .chain(common)
            .chain(sub.iter().copied())
            .map(String::from)
            .collect();
        let after: Vec<String> = std::iter::once(plugin)
            .chain(sub.iter().copied())
            .chain(common)
            .map(String::from)
            .collect();
        for argv in [before, after] {
            let parsed = parse(argv.clone())
                .unwrap_or_else(|e| panic!("`{}` refused:\n{e}", argv.join(" ")));
            let g = global(&parsed);
            let line = argv.join(" ");
            assert_eq!(
                g.kubeconfig.as_deref(),
                Some(Path::new("/tmp/kc")),
                "{line}"
            );
            assert_eq!(g.context.as_deref(), Some("ctx"), "{line}");
            assert_eq!(g.namespace, "elsewhere", "{line}");
            assert_eq!(g.output, crate::terminal::cli::OutputFormat::Json, "{line}");
            assert!(g.no_color && g.yes && g.verbose == 1, "{line}");
        }
    }
}

/// Typical PromQL mistakes and what Prometheus 3.14 says of them (`tests/promql_messages.rs`
/// checks ours say the same, and that the real promtool says it too where its version, older
/// than the chart's, words it alike).
pub const PROMQL_MISTAKES: &[(&str, &str)] = &[
    // types: a function's argument, an aggregation's expression and its parameter
    (
        "rate(up)",
        "1:6: expected type range vector in call to function \"rate\", got instant vector",
    ),
    (
        "sum(1)",
        "1:5: expected type instant vector in aggregation expression, got scalar",
    ),
    (
        "topk(\"a\", up)",
        "1:6: expected type scalar in aggregation parameter, got string",
    ),
    (
        "count_values(1, up)",
        "1:14: expected type string in aggregation parameter, got scalar",
    ),
    (
        "sum by (job) rate(http_requests_total[5m])",
        "1:14: unexpected identifier \"rate\" in aggregation",
    ),
    (
        "sum(up) by job",
        "1:12: unexpected identifier \"job\" in grouping opts, expected \"(\"",
    ),
    (
        "sum by job (up)",
        "1:8: unexpected identifier \"job\" in grouping opts, expected \"(\"",
    ),
    (
        "histogram_quantile(0.9 rate(x[5m]))",
        "1:24: unexpected identifier \"rate\"",
    ),
    ("up > > 1", "1:6: unexpected <op:>>"),
    ("up and", "1:7: unexpected end of input"),
    ("1 +", "1:4: unexpected end of input"),
    ("up == bool", "1:11: unexpected end of input"),
    (
        "up{job}",
        "1:7: unexpected \"}\" in label matching, expected label matching operator",
    ),
    (
        "up{job=\"a\" instance=\"b\"}",
        "1:12: unexpected identifier \"instance\" in label matching, expected \",\" or \"}\"",
    ),
    (
        "rate(up[5m] offset)",
        "1:19: unexpected \")\" in offset, expected number, duration, step(), or range()",
    ),
    (
        "rate(http_requests_total[5m]",
        "1:29: unclosed left parenthesis",
    ),
    (
        "rate(http_requests_total[5m]))",
        "1:31: unexpected right parenthesis ')'",
    ),
    ("up{job=\"a}", "1:8: unterminated quoted string"),
    ("rate(up[5x])", "1:9: bad number or duration syntax: \"5\""),
    ("foo(up)", "1:1: unknown function with name \"foo\""),
    // selectors: one that selects everything, a metric name given twice
    (
        "{job=\"\"}",
        "1:1: vector selector must contain at least one non-empty matcher",
    ),
    (
        "{job=~\".*\"}",
        "1:1: vector selector must contain at least one non-empty matcher",
    ),
    (
        "{job=~\"a|\"}",
        "1:1: vector selector must contain at least one non-empty matcher",
    ),
    (
        "{job!=\"x\"}",
        "1:1: vector selector must contain at least one non-empty matcher",
    ),
    (
        "up{__name__=\"x\"}",
        "1:1: metric name must not be set twice: \"up\" or \"x\"",
    ),
    // a variadic function's later arguments are of its last parameter's type
    (
        "label_join(up, \"dst\", \",\", \"a\", 1)",
        "1:33: expected type string in call to function \"label_join\", got scalar",
    ),
    (
        "round(up, 1, 2)",
        "1:1: expected at most 2 argument(s) in call to \"round\", got 3",
    ),
    // binary operators: where each rule is broken, at the operator or the whole expression
    (
        "1 +  bool  2",
        "1:3: bool modifier can only be used on comparison operators",
    ),
    (
        "1 + on(x) up",
        "1:1: vector matching only allowed between instant vectors",
    ),
    (
        "up + on(x) group_left(x) up",
        "1:4: label \"x\" must not occur in ON and GROUP clause at once",
    ),
    (
        "1 and up",
        "1:1: set operator \"and\" not allowed in binary scalar expression",
    ),
];
