//! Progressive rollouts (DESIGN §12): the plan, a rollout's recorded state,
//! analysis samples, and the one decision a driver takes on each tick. Pure:
//! the time is passed in, so every rule is a row in the table tests below.

use chrono::{DateTime, Duration as Span, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One step of a plan: the weight to set, how long to soak there, and
/// whether a person must say go before the driver moves into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSpec {
    pub weight: u32,
    /// Milliseconds to watch this step before moving on (0: move on at once).
    pub soak_ms: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confirm: bool,
}

impl StepSpec {
    pub fn soak(&self) -> Duration {
        Duration::from_millis(self.soak_ms)
    }
}

/// `analysis = { interval, failure_limit, checks }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisSpec {
    pub interval_ms: u64,
    pub failure_limit: u32,
    /// Health check or metric names of the environment, or "health" for
    /// every health check.
    pub checks: Vec<String>,
}

/// What an abort does to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnAbort {
    /// Flag rollouts: the kill switch. Traffic rollouts: weight 0.
    #[default]
    Kill,
    /// The weight (or the flag's percentage) back to 0.
    Zero,
    /// Weight 0, then the environment's rollback hook.
    Rollback,
}

impl OnAbort {
    pub fn parse(s: &str) -> Option<OnAbort> {
        match s {
            "kill" => Some(OnAbort::Kill),
            "zero" => Some(OnAbort::Zero),
            "rollback" => Some(OnAbort::Rollback),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            OnAbort::Kill => "kill",
            OnAbort::Zero => "zero",
            OnAbort::Rollback => "rollback",
        }
    }
}

/// A plan as configured (`[rollout.NAME]`), and as snapshot into
/// `rollout.started`: a rollout keeps the plan it started with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSpec {
    pub name: String,
    pub steps: Vec<StepSpec>,
    #[serde(default)]
    pub analysis: Option<AnalysisSpec>,
    #[serde(default)]
    pub on_abort: OnAbort,
}

/// What a rollout moves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Target {
    /// A flag's rollout percentage in the environment.
    Flag { flag: String },
    /// A traffic weight through the environment's `traffic` hook.
    Traffic {
        version: String,
        #[serde(default)]
        previous: Option<String>,
    },
}

impl Target {
    /// "flag checkout" or "version 1.4.2".
    pub fn describe(&self) -> String {
        match self {
            Target::Flag { flag } => format!("flag {flag}"),
            Target::Traffic { version, .. } => format!("version {version}"),
        }
    }

    /// What aborting a rollout of this target does, by the plan's `on_abort`.
    pub fn abort_effect(&self, on_abort: OnAbort, env: &str) -> String {
        match (self, on_abort) {
            (Target::Flag { flag }, OnAbort::Zero) => format!("sets {flag}'s percentage in {env} to 0"),
            (Target::Flag { flag }, _) => format!("kills {flag} in {env}"),
            (Target::Traffic { previous: Some(p), .. }, OnAbort::Rollback) => {
                format!("sets the weight to 0, then runs {env}'s rollback hook back to {p}")
            }
            (Target::Traffic { .. }, _) => "sets the weight to 0".to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Running,
    Paused,
    Aborted,
    Completed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Running => "running",
            Phase::Paused => "paused",
            Phase::Aborted => "aborted",
            Phase::Completed => "completed",
        }
    }
    pub fn parse(s: &str) -> Phase {
        match s {
            "paused" => Phase::Paused,
            "aborted" => Phase::Aborted,
            "completed" => Phase::Completed,
            _ => Phase::Running,
        }
    }
    /// Still to be driven or acted on (running or paused).
    pub fn active(self) -> bool {
        matches!(self, Phase::Running | Phase::Paused)
    }
}

/// A rollout as the ledger records it (the `rollouts` projection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// The seq of `rollout.started`.
    pub id: u64,
    pub env: String,
    pub plan: PlanSpec,
    pub target: Target,
    pub phase: Phase,
    /// The step in force, 1-based (0 before the first).
    pub step: u32,
    pub weight: u32,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    /// When the step in force began.
    pub step_at: DateTime<Utc>,
    /// Where the soak clock of this step starts: the step's start, moved on
    /// by the time spent paused.
    pub soak_from: DateTime<Utc>,
    pub paused_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

impl Rollout {
    pub fn steps(&self) -> usize {
        self.plan.steps.len()
    }
    pub fn spec(&self) -> Option<&StepSpec> {
        self.plan.steps.get((self.step as usize).checked_sub(1)?)
    }
    pub fn next_spec(&self) -> Option<&StepSpec> {
        self.plan.steps.get(self.step as usize)
    }
    /// When the soak of the step in force ends.
    pub fn soak_end(&self) -> DateTime<Utc> {
        self.soak_from + span(self.spec().map_or(Duration::ZERO, StepSpec::soak))
    }
}

fn span(d: Duration) -> Span {
    Span::milliseconds(d.as_millis().min(i64::MAX as u128) as i64)
}

