//! Progressive rollouts (DESIGN §12): start one behind a promotion's gates,
//! let a driver (`relcon rollout run`, or an open console) take it step by
//! step through its soaks and analysis, and let a person pause, resume,
//! advance or abort it. Every change is a `rollout.*` event; a flag's
//! percentage moves with a `flag.changed` in the same transaction, a
//! traffic weight through the environment's `traffic` hook.

pub mod analysis;
mod drive;
pub mod lease;
mod status;

pub use drive::{run, spawn_driver, tick, Did, Driver, DriverHandle, TickReport};
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

fn active_by_id(view: &dyn StateView, id: u64) -> Result<Option<Rollout>> {
    Ok(view.rollouts(true, 1000)?.into_iter().find(|r| r.id == id))
}

fn require_active(view: &dyn StateView, env: &str) -> Result<Rollout> {
    active(view, env)?.ok_or_else(|| Error::usage(format!("{env} has no rollout running or paused")))
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

/// Start `plan` in `env`: the same gates as a promotion into `env`, then the
/// first step at once (the driver takes it from there).
pub fn start(
    ctx: &mut Ctx,
    env: &str,
    plan_name: &str,
    what: &What,
    reason: Option<String>,
    force: bool,
) -> Result<RolloutStatus> {
    ctx.writable()?;
    let env_cfg = ctx.env(env)?.clone();
    let plan = ctx.config.rollouts.get(plan_name).cloned().ok_or_else(|| {
        let known: Vec<&str> = ctx.config.rollouts.keys().map(String::as_str).collect();
        Error::usage(format!(
            "no rollout plan {plan_name:?}: expected one of [rollout.NAME] ({})",
            if known.is_empty() {
                "none defined".to_string()
            } else {
                known.join(", ")
            }
        ))
    })?;
    match what {
        What::Flag(f) if !ctx.config.flags.contains_key(f) => {
            return Err(crate::ops::flags::unknown_flag(&ctx.config, f));
        }
        What::Version(_) if env_cfg.traffic.is_none() => {
            return Err(Error::usage(format!(
                "{env} has no traffic hook: add `traffic = \"./set-weight.sh\"` to its [[environment]] to roll out a version, or roll out a flag (--flag)"
            )));
        }
        _ => {}
    }
    let reason = crate::ops::policy::reason(env_cfg.protected, env, force, reason.as_deref())?;
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let config = ctx.config.clone();
    let events = ctx.store.transact(now, &actor, &mut |view| {
        if let Some(r) = active(view, env)? {
            return Err(Error::usage(format!(
                "{env} already has rollout {} of {} ({}): abort it or let it finish first",
                r.plan.name,
                r.target.describe(),
                r.phase.as_str()
            )));
        }
        let target = match what {
            What::Flag(f) => Target::Flag { flag: f.clone() },
            What::Version(v) => {
                if view.build(v)?.is_none() {
                    return Err(Error::usage(format!(
                        "build {v} is not registered: run `relcon release register {v} --commit SHA` first"
                    )));
                }
                Target::Traffic {
                    version: v.clone(),
                    previous: view.current_release(env)?.map(|r| r.version),
                }
            }
        };
        let version = gate_version(view, env, what)?;
        let gates = crate::ops::plan::promotion_gates(view, &config, env, &version, &actor, now)?;
        let overridden = crate::ops::policy::judge("rollout start", env, &gates, force)?;
        let mut events = Vec::new();
        if !overridden.is_empty() {
            events.push(crate::ops::policy::override_event(
                env,
                GatedAction::Promote,
                &version,
                &overridden,
                reason.as_deref().unwrap_or_default(),
            ));
        }
        events.push(NewEvent::new(
            kind::ROLLOUT_STARTED,
            Some(env),
            RolloutStarted {
                rollout: plan.name.clone(),
                plan: plan.clone(),
                target,
                reason: reason.clone(),
            },
        ));
        Ok(events)
    })?;
    let id = events
        .iter()
        .find(|e| e.kind == kind::ROLLOUT_STARTED)
        .map(|e| e.seq)
        .unwrap_or_default();
    // The first step now, by this process, through the same path a driver takes.
    let mut leases = Leases::default();
    let first = match active_by_id(ctx.store.view(), id)? {
        Some(r) => advance_to(ctx, &mut leases, &r, 1, "driver", reason.clone()),
        None => Ok(false),
    };
    leases.release_all(ctx);
    first?;
    one(ctx, id)
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

/// Move `r` to step `to`: exactly once, by the holder of `env`'s lease,
/// and only if `r` is still at the step before. False when someone else
/// holds the lease or moved it first.
fn advance_to(
    ctx: &mut Ctx,
    leases: &mut Leases,
    r: &Rollout,
    to: u32,
    by: &str,
    reason: Option<String>,
) -> Result<bool> {
    let Some(spec) = r.plan.steps.get((to as usize).wrapping_sub(1)).cloned() else {
        return Ok(false);
    };
    let Some(token) = leases.ensure(ctx, &r.env, &r.plan.name, by == "person")? else {
        return Ok(false);
    };
    if let Target::Traffic { .. } = &r.target {
        traffic(ctx, r, spec.weight, to, reason.as_deref())?;
    }
    let samples = ctx.store.view().rollout_samples(r.id)?;
    let analysis = summary(&samples, r.step);
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let config = ctx.config.clone();
    let steps = r.steps() as u32;
    let events = ctx.store.transact(now, &actor, &mut |view| {
        // Serialised by the ledger: the step before, the lease ours.
        let Some(cur) = active_by_id(view, r.id)? else {
            return Ok(Vec::new());
        };
        if cur.step + 1 != to || !lease::holds(view, &r.env, token)? {
            return Ok(Vec::new());
        }
        let mut events = vec![NewEvent::new(
            kind::ROLLOUT_STEP,
            Some(&r.env),
            RolloutStep {
                id: r.id,
                rollout: r.plan.name.clone(),
                target: r.target.clone(),
                step: to,
                steps,
                weight: spec.weight,
                from_weight: cur.weight,
                by: by.to_string(),
                reason: reason.clone(),
                analysis: analysis.clone(),
            },
        )];
        if let Target::Flag { flag } = &r.target {
            let before = flag_state(view, &config, flag, &r.env)?;
            let after = FlagState {
                enabled: true,
                rollout: spec.weight,
                targets: before.targets.clone(),
            };
            let why = Some(format!(
                "rollout {} step {to}/{steps}{}",
                r.plan.name,
                reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
            ));
            events.extend(crate::ops::flags::change_events(
                view,
                &r.env,
                flag,
                before,
                after,
                FlagChangeKind::Set,
                why,
            )?);
        }
        Ok(events)
    })?;
    if events.is_empty() {
        // Lost a race after setting the weight: put the router back where
        // the ledger says the rollout is.
        if let (Target::Traffic { .. }, Some(cur)) = (&r.target, active_by_id(ctx.store.view(), r.id)?) {
            let _ = traffic(ctx, &cur, cur.weight, cur.step, None);
        }
        return Ok(false);
    }
    if let Target::Flag { flag } = &r.target {
        crate::ops::flags::published(ctx, &r.env, flag, reason.as_deref())?;
    }
    Ok(true)
}

/// The last step soaked (and passed): completed, exactly once.
fn complete(ctx: &mut Ctx, leases: &mut Leases, r: &Rollout) -> Result<bool> {
    let Some(token) = leases.ensure(ctx, &r.env, &r.plan.name, false)? else {
        return Ok(false);
    };
    let samples = ctx.store.view().rollout_samples(r.id)?;
    let analysis = summary(&samples, r.step);
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let events = ctx.store.transact(now, &actor, &mut |view| {
        let Some(cur) = active_by_id(view, r.id)? else {
            return Ok(Vec::new());
        };
        if cur.step != r.step || cur.phase != Phase::Running || !lease::holds(view, &r.env, token)? {
            return Ok(Vec::new());
        }
        let mut events = vec![NewEvent::new(
            kind::ROLLOUT_COMPLETED,
            Some(&r.env),
            RolloutCompleted {
                id: r.id,
                rollout: r.plan.name.clone(),
                target: r.target.clone(),
                weight: cur.weight,
                analysis: analysis.clone(),
            },
        )];
        events.extend(release_events(view, &cur, now)?);
        Ok(events)
    })?;
    leases.release(ctx, &r.env)?;
    Ok(!events.is_empty())
}

/// A traffic rollout at 100 % is a deployment of its build: recorded as one
/// (`deployment.started` then `deployment.succeeded`, the kinds a deploy
/// writes) in the completion's own transaction, so the current release,
/// history, diff, metrics and a rebuild all see the new build.
fn release_events(view: &dyn StateView, r: &Rollout, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<NewEvent>> {
    let Target::Traffic { version, .. } = &r.target else {
        return Ok(Vec::new());
    };
    let build = view
        .build(version)?
        .ok_or_else(|| Error::runtime(format!("build {version} is not registered")))?;
    let number = crate::domain::release::next_release_number(view.last_release_number(&r.env)?);
    let reason = Some(format!("rollout {} completed at 100 %", r.plan.name));
    Ok(vec![
        NewEvent::new(
            kind::DEPLOYMENT_STARTED,
            Some(&r.env),
            DeploymentStarted {
                number,
                version: build.version.clone(),
                commit: build.commit.clone(),
                artifact: build.artifact.clone(),
                action: crate::domain::Action::Deploy,
                from_env: None,
                target_release: None,
                reason: reason.clone(),
                pid: None,
                host: None,
                steps: Vec::new(),
            },
        ),
        NewEvent::new(
            kind::DEPLOYMENT_SUCCEEDED,
            Some(&r.env),
            DeploymentFinished {
                number,
                error: None,
                output: None,
                duration_ms: u64::try_from((now - r.started_at).num_milliseconds()).ok(),
                resolved: false,
                reason,
            },
        ),
    ])
}

/// Abort `r` with its plan's `on_abort`: recorded first (exactly once, and
/// never waiting for a lease: it is the emergency path), then the weight
/// goes to 0 — the flag killed (and exported) or the traffic hook at 0.
fn abort(
    ctx: &mut Ctx,
    leases: &mut Leases,
    r: &Rollout,
    automatic: bool,
    why: &str,
    reason: Option<String>,
    measured: Vec<crate::domain::rollout::Measured>,
) -> Result<bool> {
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let config = ctx.config.clone();
    let action = r.plan.on_abort;
    let events = ctx.store.transact(now, &actor, &mut |view| {
        let Some(cur) = active_by_id(view, r.id)? else {
            return Ok(Vec::new());
        };
        if automatic && (cur.step != r.step || cur.phase != Phase::Running) {
            return Ok(Vec::new());
        }
        let mut events = vec![NewEvent::new(
            kind::ROLLOUT_ABORTED,
            Some(&r.env),
            RolloutAborted {
                id: r.id,
                rollout: r.plan.name.clone(),
                target: r.target.clone(),
                step: cur.step,
                weight: cur.weight,
                action,
                automatic,
                why: why.to_string(),
                reason: reason.clone(),
                measured: measured.clone(),
            },
        )];
        if let Target::Flag { flag } = &r.target {
            let before = flag_state(view, &config, flag, &r.env)?;
            let (after, change) = match action {
                OnAbort::Zero => (
                    FlagState {
                        enabled: before.enabled,
                        rollout: 0,
                        targets: before.targets.clone(),
                    },
                    FlagChangeKind::Set,
                ),
                OnAbort::Kill | OnAbort::Rollback => (
                    FlagState {
                        enabled: false,
                        rollout: 0,
                        targets: before.targets.clone(),
                    },
                    FlagChangeKind::Kill,
                ),
            };
            let why = Some(format!("rollout {} aborted: {why}", r.plan.name));
            events.extend(crate::ops::flags::change_events(
                view, &r.env, flag, before, after, change, why,
            )?);
        }
        Ok(events)
    })?;
    if events.is_empty() {
        return Ok(false);
    }
    match &r.target {
        Target::Flag { flag } => {
            crate::ops::flags::published(ctx, &r.env, flag, reason.as_deref())?;
        }
        Target::Traffic { .. } => {
            let zero = traffic(ctx, r, 0, r.step, reason.as_deref());
            if action == OnAbort::Rollback {
                rollback_hook(ctx, r, reason.as_deref())?;
            }
            zero?;
        }
    }
    leases.release(ctx, &r.env)?;
    Ok(true)
}

/// The variables a traffic (or rollback) hook gets, each always set.
fn traffic_vars(
    ctx: &Ctx,
    r: &Rollout,
    action: &str,
    weight: u32,
    step: u32,
    reason: Option<&str>,
) -> Vec<(String, String)> {
    let (version, previous) = match &r.target {
        Target::Traffic { version, previous } => (version.clone(), previous.clone().unwrap_or_default()),
        Target::Flag { .. } => (String::new(), String::new()),
    };
    let build = ctx.store.view().build(&version).ok().flatten();
    let pairs = [
        ("RELCON_ACTION", action.to_string()),
        ("RELCON_PROJECT", ctx.config.project.name.clone()),
        ("RELCON_ENV", r.env.clone()),
        (
            "RELCON_ENV_URL",
            ctx.config.env(&r.env).and_then(|e| e.url.clone()).unwrap_or_default(),
        ),
        ("RELCON_VERSION", version),
        ("RELCON_PREVIOUS_VERSION", previous),
        (
            "RELCON_COMMIT",
            build.as_ref().map(|b| b.commit.clone()).unwrap_or_default(),
        ),
        ("RELCON_ARTIFACT", build.and_then(|b| b.artifact).unwrap_or_default()),
        ("RELCON_STEP_WEIGHT", weight.to_string()),
        ("RELCON_STEP", format!("{step}/{}", r.steps())),
        ("RELCON_ROLLOUT", r.plan.name.clone()),
        ("RELCON_ACTOR", ctx.actor.clone()),
        ("RELCON_REASON", reason.unwrap_or_default().to_string()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn run_hook(ctx: &Ctx, hook: &crate::config::Hook, vars: &[(String, String)]) -> exec::HookOutcome {
    exec::run_hook(
        hook,
        &ctx.config.dir,
        vars,
        &ctx.redactor(),
        &CancelToken::default(),
        &mut |_| {},
    )
}

/// Set the traffic weight through the environment's `traffic` hook.
fn traffic(ctx: &Ctx, r: &Rollout, weight: u32, step: u32, reason: Option<&str>) -> Result<()> {
    let hook = ctx
        .config
        .env(&r.env)
        .and_then(|e| e.traffic.clone())
        .ok_or_else(|| Error::usage(format!("{} has no traffic hook", r.env)))?;
    let out = run_hook(ctx, &hook, &traffic_vars(ctx, r, "traffic", weight, step, reason));
    if out.ok {
        Ok(())
    } else {
        Err(Error::runtime(format!(
            "traffic hook at {weight} % failed: {}",
            out.error.unwrap_or_default()
        )))
    }
}

/// `on_abort = "rollback"`: the environment's rollback hook (else deploy).
fn rollback_hook(ctx: &Ctx, r: &Rollout, reason: Option<&str>) -> Result<()> {
    let Some(hook) = ctx
        .config
        .env(&r.env)
        .and_then(|e| e.rollback.clone().or(e.deploy.clone()))
    else {
        return Ok(());
    };
    let out = run_hook(ctx, &hook, &traffic_vars(ctx, r, "rollback", 0, r.step, reason));
    if out.ok {
        Ok(())
    } else {
        Err(Error::runtime(format!(
            "rollback hook failed: {}",
            out.error.unwrap_or_default()
        )))
    }
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
