//! What the console knows about health: the latest sample per endpoint and
//! metric, a bounded history for sparklines, and per-env summaries.

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, VecDeque};

use super::state::{MetricSample, Sample, State};

/// Samples kept per endpoint.
pub const HISTORY: usize = 120;

/// A result from a poller, sent to whoever displays health.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthUpdate {
    Check {
        env: String,
        check: String,
        sample: Sample,
    },
    Metric {
        env: String,
        metric: String,
        sample: MetricSample,
    },
}

#[derive(Debug, Clone)]
pub struct Series<T> {
    pub samples: VecDeque<T>,
    /// When the state last changed, and the last non-healthy reason.
    pub changed_at: Option<DateTime<Utc>>,
    pub last_error: Option<(DateTime<Utc>, String)>,
}

impl<T> Default for Series<T> {
    fn default() -> Self {
        Series {
            samples: VecDeque::new(),
            changed_at: None,
            last_error: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Board {
    pub checks: BTreeMap<(String, String), Series<Sample>>,
    pub metrics: BTreeMap<(String, String), Series<MetricSample>>,
}

fn push<T: Clone>(s: &mut Series<T>, v: T, state_of: impl Fn(&T) -> State, at: DateTime<Utc>, reason: Option<String>) {
    let changed = s.samples.back().map(&state_of) != Some(state_of(&v));
    if changed {
        s.changed_at = Some(at);
    }
    if state_of(&v) != State::Healthy {
        if let Some(r) = reason {
            s.last_error = Some((at, r));
        }
    }
    if s.samples.len() == HISTORY {
        s.samples.pop_front();
    }
    s.samples.push_back(v);
}

/// A summary of one env's health, worst wins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EnvHealth {
    pub state: Option<State>,
    pub reason: Option<String>,
    /// Slowest latest latency among endpoints.
    pub latency_ms: Option<u64>,
    /// Versions the endpoints report (deduplicated).
    pub versions: Vec<String>,
}

impl Board {
    pub fn apply(&mut self, u: HealthUpdate) {
        match u {
            HealthUpdate::Check { env, check, sample } => {
                let s = self.checks.entry((env, check)).or_default();
                let at = sample.at;
                let reason = sample.reason.clone();
                push(s, sample, |x| x.state, at, reason);
            }
            HealthUpdate::Metric { env, metric, sample } => {
                let s = self.metrics.entry((env, metric)).or_default();
                let at = sample.at;
                let reason = sample.reason.clone();
                push(s, sample, |x| x.state, at, reason);
            }
        }
    }

    pub fn latest(&self, env: &str, check: &str) -> Option<&Sample> {
        self.checks
            .get(&(env.to_string(), check.to_string()))
            .and_then(|s| s.samples.back())
    }

    pub fn env_health(&self, env: &str) -> EnvHealth {
        // Keys are (env, name): a range scan visits only this env's entries.
        let from = (env.to_string(), String::new());
        let latest: Vec<&Sample> = self
            .checks
            .range(from.clone()..)
            .take_while(|((e, _), _)| e == env)
            .filter_map(|(_, s)| s.samples.back())
            .collect();
        let metrics: Vec<&MetricSample> = self
            .metrics
            .range(from..)
            .take_while(|((e, _), _)| e == env)
            .filter_map(|(_, s)| s.samples.back())
            .collect();
        let state = State::worst(latest.iter().map(|s| s.state).chain(metrics.iter().map(|m| m.state)));
        let worst_reason = latest
            .iter()
            .filter(|s| Some(s.state) == state && s.state != State::Healthy)
            .find_map(|s| s.reason.clone())
            .or_else(|| {
                metrics
                    .iter()
                    .filter(|m| Some(m.state) == state && m.state != State::Healthy)
                    .find_map(|m| m.reason.clone())
            });
        let mut versions: Vec<String> = latest.iter().filter_map(|s| s.version.clone()).collect();
        versions.sort();
        versions.dedup();
        EnvHealth {
            state,
            reason: worst_reason,
            latency_ms: latest.iter().filter_map(|s| s.latency_ms).max(),
            versions,
        }
    }
}
