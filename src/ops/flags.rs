//! Feature flags: set, kill, restore, evaluate and export. A change is a
//! `flag.changed` event; the ledger's state wins over the config's initial
//! state once a change exists. Exports and `on_change` run after the record
//! (exports are projections of it: see `exports`).

use serde::Serialize;
use std::path::PathBuf;

use crate::domain::gates::Gate;
use crate::domain::incident::Remedy;
use crate::domain::{FlagChangeKind, FlagState};
use crate::error::{Error, Result};
use crate::exec::{self, CancelToken};
use crate::flags::describe;
use crate::ledger::bodies::{FlagChanged, GatedAction};
use crate::ledger::{kind, NewEvent, StateView};

pub use super::flag_change::*;
pub use super::flag_state::*;
use super::Ctx;

/// What happened after a change was recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub row: FlagListRow,
    pub exported: Vec<PathBuf>,
    /// Export or on_change failures: the change itself is recorded.
    pub warnings: Vec<String>,
    pub hook_failed: Option<String>,
    /// The progressive rollout a kill ended (its name), if it drove the flag.
    pub ended_rollout: Option<String>,
}

/// `flag set`: gated by `flag_approvals` (approve `flag:NAME=STATE`) and a
/// reason in protected envs.
pub fn set(
    ctx: &mut Ctx,
    env: &str,
    flag: &str,
    change: &Change,
    reason: Option<String>,
    force: bool,
) -> Result<Changed> {
    apply(ctx, env, flag, &FlagOp::Set(change.clone()), reason, force)
}

/// The kill switch: off now, rollout 0, targets kept but inactive. Never
/// gated: like a rollback, it is the emergency path.
pub fn kill(ctx: &mut Ctx, env: &str, flag: &str, reason: Option<String>) -> Result<Changed> {
    apply(ctx, env, flag, &FlagOp::Kill, reason, false)
}

/// Back to the state before the kill.
pub fn restore(ctx: &mut Ctx, env: &str, flag: &str, reason: Option<String>, force: bool) -> Result<Changed> {
    apply(ctx, env, flag, &FlagOp::Restore, reason, force)
}

/// The approval subject for a flag change: `flag:NAME=STATE`.
pub fn approval_subject(flag: &str, after: &FlagState) -> String {
    format!("flag:{flag}={}", describe(after))
}

/// What a flag operation asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagOp {
    Set(Change),
    Kill,
    Restore,
}

impl FlagOp {
    pub fn kind(&self) -> FlagChangeKind {
        match self {
            FlagOp::Set(_) => FlagChangeKind::Set,
            FlagOp::Kill => FlagChangeKind::Kill,
            FlagOp::Restore => FlagChangeKind::Restore,
        }
    }
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }
}

/// Before → after and the gates, as the change will be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagPlan {
    pub env: String,
    pub flag: String,
    pub description: Option<String>,
    pub before: FlagState,
    pub after: FlagState,
    pub gates: Vec<Gate>,
    /// The rollout driving the flag there, which a kill ends (boxed: a
    /// plan travels in the UI's messages, and rarely carries one).
    pub ends_rollout: Option<Box<crate::domain::rollout::Rollout>>,
}

