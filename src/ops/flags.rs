//! Feature flags: set, kill, restore, evaluate and export. A change is a
//! `flag.changed` event; the ledger's state wins over the config's initial
//! state once a change exists. Exports and `on_change` run after the record.

use serde::Serialize;
use std::path::PathBuf;

use crate::config::{ExportFormat, FlagState};
use crate::domain::gates::Gate;
use crate::error::{Error, Result};
use crate::exec::{self, CancelToken};
use crate::flags::export::{self, FlagRow};
use crate::flags::{describe, evaluate, Evaluation};
use crate::ledger::bodies::{FlagChanged, GateOverridden, OverriddenGate};
use crate::ledger::{kind, NewEvent, StateView};

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

fn unknown_flag(config: &crate::config::Config, flag: &str) -> Error {
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

pub fn eval(ctx: &Ctx, env: &str, flag: &str, key: &str) -> Result<EvalResult> {
    ctx.env(env)?;
    let row = resolve(ctx.store.view(), &ctx.config, flag, env)?;
    let st = FlagState {
        enabled: row.enabled,
        rollout: row.rollout,
        targets: row.targets,
    };
    let Evaluation {
        enabled,
        variant,
        reason,
        bucket,
    } = evaluate(flag, &st, key);
    Ok(EvalResult {
        flag: flag.into(),
        env: env.into(),
        key: key.into(),
        enabled,
        variant,
        reason,
        bucket,
    })
}

/// What `flag set` asks for.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// on, off or a percentage (on at P %).
    pub switch: Option<Switch>,
    pub add_targets: Vec<String>,
    pub remove_targets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    On,
    Off,
    Percent(u32),
}

impl Switch {
    /// "on", "off", "25%" (or "25").
    pub fn parse(s: &str) -> Result<Switch> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "on" | "true" => Ok(Switch::On),
            "off" | "false" => Ok(Switch::Off),
            _ => match t.trim_end_matches('%').parse::<u32>() {
                Ok(p) if p <= 100 => Ok(Switch::Percent(p)),
                _ => Err(Error::usage(format!(
                    "{s:?}: expected on, off or a percentage like 25%"
                ))),
            },
        }
    }
}

pub fn apply_change(before: &FlagState, c: &Change) -> FlagState {
    let mut s = before.clone();
    match c.switch {
        Some(Switch::On) => {
            s.enabled = true;
            s.rollout = 100;
        }
        Some(Switch::Off) => s.enabled = false,
        Some(Switch::Percent(p)) => {
            s.enabled = true;
            s.rollout = p;
        }
        None => {}
    }
    for t in &c.add_targets {
        if !s.targets.contains(t) {
            s.targets.push(t.clone());
        }
    }
    s.targets.retain(|t| !c.remove_targets.contains(t));
    s
}

/// What happened after a change was recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    pub row: FlagListRow,
    pub exported: Vec<PathBuf>,
    /// Export or on_change failures: the change itself is recorded.
    pub warnings: Vec<String>,
    pub hook_failed: Option<String>,
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
    record(ctx, env, flag, "set", reason, force, &|before, _| {
        Ok(apply_change(before, change))
    })
}

/// The kill switch: off now, rollout 0, targets kept but inactive. Never
/// gated: like a rollback, it is the emergency path.
pub fn kill(ctx: &mut Ctx, env: &str, flag: &str, reason: Option<String>) -> Result<Changed> {
    record(ctx, env, flag, "kill", reason, false, &|before, _| {
        Ok(FlagState {
            enabled: false,
            rollout: 0,
            targets: before.targets.clone(),
        })
    })
}

/// Back to the state before the kill.
pub fn restore(ctx: &mut Ctx, env: &str, flag: &str, reason: Option<String>, force: bool) -> Result<Changed> {
    record(ctx, env, flag, "restore", reason, force, &|_, killed_from| {
        killed_from
            .cloned()
            .ok_or_else(|| Error::usage(format!("{flag} is not killed in {env}: nothing to restore")))
    })
}

/// The approval subject for a flag change: `flag:NAME=STATE`.
pub fn approval_subject(flag: &str, after: &FlagState) -> String {
    format!("flag:{flag}={}", describe(after))
}

