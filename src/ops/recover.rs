//! Crash safety: a deployment whose relcon process died is marked
//! interrupted on the next start, and a person settles it.

use crate::domain::{DeploymentStatus, LeaseState, Release};
use crate::error::{Error, Result};
use crate::ledger::bodies::DeploymentFinished;
use crate::ledger::{kind, NewEvent};

use super::identity::pid_alive;
use super::plan;
use super::Ctx;

/// Mark in-flight deployments whose holder is gone as interrupted: on any
/// machine, a lease that expired by the database clock; on this machine,
/// also a relcon process that no longer runs (no need to wait for the TTL).
/// A live holder elsewhere is left alone. A read-only ledger records nothing.
pub fn detect_interrupted(ctx: &mut Ctx) -> Result<Vec<Release>> {
    if ctx.read_only || ctx.store.is_read_only() {
        return Ok(Vec::new());
    }
    let mut marked = Vec::new();
    for r in ctx.store.view().all_in_flight()? {
        let lease = ctx.store.view().lease(&r.env)?;
        let why = match plan::lease_state(lease.as_ref(), r.number) {
            LeaseState::Expired { .. } => lease.as_ref().map(super::lease::expired_why),
            _ if orphaned(&r, &ctx.host) => Some(format!(
                "relcon process {} on {} ended before the deployment finished",
                r.pid.unwrap_or(0),
                r.host.clone().unwrap_or_default()
            )),
            _ => None,
        };
        let Some(why) = why else { continue };
        let now = ctx.now();
        let actor = ctx.actor.clone();
        let (env, number) = (r.env.clone(), r.number);
        let written = ctx.store.transact(now, &actor, &mut |view| {
            // Another console may have marked it first.
            match view.release(&env, number)? {
                Some(cur) if cur.status == DeploymentStatus::Started => {
                    Ok(super::lease::end_holder(&cur, view.lease(&env)?.as_ref(), &why))
                }
                _ => Ok(vec![]),
            }
        })?;
        if !written.is_empty() {
            marked.push(r);
        }
    }
    Ok(marked)
}

/// A deployment still marked started whose relcon process is gone (run on
/// `host`, its pid not running). A read-only viewer shows it as
/// interrupted without recording anything.
pub fn orphaned(r: &Release, host: &str) -> bool {
    r.host.as_deref() == Some(host) && r.pid.is_some_and(|p| p != std::process::id() && !pid_alive(p))
}

/// `relcon resolve ENV succeeded|failed`: settle an interrupted deployment,
/// e.g. after health shows the version did (or did not) go out.
pub fn resolve(ctx: &mut Ctx, env: &str, succeeded: bool, reason: Option<String>) -> Result<Release> {
    ctx.env(env)?;
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let env_s = env.to_string();
    let mut number = 0;
    ctx.store.transact(now, &actor, &mut |view| {
        let r = view
            .interrupted(&env_s)?
            .ok_or_else(|| Error::usage(format!("{env_s} has no interrupted deployment to resolve")))?;
        number = r.number;
        let body = DeploymentFinished {
            number: r.number,
            error: if succeeded {
                None
            } else {
                Some(format!("marked failed by {actor}"))
            },
            output: None,
            duration_ms: None,
            resolved: true,
            reason: reason.clone(),
        };
        let k = if succeeded {
            kind::DEPLOYMENT_SUCCEEDED
        } else {
            kind::DEPLOYMENT_FAILED
        };
        Ok(vec![NewEvent::new(k, Some(&env_s), &body)])
    })?;
    ctx.store
        .view()
        .release(env, number)?
        .ok_or_else(|| Error::runtime("release vanished after resolving"))
}
