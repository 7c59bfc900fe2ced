//! Flag work on the backend: what a change would do (before → after and
//! the `flag_approvals` gate), and running it through `ops::flags`.

use super::backend::one_line;
use super::event::{FlagOp, FlagPlan};
use crate::ops::flags::{self, Change};
use crate::ops::Ctx;

/// The engine's operation for the console's.
fn op_of(op: &FlagOp) -> flags::FlagOp {
    match op {
        FlagOp::Set { switch, add, remove } => flags::FlagOp::Set(Change {
            switch: *switch,
            add_targets: add.clone(),
            remove_targets: remove.clone(),
        }),
        FlagOp::Kill => flags::FlagOp::Kill,
        FlagOp::Restore => flags::FlagOp::Restore,
    }
}

/// Before → after and the approvals gate, exactly as `ops::flags` judges them.
pub fn plan(ctx: &Ctx, env: &str, flag: &str, op: &FlagOp) -> Result<FlagPlan, String> {
    let p = flags::plan(ctx.store.view(), &ctx.config, &ctx.actor, env, flag, &op_of(op))
        .map_err(|e| super::backend::plain(&e))?;
    Ok(FlagPlan {
        env: p.env,
        flag: p.flag,
        description: p.description,
        before: p.before,
        after: p.after,
        gates: p.gates,
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
    let done = flags::apply(ctx, env, flag, &op_of(op), reason, force).map_err(|e| one_line(&e))?;
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
