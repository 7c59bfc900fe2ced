//! Holds: a rollback holds its env; `relcon hold clear` lets promotions in again.

use crate::error::{Error, Result};
use crate::ledger::bodies::HoldCleared;
use crate::ledger::{kind, NewEvent};

use super::Ctx;

pub fn clear(ctx: &mut Ctx, env: &str, reason: Option<String>) -> Result<()> {
    ctx.env(env)?;
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let env_s = env.to_string();
    let body = HoldCleared { reason };
    ctx.store.transact(now, &actor, &mut |view| {
        if view.hold(&env_s)?.is_none() {
            return Err(Error::usage(format!("{env_s} has no hold to clear")));
        }
        Ok(vec![NewEvent::new(kind::HOLD_CLEARED, Some(&env_s), &body)])
    })?;
    Ok(())
}
