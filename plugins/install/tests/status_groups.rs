//! status runs its independent groups concurrently: a Prometheus and a Grafana stand-in each
//! hold their first answer until the other has been asked. Run one group after the other and the
//! first stand-in gives up waiting (a 503), which fails its group.
use promstack_install::status::{self, GrafanaApi, Level};
use promstack_shared::prometheus::api::PrometheusApi;
use promstack_shared::terminal::secret::SecretString;
use std::io::{BufRead, BufReader, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Two parties meet, or give up after `patience`.
#[derive(Default)]
struct Rendezvous {
    arrived: Mutex<usize>,
    cv: Condvar,
}

impl Rendezvous {
    fn meet(&self, patience: Duration) -> bool {
        let mut n = self.arrived.lock().unwrap();
        *n += 1;
        self.cv.notify_all();
        let (n, _) = self.cv.wait_timeout_while(n, patience, |n| *n < 2).unwrap();
        *n >= 2
    }
}

/// An HTTP stand-in whose first request waits at `r`; it answers `body` for every path, 503 when
/// the other party never came (and then says so in the flag it returns).
fn serve(r: Arc<Rendezvous>, body: &'static str) -> (String, Arc<AtomicBool>) {
    let alone = Arc::new(AtomicBool::new(false));
    let flag = alone.clone();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut first = true;
        for conn in l.incoming().flatten() {
            let mut rd = BufReader::new(conn);
            loop {
                let mut h = String::new();
                if rd.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
            }
            let met = !first || r.meet(Duration::from_secs(10));
            first = false;
            if !met {
                flag.store(true, Ordering::SeqCst);
            }
            let (code, body) = if met { (200, body) } else { (503, "{}") };
            let _ = write!(rd.get_mut(), "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    (url, alone)
}

#[tokio::test]
async fn the_prometheus_and_grafana_groups_run_at_the_same_time() {
    let r = Arc::new(Rendezvous::default());
    let (prom, prom_alone) = serve(
        r.clone(),
        r#"{"status":"success","data":{"activeTargets":[],"groups":[],"alerts":[],"resultType":"vector","result":[]}}"#,
    );
    let (graf, graf_alone) = serve(r, r#"{"database":"ok","version":"13.0.1"}"#);
    let t = status::Targets {
        cluster: None,
        prometheus: Some(Ok(PrometheusApi::new(&prom, None).unwrap())),
        alertmanager: None,
        grafana: Some(Ok(GrafanaApi::new(
            &graf,
            Some(promstack_shared::grafana::Login {
                user: "admin".into(),
                password: SecretString::new("correct-horse-battery".into()),
            }),
            Duration::from_secs(15),
        )
        .unwrap())),
    };
    let report = status::status(&t, "monitoring").await;
    assert!(
        !prom_alone.load(Ordering::SeqCst) && !graf_alone.load(Ordering::SeqCst),
        "one group was asked while the other was not: {:#?}",
        report.checks
    );
    let health = report.checks.iter().find(|c| c.group == "grafana").unwrap();
    assert_eq!(
        (health.name.as_str(), health.level),
        ("health", Level::Ok),
        "{health:?}"
    );
    assert!(
        report.checks.iter().all(|c| !c.detail.contains("503")),
        "{:#?}",
        report.checks
    );
}
