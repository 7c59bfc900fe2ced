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
