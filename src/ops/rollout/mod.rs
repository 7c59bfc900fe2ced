//! Progressive rollouts (DESIGN §12): start one behind a promotion's gates,
//! let a driver (`relcon rollout run`, or an open console) take it step by
//! step through its soaks and analysis, and let a person pause, resume,
//! advance or abort it. Every change is a `rollout.*` event; a flag's
//! percentage moves with a `flag.changed` in the same transaction, a
//! traffic weight through the environment's `traffic` hook.

pub mod analysis;
mod drive;
mod hooks;
pub mod lease;
mod run;
mod start;
mod status;
mod transitions;

use hooks::{rollback_hook, traffic};
use transitions::{abort, advance_to, complete};

pub use drive::{tick, Did, Driver, Held, TickReport};
pub use run::{run, spawn_driver, DriverHandle};
pub use start::start;
pub use status::{
    card_line, card_of, recent, short_duration, status, status_of, AnalysisNow, RolloutCard, RolloutStatus,
    SHOWN_AFTER_END,
};

use serde::Serialize;

use crate::domain::rollout::{OnAbort, Phase, Rollout, Sample, StepSpec, Target, Verdict};
use crate::domain::{FlagChangeKind, FlagState};
use crate::error::{Error, Result};
use crate::exec::{self, CancelToken};
use crate::ledger::bodies::{
    AnalysisSummary, DeploymentFinished, DeploymentStarted, GatedAction, RolloutAborted, RolloutCompleted, RolloutNote,
    RolloutStarted, RolloutStep,
};
use crate::ledger::{kind, NewEvent, StateView};
use crate::ops::Ctx;
use lease::Leases;

/// What `rollout start` moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Flag(String),
    Version(String),
}

/// What a person does to a rollout (the console's keys and the CLI verbs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Pause,
    Resume,
    Advance,
    Abort,
}

impl Act {
    pub fn as_str(self) -> &'static str {
        match self {
            Act::Pause => "pause",
            Act::Resume => "resume",
            Act::Advance => "advance",
            Act::Abort => "abort",
        }
    }
}

/// The active rollout of `env`, if any.
pub fn active(view: &dyn StateView, env: &str) -> Result<Option<Rollout>> {
    Ok(view.rollouts(true, 1000)?.into_iter().find(|r| r.env == env))
}

/// The abort that a person's kill of `r`'s flag records (`r` from
/// [`driving`], in the kill's own transaction): otherwise its next step
/// would turn the flag back on, undoing the kill switch. The flag is
/// already off (the kill's own event), so the abort changes nothing else.
pub fn ended_by_kill(r: &Rollout, flag: &str, reason: Option<String>) -> NewEvent {
    NewEvent::new(
        kind::ROLLOUT_ABORTED,
        Some(&r.env),
        RolloutAborted {
            id: r.id,
            rollout: r.plan.name.clone(),
            target: r.target.clone(),
            step: r.step,
            weight: r.weight,
            action: OnAbort::Kill,
            automatic: false,
            why: format!("flag {flag} killed"),
            reason,
            measured: Vec::new(),
        },
    )
}

/// The rollout, running or paused, that drives `flag` in `env`.
pub fn driving(view: &dyn StateView, env: &str, flag: &str) -> Result<Option<Rollout>> {
    Ok(active(view, env)?.filter(|r| matches!(&r.target, Target::Flag { flag: f } if f == flag)))
}

fn active_by_id(view: &dyn StateView, id: u64) -> Result<Option<Rollout>> {
    Ok(view.rollouts(true, 1000)?.into_iter().find(|r| r.id == id))
}

fn require_active(view: &dyn StateView, env: &str) -> Result<Rollout> {
    if let Some(r) = active(view, env)? {
        return Ok(r);
    }
    // Say how the last one ended: a driver may have finished it while a
    // person was confirming an abort.
    let last = view.rollouts(false, 1000)?.into_iter().find(|r| r.env == env);
    Err(Error::usage(match last {
        Some(r) => format!(
            "{env} has no rollout running or paused: the last, {} of {}, {} at {} %{}",
            r.plan.name,
            r.target.describe(),
            r.phase.as_str(),
            r.weight,
            r.ended_at
                .map(|t| format!(" at {}", t.format("%H:%M:%S UTC")))
                .unwrap_or_default()
        ),
        None => format!("{env} has no rollout running or paused"),
    }))
}

/// The version a promotion's gates are judged for: the one rolled out, or
/// for a flag the environment's current build.
fn gate_version(view: &dyn StateView, env: &str, what: &What) -> Result<String> {
    Ok(match what {
        What::Version(v) => v.clone(),
        What::Flag(_) => view.current_release(env)?.map(|r| r.version).unwrap_or_default(),
    })
}

/// The plan's steps as "5 → 25 → 50 (confirm) → 100 %".
pub fn describe_steps(steps: &[StepSpec]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|s| {
            let mut p = s.weight.to_string();
            if s.soak_ms > 0 {
                p.push_str(&format!(" ({})", short_duration(s.soak_ms as i64)));
            }
            if s.confirm {
                p.push_str(" confirm");
            }
            p
        })
        .collect();
    format!("{} %", parts.join(" → "))
}

