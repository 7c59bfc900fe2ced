//! Moving a rollout: a step forward, completion, abort, and the traffic
//! hook that carries a weight to the router.

use super::*;

/// Move `r` to step `to`: exactly once, by the holder of `env`'s lease,
/// and only if `r` is still at the step before. False when someone else
/// holds the lease or moved it first.
pub(super) fn advance_to(
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
        if let Err(e) = traffic(ctx, r, spec.weight, to, reason.as_deref()) {
            return Err(held(ctx, r, e));
        }
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
pub(super) fn complete(ctx: &mut Ctx, leases: &mut Leases, r: &Rollout) -> Result<bool> {
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
pub(super) fn release_events(
    view: &dyn StateView,
    r: &Rollout,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<NewEvent>> {
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
pub(super) fn abort(
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

/// The router did not take a step's weight: the rollout waits for a person
/// (paused, the hook's words recorded as the reason) instead of a driver
/// running the hook again every second; the error exits 4.
fn held(ctx: &mut Ctx, r: &Rollout, e: Error) -> Error {
    let message = match &e {
        Error::Runtime(m) => m.clone(),
        other => other.plain(),
    };
    let paused = note(ctx, r, Act::Pause, Some(message.clone()));
    let then = match paused {
        Ok(()) => format!(
            "; the rollout is paused at {} %: fix the hook, then `relcon rollout resume {}` (or abort it)",
            r.weight, r.env
        ),
        Err(p) => format!("; pausing the rollout failed too: {}", p.plain()),
    };
    Error::RolloutHookFailed {
        env: r.env.clone(),
        rollout: r.plan.name.clone(),
        message: format!("{message}{then}"),
    }
}

/// The variables a traffic (or rollback) hook gets, each always set.
pub(super) fn traffic_vars(
    ctx: &Ctx,
    r: &Rollout,
    action: &str,
    weight: u32,
    step: u32,
    reason: Option<&str>,
) -> Vec<(String, String)> {
    let (mut version, mut previous) = match &r.target {
        Target::Traffic { version, previous } => (version.clone(), previous.clone().unwrap_or_default()),
        Target::Flag { .. } => (String::new(), String::new()),
    };
    // A rollback goes back to what ran before: its build is the one to
    // deploy (as for every rollback hook), the rollout's the one left.
    let mut target_release = String::new();
    if action == "rollback" {
        std::mem::swap(&mut version, &mut previous);
        if let Ok(Some(cur)) = ctx.store.view().current_release(&r.env) {
            target_release = cur.number.to_string();
        }
    }
    let build = ctx.store.view().build(&version).ok().flatten();
    let pairs = [
        ("RELCON_ACTION", action.to_string()),
        ("RELCON_PROJECT", ctx.config.project.name.clone()),
        ("RELCON_ENV", r.env.clone()),
        (
            "RELCON_ENV_URL",
            ctx.config.env(&r.env).and_then(|e| e.url.clone()).unwrap_or_default(),
        ),
        ("RELCON_FROM_ENV", String::new()),
        ("RELCON_VERSION", version),
        ("RELCON_PREVIOUS_VERSION", previous),
        // No release is recorded for a weight: set, empty, for `set -u`.
        ("RELCON_RELEASE", String::new()),
        ("RELCON_TARGET_RELEASE", target_release),
        // What a deploy hook records there is not kept for a weight.
        ("RELCON_OUTPUT", "/dev/null".to_string()),
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

pub(super) fn run_hook(ctx: &Ctx, hook: &crate::config::Hook, vars: &[(String, String)]) -> exec::HookOutcome {
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
pub(super) fn traffic(ctx: &Ctx, r: &Rollout, weight: u32, step: u32, reason: Option<&str>) -> Result<()> {
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
            "traffic hook at {weight} % failed: {}{}",
            out.error.clone().unwrap_or_default(),
            last_words(&out)
        )))
    }
}

/// `on_abort = "rollback"`: the environment's rollback hook (else deploy).
pub(super) fn rollback_hook(ctx: &Ctx, r: &Rollout, reason: Option<&str>) -> Result<()> {
    let Some(hook) = ctx
        .config
        .env(&r.env)
        .and_then(|e| e.rollback.clone().or(e.deploy.clone()))
    else {
        return Ok(());
    };
    // Nothing ran before the rollout: weight 0 is all there is to go back to.
    if matches!(&r.target, Target::Traffic { previous: None, .. }) {
        return Ok(());
    }
    let out = run_hook(ctx, &hook, &traffic_vars(ctx, r, "rollback", 0, r.step, reason));
    if out.ok {
        Ok(())
    } else {
        Err(Error::runtime(format!(
            "rollback hook failed: {}{}",
            out.error.clone().unwrap_or_default(),
            last_words(&out)
        )))
    }
}

/// The hook's last line of output, for the error that reports it.
fn last_words(out: &exec::HookOutcome) -> String {
    match out.output.lines().rev().map(str::trim).find(|l| !l.is_empty()) {
        Some(l) => format!(" (its last line: {l})"),
        None => String::new(),
    }
}
