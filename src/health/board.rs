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

/// What a sparkline shows of a sample: its latency (endpoints) or its
/// value (metrics). Older samples keep only this, so a thousand endpoints'
/// history costs a few megabytes, not every sample's strings.
pub trait Spark {
    type V: Copy;
    fn spark(&self) -> Option<Self::V>;
    fn state(&self) -> State;
}

impl Spark for Sample {
    type V = u64;
    fn spark(&self) -> Option<u64> {
        self.latency_ms
    }
    fn state(&self) -> State {
        self.state
    }
}

impl Spark for MetricSample {
    type V = f64;
    fn spark(&self) -> Option<f64> {
        self.value
    }
    fn state(&self) -> State {
        self.state
    }
}

/// One endpoint's or metric's samples: the newest whole, the kept history
/// as sparkline figures.
#[derive(Debug, Clone)]
pub struct Series<T: Spark> {
    latest: Option<T>,
    /// Sparkline figures of the kept samples, oldest first, the newest's last.
    pub trail: VecDeque<Option<T::V>>,
    /// When the state last changed, and the last non-healthy reason.
    pub changed_at: Option<DateTime<Utc>>,
    pub last_error: Option<(DateTime<Utc>, String)>,
}

impl<T: Spark> Default for Series<T> {
    fn default() -> Self {
        Series {
            latest: None,
            trail: VecDeque::new(),
            changed_at: None,
            last_error: None,
        }
    }
}

impl<T: Spark> Series<T> {
    /// The newest sample.
    pub fn latest(&self) -> Option<&T> {
        self.latest.as_ref()
    }

    /// The last `n` sparkline figures, oldest first.
    pub fn recent(&self, n: usize) -> Vec<Option<T::V>> {
        self.trail
            .iter()
            .skip(self.trail.len().saturating_sub(n))
            .copied()
            .collect()
    }

    fn push(&mut self, v: T, at: DateTime<Utc>, reason: Option<String>, keep: usize) {
        if self.latest.as_ref().map(T::state) != Some(v.state()) {
            self.changed_at = Some(at);
        }
        if v.state() != State::Healthy {
            if let Some(r) = reason {
                self.last_error = Some((at, r));
            }
        }
        while self.trail.len() >= keep {
            self.trail.pop_front();
        }
        self.trail.push_back(v.spark());
        self.latest = Some(v);
    }
}

#[derive(Debug, Clone, Default)]
pub struct Board {
    pub checks: BTreeMap<(String, String), Series<Sample>>,
    pub metrics: BTreeMap<(String, String), Series<MetricSample>>,
    /// Samples kept per series; 0 means [`HISTORY`].
    keep: usize,
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
    /// A board that keeps only the latest sample of each series: for
    /// summaries and gates, which never read a sparkline.
    pub fn latest_only() -> Board {
        Board {
            keep: 1,
            ..Board::default()
        }
    }

    /// Record a sample. True when it may change its env's [`EnvHealth`]
    /// state, reason or versions: the series is new, or its state, reason
    /// or version differs from the sample before (latency alone does not).
    pub fn apply(&mut self, u: HealthUpdate) -> bool {
        let keep = if self.keep == 0 { HISTORY } else { self.keep };
        match u {
            HealthUpdate::Check { env, check, sample } => {
                let s = self.checks.entry((env, check)).or_default();
                let moved = s.latest().is_none_or(|b| {
                    (b.state, &b.reason, &b.version) != (sample.state, &sample.reason, &sample.version)
                });
                let (at, reason) = (sample.at, sample.reason.clone());
                s.push(sample, at, reason, keep);
                moved
            }
            HealthUpdate::Metric { env, metric, sample } => {
                let s = self.metrics.entry((env, metric)).or_default();
                let moved = s
                    .latest()
                    .is_none_or(|b| (b.state, &b.reason) != (sample.state, &sample.reason));
                let (at, reason) = (sample.at, sample.reason.clone());
                s.push(sample, at, reason, keep);
                moved
            }
        }
    }

    pub fn latest(&self, env: &str, check: &str) -> Option<&Sample> {
        self.checks
            .get(&(env.to_string(), check.to_string()))
            .and_then(|s| s.latest())
    }

    pub fn env_health(&self, env: &str) -> EnvHealth {
        // Keys are (env, name): a range scan visits only this env's entries.
        let from = (env.to_string(), String::new());
        let latest: Vec<&Sample> = self
            .checks
            .range(from.clone()..)
            .take_while(|((e, _), _)| e == env)
            .filter_map(|(_, s)| s.latest())
            .collect();
        let metrics: Vec<&MetricSample> = self
            .metrics
            .range(from..)
            .take_while(|((e, _), _)| e == env)
            .filter_map(|(_, s)| s.latest())
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
        // Sorted and deduplicated as borrowed text: with a thousand
        // endpoints, cloning every version first dominated a sample's cost.
        let mut seen: Vec<&str> = latest.iter().filter_map(|s| s.version.as_deref()).collect();
        seen.sort_unstable();
        seen.dedup();
        let versions = seen.into_iter().map(str::to_string).collect();
        EnvHealth {
            state,
            reason: worst_reason,
            latency_ms: latest.iter().filter_map(|s| s.latency_ms).max(),
            versions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(state: State, latency: u64, version: &str) -> HealthUpdate {
        sample_of("web", state, latency, version)
    }

    fn sample_of(check: &str, state: State, latency: u64, version: &str) -> HealthUpdate {
        HealthUpdate::Check {
            env: "prod".into(),
            check: check.into(),
            sample: Sample {
                at: Utc::now(),
                state,
                reason: (state != State::Healthy).then(|| "HTTP 503".into()),
                latency_ms: Some(latency),
                version: Some(version.into()),
                http_status: Some(200),
                checks: Vec::new(),
            },
        }
    }

    #[test]
    fn apply_says_when_the_summary_may_change() {
        let mut b = Board::default();
        assert!(b.apply(sample(State::Healthy, 10, "1.0")), "a new endpoint");
        assert!(!b.apply(sample(State::Healthy, 25, "1.0")), "latency alone");
        assert!(b.apply(sample(State::Unhealthy, 25, "1.0")), "state");
        assert!(!b.apply(sample(State::Unhealthy, 30, "1.0")));
        assert!(b.apply(sample(State::Unhealthy, 30, "1.1")), "version");
        assert_eq!(b.checks.values().next().unwrap().trail.len(), 5);
    }

    #[test]
    fn latest_only_keeps_one_sample() {
        let mut b = Board::latest_only();
        for i in 0..5 {
            b.apply(sample(State::Healthy, i, "1.0"));
        }
        let s = &b.checks[&("prod".to_string(), "web".to_string())];
        assert_eq!(s.trail, [Some(4)]);
        assert_eq!(s.latest().unwrap().latency_ms, Some(4));
    }

    #[test]
    fn env_health_dedups_and_sorts_versions() {
        let mut b = Board::latest_only();
        b.apply(sample_of("a", State::Healthy, 5, "2.0"));
        b.apply(sample_of("b", State::Degraded, 9, "1.0"));
        b.apply(sample_of("c", State::Healthy, 7, "2.0"));
        let h = b.env_health("prod");
        assert_eq!(h.versions, vec!["1.0".to_string(), "2.0".to_string()]);
        assert_eq!(h.state, Some(State::Degraded));
        assert_eq!(h.latency_ms, Some(9));
        assert_eq!(b.env_health("other"), EnvHealth::default());
    }
}
