//! A small client for the Prometheus HTTP API (`/api/v1/*`), for checks that query a live Prometheus.
//! TLS uses rustls with ring, the one provider kube also uses (two providers make kube panic).
use serde_json::Value;
use std::time::Duration;

/// Install ring as the process-wide rustls provider (once; harmless when already done).
pub fn ensure_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Credentials for an HTTP API.
#[derive(Clone, Debug)]
pub enum HttpAuth {
    Bearer(crate::terminal::secret::SecretString),
    Basic {
        user: String,
        password: crate::terminal::secret::SecretString,
    },
}

impl HttpAuth {
    /// A bearer token file (the whole file, less one trailing newline).
    pub fn bearer_file(path: &std::path::Path) -> Result<Self, crate::Error> {
        let token = std::fs::File::open(path)
            .and_then(crate::terminal::secret::read_secret)
            .map_err(|e| crate::Error::input(format!("cannot read {}: {e}", path.display())))?;
        Ok(HttpAuth::Bearer(token))
    }

    /// A basic-auth file holding `user:password`.
    pub fn basic_file(path: &std::path::Path) -> Result<Self, crate::Error> {
        let all = std::fs::File::open(path)
            .and_then(crate::terminal::secret::read_secret)
            .map_err(|e| crate::Error::input(format!("cannot read {}: {e}", path.display())))?;
        let (user, password) = all.expose().split_once(':').ok_or_else(|| {
            crate::Error::input(format!("{} must hold user:password", path.display()))
        })?;
        Ok(HttpAuth::Basic {
            user: user.to_string(),
            password: crate::terminal::secret::SecretString::new(password.to_string()),
        })
    }

    pub(crate) fn apply(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            HttpAuth::Bearer(t) => r.bearer_auth(t.expose()),
            HttpAuth::Basic { user, password } => r.basic_auth(user, Some(password.expose())),
        }
    }
}

#[derive(Clone)]
pub struct PrometheusApi {
    base: String,
    client: reqwest::Client,
    auth: Option<HttpAuth>,
}

/// What a query returned.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutcome {
    /// Series (or samples) returned.
    Data(usize),
    /// No series.
    Empty,
    /// Prometheus refused or failed the query.
    Error(String),
}

impl PrometheusApi {
    /// `base` like `http://127.0.0.1:9090` (a path prefix is kept).
    pub fn new(
        base: &str,
        auth: Option<crate::prometheus::api::HttpAuth>,
    ) -> Result<Self, crate::Error> {
        ensure_crypto_provider();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(crate::Error::input(format!(
                "`{base}` is not an http(s) URL"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| crate::Error::runtime(format!("HTTP client: {e}")))?;
        Ok(PrometheusApi {
            base: base.trim_end_matches('/').to_string(),
            client,
            auth,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET` an API path with query parameters: its `data`, or Prometheus's error.
    pub async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Value, String> {
        let mut req = self
            .client
            .get(format!("{}{path}", self.base))
            .query(params);
        if let Some(a) = &self.auth {
            req = a.apply(req);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("cannot reach Prometheus at {}: {e}", self.base))?;
        let status = resp.status();
        let body: Value = resp
            .json()
            .await
            .map_err(|e| format!("Prometheus answered HTTP {status} with no JSON: {e}"))?;
        if body["status"] == "success" {
            Ok(body["data"].clone())
        } else {
            Err(format!(
                "{}: {}",
                body["errorType"].as_str().unwrap_or("error"),
                body["error"].as_str().unwrap_or("unknown error")
            ))
        }
    }

    /// `/api/v1/query_range` over the last `range`, with `step`.
    pub async fn query_range(&self, query: &str, range: Duration, step: Duration) -> QueryOutcome {
        let end = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        let params = [
            ("query", query.to_string()),
            ("start", format!("{:.3}", end - range.as_secs_f64())),
            ("end", format!("{end:.3}")),
            ("step", format!("{}s", step.as_secs().max(1))),
        ];
        match self.get("/api/v1/query_range", &params).await {
            Ok(data) => match data["result"].as_array().map(Vec::len) {
                Some(0) | None => QueryOutcome::Empty,
                Some(n) => QueryOutcome::Data(n),
            },
            Err(e) => QueryOutcome::Error(e),
        }
    }

    /// `/api/v1/query_range` from `start` to `end` (Unix seconds) at `step`: the result's series.
    pub async fn range(
        &self,
        query: &str,
        start: f64,
        end: f64,
        step: Duration,
    ) -> Result<Value, String> {
        let params = [
            ("query", query.to_string()),
            ("start", format!("{start:.3}")),
            ("end", format!("{end:.3}")),
            ("step", format!("{:.3}", step.as_secs_f64().max(0.001))),
        ];
        self.get("/api/v1/query_range", &params)
            .await
            .map(|d| d["result"].clone())
    }

    /// `/api/v1/query` now.
    pub async fn query(&self, query: &str) -> Result<Value, String> {
        self.get("/api/v1/query", &[("query", query.to_string())])
            .await
    }

    /// Any `/api/v1/...` path (targets, rules, alerts, status/...).
    pub async fn api(&self, path: &str) -> Result<Value, String> {
        self.get(path, &[]).await
    }
}
