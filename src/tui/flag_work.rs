//! Flag work on the backend: what a change would do (before → after and
//! the `flag_approvals` gate), and running it through `ops::flags`.

use super::backend::one_line;
use super::event::{FlagOp, FlagPlan};
use crate::config::FlagState;
use crate::domain::Gate;
use crate::ops::flags::{self, Change};
use crate::ops::Ctx;

/// The state a change leads to, from the state now (and the one before a kill).
fn after(
    before: &FlagState,
    killed_from: Option<&FlagState>,
    op: &FlagOp,
    flag: &str,
    env: &str,
) -> Result<FlagState, String> {
    match op {
        FlagOp::Set { switch, add, remove } => {
            let change = Change {
                switch: *switch,
                add_targets: add.clone(),
                remove_targets: remove.clone(),
            };
            Ok(flags::apply_change(before, &change))
        }
        FlagOp::Kill => Ok(FlagState {
            enabled: false,
            rollout: 0,
            targets: before.targets.clone(),
        }),
        FlagOp::Restore => killed_from
            .cloned()
            .ok_or_else(|| format!("{flag} is not killed in {env}: nothing to restore")),
    }
}

/// Before → after and the approvals gate, as `ops::flags` will judge them.
pub fn plan(ctx: &Ctx, env: &str, flag: &str, op: &FlagOp) -> Result<FlagPlan, String> {
    let view = ctx.store.view();
    let row = flags::resolve(view, &ctx.config, flag, env).map_err(|e| super::backend::plain(&e))?;
    let env_cfg = ctx.env(env).map_err(|e| super::backend::plain(&e))?;
    let before = FlagState {
        enabled: row.enabled,
        rollout: row.rollout,
        targets: row.targets.clone(),
    };
    let killed_from = view.flag_record(flag, env).ok().flatten().and_then(|r| r.killed_from);
    let after = after(&before, killed_from.as_ref(), op, flag, env)?;
    if after == before && matches!(op, FlagOp::Set { .. }) {
        return Err(format!("{flag} in {env} is already {}", crate::flags::describe(&after)));
    }
    let mut gates = Vec::new();
    // The kill switch is the emergency path: never gated.
    if *op != FlagOp::Kill && env_cfg.flag_approvals > 0 {
        let subject = flags::approval_subject(flag, &after);
        let mut by: Vec<String> = view
            .approvers(env, &subject)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a != &ctx.actor)
            .collect();
        by.dedup();
        let need = env_cfg.flag_approvals;
        let have = by.len() as u32;
        let who = if by.is_empty() {
            String::new()
        } else {
            format!(": {}", by.join(", "))
        };
        gates.push(Gate {
            name: "approvals".into(),
            ok: have >= need,
            detail: format!("{have}/{need} approvals of {subject}{who}"),
            overridable: true,
        });
    }
    Ok(FlagPlan {
        env: env.into(),
        flag: flag.into(),
        description: row.description,
        before,
        after,
        gates,
    })
}

/// Run a flag change; the message names the new state and any warning.
pub fn run(
    ctx: &mut Ctx,
    env: &str,
    flag: &str,
    op: &FlagOp,
    reason: Option<String>,
    force: bool,
) -> Result<String, String> {
    let done = match op {
        FlagOp::Set { switch, add, remove } => {
            let change = Change {
                switch: *switch,
                add_targets: add.clone(),
                remove_targets: remove.clone(),
            };
            flags::set(ctx, env, flag, &change, reason, force)
        }
        FlagOp::Kill => flags::kill(ctx, env, flag, reason),
        FlagOp::Restore => flags::restore(ctx, env, flag, reason, force),
    }
    .map_err(|e| one_line(&e))?;
    let targets = if done.row.targets.is_empty() {
        String::new()
    } else {
        format!(" (targets {})", done.row.targets.join(","))
    };
    let mut msg = format!("✔ {flag} in {env} is now {}{targets}", done.row.state);
    for w in done.warnings.iter().chain(done.hook_failed.iter()) {
        msg.push_str(&format!(" — ▲ {w}"));
    }
    Ok(msg)
}

/// `flag eval`: the variant a key gets, and why.
pub fn eval(ctx: &Ctx, env: &str, flag: &str, key: &str) -> Result<String, String> {
    let r = flags::eval(ctx, env, flag, key).map_err(|e| one_line(&e))?;
    Ok(format!("{flag} in {env} for key {key}: {} — {}", r.variant, r.reason))
}
