//! Deploy, promote and roll back: one core that gates, records
//! `deployment.started`, runs the hook, and records how it ended.

mod hook_run;
pub mod outputs;
mod start;

use crate::domain::{Action, DeploymentStatus, Release};
use crate::error::{Error, Result};
use crate::exec::{self, CancelToken, HookEvent};
use crate::ledger::bodies::DeploymentFinished;

use super::plan::{self, Plan, Request};
use super::{policy, Ctx};
pub use hook_run::hook_env;

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub reason: Option<String>,
    /// Override failing gates, and take over a live lease of another
    /// deployment (never an unleased running one); needs a reason.
    pub force: bool,
    /// Promote: refuse unless the source's current release is this vN.
    pub expect: Option<u64>,
}

/// What a running deployment reports to its front end.
#[derive(Debug, Clone)]
pub enum Progress {
    Started {
        env: String,
        number: u64,
        version: String,
        action: Action,
        steps: Vec<String>,
        multi_step: bool,
    },
    Hook(HookEvent),
}

pub use super::chain::{chain_to, promote_through};

pub fn deploy(
    ctx: &mut Ctx,
    env: &str,
    version: &str,
    opts: &Options,
    on: &mut dyn FnMut(Progress),
    cancel: &CancelToken,
) -> Result<Release> {
    run(
        ctx,
        Request::Deploy {
            env: env.into(),
            version: version.into(),
        },
        opts,
        on,
        cancel,
    )
}

pub fn promote(
    ctx: &mut Ctx,
    from: &str,
    to: &str,
    opts: &Options,
    on: &mut dyn FnMut(Progress),
    cancel: &CancelToken,
) -> Result<Release> {
    run(
        ctx,
        Request::Promote {
            from: from.into(),
            to: to.into(),
        },
        opts,
        on,
        cancel,
    )
}

pub fn rollback(
    ctx: &mut Ctx,
    env: &str,
    to: Option<u64>,
    opts: &Options,
    on: &mut dyn FnMut(Progress),
    cancel: &CancelToken,
) -> Result<Release> {
    run(ctx, Request::Rollback { env: env.into(), to }, opts, on, cancel)
}

fn run(
    ctx: &mut Ctx,
    req: Request,
    opts: &Options,
    on: &mut dyn FnMut(Progress),
    cancel: &CancelToken,
) -> Result<Release> {
    let env_cfg = ctx.env(req.env())?.clone();
    let action = req.action();
    let hook = plan::hook_for(&env_cfg, action).cloned().ok_or_else(|| {
        Error::usage(format!(
            "{} has no `deploy` hook in {}: relcon has nothing to run",
            env_cfg.name,
            ctx.config.path.display()
        ))
    })?;
    // Usage errors (wrong source, unknown build …) before anything else.
    plan::plan(ctx.store.view(), &ctx.config, &ctx.actor, ctx.now(), &req)?;
    for name in hook.secret_envs() {
        if std::env::var(name).map_or(true, |v| v.is_empty()) {
            return Err(Error::usage(format!(
                "{}'s hook needs the secret in ${name}, which is not set",
                env_cfg.name
            )));
        }
    }
    let reason = policy::reason(env_cfg.protected, &env_cfg.name, opts.force, opts.reason.as_deref())?;
    // require_healthy on the source: poll it now, before the transaction.
    let source_health = match &req {
        Request::Promote { from, .. } if ctx.config.env(from).is_some_and(|e| e.require_healthy) => {
            let board = crate::health::once::poll_blocking(&ctx.config, Some(std::slice::from_ref(from)));
            Some(super::health::gate_verdict(&ctx.config, &board, from))
        }
        _ => None,
    };
    let starter = start::Starter {
        config: ctx.config.clone(),
        actor: ctx.actor.clone(),
        now: ctx.now(),
        host: ctx.host.clone(),
        pid: std::process::id(),
        ttl: ctx.config.ledger.lease_ttl,
        multi_step: hook.multi_step,
        reason: reason.clone(),
        force: opts.force,
        expect: opts.expect,
    };
    // Gate check, the start record and the lease in one exclusive
    // transaction: two consoles racing into one env cannot both start.
    let mut planned: Option<Plan> = None;
    let started = ctx.store.transact(starter.now, &starter.actor, &mut |view| {
        let p = plan::plan_with_health(
            view,
            &starter.config,
            &starter.actor,
            starter.now,
            &req,
            source_health.clone(),
        )?;
        let events = starter.events(view, &p)?;
        planned = Some(p);
        Ok(events)
    })?;
    let p = planned.ok_or_else(|| Error::runtime("deployment plan missing"))?;
    let token = super::lease::token_of(&started).ok_or_else(|| Error::runtime("lease missing"))?;
    let heartbeat =
        super::lease::Heartbeat::start(ctx.reopen()?.store, p.env.clone(), token, starter.ttl, cancel.clone());
    on(Progress::Started {
        env: p.env.clone(),
        number: p.next_number,
        version: p.build.version.clone(),
        action,
        steps: p.steps.clone(),
        multi_step: hook.multi_step,
    });
    let (outcome, outputs) = hook_run::run_steps(ctx, &hook, &p, reason.as_deref(), cancel, on)?;
    drop(heartbeat);
    finish(ctx, &p, token, outcome, outputs)
}

