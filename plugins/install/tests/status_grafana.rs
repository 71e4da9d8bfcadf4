//! Grafana cannot run here: its client is tested against fixtures written from Grafana's HTTP API
//! reference (tests/fixtures/grafana/*.json, each naming the reference it follows), served on loopback.
use promstack_install::status::{self, GrafanaApi, Level};
use promstack_shared::grafana::Login;
use promstack_shared::terminal::secret::SecretString;
use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/grafana");

fn fixture(name: &str) -> (u16, String) {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURES}/{name}.json")).unwrap())
            .unwrap();
    assert!(
        v["_reference"]
            .as_str()
            .is_some_and(|r| r.contains("grafana.com/docs")),
        "{name} names no reference"
    );
    (v["status"].as_u64().unwrap() as u16, v["body"].to_string())
}

/// A Grafana stand-in: `/api/health` is public, the rest needs basic auth admin:<password>.
fn serve(password: &'static str, folders: bool) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let good = format!("Basic {}", {
        let raw = format!("admin:{password}");
        // base64 by hand to avoid a dependency
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = raw.as_bytes();
        let mut out = String::new();
        for c in b.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    });
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            let mut r = BufReader::new(conn);
            let mut first = String::new();
            r.read_line(&mut first).unwrap();
            let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut auth = String::new();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                if h == "\r\n" || h.is_empty() {
                    break;
                }
                if h.to_ascii_lowercase().starts_with("authorization:") {
                    auth = h["authorization:".len()..].trim().to_string();
                }
            }
            let route = path.split('?').next().unwrap_or("/");
            let name = match route {
                "/api/health" => "health",
                _ if auth != good => "unauthorized",
                "/api/user" => "user",
                "/api/search" => "search",
                "/api/folders" if folders => "folders",
                "/api/folders" => "unauthorized",
                "/api/datasources" => "datasources",
                "/api/datasources/uid/prometheus/health" => "datasource-health",
                p if p.starts_with("/api/dashboards/uid/") => "dashboard",
                _ => "unauthorized",
            };
            let (code, body) = fixture(name);
            let _ = write!(r.get_mut(), "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    url
}

fn api(url: &str, password: &str) -> GrafanaApi {
    let login = Login {
        user: "admin".into(),
        password: SecretString::new(password.into()),
    };
    GrafanaApi::new(url, Some(login), Duration::from_secs(15)).unwrap()
}

#[tokio::test]
async fn a_healthy_grafana() {
    let url = serve("correct-horse-battery", true);
    let g = api(&url, "correct-horse-battery");
    let checks = status::grafana_checks(&g, true, Some(true)).await;
    assert!(checks.iter().all(|c| c.level == Level::Ok), "{checks:#?}");
    let names: Vec<&str> = checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "health",
            "admin login",
            "dashboards",
            "Cilium folder",
            "Prometheus datasource"
        ]
    );
    assert!(checks[0].detail.contains("13.0.1"));
    assert_eq!(
        checks[2].detail,
        "2 dashboards in 1 folder, 2 with data in every panel"
    );
}

#[tokio::test]
async fn a_wrong_password_fails_the_login_and_says_what_to_do() {
    let url = serve("correct-horse-battery", true);
    let g = api(&url, "not-the-password");
    let checks = status::grafana_checks(&g, false, None).await;
    let login = checks.iter().find(|c| c.name == "admin login").unwrap();
    assert_eq!(login.level, Level::Fail);
    assert!(
        login.detail.contains("401")
            && login
                .hint
                .as_deref()
                .unwrap()
                .contains("--rotate-grafana-password")
    );
    assert!(!login.detail.contains("not-the-password"));
    assert!(
        checks.iter().all(|c| c.name != "Cilium folder"),
        "no Cilium folder check without Cilium"
    );
}

#[tokio::test]
async fn unreachable_grafana() {
    let g = api("http://127.0.0.1:1", "x");
    let checks = status::grafana_checks(&g, false, None).await;
    assert_eq!(checks.len(), 1);
    assert!(checks[0].level == Level::Fail && checks[0].detail.contains("127.0.0.1:1"));
}
