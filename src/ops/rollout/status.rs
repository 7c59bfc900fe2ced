//! A rollout as people read it: where it is, what comes next and when,
//! what the analysis says, and whether anything is driving it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::rollout::{decide, failure_streak, Decision, Measured, Phase, Rollout, Sample, Target, Verdict};
use crate::error::Result;
use crate::ledger::Lease;
use crate::ops::Ctx;

/// A due step or poll left undone this long, with no live lease on the
/// environment, means no driver is running.
const NO_DRIVER_AFTER_S: i64 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct AnalysisNow {
    /// Polls of the step in force, and how many passed.
    pub samples: u32,
    pub passes: u32,
    pub failures_in_a_row: u32,
    pub failure_limit: u32,
    pub interval_ms: u64,
    pub checks: Vec<String>,
    pub last_verdict: Option<Verdict>,
    /// The last poll's values against their thresholds.
    pub last: Vec<Measured>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutStatus {
    pub id: u64,
    pub env: String,
    pub rollout: String,
    pub target: Target,
    pub phase: Phase,
    pub step: u32,
    pub steps: u32,
    pub weight: u32,
    /// Every step's weight, in order.
    pub weights: Vec<u32>,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    pub step_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// What the rollout waits for, in words ("soaking at 25 %", "waiting
    /// for a person to confirm 50 %", "holding: the analysis has no data").
    pub waiting: String,
    /// When the next step (or poll) is due; None when a person must act.
    pub due_at: Option<DateTime<Utc>>,
    /// When the soak of the step in force ends (while running).
    pub next_step_at: Option<DateTime<Utc>>,
    /// Due and undone, and nothing holds the environment's lease.
    pub no_driver: bool,
    pub reason: Option<String>,
    pub analysis: Option<AnalysisNow>,
    /// The card line: `rollout 2/4 · 25 % · next in 1h12m · analysis ● 12/12`.
    pub line: String,
    /// Every analysis poll of this rollout (the console draws them).
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

/// "1h12m", "4m05s", "9s".
pub fn short_duration(ms: i64) -> String {
    let s = (ms.max(0) + 999) / 1000;
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// The status of `r` at `now`; `lease` is the environment's.
pub fn status_of(r: &Rollout, samples: &[Sample], now: DateTime<Utc>, lease: Option<&Lease>) -> RolloutStatus {
    let decision = decide(r, samples, now);
    let here: Vec<&Sample> = samples.iter().filter(|s| s.step == r.step).collect();
    let analysis = r.plan.analysis.as_ref().map(|a| {
        let owned: Vec<Sample> = here.iter().map(|s| (*s).clone()).collect();
        AnalysisNow {
            samples: here.len() as u32,
            passes: here.iter().filter(|s| s.verdict == Verdict::Pass).count() as u32,
            failures_in_a_row: failure_streak(&owned),
            failure_limit: a.failure_limit,
            interval_ms: a.interval_ms,
            checks: a.checks.clone(),
            last_verdict: here.last().map(|s| s.verdict),
            last: here.last().map(|s| s.measured.clone()).unwrap_or_default(),
        }
    });
    // Soaked, passed, and the next step is a person's: a re-poll may be due
    // (a driver keeps watching, and aborts on failures), but what the
    // rollout waits for is the person — nothing a missing driver would do.
    let confirm = r.next_spec().filter(|n| n.confirm).map(|n| n.weight).filter(|_| {
        decision == Decision::Analyse && now >= r.soak_end() && here.last().is_some_and(|s| s.verdict == Verdict::Pass)
    });
    let (waiting, due_at) = match (&decision, confirm) {
        (_, Some(w)) => (
            format!(
                "waiting for a person to confirm {w} % (relcon rollout advance {})",
                r.env
            ),
            None,
        ),
        (Decision::Wait { until, why }, None) => (why.clone(), *until),
        // Due now: since when, to tell a missing driver.
        (Decision::Analyse, None) => {
            let interval = r.plan.analysis.as_ref().map_or(0, |a| a.interval_ms as i64);
            let last = here.last().map_or(r.soak_from, |s| s.at);
            (
                "analysis due".into(),
                Some(last + chrono::Duration::milliseconds(interval)),
            )
        }
        (Decision::Advance { to }, None) => (format!("step {to} due"), Some(r.soak_end())),
        (Decision::Complete, None) => ("completion due".into(), Some(r.soak_end())),
        (Decision::Abort { why }, None) => (format!("abort due: {why}"), Some(now)),
    };
    let due_at = if r.phase.active() { due_at } else { None };
    let live_lease = lease.is_some_and(|l| !l.expired());
    let no_driver =
        r.phase == Phase::Running && !live_lease && due_at.is_some_and(|d| (now - d).num_seconds() > NO_DRIVER_AFTER_S);
    let mut st = RolloutStatus {
        id: r.id,
        env: r.env.clone(),
        rollout: r.plan.name.clone(),
        target: r.target.clone(),
        phase: r.phase,
        step: r.step,
        steps: r.steps() as u32,
        weight: r.weight,
        weights: r.plan.steps.iter().map(|s| s.weight).collect(),
        started_by: r.started_by.clone(),
        started_at: r.started_at,
        step_at: r.step_at,
        ended_at: r.ended_at,
        waiting,
        due_at,
        next_step_at: (r.phase == Phase::Running).then(|| r.soak_end()),
        no_driver,
        reason: r.reason.clone(),
        analysis,
        line: String::new(),
        samples: samples.to_vec(),
    };
    st.line = card_line(&st, now);
    st
}

/// `rollout 2/4 · 25 % · next in 1h12m · analysis ● 12/12`.
pub fn card_line(st: &RolloutStatus, now: DateTime<Utc>) -> String {
    let mut parts = vec![format!("rollout {}/{}", st.step, st.steps), format!("{} %", st.weight)];
    match st.phase {
        Phase::Paused => parts.push("paused".into()),
        Phase::Aborted => parts.push("aborted".into()),
        Phase::Completed => parts.push("completed".into()),
        Phase::Running if st.no_driver => parts.push(format!(
            "due {} ago, no driver",
            short_duration(st.due_at.map_or(0, |d| (now - d).num_milliseconds()))
        )),
        Phase::Running => match st.due_at {
            None if st.waiting.starts_with("waiting for a person") => parts.push("waiting for confirm".into()),
            None => parts.push(st.waiting.clone()),
            Some(_) if st.next_step_at.is_some_and(|n| n > now) => parts.push(format!(
                "next in {}",
                short_duration(st.next_step_at.map_or(0, |n| (n - now).num_milliseconds()))
            )),
            Some(d) if d > now => parts.push(format!("next in {}", short_duration((d - now).num_milliseconds()))),
            Some(_) if st.waiting.starts_with("holding") => parts.push("holding: no data".into()),
            Some(_) => parts.push("due now".into()),
        },
    }
    if let Some(a) = &st.analysis {
        let sym = a.last_verdict.map_or("○", Verdict::symbol);
        parts.push(format!("analysis {sym} {}/{}", a.passes, a.samples));
    }
    parts.join(" · ")
}

/// Active rollouts (of `env`, or everywhere); for one env with none
/// active, its newest rollout, ended.
pub fn status(ctx: &Ctx, env: Option<&str>) -> Result<Vec<RolloutStatus>> {
    if let Some(e) = env {
        ctx.env(e)?;
    }
    let view = ctx.store.view();
    let now = ctx.now();
    let mut list: Vec<Rollout> = view
        .rollouts(true, 1000)?
        .into_iter()
        .filter(|r| env.is_none_or(|e| r.env == e))
        .collect();
    if list.is_empty() {
        if let Some(e) = env {
            list.extend(view.rollouts(false, 1000)?.into_iter().find(|r| r.env == e));
        }
    }
    list.reverse();
    list.iter()
        .map(|r| {
            let samples = view.rollout_samples(r.id)?;
            let lease = view.lease(&r.env)?;
            Ok(status_of(r, &samples, now, lease.as_ref()))
        })
        .collect()
}

/// How long an ended rollout stays on its environment's card (and in
/// `status --json`).
pub const SHOWN_AFTER_END: chrono::Duration = chrono::Duration::hours(1);

/// What an environment's card says of its rollout, as `status --json`
/// gives it.
#[derive(Debug, Clone, Serialize)]
pub struct RolloutCard {
    pub id: u64,
    pub rollout: String,
    pub target: Target,
    pub phase: Phase,
    pub step: u32,
    pub steps: u32,
    pub weight: u32,
    /// The card line: `rollout 2/4 · 25 % · next in 1h12m · analysis ● 12/12`.
    pub line: String,
}

/// The rollout `env`'s card shows at `now`: its newest, while active or
/// for `SHOWN_AFTER_END` after it ended.
pub fn card_of(view: &dyn crate::ledger::StateView, env: &str, now: DateTime<Utc>) -> Result<Option<RolloutCard>> {
    let Some(r) = view.rollouts(false, 50)?.into_iter().find(|r| r.env == env) else {
        return Ok(None);
    };
    if !r.phase.active() && r.ended_at.is_none_or(|e| now - e > SHOWN_AFTER_END) {
        return Ok(None);
    }
    let samples = view.rollout_samples(r.id)?;
    let lease = view.lease(&r.env)?;
    let st = status_of(&r, &samples, now, lease.as_ref());
    Ok(Some(RolloutCard {
        id: st.id,
        rollout: st.rollout,
        target: st.target,
        phase: st.phase,
        step: st.step,
        steps: st.steps,
        weight: st.weight,
        line: st.line,
    }))
}

/// What the console shows: every active rollout, and those that ended
/// within `within` (so an abort stays on the card for a while).
pub fn recent(ctx: &Ctx, within: chrono::Duration) -> Result<Vec<RolloutStatus>> {
    let view = ctx.store.view();
    let now = ctx.now();
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for r in view.rollouts(false, 50)? {
        // The newest per environment only.
        if seen.contains(&r.env) {
            continue;
        }
        seen.push(r.env.clone());
        if !r.phase.active() && r.ended_at.is_none_or(|e| now - e > within) {
            continue;
        }
        let samples = view.rollout_samples(r.id)?;
        let lease = view.lease(&r.env)?;
        out.push(status_of(&r, &samples, now, lease.as_ref()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::rollout::{AnalysisSpec, OnAbort, PlanSpec, StepSpec};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    /// The card line docs/rollouts.md and DESIGN §12 show, exactly.
    #[test]
    fn the_card_line_of_the_docs() {
        let step = |weight, h: u64| StepSpec {
            weight,
            soak_ms: h * 3_600_000,
            confirm: false,
        };
        let r = Rollout {
            id: 7,
            env: "prod".into(),
            plan: PlanSpec {
                name: "gradual".into(),
                steps: vec![step(5, 2), step(25, 4), step(50, 8), step(100, 0)],
                analysis: Some(AnalysisSpec {
                    interval_ms: 60_000,
                    failure_limit: 3,
                    checks: vec!["health".into()],
                }),
                on_abort: OnAbort::Kill,
            },
            target: Target::Flag {
                flag: "customer_portal".into(),
            },
            phase: Phase::Running,
            step: 2,
            weight: 25,
            started_by: "ana".into(),
            started_at: t(0),
            step_at: t(0),
            soak_from: t(0),
            paused_at: None,
            ended_at: None,
            reason: None,
        };
        // 12 passing polls, the last at 2h48m; the soak ends at 4h.
        let samples: Vec<Sample> = (1..=12)
            .map(|n| Sample {
                step: 2,
                n,
                at: t(n as i64 * 840),
                verdict: Verdict::Pass,
                measured: vec![],
            })
            .collect();
        let now = t(4 * 3600 - 72 * 60);
        let st = status_of(&r, &samples, now, None);
        assert_eq!(st.line, "rollout 2/4 · 25 % · next in 1h12m · analysis ● 12/12");
        assert!(!st.no_driver);
        // Overdue with no lease anywhere: says so.
        let st = status_of(&r, &samples, t(4 * 3600 + 300), None);
        assert!(st.no_driver);
        assert!(st.line.ends_with("ago, no driver · analysis ● 12/12"), "{}", st.line);
    }
}
