//! Deploy, promote and roll back: one core that gates, records
//! `deployment.started`, runs the hook, and records how it ended.

use std::time::Instant;

use crate::domain::{Action, DeploymentStatus, LeaseState, Release};
use crate::error::{Error, Result};
use crate::exec::{self, CancelToken, HookEvent};
use crate::ledger::bodies::*;
use crate::ledger::{kind, NewEvent};

use super::plan::{self, Plan, Request};
use super::Ctx;

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
    let reason = opts
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if env_cfg.protected && reason.is_none() {
        return Err(Error::usage(format!(
            "{} is protected: give a reason (--reason TEXT)",
            env_cfg.name
        )));
    }
    if opts.force && reason.is_none() {
        return Err(Error::usage(
            "--force needs a reason (--reason TEXT); the override is recorded",
        ));
    }
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let pid = std::process::id();
    let host = ctx.host.clone();
    let config = ctx.config.clone();
    let mut planned: Option<Plan> = None;
    // require_healthy on the source: poll it now, before the transaction.
    let source_health = match &req {
        Request::Promote { from, .. } if config.env(from).is_some_and(|e| e.require_healthy) => {
            let board = crate::health::once::poll_blocking(&config, Some(std::slice::from_ref(from)));
            Some(super::health::gate_verdict(&config, &board, from))
        }
        _ => None,
    };

    let ttl = ctx.config.ledger.lease_ttl;
    // Gate check, the start record and the lease in one exclusive
    // transaction: two consoles racing into one env cannot both start.
    let started = ctx.store.transact(now, &actor, &mut |view| {
        let p = plan::plan_with_health(view, &config, &actor, now, &req, source_health.clone())?;
        if let (Some(want), Some(have)) = (opts.expect, p.source_release) {
            if want != have {
                let from = p.from_env.clone().unwrap_or_default();
                return Err(Error::Refused {
                    action: action.as_str().into(),
                    env: p.env.clone(),
                    gates: vec![crate::domain::Gate {
                        name: "expect".into(),
                        ok: false,
                        detail: format!(
                            "{from} is now at v{have} ({}), not v{want} as expected",
                            p.build.version
                        ),
                        overridable: false,
                    }],
                });
            }
        }
        let failing: Vec<crate::domain::Gate> = p.failing().into_iter().cloned().collect();
        let blocking: Vec<_> = failing
            .iter()
            .filter(|g| !g.overridable || !opts.force)
            .cloned()
            .collect();
        if !blocking.is_empty() {
            // List every failing gate, not only the ones --force could not pass.
            return Err(Error::Refused {
                action: action.as_str().into(),
                env: p.env.clone(),
                gates: failing,
            });
        }
        let mut events = Vec::new();
        // A holder that went silent past its lease, or one taken over with
        // --force: its deployment ends here, in the same transaction.
        let mut took_over = None;
        if let Some(r) = view.in_flight(&p.env)? {
            let lease = view.lease(&p.env)?;
            match plan::lease_state(lease.as_ref(), r.number) {
                LeaseState::Expired { .. } => {
                    let why = lease.as_ref().map(super::lease::expired_why).unwrap_or_default();
                    events.extend(super::lease::end_holder(&r, lease.as_ref(), &why));
                }
                LeaseState::Live { .. } => {
                    took_over = lease.as_ref().map(|l| l.token);
                    let why = format!("taken over by {actor}: {}", reason.as_deref().unwrap_or_default());
                    events.extend(super::lease::end_holder(&r, lease.as_ref(), &why));
                }
                LeaseState::Unleased => {}
            }
        }
        if !failing.is_empty() {
            events.push(NewEvent::new(
                kind::GATE_OVERRIDDEN,
                Some(&p.env),
                GateOverridden {
                    action,
                    version: p.build.version.clone(),
                    gates: failing
                        .iter()
                        .map(|g| OverriddenGate {
                            name: g.name.clone(),
                            detail: g.detail.clone(),
                        })
                        .collect(),
                    reason: reason.clone().unwrap_or_default(),
                },
            ));
        }
        events.push(NewEvent::new(
            kind::DEPLOYMENT_STARTED,
            Some(&p.env),
            DeploymentStarted {
                number: p.next_number,
                version: p.build.version.clone(),
                commit: p.build.commit.clone(),
                artifact: p.build.artifact.clone(),
                action,
                from_env: p.from_env.clone(),
                target_release: p.target_release,
                reason: reason.clone(),
                pid: Some(pid),
                host: Some(host.clone()),
                steps: if hook.multi_step { p.steps.clone() } else { Vec::new() },
            },
        ));
        events.push(super::lease::acquire(
            view,
            &p.env,
            &super::lease::Holder {
                number: p.next_number,
                reason: reason.as_deref(),
                host: &host,
                pid,
                ttl,
            },
            took_over,
        )?);
        if action == Action::Rollback {
            // Hold the env so automation cannot re-ship the bad build.
            events.push(NewEvent::new(
                kind::HOLD_SET,
                Some(&p.env),
                HoldSet {
                    reason: Some(format!(
                        "rollback to v{}{}",
                        p.target_release.unwrap_or(0),
                        reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
                    )),
                    release: Some(p.next_number),
                },
            ));
        }
        planned = Some(p);
        Ok(events)
    })?;
    let p = planned.ok_or_else(|| Error::runtime("deployment plan missing"))?;
    let number = p.next_number;
    let token = super::lease::token_of(&started).ok_or_else(|| Error::runtime("lease missing"))?;
    let heartbeat = super::lease::Heartbeat::start(ctx.reopen()?.store, p.env.clone(), token, ttl, cancel.clone());
    on(Progress::Started {
        env: p.env.clone(),
        number,
        version: p.build.version.clone(),
        action,
        steps: p.steps.clone(),
        multi_step: hook.multi_step,
    });

    let vars = hook_env(ctx, &p, reason.as_deref());
    let redactor = ctx.redactor();
    let started = Instant::now();
    let multi = hook.multi_step;
    // Each step's output is already bounded; join them as they are.
    let mut combined = String::new();
    let mut failure: Option<String> = None;
    // Step by step, so the ledger learns each step boundary while the
    // deployment is still going and other consoles can show it.
    for step in &hook.steps {
        if multi {
            record_step(ctx, &p.env, number, &step.name, "running")?;
        }
        let one = crate::config::Hook {
            steps: vec![step.clone()],
            multi_step: multi,
        };
        let outcome = exec::run_hook(&one, &config.dir, &vars, &redactor, cancel, &mut |ev| {
            on(Progress::Hook(ev))
        });
        combined.push_str(&outcome.output);
        if multi {
            record_step(
                ctx,
                &p.env,
                number,
                &step.name,
                if outcome.ok { "done" } else { "failed" },
            )?;
        }
        if !outcome.ok {
            failure = Some(outcome.error.unwrap_or_else(|| "hook failed".into()));
            break;
        }
    }
    let outcome = exec::HookOutcome {
        ok: failure.is_none(),
        error: failure,
        output: combined,
        duration: started.elapsed(),
    };
    let duration_ms = started.elapsed().as_millis() as u64;

    let finish_status = if outcome.ok {
        DeploymentStatus::Succeeded
    } else {
        DeploymentStatus::Failed
    };
    let body = DeploymentFinished {
        number,
        error: outcome.error.clone(),
        output: Some(outcome.output.clone()),
        duration_ms: Some(duration_ms),
        resolved: false,
        reason: None,
    };
    drop(heartbeat);
    let env_name = p.env.clone();
    let done_at = ctx.now();
    let mut late = None;
    ctx.store.transact(done_at, &actor, &mut |view| {
        let (fence, events) = super::lease::finish(view, &env_name, number, token, finish_status, &body)?;
        late = match fence {
            super::lease::Finish::Fenced => None,
            super::lease::Finish::Late(why) => Some(why),
        };
        Ok(events)
    })?;
    if let Some(why) = late {
        return Err(Error::runtime(format!(
            "{} v{number} {} after losing its lease ({why}): recorded as a late result; {}'s current release is unchanged. If the hook really went out, `relcon resolve {} succeeded` settles it",
            p.env,
            finish_status.as_str(),
            p.env,
            p.env
        )));
    }
    if !outcome.ok {
        return Err(Error::HookFailed {
            env: p.env.clone(),
            number,
            message: outcome.error.unwrap_or_else(|| "hook failed".into()),
        });
    }
    ctx.store
        .view()
        .release(&p.env, number)?
        .ok_or_else(|| Error::runtime("release vanished after recording"))
}

