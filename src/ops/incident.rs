//! Incidents (DESIGN §13): open one on an environment, and relcon
//! recommends the action its severity calls for (the decision tree in
//! `domain::incident`, configurable under `[incident]`); note what you learn;
//! a rollback or a flag kill in that environment marks it mitigated; resolve
//! it. Every step is a ledger event on the incident's timeline.

use serde::Serialize;

use super::plan::{self, Request};
use super::Ctx;
use crate::domain::incident::{recommend as decide, Facts, Incident, Recommendation, Remedy, Severity};
use crate::error::{Error, Result};
use crate::ledger::bodies::{IncidentMitigated, IncidentNote, IncidentOpened};
use crate::ledger::{kind, NewEvent, StateView};

/// An incident and what the tree recommends for it now.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    pub incident: Incident,
    pub label: String,
    pub recommendation: Recommendation,
}

fn no_open(env: &str) -> Error {
    Error::usage(format!(
        "{env} has no open incident (relcon incident open {env} --severity …)"
    ))
}

/// `incident open ENV --severity S [--summary] [--affected PCT]`.
pub fn open(
    ctx: &mut Ctx,
    env: &str,
    severity: Severity,
    summary: Option<String>,
    affected: Option<u32>,
) -> Result<Opened> {
    ctx.env(env)?;
    if affected.is_some_and(|a| a > 100) {
        return Err(Error::usage("--affected is a percentage: 0 to 100"));
    }
    let (now, actor) = (ctx.now(), ctx.actor.clone());
    let body = IncidentOpened {
        severity,
        summary: summary.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        affected,
    };
    ctx.store.transact(now, &actor, &mut |view| {
        if let Some(i) = view.open_incident(env)? {
            return Err(Error::usage(format!(
                "{} is already open on {env} ({}): note it (relcon incident note {env} TEXT) or resolve it",
                i.label(),
                i.severity.as_str()
            )));
        }
        Ok(vec![NewEvent::new(kind::INCIDENT_OPENED, Some(env), &body)])
    })?;
    let incident = ctx.store.view().open_incident(env)?.ok_or_else(|| no_open(env))?;
    opened(ctx, incident)
}

/// The open incident of `env` with today's recommendation.
pub fn current(ctx: &Ctx, env: &str) -> Result<Option<Opened>> {
    ctx.env(env)?;
    match ctx.store.view().open_incident(env)? {
        Some(i) => opened(ctx, i).map(Some),
        None => Ok(None),
    }
}

fn opened(ctx: &Ctx, incident: Incident) -> Result<Opened> {
    let recommendation = recommend(ctx.store.view(), &ctx.config, &ctx.actor, ctx.now(), &incident)?;
    Ok(Opened {
        label: incident.label(),
        incident,
        recommendation,
    })
}

/// What the tree recommends for `incident`, from what the ledger says now:
/// the most recently changed flag that is still on, and the release a
/// rollback would go back to.
pub fn recommend(
    view: &dyn StateView,
    config: &crate::config::Config,
    actor: &str,
    now: chrono::DateTime<chrono::Utc>,
    incident: &Incident,
) -> Result<Recommendation> {
    let env = &incident.env;
    let mut recent: Option<(u64, String)> = None;
    for flag in config.flags.keys() {
        let Some(change) = view.flag_history(flag, env, 1)?.into_iter().next() else {
            continue;
        };
        let still_on = view.flag_record(flag, env)?.is_some_and(|r| r.state.enabled);
        if still_on && recent.as_ref().is_none_or(|(seq, _)| change.seq > *seq) {
            recent = Some((change.seq, flag.clone()));
        }
    }
    let rollback = Request::Rollback {
        env: env.clone(),
        to: None,
    };
    let rollback_to = plan::plan(view, config, actor, now, &rollback)
        .ok()
        .and_then(|p| p.target_release);
    let facts = Facts {
        recent_flag: recent.map(|(_, f)| f),
        rollback_to,
        affected: incident.affected,
    };
    Ok(decide(&config.incident, incident.severity, &facts))
}

/// `incident note ENV TEXT`.
pub fn note(ctx: &mut Ctx, env: &str, text: &str) -> Result<Incident> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::usage("say something: relcon incident note ENV TEXT"));
    }
    milestone(ctx, env, kind::INCIDENT_NOTED, Some(text.to_string()))
}

/// `incident resolve ENV [--reason]`.
pub fn resolve(ctx: &mut Ctx, env: &str, reason: Option<String>) -> Result<Incident> {
    milestone(ctx, env, kind::INCIDENT_RESOLVED, reason)
}

fn milestone(ctx: &mut Ctx, env: &str, k: &'static str, text: Option<String>) -> Result<Incident> {
    ctx.env(env)?;
    let (now, actor) = (ctx.now(), ctx.actor.clone());
    let mut id = 0;
    ctx.store.transact(now, &actor, &mut |view| {
        let i = view.open_incident(env)?.ok_or_else(|| no_open(env))?;
        id = i.id;
        let body = IncidentNote {
            incident: i.id,
            text: text.clone(),
        };
        Ok(vec![NewEvent::new(k, Some(env), &body)])
    })?;
    ctx.store
        .view()
        .incidents(500)?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| Error::runtime("incident vanished after recording"))
}

/// For a transaction that rolls back or kills a flag in `env`: the event
/// that marks its open, not yet mitigated incident mitigated.
pub fn mitigation(view: &dyn StateView, env: &str, action: Remedy, detail: String) -> Result<Option<NewEvent>> {
    Ok(view.open_incident(env)?.filter(|i| i.mitigated_at.is_none()).map(|i| {
        NewEvent::new(
            kind::INCIDENT_MITIGATED,
            Some(env),
            IncidentMitigated {
                incident: i.id,
                action,
                detail,
            },
        )
    }))
}

pub fn list(ctx: &Ctx, limit: usize) -> Result<Vec<Incident>> {
    ctx.store.view().incidents(limit)
}
