//! The hooks a rollout runs: `traffic` (a weight to the router) and, on
//! an abort with `on_abort = "rollback"`, the environment's rollback hook;
//! each gets every variable a deploy hook does.

use super::*;

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