/// The status of rollout `id` as recorded now.
fn one(ctx: &Ctx, id: u64) -> Result<RolloutStatus> {
    let view = ctx.store.view();
    let r = view
        .rollouts(false, 1000)?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::runtime(format!("rollout {id} is not recorded")))?;
    let samples = view.rollout_samples(id)?;
    let lease = view.lease(&r.env)?;
    Ok(status_of(&r, &samples, ctx.now(), lease.as_ref()))
}

/// A person's action on `env`'s rollout.
pub fn act(ctx: &mut Ctx, env: &str, a: Act, reason: Option<String>) -> Result<RolloutStatus> {
    ctx.writable()?;
    let env_cfg = ctx.env(env)?.clone();
    // Pausing and resuming change no weight: no reason needed anywhere.
    let weighty = matches!(a, Act::Advance | Act::Abort);
    let reason = crate::ops::policy::reason(env_cfg.protected && weighty, env, false, reason.as_deref())?;
    let r = require_active(ctx.store.view(), env)?;
    match a {
        Act::Pause | Act::Resume => note(ctx, &r, a, reason)?,
        Act::Advance => {
            let to = r.step + 1;
            if to as usize > r.steps() {
                return Err(Error::usage(format!(
                    "{env}'s rollout is at its last step ({} %): it completes when the soak ends",
                    r.weight
                )));
            }
            let mut leases = Leases::default();
            let done = advance_to(ctx, &mut leases, &r, to, "person", reason);
            leases.release_all(ctx);
            if !done? {
                return Err(Error::usage(format!(
                    "{env}'s rollout moved meanwhile (or a deployment holds {env}): nothing was done; see relcon rollout status {env}"
                )));
            }
        }
        Act::Abort => {
            let mut leases = Leases::default();
            let done = abort(ctx, &mut leases, &r, false, "aborted by a person", reason, Vec::new());
            leases.release_all(ctx);
            done?;
        }
    }
    one(ctx, r.id)
}

fn note(ctx: &mut Ctx, r: &Rollout, a: Act, reason: Option<String>) -> Result<()> {
    let (want, k) = match a {
        Act::Pause => (Phase::Running, kind::ROLLOUT_PAUSED),
        _ => (Phase::Paused, kind::ROLLOUT_RESUMED),
    };
    let now = ctx.now();
    let actor = ctx.actor.clone();
    ctx.store.transact(now, &actor, &mut |view| {
        let cur = active_by_id(view, r.id)?.ok_or_else(|| Error::usage(format!("{}'s rollout has ended", r.env)))?;
        if cur.phase != want {
            return Err(Error::usage(format!(
                "{}'s rollout is {}: nothing to {}",
                r.env,
                cur.phase.as_str(),
                a.as_str()
            )));
        }
        Ok(vec![NewEvent::new(
            k,
            Some(&r.env),
            RolloutNote {
                id: r.id,
                rollout: r.plan.name.clone(),
                target: r.target.clone(),
                weight: cur.weight,
                reason: reason.clone(),
            },
        )])
    })?;
    Ok(())
}

/// What the analysis saw during `step`.
pub fn summary(samples: &[Sample], step: u32) -> Option<AnalysisSummary> {
    let here: Vec<&Sample> = samples.iter().filter(|s| s.step == step).collect();
    let last = here.last()?;
    Some(AnalysisSummary {
        samples: here.len() as u32,
        passes: here.iter().filter(|s| s.verdict == Verdict::Pass).count() as u32,
        last: last.measured.clone(),
    })
}

/// The flag's state as recorded (or configured) in `env`.
fn flag_state(view: &dyn StateView, config: &crate::config::Config, flag: &str, env: &str) -> Result<FlagState> {
    let row = crate::ops::flags::resolve(view, config, flag, env)?;
    Ok(FlagState {
        enabled: row.enabled,
        rollout: row.rollout,
        targets: row.targets,
    })
}

/// What a person sees before acting, for a confirmation.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub text: String,
}

/// The question for `act` on `env`'s rollout (console and CLI).
pub fn question(view: &dyn StateView, env: &str, a: Act) -> String {
    let r = active(view, env).ok().flatten();
    match (a, r) {
        (_, None) => format!("{env} has no active rollout"),
        (Act::Pause, Some(r)) => format!(
            "Pause the rollout of {} in {env} at {} %?",
            r.target.describe(),
            r.weight
        ),
        (Act::Resume, Some(r)) => format!(
            "Resume the rollout of {} in {env} at {} %?",
            r.target.describe(),
            r.weight
        ),
        (Act::Advance, Some(r)) => format!(
            "Advance the rollout of {} in {env} from {} % to {} % now?",
            r.target.describe(),
            r.weight,
            r.next_spec().map_or(100, |s| s.weight)
        ),
        (Act::Abort, Some(r)) => format!(
            "ABORT the rollout of {} in {env} at {} % ({})?",
            r.target.describe(),
            r.weight,
            match (&r.target, r.plan.on_abort) {
                (Target::Flag { flag }, OnAbort::Zero) => format!("{flag} to 0 %"),
                (Target::Flag { flag }, _) => format!("kill {flag}"),
                (Target::Traffic { .. }, OnAbort::Rollback) => "weight 0, then the rollback hook".to_string(),
                (Target::Traffic { .. }, _) => "weight 0".to_string(),
            }
        ),
    }
}
