//! What an action would do and which gates stand in its way. Computed from
//! a StateView, so the same code answers the TUI dialog, `status`, and the
//! final check inside the write transaction.

use chrono::{DateTime, Utc};

use crate::config::{Config, Environment, Hook};
use crate::domain::gates::{self, ChecklistProgress, Gate, GateInput};
use crate::domain::release::default_rollback_target;
use crate::domain::{Action, Build, DeploymentStatus, InFlight, LeaseState, Release};
use crate::error::{Error, Result};
use crate::ledger::StateView;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Deploy { env: String, version: String },
    Promote { from: String, to: String },
    Rollback { env: String, to: Option<u64> },
}

impl Request {
    pub fn env(&self) -> &str {
        match self {
            Request::Deploy { env, .. } | Request::Rollback { env, .. } => env,
            Request::Promote { to, .. } => to,
        }
    }
    pub fn action(&self) -> Action {
        match self {
            Request::Deploy { .. } => Action::Deploy,
            Request::Promote { .. } => Action::Promote,
            Request::Rollback { .. } => Action::Rollback,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub action: Action,
    pub env: String,
    pub from_env: Option<String>,
    /// The exact build that would be deployed.
    pub build: Build,
    /// Promote: the source env's current vN. Rollback: the target vN.
    pub source_release: Option<u64>,
    pub target_release: Option<u64>,
    /// The env's current release before the action.
    pub current: Option<Release>,
    pub next_number: u64,
    pub gates: Vec<Gate>,
    /// Names of the hook's steps, in order.
    pub steps: Vec<String>,
    pub protected: bool,
}

/// The hook an action runs: `rollback` if set for a rollback, else `deploy`.
pub fn hook_for(env: &Environment, action: Action) -> Option<&Hook> {
    match action {
        Action::Rollback => env.rollback.as_ref().or(env.deploy.as_ref()),
        _ => env.deploy.as_ref(),
    }
}

/// Progress of the `before` checklists of `env` for `version`.
pub fn before_checklists(
    view: &dyn StateView,
    config: &Config,
    env: &Environment,
    version: &str,
) -> Result<Vec<ChecklistProgress>> {
    lists_progress(view, config, &env.name, &env.checklists_before, version)
}

pub fn lists_progress(
    view: &dyn StateView,
    config: &Config,
    env: &str,
    names: &[String],
    version: &str,
) -> Result<Vec<ChecklistProgress>> {
    let mut out = Vec::new();
    for name in names {
        let total = config.checklists.get(name).map_or(0, |c| c.items.len());
        let ticks = view.checklist_ticks(env, name, version)?;
        let done = ticks
            .iter()
            .filter(|t| (t.item as usize) >= 1 && (t.item as usize) <= total)
            .count();
        out.push(ChecklistProgress {
            name: name.clone(),
            done,
            total,
        });
    }
    Ok(out)
}

/// How alive the holder of deployment `number` is, by its lease.
pub fn lease_state(lease: Option<&crate::ledger::Lease>, number: u64) -> LeaseState {
    match lease {
        Some(l) if l.number == Some(number) && l.expired() => LeaseState::Expired {
            ago_ms: -l.remaining_ms(),
        },
        Some(l) if l.number == Some(number) => LeaseState::Live {
            remaining_ms: l.remaining_ms(),
        },
        _ => LeaseState::Unleased,
    }
}

pub fn plan(view: &dyn StateView, config: &Config, actor: &str, now: DateTime<Utc>, req: &Request) -> Result<Plan> {
    plan_with_health(view, config, actor, now, req, None)
}

/// `source_health`: for a promotion from an env with `require_healthy`,
/// whether it is healthy and why (from a poll or the console's health board).
pub fn plan_with_health(
    view: &dyn StateView,
    config: &Config,
    actor: &str,
    now: DateTime<Utc>,
    req: &Request,
    source_health: Option<(bool, String)>,
) -> Result<Plan> {
    let env_name = req.env();
    let env = known_env(config, env_name)?;
    let current = view.current_release(env_name)?;
    let what = match req {
        Request::Deploy { version, .. } => Source::deploy(view, version)?,
        Request::Promote { from, to } => Source::promote(view, config, env, from, to)?,
        Request::Rollback { to, .. } => Source::rollback(view, env_name, current.as_ref(), *to)?,
    };
    let action = req.action();
    // Health counts only for a promotion out of an env that requires it.
    let source_health = match (&what.from_env, &source_health) {
        (Some(f), Some((ok, detail))) if config.env(f).is_some_and(|e| e.require_healthy) => {
            Some((f.as_str(), *ok, detail.as_str()))
        }
        _ => None,
    };
    let gates = gates_for(
        view,
        config,
        env,
        action,
        &what.build.version,
        actor,
        now,
        source_health,
    )?;
    let steps = hook_for(env, action)
        .map(|h| h.steps.iter().map(|s| s.name.clone()).collect())
        .unwrap_or_default();
    Ok(Plan {
        action,
        env: env_name.to_string(),
        from_env: what.from_env,
        build: what.build,
        source_release: what.source_release,
        target_release: what.target_release,
        current,
        next_number: crate::domain::release::next_release_number(view.last_release_number(env_name)?),
        gates,
        steps,
        protected: env.protected,
    })
}

/// The gates of a promotion of `version` into `env`, as of `now`: a
/// rollout starts behind the same ones.
pub fn promotion_gates(
    view: &dyn StateView,
    config: &Config,
    env: &str,
    version: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Gate>> {
    let env = known_env(config, env)?;
    gates_for(view, config, env, Action::Promote, version, actor, now, None)
}

fn known_env<'c>(config: &'c Config, name: &str) -> Result<&'c Environment> {
    config.env(name).ok_or_else(|| {
        Error::usage(format!(
            "unknown environment {name:?}: expected one of {}",
            config.env_names().join(", ")
        ))
    })
}

/// The build an action deploys, and where it comes from.
struct Source {
    build: Build,
    from_env: Option<String>,
    source_release: Option<u64>,
    target_release: Option<u64>,
}

impl Source {
    fn deploy(view: &dyn StateView, version: &str) -> Result<Source> {
        let build = view.build(version)?.ok_or_else(|| {
            Error::usage(format!(
                "build {version} is not registered: run `relcon release register {version} --commit SHA` first"
            ))
        })?;
        Ok(Source {
            build,
            from_env: None,
            source_release: None,
            target_release: None,
        })
    }