/// What `op` would do, from `view`: the dialog shows it, and the change
/// itself is judged by the same function inside its transaction.
pub fn plan(
    view: &dyn StateView,
    config: &crate::config::Config,
    actor: &str,
    env: &str,
    flag: &str,
    op: &FlagOp,
) -> Result<FlagPlan> {
    let env_cfg = config.env(env).ok_or_else(|| {
        Error::usage(format!(
            "unknown environment {env:?}: expected one of {}",
            config.env_names().join(", ")
        ))
    })?;
    let row = resolve(view, config, flag, env)?;
    let before = FlagState {
        enabled: row.enabled,
        rollout: row.rollout,
        targets: row.targets.clone(),
    };
    let after = match op {
        FlagOp::Set(c) => apply_change(&before, c),
        FlagOp::Kill => FlagState {
            enabled: false,
            rollout: 0,
            targets: before.targets.clone(),
        },
        FlagOp::Restore => view
            .flag_record(flag, env)?
            .and_then(|r| r.killed_from)
            .ok_or_else(|| Error::usage(format!("{flag} is not killed in {env}: nothing to restore")))?,
    };
    if after == before && matches!(op, FlagOp::Set(_)) {
        return Err(Error::usage(format!(
            "{flag} in {env} is already {}{}",
            describe(&after),
            targets_note(&after)
        )));
    }
    // A progressive rollout owns the flag's percentage there: a set by hand
    // would be undone by its next step (which only moves to the plan's
    // next weight, downward too). The kill stays the way out.
    if let (FlagOp::Set(_), Some(r)) = (op, super::rollout::driving(view, env, flag)?) {
        return Err(Error::usage(format!(
            "{flag} in {env} is driven by rollout {} (step {}/{}, {} %): its next step would undo a change by hand; `relcon rollout advance|pause|abort {env}` moves it, `relcon flag kill {env} {flag}` ends it",
            r.plan.name,
            r.step,
            r.steps(),
            r.weight
        )));
    }
    let mut gates = Vec::new();
    // The kill switch is the emergency path: never gated.
    if *op != FlagOp::Kill && env_cfg.flag_approvals > 0 {
        let subject = approval_subject(flag, &after);
        let mut by: Vec<String> = view
            .approvers(env, &subject)?
            .into_iter()
            .filter(|a| !crate::domain::gates::same_person(a, actor))
            .collect();
        by.sort_by_key(|a| a.to_lowercase());
        by.dedup_by(|a, b| crate::domain::gates::same_person(a, b));
        let (have, need) = (by.len() as u32, env_cfg.flag_approvals);
        let who = if by.is_empty() {
            String::new()
        } else {
            format!(": {}", by.join(", "))
        };
        gates.push(Gate {
            name: "approvals".into(),
            ok: have >= need,
            detail: format!("{have}/{need} approvals of {subject}{who} (relcon approve {env} {subject})"),
            overridable: true,
        });
    }
    let ends_rollout = match op {
        FlagOp::Kill => super::rollout::driving(view, env, flag)?.map(Box::new),
        _ => None,
    };
    Ok(FlagPlan {
        env: env.into(),
        flag: flag.into(),
        description: row.description,
        before,
        after,
        gates,
        ends_rollout,
    })
}

/// Run a flag operation: checks, records, exports, runs `on_change`.
pub fn apply(
    ctx: &mut Ctx,
    env: &str,
    flag: &str,
    op: &FlagOp,
    reason: Option<String>,
    force: bool,
) -> Result<Changed> {
    ctx.writable()?;
    let env_cfg = ctx.env(env)?.clone();
    if !ctx.config.flags.contains_key(flag) {
        return Err(unknown_flag(&ctx.config, flag));
    }
    let reason = super::policy::reason(env_cfg.protected, env, force, reason.as_deref())?;
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let config = ctx.config.clone();
    let mut ended = None;
    ctx.store.transact(now, &actor, &mut |view| {
        let p = plan(view, &config, &actor, env, flag, op)?;
        ended = p.ends_rollout.as_ref().map(|r| r.plan.name.clone());
        let action = format!("flag {}", op.name());
        let overridden = super::policy::judge(&action, env, &p.gates, force)?;
        let mut events = Vec::new();
        if !overridden.is_empty() {
            events.push(super::policy::override_event(
                env,
                GatedAction::Flag,
                &approval_subject(flag, &p.after),
                &overridden,
                reason.as_deref().unwrap_or_default(),
            ));
        }
        events.push(NewEvent::new(
            kind::FLAG_CHANGED,
            Some(env),
            FlagChanged {
                flag: flag.into(),
                before: p.before,
                after: p.after,
                change: op.kind(),
                reason: reason.clone(),
            },
        ));
        if *op == FlagOp::Kill {
            events.extend(
                p.ends_rollout
                    .as_ref()
                    .map(|r| super::rollout::ended_by_kill(r, flag, reason.clone())),
            );
            let detail = format!("killed {flag}");
            events.extend(super::incident::mitigation(view, env, Remedy::KillFlag, detail)?);
        }
        Ok(events)
    })?;
    // Test-only (debug builds): a test SIGKILLs the process here, between
    // the commit and the export, to prove the next process repairs it.
    crate::flags::publish::test_pause("RELCON_TEST_PAUSE_BEFORE_EXPORT");
    let mut changed = published(ctx, env, flag, reason.as_deref())?;
    changed.ended_rollout = ended;
    Ok(changed)
}