#[allow(clippy::type_complexity)]
fn record(
    ctx: &mut Ctx,
    env: &str,
    flag: &str,
    change: &str,
    reason: Option<String>,
    force: bool,
    next: &dyn Fn(&FlagState, Option<&FlagState>) -> Result<FlagState>,
) -> Result<Changed> {
    let env_cfg = ctx.env(env)?.clone();
    if !ctx.config.flags.contains_key(flag) {
        return Err(unknown_flag(&ctx.config, flag));
    }
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if env_cfg.protected && reason.is_none() {
        return Err(Error::usage(format!(
            "{env} is protected: give a reason (--reason TEXT)"
        )));
    }
    if force && reason.is_none() {
        return Err(Error::usage(
            "--force needs a reason (--reason TEXT); the override is recorded",
        ));
    }
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let config = ctx.config.clone();
    ctx.store.transact(now, &actor, &mut |view| {
        let row = resolve(view, &config, flag, env)?;
        let before = FlagState {
            enabled: row.enabled,
            rollout: row.rollout,
            targets: row.targets.clone(),
        };
        let killed_from = view.flag_record(flag, env)?.and_then(|r| r.killed_from);
        let after = next(&before, killed_from.as_ref())?;
        if after == before && change == "set" {
            return Err(Error::usage(format!(
                "{flag} in {env} is already {}{}",
                describe(&after),
                targets_note(&after)
            )));
        }
        let mut events = Vec::new();
        if change != "kill" && env_cfg.flag_approvals > 0 {
            let subject = approval_subject(flag, &after);
            let mut by: Vec<String> = view
                .approvers(env, &subject)?
                .into_iter()
                .filter(|a| a != &actor)
                .collect();
            by.dedup();
            let have = by.len() as u32;
            if have < env_cfg.flag_approvals {
                let gate = Gate {
                    name: "approvals".into(),
                    ok: false,
                    detail: format!(
                        "{have}/{} approvals of {subject} (relcon approve {env} {subject})",
                        env_cfg.flag_approvals
                    ),
                    overridable: true,
                };
                if !force {
                    return Err(Error::Refused {
                        action: format!("flag {change}"),
                        env: env.into(),
                        gates: vec![gate],
                    });
                }
                events.push(NewEvent::new(
                    kind::GATE_OVERRIDDEN,
                    Some(env),
                    GateOverridden {
                        action: crate::domain::Action::Deploy,
                        version: subject,
                        gates: vec![OverriddenGate {
                            name: gate.name,
                            detail: gate.detail,
                        }],
                        reason: reason.clone().unwrap_or_default(),
                    },
                ));
            }
        }
        events.push(NewEvent::new(
            kind::FLAG_CHANGED,
            Some(env),
            FlagChanged {
                flag: flag.into(),
                before,
                after,
                change: change.into(),
                reason: reason.clone(),
            },
        ));
        Ok(events)
    })?;
    let row = resolve(ctx.store.view(), &ctx.config, flag, env)?;
    let mut warnings = Vec::new();
    let exported = match export_env(ctx, env) {
        Ok(p) => p,
        Err(e) => {
            warnings.push(format!("flag changed, but export failed: {e}"));
            Vec::new()
        }
    };
    let hook_failed = run_on_change(ctx, flag, env, &row, reason.as_deref());
    Ok(Changed {
        row,
        exported,
        warnings,
        hook_failed,
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

/// Rewrite every configured export for one env.
pub fn export_env(ctx: &Ctx, env: &str) -> Result<Vec<PathBuf>> {
    // One export at a time in this process, reading the ledger under the
    // lock: the last export to run sees every change recorded before it, so
    // two threads' exports can never publish an older state last.
    static EXPORTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = EXPORTING.lock().unwrap_or_else(|e| e.into_inner());
    let mut rows = Vec::new();
    for flag in ctx.config.flags.keys() {
        let r = resolve(ctx.store.view(), &ctx.config, flag, env)?;
        rows.push(FlagRow {
            flag: r.flag,
            description: r.description,
            state: FlagState {
                enabled: r.enabled,
                rollout: r.rollout,
                targets: r.targets,
            },
            changed_by: r.changed_by,
            changed_at: r.changed_at.map(|t| crate::ledger::event::format_at(&t)),
            reason: r.reason,
            killed: r.killed,
        });
    }
    let mut written = Vec::new();
    for ex in &ctx.config.exports {
        let path = export::export_path(&ctx.config.dir, &ex.path, env);
        let text = match ex.format {
            ExportFormat::Flagd => export::flagd_document(&rows),
            ExportFormat::Dotenv => export::dotenv_document(&rows),
        };
        export::write_atomic(&path, &text)
            .map_err(|e| Error::runtime(format!("cannot write {}: {e}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}

/// `relcon flag export`: every export for every env.
pub fn export_all(ctx: &Ctx) -> Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    for env in &ctx.config.environments {
        all.extend(export_env(ctx, &env.name)?);
    }
    Ok(all)
}
