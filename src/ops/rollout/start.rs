//! Starting a rollout: the gates of a promotion into the env (and, for a
//! version, that its source runs it), the first step at once.

use super::*;

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
            What::Flag(f) => {
                // The percentage only grows: starting below where the flag
                // is would take it away from people who have it now.
                let now_at = flag_state(view, &config, f, env)?;
                let first = plan.steps.first().map_or(0, |s| s.weight);
                if now_at.enabled && now_at.rollout > first {
                    return Err(Error::usage(format!(
                        "{f} in {env} is on for {} % already: rollout {} starts at {first} %, which would turn it off for the rest; set it to {first} % or less first, or use a plan that starts higher",
                        now_at.rollout, plan.name
                    )));
                }
                Target::Flag { flag: f.clone() }
            }
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
        let mut gates = crate::ops::plan::promotion_gates(view, &config, env, &version, &actor, now)?;
        gates.extend(source_gate(view, env, env_cfg.promote_from.as_deref(), what)?);
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

/// A version rolled out into an env that is promoted into carries its
/// source's build, as a promotion does ("the exact same build"): one the
/// source does not run is a gate a reason may override, not a silent
/// shortcut past the pipeline.
fn source_gate(
    view: &dyn StateView,
    env: &str,
    from: Option<&str>,
    what: &What,
) -> Result<Option<crate::domain::Gate>> {
    let (What::Version(v), Some(src)) = (what, from) else {
        return Ok(None);
    };
    let runs = view.current_release(src)?.map(|r| r.version);
    if runs.as_deref() == Some(v.as_str()) {
        return Ok(None);
    }
    Ok(Some(crate::domain::Gate {
        name: "source".into(),
        ok: false,
        detail: format!(
            "{src} runs {}, not {v}: a rollout into {env} carries {src}'s build, as a promotion does",
            runs.as_deref().unwrap_or("nothing yet")
        ),
        overridable: true,
    }))
}