fn record_step(ctx: &mut Ctx, env: &str, number: u64, step: &str, state: &str) -> Result<()> {
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let body = DeploymentStep {
        number,
        step: step.to_string(),
        state: state.to_string(),
    };
    ctx.store.transact(now, &actor, &mut |_| {
        Ok(vec![NewEvent::new(kind::DEPLOYMENT_STEP, Some(env), &body)])
    })?;
    Ok(())
}

/// The RELCON_* variables a hook receives. Every one is always set (empty
/// when it does not apply), so `set -u` scripts work.
pub fn hook_env(ctx: &Ctx, p: &Plan, reason: Option<&str>) -> Vec<(String, String)> {
    let env_url = ctx.config.env(&p.env).and_then(|e| e.url.clone()).unwrap_or_default();
    let pairs = [
        ("RELCON_ACTION", p.action.as_str().to_string()),
        ("RELCON_PROJECT", ctx.config.project.name.clone()),
        ("RELCON_ENV", p.env.clone()),
        ("RELCON_ENV_URL", env_url),
        ("RELCON_FROM_ENV", p.from_env.clone().unwrap_or_default()),
        ("RELCON_VERSION", p.build.version.clone()),
        ("RELCON_COMMIT", p.build.commit.clone()),
        ("RELCON_ARTIFACT", p.build.artifact.clone().unwrap_or_default()),
        ("RELCON_RELEASE", p.next_number.to_string()),
        (
            "RELCON_TARGET_RELEASE",
            p.target_release.map(|n| n.to_string()).unwrap_or_default(),
        ),
        ("RELCON_ACTOR", ctx.actor.clone()),
        ("RELCON_REASON", reason.unwrap_or_default().to_string()),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
