//! Checklist runs: `before` lists for the build about to go in (they gate
//! it), `after` lists for the build that is live. Ticks are events.

use serde::Serialize;

use crate::config::{ChecklistTemplate, Config, Environment};
use crate::domain::checklist::{find_item, Tick};
use crate::domain::Build;
use crate::error::{Error, Result};
use crate::ledger::bodies::ChecklistTick;
use crate::ledger::{kind, NewEvent, StateView};

use super::Ctx;

#[derive(Debug, Clone, Serialize)]
pub struct RunItem {
    pub n: u32,
    pub text: String,
    pub done: bool,
    pub by: Option<String>,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    pub note: Option<String>,
    pub role: Option<String>,
    pub hint: Option<String>,
    pub section: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub name: String,
    pub title: String,
    /// "before" (gates the build going in) or "after" (the live build).
    pub phase: &'static str,
    pub env: String,
    pub build: String,
    pub done: usize,
    pub total: usize,
    pub signed_off: bool,
    pub items: Vec<RunItem>,
}

/// The build that would be promoted (or deployed) into `env` next: the
/// source's current build when it differs from env's; for a first stage,
/// the newest registered build not yet live there.
pub fn pending_build(view: &dyn StateView, ctx_config: &crate::config::Config, env: &str) -> Result<Option<Build>> {
    let Some(e) = ctx_config.env(env) else { return Ok(None) };
    let current = view.current_release(env)?.map(|r| r.version);
    let candidate = match &e.promote_from {
        Some(from) => match view.current_release(from)? {
            Some(r) => view.build(&r.version)?,
            None => None,
        },
        None => view.builds(1)?.into_iter().next(),
    };
    Ok(candidate.filter(|b| Some(&b.version) != current.as_ref()))
}

fn run_of(t: &ChecklistTemplate, phase: &'static str, env: &str, build: &str, ticks: &[Tick]) -> Run {
    let items: Vec<RunItem> = t
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let n = (i + 1) as u32;
            let tick = ticks.iter().find(|k| k.item == n);
            RunItem {
                n,
                text: it.text.clone(),
                done: tick.is_some(),
                by: tick.map(|k| k.by.clone()),
                at: tick.map(|k| k.at),
                note: tick.and_then(|k| k.note.clone()),
                role: it.role.clone(),
                hint: it.hint.clone(),
                section: it.section.clone(),
            }
        })
        .collect();
    let done = items.iter().filter(|i| i.done).count();
    Run {
        name: t.name.clone(),
        title: t.title.clone(),
        phase,
        env: env.to_string(),
        build: build.to_string(),
        done,
        total: items.len(),
        signed_off: done == items.len(),
        items,
    }
}

/// Every open run for `env`: before-lists for the pending build, after-lists
/// for the current one.
pub fn runs(ctx: &Ctx, env: &str) -> Result<Vec<Run>> {
    runs_in(ctx.store.view(), &ctx.config, env)
}