/// How one analysis poll came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    /// Unknown, timeout, an empty query: hold, never a pass.
    NoData,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NoData => "nodata",
        }
    }
    pub fn parse(s: &str) -> Verdict {
        match s {
            "pass" => Verdict::Pass,
            "fail" => Verdict::Fail,
            _ => Verdict::NoData,
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Pass => "●",
            Verdict::Fail => "✖",
            Verdict::NoData => "?",
        }
    }
}

/// One check's value in one poll, against its threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub check: String,
    /// healthy, degraded, unhealthy or unknown.
    pub state: String,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub threshold: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    pub verdict: Verdict,
}

/// The verdict of a poll: any failure fails it; otherwise any check without
/// data (or no check at all) holds it; only all passing passes.
pub fn verdict(measured: &[Measured]) -> Verdict {
    if measured.iter().any(|m| m.verdict == Verdict::Fail) {
        Verdict::Fail
    } else if measured.is_empty() || measured.iter().any(|m| m.verdict == Verdict::NoData) {
        Verdict::NoData
    } else {
        Verdict::Pass
    }
}

/// One recorded analysis poll of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub step: u32,
    /// 1-based within the step.
    pub n: u32,
    pub at: DateTime<Utc>,
    pub verdict: Verdict,
    pub measured: Vec<Measured>,
}

/// Consecutive failures at the end of `samples` (no data neither counts nor
/// breaks the run: it says nothing either way).
pub fn failure_streak(samples: &[Sample]) -> u32 {
    let mut n = 0;
    for s in samples.iter().rev() {
        match s.verdict {
            Verdict::Fail => n += 1,
            Verdict::NoData => {}
            Verdict::Pass => break,
        }
    }
    n
}

/// What a driver does about a rollout now.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Nothing until `until` (or until a person acts, when None).
    Wait { until: Option<DateTime<Utc>>, why: String },
    /// Poll the analysis checks now.
    Analyse,
    /// Move to step `to` (1-based).
    Advance { to: u32 },
    /// The last step soaked: done.
    Complete,
    /// `failure_limit` consecutive failures: abort with `on_abort`.
    Abort { why: String },
}

/// The one decision for `r` at `now`, from the samples of its current step.
/// Never more than one step at a time, whatever the time since the last tick.
pub fn decide(r: &Rollout, samples: &[Sample], now: DateTime<Utc>) -> Decision {
    match r.phase {
        Phase::Paused => {
            return Decision::Wait {
                until: None,
                why: "paused".into(),
            }
        }
        Phase::Aborted | Phase::Completed => {
            return Decision::Wait {
                until: None,
                why: r.phase.as_str().into(),
            }
        }
        Phase::Running => {}
    }
    let Some(spec) = r.spec() else {
        return Decision::Advance { to: 1 };
    };
    let here: Vec<&Sample> = samples.iter().filter(|s| s.step == r.step).collect();
    let here_owned: Vec<Sample> = here.iter().map(|s| (*s).clone()).collect();
    let analysis = r.plan.analysis.as_ref().filter(|_| spec.soak_ms > 0);
    if let Some(a) = analysis {
        let streak = failure_streak(&here_owned);
        if streak >= a.failure_limit.max(1) {
            return Decision::Abort {
                why: format!(
                    "{streak} consecutive failed analyses (failure_limit {})",
                    a.failure_limit
                ),
            };
        }
    }
    let soak_end = r.soak_end();
    let next_sample = analysis.map(|a| {
        let last = here.last().map_or(r.soak_from, |s| s.at);
        last + span(Duration::from_millis(a.interval_ms))
    });
    if now < soak_end {
        return match next_sample {
            Some(t) if t <= now => Decision::Analyse,
            Some(t) => Decision::Wait {
                until: Some(t.min(soak_end)),
                why: format!("soaking at {} %", r.weight),
            },
            None => Decision::Wait {
                until: Some(soak_end),
                why: format!("soaking at {} %", r.weight),
            },
        };
    }
    // Soaked: the analysis must have the last word, and it must be a pass.
    if analysis.is_some() {
        // A pass older than an interval is stale (a driver that comes back
        // after hours polls first).
        if next_sample.is_some_and(|t| t <= now) {
            return Decision::Analyse;
        }
        let last = here.last().map(|s| s.verdict);
        if last != Some(Verdict::Pass) {
            let why = match last {
                Some(Verdict::NoData) => "holding: the analysis has no data",
                Some(Verdict::Fail) => "holding: the last analysis failed",
                _ => "holding: no analysis yet",
            };
            return Decision::Wait {
                until: next_sample,
                why: why.into(),
            };
        }
    }
    match r.next_spec() {
        None => Decision::Complete,
        Some(next) if next.confirm => Decision::Wait {
            until: None,
            why: format!(
                "waiting for a person to confirm {} % (relcon rollout advance {})",
                next.weight, r.env
            ),
        },
        Some(_) => Decision::Advance { to: r.step + 1 },
    }
}

#[cfg(test)]
mod tests;
