//! A small client for the Alertmanager API v2 (`/api/v2/*`) and its `/metrics`.
use serde_json::Value;
use std::time::Duration;

#[derive(Clone)]
pub struct AlertmanagerApi {
    base: String,
    client: reqwest::Client,
    bearer: Option<crate::secret::SecretString>,
}

impl AlertmanagerApi {
    /// `base` like `http://127.0.0.1:9093`.
    pub fn new(
        base: &str,
        bearer: Option<crate::secret::SecretString>,
    ) -> Result<Self, crate::Error> {
        crate::prometheus_api::ensure_crypto_provider();
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
            bearer,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn req(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.bearer {
            Some(t) => r.bearer_auth(t.expose()),
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