/// The event that records a flag moving from `before` to `after`, for a
/// caller that judged it inside its own transaction (a rollout step or
/// abort); the kill switch mitigates the environment's open incident.
pub fn change_events(
    view: &dyn StateView,
    env: &str,
    flag: &str,
    before: FlagState,
    after: FlagState,
    change: FlagChangeKind,
    reason: Option<String>,
) -> Result<Vec<NewEvent>> {
    let mut events = vec![NewEvent::new(
        kind::FLAG_CHANGED,
        Some(env),
        FlagChanged {
            flag: flag.into(),
            before,
            after,
            change,
            reason,
        },
    )];
    if change == FlagChangeKind::Kill {
        events.extend(super::incident::mitigation(
            view,
            env,
            Remedy::KillFlag,
            format!("killed {flag}"),
        )?);
    }
    Ok(events)
}

/// After a recorded change: rewrite the env's exports and run `on_change`.
pub fn published(ctx: &mut Ctx, env: &str, flag: &str, reason: Option<&str>) -> Result<Changed> {
    let row = resolve(ctx.store.view(), &ctx.config, flag, env)?;
    let mut warnings = Vec::new();
    let exported = match super::exports::write_env(ctx, env) {
        Ok(p) => p,
        Err(e) => {
            warnings.push(format!("flag changed, but export failed: {e}"));
            Vec::new()
        }
    };
    let hook_failed = run_on_change(ctx, flag, env, &row, reason);
    Ok(Changed {
        row,
        exported,
        warnings,
        hook_failed,
        ended_rollout: None,
    })
}

fn targets_note(s: &FlagState) -> String {
    if s.targets.is_empty() {
        String::new()
    } else {
        format!(" with targets {}", s.targets.join(","))
    }
}

fn run_on_change(ctx: &Ctx, flag: &str, env: &str, row: &FlagListRow, reason: Option<&str>) -> Option<String> {
    let hook = ctx.config.flags.get(flag)?.on_change.clone()?;
    let vars: Vec<(String, String)> = [
        ("RELCON_ACTION", "flag".to_string()),
        ("RELCON_PROJECT", ctx.config.project.name.clone()),
        ("RELCON_FLAG", flag.to_string()),
        ("RELCON_ENV", env.to_string()),
        (
            "RELCON_ENV_URL",
            ctx.config.env(env).and_then(|e| e.url.clone()).unwrap_or_default(),
        ),
        ("RELCON_FLAG_STATE", row.state.clone()),
        ("RELCON_FLAG_TARGETS", row.targets.join(",")),
        ("RELCON_ACTOR", ctx.actor.clone()),
        ("RELCON_REASON", reason.unwrap_or_default().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let outcome = exec::run_hook(
        &hook,
        &ctx.config.dir,
        &vars,
        &ctx.redactor(),
        &CancelToken::default(),
        &mut |_| {},
    );
    (!outcome.ok).then(|| {
        format!(
            "on_change hook for {flag} failed: {}",
            outcome.error.unwrap_or_default()
        )
    })
}
