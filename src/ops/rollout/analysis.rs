//! One analysis poll: the named health checks and metrics of the
//! environment, through the same code as `relcon health`, each judged
//! pass / fail / no data. Unknown, a timeout or an empty query is no data:
//! it holds a rollout and never counts as a pass.

use crate::config::Config;
use crate::domain::rollout::{Measured, Verdict};
use crate::health::{Board, State};

fn verdict_of(state: State) -> Verdict {
    match state {
        // Degraded is a warn threshold or a degraded service: watched,
        // shown, not an abort; the fail threshold is what aborts.
        State::Healthy | State::Degraded => Verdict::Pass,
        State::Unhealthy => Verdict::Fail,
        State::Unknown => Verdict::NoData,
    }
}

/// Poll `env` once and measure `checks` ("health" = every health check).
pub fn poll(config: &Config, env: &str, checks: &[String]) -> Vec<Measured> {
    let board = crate::health::once::poll_blocking(config, Some(&[env.to_string()]));
    measure(config, &board, env, checks)
}

/// The named checks as `board` last saw them.
pub fn measure(config: &Config, board: &Board, env: &str, checks: &[String]) -> Vec<Measured> {
    let Some(e) = config.env(env) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let health = |name: &str| {
        let latest = board
            .checks
            .get(&(env.to_string(), name.to_string()))
            .and_then(|s| s.latest());
        match latest {
            Some(s) => Measured {
                check: name.to_string(),
                state: s.state.as_str().to_string(),
                value: s.latency_ms.map(|ms| ms as f64 / 1000.0),
                threshold: None,
                reason: s.reason.clone(),
                verdict: verdict_of(s.state),
            },
            None => no_data(name, "not polled"),
        }
    };
    for c in checks {
        if c == "health" {
            if e.health.is_empty() {
                out.push(no_data("health", &format!("{env} has no health checks")));
            }
            for h in &e.health {
                out.push(health(&h.name));
            }
        } else if e.health.iter().any(|h| &h.name == c) {
            out.push(health(c));
        } else if let Some(m) = e.metrics.iter().find(|m| &m.name == c) {
            let latest = board
                .metrics
                .get(&(env.to_string(), c.clone()))
                .and_then(|s| s.latest());
            let threshold = m.fail.as_ref().or(m.warn.as_ref()).map(|t| t.text.clone());
            out.push(match latest {
                Some(s) => Measured {
                    check: c.clone(),
                    state: s.state.as_str().to_string(),
                    value: s.value,
                    threshold,
                    reason: s.reason.clone(),
                    verdict: if s.value.is_none() {
                        Verdict::NoData
                    } else {
                        verdict_of(s.state)
                    },
                },
                None => no_data(c, "not polled"),
            });
        } else {
            out.push(no_data(c, &format!("{env} has no health check or metric named {c:?}")));
        }
    }
    out
}

fn no_data(check: &str, why: &str) -> Measured {
    Measured {
        check: check.to_string(),
        state: State::Unknown.as_str().to_string(),
        value: None,
        threshold: None,
        reason: Some(why.to_string()),
        verdict: Verdict::NoData,
    }
}

/// "error rate = 0.0200 (fail > 0.01)", "api: unhealthy (HTTP 503)".
pub fn describe(m: &Measured) -> String {
    let value = m.value.map(crate::health::metrics::fmt);
    match (&value, &m.threshold) {
        (Some(v), Some(t)) => format!("{} = {v} (fail {t})", m.check),
        _ => format!(
            "{}: {}{}",
            m.check,
            m.state,
            m.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
        ),
    }
}