/// Record how the hook ended — as the outcome when the lease still holds,
/// as a late result when it does not — and say so.
fn finish(
    ctx: &mut Ctx,
    p: &Plan,
    token: u64,
    outcome: exec::HookOutcome,
    outputs: std::collections::BTreeMap<String, String>,
) -> Result<Release> {
    let number = p.next_number;
    let status = if outcome.ok {
        DeploymentStatus::Succeeded
    } else {
        DeploymentStatus::Failed
    };
    let body = DeploymentFinished {
        number,
        error: outcome.error.clone(),
        output: Some(outcome.output.clone()),
        duration_ms: Some(outcome.duration.as_millis() as u64),
        resolved: false,
        reason: None,
    };
    let (now, actor) = (ctx.now(), ctx.actor.clone());
    let mut late = None;
    let recorded = ctx.store.transact(now, &actor, &mut |view| {
        let (fence, mut events) = super::lease::finish(view, &p.env, number, token, status, &body)?;
        if !outputs.is_empty() {
            let body = crate::ledger::bodies::DeploymentOutputs {
                number,
                outputs: outputs.clone(),
            };
            events.push(crate::ledger::NewEvent::new(
                crate::ledger::kind::DEPLOYMENT_OUTPUTS,
                Some(&p.env),
                &body,
            ));
        }
        late = match fence {
            super::lease::Finish::Fenced => None,
            // A later deployment (one that took over) decides what runs.
            super::lease::Finish::Late(why) => Some((why, view.last_release_number(&p.env)?.filter(|n| *n > number))),
        };
        Ok(events)
    });
    let env = &p.env;
    if let Err(e) = recorded {
        // The hook ran: the ledger must not be left saying "in progress"
        // with nobody told what really happened.
        return Err(Error::runtime(format!(
            "{env} v{number}: the hook {} but its result could not be recorded: {}. It will show as interrupted; once the ledger answers, settle it with `relcon resolve {env} {}`",
            if outcome.ok { "succeeded" } else { "failed" },
            e.plain(),
            status.as_str(),
        )));
    }
    if let Some((why, later)) = late {
        let then = match later {
            Some(n) => format!("v{n}, started after it, decides what {env} runs: nothing to settle"),
            None => format!("if the hook really went out, `relcon resolve {env} succeeded` settles it"),
        };
        return Err(Error::runtime(format!(
            "{env} v{number} {} after losing its lease ({why}): recorded as a late result; {env}'s current release is unchanged; {then}",
            status.as_str(),
        )));
    }
    if !outcome.ok {
        return Err(Error::HookFailed {
            env: env.clone(),
            number,
            message: outcome.error.unwrap_or_else(|| "hook failed".into()),
        });
    }
    ctx.store
        .view()
        .release(env, number)?
        .ok_or_else(|| Error::runtime("release vanished after recording"))
}
