//! Health states and samples: everything normalised to healthy / degraded /
//! unhealthy / unknown, always with a symbol so colour is never the only cue.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Healthy,
    Degraded,
    Unhealthy,
    #[default]
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Healthy => "healthy",
            State::Degraded => "degraded",
            State::Unhealthy => "unhealthy",
            State::Unknown => "unknown",
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            State::Healthy => "●",
            State::Degraded => "▲",
            State::Unhealthy => "✖",
            State::Unknown => "?",
        }
    }
    /// Worst wins: unhealthy > unknown > degraded > healthy.
    pub fn severity(self) -> u8 {
        match self {
            State::Healthy => 0,
            State::Degraded => 1,
            State::Unknown => 2,
            State::Unhealthy => 3,
        }
    }
    pub fn worst(states: impl IntoIterator<Item = State>) -> Option<State> {
        states.into_iter().max_by_key(|s| s.severity())
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A component reported inside a health document (`checks`, `components`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubCheck {
    pub name: String,
    pub state: State,
    pub detail: Option<String>,
}

/// One poll of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub state: State,
    /// Why, when not healthy: "HTTP 503", "timeout", "connection refused" …
    pub reason: Option<String>,
    pub latency_ms: Option<u64>,
    pub version: Option<String>,
    pub http_status: Option<u16>,
    pub checks: Vec<SubCheck>,
}

/// One evaluation of one Prometheus metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSample {
    pub at: DateTime<Utc>,
    pub state: State,
    pub value: Option<f64>,
    pub reason: Option<String>,
}