pub fn runs_in(view: &dyn StateView, config: &crate::config::Config, env: &str) -> Result<Vec<Run>> {
    let e = config
        .env(env)
        .ok_or_else(|| Error::usage(format!("unknown environment {env:?}")))?;
    let mut out = Vec::new();
    if let Some(b) = pending_build(view, config, env)? {
        for name in &e.checklists_before {
            if let Some(t) = config.checklists.get(name) {
                out.push(run_of(
                    t,
                    "before",
                    env,
                    &b.version,
                    &view.checklist_ticks(env, name, &b.version)?,
                ));
            }
        }
    }
    if let Some(cur) = view.current_release(env)? {
        for name in &e.checklists_after {
            if let Some(t) = config.checklists.get(name) {
                out.push(run_of(
                    t,
                    "after",
                    env,
                    &cur.version,
                    &view.checklist_ticks(env, name, &cur.version)?,
                ));
            }
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickRequest {
    pub env: String,
    pub checklist: String,
    /// Item number or unique text prefix.
    pub item: String,
    pub undo: bool,
    pub note: Option<String>,
    /// The role the ticker says they hold (`--as QA`).
    pub role: Option<String>,
    /// The build whose run to tick; default: the open run of that checklist.
    pub version: Option<String>,
}

/// Tick or untick one item; returns the run as it now stands.
pub fn tick(ctx: &mut Ctx, req: TickRequest) -> Result<Run> {
    tick_n(ctx, req).map(|(run, _)| run)
}

/// As `tick`, also saying which item number the request matched.
pub fn tick_n(ctx: &mut Ctx, req: TickRequest) -> Result<(Run, usize)> {
    let env = ctx.env(&req.env)?.clone();
    let template = template(&ctx.config, &req.checklist)?;
    let texts: Vec<&str> = template.items.iter().map(|i| i.text.as_str()).collect();
    let n = find_item(&texts, &req.item).map_err(Error::usage)?;
    let item = &template.items[n - 1];
    if let Some(need) = &item.role {
        if !req.role.as_ref().is_some_and(|have| have.eq_ignore_ascii_case(need)) {
            return Err(Error::usage(format!(
                "item {n} ({}) must be signed by {need}: pass --as {need}",
                item.text
            )));
        }
    }
    let version = match &req.version {
        Some(v) if ctx.store.view().build(v)?.is_none() => {
            return Err(Error::usage(format!("build {v} is not registered")))
        }
        Some(v) => v.clone(),
        None => open_run(ctx.store.view(), &ctx.config, &env, &req.checklist)?,
    };
    let body = ChecklistTick {
        checklist: req.checklist.clone(),
        version: version.clone(),
        item: n as u32,
        text: item.text.clone(),
        note: req.note.clone(),
        role: if item.role.is_some() { req.role.clone() } else { None },
        note_only: false,
    };
    let now = ctx.now();
    let actor = ctx.actor.clone();
    ctx.store
        .transact(now, &actor, &mut |view| tick_events(view, &env.name, &body, req.undo))?;
    let ticks = ctx.store.view().checklist_ticks(&env.name, &req.checklist, &version)?;
    let phase = if env.checklists_before.contains(&req.checklist) {
        "before"
    } else {
        "after"
    };
    Ok((run_of(&template, phase, &env.name, &version, &ticks), n))
}

fn template(config: &Config, name: &str) -> Result<ChecklistTemplate> {
    config.checklists.get(name).cloned().ok_or_else(|| {
        let known: Vec<&str> = config.checklists.keys().map(String::as_str).collect();
        Error::usage(format!("no checklist named {name:?} (defined: {})", known.join(", ")))
    })
}

/// The build whose run of `checklist` is open in `env`: a `before` list's
/// pending build, else an `after` list's live one.
fn open_run(view: &dyn StateView, config: &Config, env: &Environment, checklist: &str) -> Result<String> {
    let before = env.checklists_before.iter().any(|c| c == checklist);
    let after = env.checklists_after.iter().any(|c| c == checklist);
    if !before && !after {
        return Err(Error::usage(format!("{} does not use checklist {checklist}", env.name)));
    }
    let pending = if before {
        pending_build(view, config, &env.name)?.map(|b| b.version)
    } else {
        None
    };
    let current = if after {
        view.current_release(&env.name)?.map(|r| r.version)
    } else {
        None
    };
    pending.or(current).ok_or_else(|| {
        Error::usage(format!(
            "{} has no open run of {checklist} (no build pending or live)",
            env.name
        ))
    })
}

/// Inside the write transaction: the tick, the untick, or a note on an item
/// already ticked (the tick stays its ticker's).
fn tick_events(view: &dyn StateView, env: &str, body: &ChecklistTick, undo: bool) -> Result<Vec<NewEvent>> {
    let existing = view
        .checklist_ticks(env, &body.checklist, &body.version)?
        .into_iter()
        .find(|t| t.item == body.item);
    match (undo, existing) {
        (true, None) => Err(Error::usage(format!("item {} is not ticked", body.item))),
        (true, Some(_)) => Ok(vec![NewEvent::new(kind::CHECKLIST_UNTICKED, Some(env), body)]),
        (false, Some(t)) if body.note.is_none() => Err(Error::usage(format!(
            "item {} is already ticked by {}",
            body.item,
            crate::domain::inert(&t.by)
        ))),
        (false, Some(_)) => {
            let mut b = body.clone();
            b.note_only = true;
            Ok(vec![NewEvent::new(kind::CHECKLIST_TICKED, Some(env), &b)])
        }
        (false, None) => Ok(vec![NewEvent::new(kind::CHECKLIST_TICKED, Some(env), body)]),
    }
}