    /// The exact build current in `from`, which must be `to`'s source.
    fn promote(view: &dyn StateView, config: &Config, env: &Environment, from: &str, to: &str) -> Result<Source> {
        known_env(config, from)?;
        match &env.promote_from {
            Some(f) if f == from => {}
            Some(f) => return Err(Error::usage(format!("{to} promotes from {f}, not from {from}"))),
            None => {
                return Err(Error::usage(format!(
                    "{to} has no promote_from: it is the first stage; use `relcon deploy {to} VERSION`"
                )))
            }
        }
        let src = view
            .current_release(from)?
            .ok_or_else(|| Error::usage(format!("{from} has no current release to promote")))?;
        let build = view.build(&src.version)?.ok_or_else(|| {
            Error::runtime(format!(
                "build {} of {from} v{} is not registered",
                src.version, src.number
            ))
        })?;
        Ok(Source {
            build,
            from_env: Some(from.to_string()),
            source_release: Some(src.number),
            target_release: None,
        })
    }

    /// `to`, or else the newest earlier release with a different build.
    fn rollback(view: &dyn StateView, env: &str, current: Option<&Release>, to: Option<u64>) -> Result<Source> {
        let cur = current.ok_or_else(|| Error::usage(format!("{env} has no current release to roll back from")))?;
        let target = match to {
            Some(n) => {
                let r = view
                    .release(env, n)?
                    .ok_or_else(|| Error::usage(format!("{env} has no release v{n}")))?;
                if r.status != DeploymentStatus::Succeeded {
                    return Err(Error::usage(format!(
                        "{env} v{n} did not succeed ({}); pick a release that ran",
                        r.status.as_str()
                    )));
                }
                if r.number == cur.number {
                    return Err(Error::usage(format!("v{n} is {env}'s current release")));
                }
                r
            }
            None => {
                let recent = view.history(env, 0, 500)?;
                default_rollback_target(&recent, cur).cloned().ok_or_else(|| {
                    Error::usage(format!(
                        "{env} has no earlier release with a different build to roll back to"
                    ))
                })?
            }
        };
        let build = view
            .build(&target.version)?
            .ok_or_else(|| Error::runtime(format!("build {} is not registered", target.version)))?;
        Ok(Source {
            build,
            from_env: None,
            source_release: Some(target.number),
            target_release: Some(target.number),
        })
    }
}

/// Every gate for `action` of `version` into `env`, as of `now`.
#[allow(clippy::too_many_arguments)]
fn gates_for(
    view: &dyn StateView,
    config: &Config,
    env: &Environment,
    action: Action,
    version: &str,
    actor: &str,
    now: DateTime<Utc>,
    source_health: Option<(&str, bool, &str)>,
) -> Result<Vec<Gate>> {
    let running = view.in_flight(&env.name)?;
    let lease = match &running {
        Some(r) => lease_state(view.lease(&env.name)?.as_ref(), r.number),
        None => LeaseState::Unleased,
    };
    let interrupted = view.interrupted(&env.name)?;
    let approvers = view.approvers(&env.name, version)?;
    let hold = view.hold(&env.name)?;
    let checklists = before_checklists(view, config, env, version)?;
    let mut all = gates::evaluate(&GateInput {
        action,
        env: &env.name,
        now,
        actor,
        protected: env.protected,
        running: running.as_ref().map(|r| InFlight {
            number: r.number,
            actor: r.actor.as_str(),
            lease,
        }),
        interrupted: interrupted.as_ref().map(|r| r.number),
        approvals_required: env.approvals,
        approvers: &approvers,
        freezes: &env.freeze,
        hold: hold.as_ref(),
        checklists: &checklists,
        source_health,
    });
    all.extend(rollout_gate(view, &env.name, action)?);
    Ok(all)
}

/// A traffic rollout moving `env` to another build: a deployment meanwhile
/// would be overwritten when the rollout completes (recorded as the current
/// release), so nothing overrides this but ending it. A rollback, the way
/// out, is not stopped.
fn rollout_gate(view: &dyn StateView, env: &str, action: Action) -> Result<Option<Gate>> {
    if action == Action::Rollback {
        return Ok(None);
    }
    let r = super::rollout::active(view, env)?
        .filter(|r| matches!(r.target, crate::domain::rollout::Target::Traffic { .. }));
    Ok(r.map(|r| Gate {
        name: "rollout".into(),
        ok: false,
        detail: format!(
            "rollout {} of {} is {} in {env} (step {}/{}, {} %): abort it (relcon rollout abort {env}) or let it finish",
            r.plan.name,
            r.target.describe(),
            r.phase.as_str(),
            r.step,
            r.steps(),
            r.weight
        ),
        overridable: false,
    }))
}
