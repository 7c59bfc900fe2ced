//! Reading flags: the resolved state per (flag, env) and evaluation of a
//! key. Writing the exports: see `exports`.

use serde::Serialize;

use crate::domain::FlagState;
use crate::error::{Error, Result};
use crate::flags::{describe, evaluate, Evaluation};
use crate::ledger::StateView;

use super::Ctx;

#[derive(Debug, Clone, Serialize)]
pub struct FlagListRow {
    pub flag: String,
    pub env: String,
    pub enabled: bool,
    pub rollout: u32,
    pub targets: Vec<String>,
    /// "on", "off" or "25%".
    pub state: String,
    pub description: Option<String>,
    pub killed: bool,
    pub changed_by: Option<String>,
    pub changed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub reason: Option<String>,
}

/// The state of `flag` in `env`: the ledger's if recorded, else the config's
/// initial state, else off.
pub fn resolve(view: &dyn StateView, ctx_config: &crate::config::Config, flag: &str, env: &str) -> Result<FlagListRow> {
    let def = ctx_config
        .flags
        .get(flag)
        .ok_or_else(|| unknown_flag(ctx_config, flag))?;
    let rec = view.flag_record(flag, env)?;
    let state = match &rec {
        Some(r) => r.state.clone(),
        None => def.env.get(env).cloned().unwrap_or(FlagState {
            enabled: false,
            rollout: 100,
            targets: vec![],
        }),
    };
    Ok(FlagListRow {
        flag: flag.to_string(),
        env: env.to_string(),
        enabled: state.enabled,
        rollout: state.rollout,
        state: describe(&state),
        targets: state.targets,
        description: def.description.clone(),
        killed: rec.as_ref().is_some_and(|r| r.killed_from.is_some()),
        changed_by: rec.as_ref().map(|r| r.changed_by.clone()),
        changed_at: rec.as_ref().map(|r| r.changed_at),
        reason: rec.and_then(|r| r.reason),
    })
}

pub fn unknown_flag(config: &crate::config::Config, flag: &str) -> Error {
    let known: Vec<&str> = config.flags.keys().map(String::as_str).collect();
    Error::usage(format!(
        "no flag named {flag:?} (defined: {})",
        if known.is_empty() {
            "none".into()
        } else {
            known.join(", ")
        }
    ))
}

/// Every flag × every environment, envs in pipeline order.
pub fn list(ctx: &Ctx) -> Result<Vec<FlagListRow>> {
    let mut out = Vec::new();
    for flag in ctx.config.flags.keys() {
        for env in &ctx.config.environments {
            out.push(resolve(ctx.store.view(), &ctx.config, flag, &env.name)?);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    pub flag: String,
    pub env: String,
    pub key: String,
    pub enabled: bool,
    pub variant: &'static str,
    pub reason: String,
    pub bucket: Option<u32>,
}

/// The state `flag` has in `env` now (for evaluating many keys at once).
pub fn state(ctx: &Ctx, env: &str, flag: &str) -> Result<FlagState> {
    ctx.env(env)?;
    let row = resolve(ctx.store.view(), &ctx.config, flag, env)?;
    Ok(FlagState {
        enabled: row.enabled,
        rollout: row.rollout,
        targets: row.targets,
    })
}

pub fn eval(ctx: &Ctx, env: &str, flag: &str, key: &str) -> Result<EvalResult> {
    let st = state(ctx, env, flag)?;
    crate::flags::eval::check_key(key).map_err(Error::usage)?;
    Ok(eval_with(&st, env, flag, key))
}

/// `eval` of one key against a state already read.
pub fn eval_with(st: &FlagState, env: &str, flag: &str, key: &str) -> EvalResult {
    let Evaluation {
        enabled,
        variant,
        reason,
        bucket,
    } = evaluate(flag, st, key);
    EvalResult {
        flag: flag.into(),
        env: env.into(),
        key: key.into(),
        enabled,
        variant,
        reason,
        bucket,
    }
}

/// Changes of `flag` in `env`, newest first.
pub fn history(ctx: &Ctx, env: &str, flag: &str, limit: usize) -> Result<Vec<crate::ledger::store::FlagChange>> {
    ctx.env(env)?;
    if !ctx.config.flags.contains_key(flag) {
        return Err(unknown_flag(&ctx.config, flag));
    }
    ctx.store.view().flag_history(flag, env, limit)
}

/// Flags whose state in `env` differs from their state in `other`.
pub fn differing(view: &dyn StateView, config: &crate::config::Config, env: &str, other: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for flag in config.flags.keys() {
        let a = resolve(view, config, flag, env)?;
        let b = resolve(view, config, flag, other)?;
        if (a.enabled, a.rollout, &a.targets) != (b.enabled, b.rollout, &b.targets) {
            out.push(flag.clone());
        }
    }
    Ok(out)
}
