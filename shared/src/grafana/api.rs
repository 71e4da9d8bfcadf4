//! A small client for Grafana's HTTP API: every request bounded in time (a Grafana that hangs
//! costs one timeout, not the run) and in size (an answer is read up to [`MAX_BODY`]), basic auth
//! with [`Login`]. The datasource proxy is asked with GET only: Grafana 12 refuses POST, PUT and
//! DELETE through the proxy of a Prometheus datasource.
use super::login::Login;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// How much of one answer is read: a query whose answer is larger has data, whatever its size.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

/// The default time one request may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

pub struct GrafanaApi {
    pub base: String,
    login: Option<Login>,
    client: reqwest::Client,
    timeout: Duration,
}

/// An answer: its HTTP status and body (JSON, else `Null`), and whether the body was cut at
/// [`MAX_BODY`] (then `body` is `Null` and `head` holds its first kilobytes).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub truncated: bool,
    pub head: String,
}

/// A dashboard in `/api/search`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct SearchHit {
    pub uid: String,
    pub title: String,
    #[serde(default, rename = "folderUid")]
    pub folder_uid: Option<String>,
    #[serde(default, rename = "folderTitle")]
    pub folder_title: Option<String>,
}

impl SearchHit {
    /// The folder's title; the root folder is "General".
    pub fn folder(&self) -> &str {
        self.folder_title.as_deref().unwrap_or("General")
    }
}

/// A datasource in `/api/datasources`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Datasource {
    pub uid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, rename = "isDefault")]
    pub is_default: bool,
    #[serde(default, rename = "jsonData")]
    pub json_data: Value,
}

impl Datasource {
    /// Its scrape interval as Grafana's Prometheus datasource reads it (`jsonData.timeInterval`).
    pub fn time_interval(&self) -> Option<&str> {
        self.json_data["timeInterval"]
            .as_str()
            .filter(|s| !s.is_empty())
    }
}

