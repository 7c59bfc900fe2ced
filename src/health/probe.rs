//! One HTTP poll of a health endpoint or one Prometheus query, bounded in
//! time and in body size. Failures become `unknown` with the reason.

use chrono::Utc;
use std::time::{Duration, Instant};

use super::metrics::{evaluate_series, parse_query_response};
use super::parse::interpret;
use super::state::{MetricSample, Sample, State};
use crate::config::{HealthCheck, Metric, Prometheus};

/// Bodies are read up to this many bytes.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Clone)]
pub struct Prober {
    client: reqwest::Client,
}

impl Default for Prober {
    fn default() -> Self {
        Prober::new()
    }
}

pub struct Fetched {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub truncated: bool,
}

fn describe_error(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timeout".into();
    }
    if e.is_connect() {
        let text = format!("{e:?}").to_ascii_lowercase();
        if text.contains("refused") {
            return "connection refused".into();
        }
        return "cannot connect".into();
    }
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    msg
}

impl Prober {
    pub fn new() -> Prober {
        Prober::with_idle_per_host(2)
    }

    /// A client that keeps up to `idle` connections per host alive between
    /// polls. Fewer than the endpoints polled on one host means most polls
    /// open a new TCP connection (a thousand endpoints behind one host:port
    /// spent 16 % of their samples connecting).
    pub fn with_idle_per_host(idle: usize) -> Prober {
        let client = reqwest::Client::builder()
            .user_agent(concat!("relcon/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(idle.max(1))
            .build()
            .unwrap_or_default();
        Prober { client }
    }

    /// GET `url`, reading at most MAX_BODY bytes, all within `timeout`.
    pub async fn fetch(&self, url: &str, timeout: Duration) -> Result<Fetched, String> {
        self.fetch_with(url, timeout, &[]).await
    }

    /// `fetch` with extra request headers (Prometheus auth, tenant ids).
    pub async fn fetch_with(
        &self,
        url: &str,
        timeout: Duration,
        headers: &[(String, String)],
    ) -> Result<Fetched, String> {
        let work = async {
            let mut req = self.client.get(url);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            let mut resp = req.send().await.map_err(|e| describe_error(&e))?;
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let mut body = Vec::new();
            let mut truncated = false;
            while let Some(chunk) = resp.chunk().await.map_err(|e| describe_error(&e))? {
                let room = MAX_BODY - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Fetched {
                status,
                content_type,
                body,
                truncated,
            })
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err("timeout".into()),
        }
    }

    pub async fn probe(&self, check: &HealthCheck) -> Sample {
        let started = Instant::now();
        let at = Utc::now();
        let pointer = check
            .version
            .as_ref()
            .filter(|v| v.url.is_none())
            .map(|v| v.pointer.as_str());
        let mut sample = match self.fetch(&check.url, check.timeout).await {
            Err(reason) => Sample {
                at,
                state: State::Unknown,
                reason: Some(reason),
                latency_ms: None,
                version: None,
                http_status: None,
                checks: vec![],
            },
            Ok(f) => {
                let latency = started.elapsed().as_millis() as u64;
                let mut i = interpret(f.status, f.content_type.as_deref(), &f.body, pointer);
                if f.truncated && i.state == State::Unknown {
                    i.reason = Some(format!("body larger than {} KiB", MAX_BODY / 1024));
                }
                Sample {
                    at,
                    state: i.state,
                    reason: i.reason,
                    latency_ms: Some(latency),
                    version: i.version,
                    http_status: Some(f.status),
                    checks: i.checks,
                }
            }
        };
        // The version may live at a second URL (e.g. /actuator/info).
        if let Some(v) = check.version.as_ref().filter(|v| v.url.is_some()) {
            let url = v.url.as_deref().unwrap_or_default();
            if let Ok(f) = self.fetch(url, check.timeout).await {
                if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&f.body) {
                    sample.version = super::parse::version_of(&doc, Some(&v.pointer));
                }
            }
        }
        sample
    }

    pub async fn query(&self, prom: &Prometheus, metric: &Metric) -> MetricSample {
        let at = Utc::now();
        let url = match reqwest::Url::parse_with_params(
            &format!("{}/api/v1/query", prom.url.trim_end_matches('/')),
            &[("query", metric.query.as_str())],
        ) {
            Ok(u) => u,
            Err(e) => {
                return MetricSample {
                    at,
                    state: State::Unknown,
                    value: None,
                    reason: Some(format!("bad prometheus url: {e}")),
                }
            }
        };
        let headers = match prom.resolved_headers() {
            Ok(h) => h,
            Err(reason) => {
                return MetricSample {
                    at,
                    state: State::Unknown,
                    value: None,
                    reason: Some(format!("prometheus: {reason}")),
                }
            }
        };
        match self.fetch_with(url.as_str(), prom.timeout, &headers).await {
            Err(reason) => MetricSample {
                at,
                state: State::Unknown,
                value: None,
                reason: Some(format!("prometheus: {reason}")),
            },
            Ok(f) => match parse_query_response(&f.body).map(|s| evaluate_series(metric, &s)) {
                Ok(Some((state, value, reason))) => MetricSample {
                    at,
                    state,
                    value: Some(value),
                    reason,
                },
                Ok(None) => MetricSample {
                    at,
                    state: State::Unknown,
                    value: None,
                    reason: Some("no data".into()),
                },
                Err(e) => MetricSample {
                    at,
                    state: State::Unknown,
                    value: None,
                    reason: Some(e),
                },
            },
        }
    }
}
