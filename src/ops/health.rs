//! Health as the commands and the dashboard report it: rows per endpoint
//! and metric, per-env summaries with drift, and the `require_healthy` gate.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::error::Result;
use crate::health::{version_check, Board, State, SubCheck, VersionCheck};
use crate::ledger::StateView;

#[derive(Debug, Clone, Serialize)]
pub struct HealthRow {
    pub env: String,
    pub check: String,
    pub kind: CheckKind,
    pub state: State,
    pub symbol: &'static str,
    pub reason: Option<String>,
    pub latency_ms: Option<u64>,
    pub version: Option<String>,
    /// The ledger's current release version for the env.
    pub expected: Option<String>,
    pub value: Option<f64>,
    pub checks: Vec<SubCheck>,
}

/// What a health row checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Endpoint,
    Metric,
}

/// One row per configured endpoint and metric, in config order.
pub fn rows(config: &Config, board: &Board, view: &dyn StateView, env_filter: Option<&str>) -> Result<Vec<HealthRow>> {
    let mut out = Vec::new();
    for env in config
        .environments
        .iter()
        .filter(|e| env_filter.is_none_or(|f| f == e.name))
    {
        let expected = view.current_release(&env.name)?.map(|r| r.version);
        for c in &env.health {
            let s = board.latest(&env.name, &c.name);
            let state = s.map_or(State::Unknown, |s| s.state);
            out.push(HealthRow {
                env: env.name.clone(),
                check: c.name.clone(),
                kind: CheckKind::Endpoint,
                state,
                symbol: state.symbol(),
                reason: s.map_or(Some("not polled yet".into()), |s| s.reason.clone()),
                latency_ms: s.and_then(|s| s.latency_ms),
                version: s.and_then(|s| s.version.clone()),
                expected: expected.clone(),
                value: None,
                checks: s.map(|s| s.checks.clone()).unwrap_or_default(),
            });
        }
        for m in &env.metrics {
            let s = board
                .metrics
                .get(&(env.name.clone(), m.name.clone()))
                .and_then(|s| s.latest());
            let state = s.map_or(State::Unknown, |s| s.state);
            out.push(HealthRow {
                env: env.name.clone(),
                check: m.name.clone(),
                kind: CheckKind::Metric,
                state,
                symbol: state.symbol(),
                reason: s.map_or(Some("not polled yet".into()), |s| s.reason.clone()),
                latency_ms: None,
                version: None,
                expected: expected.clone(),
                value: s.and_then(|s| s.value),
                checks: vec![],
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvHealthSummary {
    pub state: State,
    pub symbol: &'static str,
    pub reason: Option<String>,
    pub latency_ms: Option<u64>,
    /// The version the endpoints report (the first differing one, if any).
    pub version: Option<String>,
    pub expected: Option<String>,
    pub drift: bool,
    pub verifying: bool,
    pub version_check: VersionCheck,
    pub checks: usize,
}

pub fn env_summary(
    config: &Config,
    board: &Board,
    view: &dyn StateView,
    env: &str,
    now: DateTime<Utc>,
) -> Result<EnvHealthSummary> {
    let e = config.env(env);
    let checks = e.map_or(0, |e| e.health.len() + e.metrics.len());
    let current = view.current_release(env)?;
    let h = board.env_health(env);
    let expected = current.as_ref().map(|r| r.version.clone());
    let deployed_at = current.as_ref().map(|r| r.finished_at.unwrap_or(r.started_at));
    let verify = e.map_or(std::time::Duration::from_secs(120), |e| e.verify_timeout);
    let vc = version_check(expected.as_deref(), &h.versions, deployed_at, now, verify);
    let state = if checks == 0 {
        State::Unknown
    } else {
        h.state.unwrap_or(State::Unknown)
    };
    let reason = if checks == 0 {
        Some("no health checks configured".to_string())
    } else if h.state.is_none() {
        Some("not polled yet".into())
    } else {
        h.reason.clone()
    };
    let version = match &vc {
        VersionCheck::Drift { running, .. } | VersionCheck::Verifying { running, .. } => Some(running.clone()),
        VersionCheck::InSync { version } => Some(version.clone()),
        VersionCheck::Unreported => h.versions.first().cloned(),
    };
    Ok(EnvHealthSummary {
        state,
        symbol: state.symbol(),
        reason,
        latency_ms: h.latency_ms,
        version,
        expected,
        drift: matches!(vc, VersionCheck::Drift { .. }),
        verifying: matches!(vc, VersionCheck::Verifying { .. }),
        version_check: vc,
        checks,
    })
}

/// For `require_healthy`: is `env` healthy enough to promote from?
pub fn gate_verdict(config: &Config, board: &Board, env: &str) -> (bool, String) {
    let e = config.env(env);
    if e.is_none_or(|e| e.health.is_empty() && e.metrics.is_empty()) {
        return (false, format!("{env} requires healthy but has no health checks"));
    }
    let h = board.env_health(env);
    match h.state {
        Some(State::Healthy) => (true, "healthy".into()),
        Some(s) => (
            false,
            format!(
                "{} {}{}",
                s.symbol(),
                s.as_str(),
                h.reason.map(|r| format!(": {r}")).unwrap_or_default()
            ),
        ),
        None => (false, "? unknown: not polled".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::CheckKind;
    use crate::health::State;

    /// `health --json` rows say `kind` and `state` as words.
    #[test]
    fn kinds_and_states_serialise_as_words() {
        let words = |v: serde_json::Value| v.as_str().map(str::to_string);
        assert_eq!(
            words(serde_json::json!(CheckKind::Endpoint)).as_deref(),
            Some("endpoint")
        );
        assert_eq!(words(serde_json::json!(CheckKind::Metric)).as_deref(), Some("metric"));
        for s in [State::Healthy, State::Degraded, State::Unhealthy, State::Unknown] {
            assert_eq!(words(serde_json::json!(s)).as_deref(), Some(s.as_str()));
            assert_eq!(
                format!("{s:<10}|"),
                format!("{:<10}|", s.as_str()),
                "padding as the CLI table uses it"
            );
        }
    }
}