impl GrafanaApi {
    /// `base` like `http://127.0.0.1:3000`; each request may take `timeout`.
    pub fn new(base: &str, login: Option<Login>, timeout: Duration) -> Result<Self, crate::Error> {
        crate::prometheus::api::ensure_crypto_provider();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(crate::Error::input(format!(
                "`{base}` is not an http(s) URL"
            )));
        }
        let client = reqwest::Client::builder()
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| crate::Error::runtime(format!("HTTP client: {e}")))?;
        Ok(GrafanaApi {
            base: base.trim_end_matches('/').to_string(),
            login,
            client,
            timeout,
        })
    }

    /// The user it logs in as.
    pub fn user(&self) -> Option<&str> {
        self.login.as_ref().map(|l| l.user.as_str())
    }

    /// `GET` a path (with query parameters), logged in when `auth`.
    pub async fn get_with(
        &self,
        path: &str,
        params: &[(&str, String)],
        auth: bool,
    ) -> Result<Answer, String> {
        let mut r = self
            .client
            .get(format!("{}{path}", self.base))
            .query(params)
            .timeout(self.timeout);
        if let (true, Some(l)) = (auth, &self.login) {
            r = r.basic_auth(&l.user, Some(l.password.expose()));
        }
        let resp = r.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status().as_u16();
        let (bytes, truncated) = read_capped(resp, MAX_BODY)
            .await
            .map_err(|e| self.unreachable(e))?;
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).into_owned();
        let body = match truncated {
            true => Value::Null,
            false => serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        };
        Ok(Answer {
            status,
            body,
            truncated,
            head,
        })
    }

    fn unreachable(&self, e: reqwest::Error) -> String {
        if e.is_timeout() {
            format!(
                "Grafana at {} did not answer within {}",
                self.base,
                crate::terminal::ui::human_duration(self.timeout)
            )
        } else {
            format!("cannot reach Grafana at {}: {e}", self.base)
        }
    }

    /// `GET` a path: (status, JSON body) as the status checks read it.
    pub async fn get(&self, path: &str, auth: bool) -> Result<(u16, Value), String> {
        self.get_with(path, &[], auth)
            .await
            .map(|a| (a.status, a.body))
    }

    /// A JSON answer of 200, else Grafana's own message.
    async fn ok_json(&self, path: &str, params: &[(&str, String)]) -> Result<Value, String> {
        let a = self.get_with(path, params, true).await?;
        match a.status {
            200 if !a.truncated => Ok(a.body),
            200 => Err(format!(
                "GET {path}: the answer is larger than {} MiB",
                MAX_BODY >> 20
            )),
            code => Err(format!("GET {path}: {}", grafana_error(code, &a))),
        }
    }

    /// `/api/health`: (status, body).
    pub async fn health(&self) -> Result<(u16, Value), String> {
        self.get("/api/health", false).await
    }

    /// Every dashboard `/api/search` lists (all its pages).
    pub async fn dashboards(&self) -> Result<Vec<SearchHit>, String> {
        const LIMIT: usize = 5000;
        let mut out = Vec::new();
        for page in 1.. {
            let params = [
                ("type", "dash-db".to_string()),
                ("limit", LIMIT.to_string()),
                ("page", page.to_string()),
            ];
            let v = self.ok_json("/api/search", &params).await?;
            let hits: Vec<SearchHit> = serde_json::from_value(v)
                .map_err(|e| format!("GET /api/search: not a list of dashboards: {e}"))?;
            let n = hits.len();
            out.extend(hits);
            if n < LIMIT || page >= 100 {
                break;
            }
        }
        Ok(out)
    }

    /// `/api/dashboards/uid/<uid>`: `{dashboard, meta}` as Grafana serves it.
    pub async fn dashboard(&self, uid: &str) -> Result<Value, String> {
        self.ok_json(&format!("/api/dashboards/uid/{}", path_segment(uid)), &[])
            .await
    }

    /// `/api/datasources`.
    pub async fn datasources(&self) -> Result<Vec<Datasource>, String> {
        let v = self.ok_json("/api/datasources", &[]).await?;
        serde_json::from_value(v)
            .map_err(|e| format!("GET /api/datasources: not a list of datasources: {e}"))
    }

    /// A Prometheus API path through the datasource proxy
    /// (`/api/datasources/proxy/uid/<uid>/<path>`, GET): its `data`, or Prometheus's error (or
    /// Grafana's, when it did not get that far). A success larger than [`MAX_BODY`] is
    /// `Ok(Value::Null)` with `truncated`.
    pub async fn prometheus(
        &self,
        ds_uid: &str,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<(Value, bool), String> {
        let full = format!(
            "/api/datasources/proxy/uid/{}/{}",
            path_segment(ds_uid),
            path.trim_start_matches('/')
        );
        let a = self.get_with(&full, params, true).await?;
        if a.truncated {
            return match a.status == 200 && a.head.contains("\"status\":\"success\"") {
                true => Ok((Value::Null, true)),
                false => Err(format!(
                    "HTTP {} with an answer larger than {} MiB",
                    a.status,
                    MAX_BODY >> 20
                )),
            };
        }
        match a.body["status"].as_str() {
            Some("success") => Ok((a.body["data"].clone(), false)),
            Some(_) => Err(format!(
                "{}: {}",
                a.body["errorType"].as_str().unwrap_or("error"),
                a.body["error"].as_str().unwrap_or("unknown error")
            )),
            None => Err(grafana_error(a.status, &a)),
        }
    }
}

/// What Grafana said of a request it did not answer with 200: its `message`, else the start of
/// the body, with the status.
pub fn grafana_error(code: u16, a: &Answer) -> String {
    let reason = reqwest::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    match a.body["message"].as_str() {
        Some(m) => format!("Grafana: HTTP {code} {reason}: {m}"),
        None if a.head.trim().is_empty() => format!("Grafana: HTTP {code} {reason}"),
        None => format!(
            "Grafana: HTTP {code} {reason}: {}",
            a.head.trim().chars().take(200).collect::<String>()
        ),
    }
}

/// A uid as one path segment (percent-encoded where it must be).
fn path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The body, read up to `cap` bytes: (bytes, whether it was longer).
async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        if out.len() + chunk.len() > cap {
            out.extend_from_slice(&chunk[..cap - out.len()]);
            return Ok((out, true));
        }
        out.extend_from_slice(&chunk);
    }
    Ok((out, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_one_path_segment() {
        assert_eq!(path_segment("cilium-agent"), "cilium-agent");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn grafana_s_own_errors_are_quoted() {
        let a = Answer {
            status: 404,
            body: serde_json::json!({"message": "Dashboard not found"}),
            truncated: false,
            head: String::new(),
        };
        assert_eq!(
            grafana_error(404, &a),
            "Grafana: HTTP 404 Not Found: Dashboard not found"
        );
        let empty = Answer {
            status: 502,
            body: Value::Null,
            truncated: false,
            head: String::new(),
        };
        assert_eq!(grafana_error(502, &empty), "Grafana: HTTP 502 Bad Gateway");
    }
}
