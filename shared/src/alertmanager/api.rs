//! A small client for the Alertmanager API v2 (`/api/v2/*`) and its `/metrics`.
use serde_json::Value;
use std::time::Duration;

#[derive(Clone)]
pub struct AlertmanagerApi {
    base: String,
    client: reqwest::Client,
    auth: Option<crate::prometheus::api::HttpAuth>,
}

impl AlertmanagerApi {
    /// `base` like `http://127.0.0.1:9093`.
    pub fn new(
        base: &str,
        auth: Option<crate::prometheus::api::HttpAuth>,
    ) -> Result<Self, crate::Error> {
        crate::prometheus::api::ensure_crypto_provider();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(crate::Error::input(format!(
                "`{base}` is not an http(s) URL"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| crate::Error::runtime(format!("HTTP client: {e}")))?;
        Ok(AlertmanagerApi {
            base: base.trim_end_matches('/').to_string(),
            client,
            auth,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn req(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Some(a) => a.apply(r),
            None => r,
        }
    }

    async fn send(&self, r: reqwest::RequestBuilder) -> Result<reqwest::Response, String> {
        let resp = self
            .req(r)
            .send()
            .await
            .map_err(|e| format!("cannot reach Alertmanager at {}: {e}", self.base))?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            let status = resp.status();
            Err(format!(
                "Alertmanager at {} answered HTTP {status}: {}",
                self.base,
                resp.text().await.unwrap_or_default().trim()
            ))
        }
    }

    /// `POST /api/v2/alerts`.
    pub async fn post_alerts(&self, alerts: &[Value]) -> Result<(), String> {
        self.send(
            self.client
                .post(format!("{}/api/v2/alerts", self.base))
                .json(alerts),
        )
        .await
        .map(|_| ())
    }

    /// `GET /api/v2/alerts` filtered on label equality (active, silenced and inhibited ones).
    pub async fn alerts(&self, filter: &[(&str, &str)]) -> Result<Vec<Value>, String> {
        let params: Vec<(&str, String)> = filter
            .iter()
            .map(|(k, v)| ("filter", format!("{k}=\"{v}\"")))
            .collect();
        let resp = self
            .send(
                self.client
                    .get(format!("{}/api/v2/alerts", self.base))
                    .query(&params),
            )
            .await?;
        resp.json::<Vec<Value>>()
            .await
            .map_err(|e| format!("cannot read Alertmanager's alerts: {e}"))
    }

    /// `GET /api/v2/status` (cluster, config, versions).
    pub async fn status(&self) -> Result<Value, String> {
        let resp = self
            .send(self.client.get(format!("{}/api/v2/status", self.base)))
            .await?;
        resp.json::<Value>()
            .await
            .map_err(|e| format!("cannot read Alertmanager's status: {e}"))
    }

    /// The sum of a counter in `/metrics` over series whose labels contain all of `labels`.
    pub async fn counter(&self, name: &str, labels: &[(&str, &str)]) -> Result<f64, String> {
        let text = self
            .send(self.client.get(format!("{}/metrics", self.base)))
            .await?
            .text()
            .await
            .map_err(|e| e.to_string())?;
        Ok(sum_counter(&text, name, labels))
    }
}

/// Sum a counter in the Prometheus text format over series carrying all of `labels`.
pub fn sum_counter(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (metric, lbls) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            (metric == name
                && labels
                    .iter()
                    .all(|(k, v)| lbls.contains(&format!("{k}=\"{v}\""))))
            .then(|| value.parse::<f64>().ok())
            .flatten()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counters_are_summed_over_matching_series() {
        let text = "# HELP x\nalertmanager_notifications_total{integration=\"webhook\",receiver=\"a\"} 3\nalertmanager_notifications_total{integration=\"email\"} 7\nalertmanager_notifications_total{integration=\"webhook\",receiver=\"b\"} 2\nother 1\n";
        assert_eq!(
            super::sum_counter(
                text,
                "alertmanager_notifications_total",
                &[("integration", "webhook")]
            ),
            5.0
        );
        assert_eq!(
            super::sum_counter(text, "alertmanager_notifications_total", &[]),
            12.0
        );
        assert_eq!(super::sum_counter(text, "missing", &[]), 0.0);
    }
}

#[cfg(test)]
mod auth_tests {
    use crate::prometheus::api::HttpAuth;
    use std::io::{BufRead, BufReader, Write};

    /// Serve one request, answer `{}`, and return its Authorization header.
    fn capture_auth() -> (String, std::thread::JoinHandle<String>) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        let h = std::thread::spawn(move || {
            let (conn, _) = l.accept().unwrap();
            let mut r = BufReader::new(conn);
            let mut auth = String::new();
            loop {
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("authorization:") {
                    auth = line[line.len() - v.len()..].trim().to_string();
                }
            }
            r.get_mut().write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").unwrap();
            auth
        });
        (url, h)
    }

    #[tokio::test]
    async fn basic_and_bearer_credentials_are_sent() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("basic");
        std::fs::write(&f, "user:pass\n").unwrap();
        let (url, h) = capture_auth();
        super::AlertmanagerApi::new(&url, Some(HttpAuth::basic_file(&f).unwrap()))
            .unwrap()
            .status()
            .await
            .unwrap();
        assert_eq!(h.join().unwrap(), "Basic dXNlcjpwYXNz");
        std::fs::write(&f, "t0ken\n").unwrap();
        let (url, h) = capture_auth();
        super::AlertmanagerApi::new(&url, Some(HttpAuth::bearer_file(&f).unwrap()))
            .unwrap()
            .status()
            .await
            .unwrap();
        assert_eq!(h.join().unwrap(), "Bearer t0ken");
        std::fs::write(&f, "no-colon").unwrap();
        assert!(HttpAuth::basic_file(&f).is_err());
        assert!(
            !format!("{:?}", HttpAuth::bearer_file(&f).unwrap()).contains("no-colon"),
            "credentials never print"
        );
    }
}
