//! Incidents and rollouts in the fold: one row each, keyed by the seq of
//! the event that opened or started it (its rowid), changed by later events.

use super::{body, json, Fold, Folded, Sink, Unsure};
use crate::ledger::bodies::*;
use crate::ledger::event::{kind, EventRef};
use crate::ledger::sql::rollout::{abort_reason, soak_resumed};
use crate::ledger::sql::view::parse_at;
use crate::ledger::sql::Val;

impl<S: Sink> Fold<S> {
    pub(super) fn incident(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let env = e.env.unwrap_or_default();
        match e.kind {
            kind::INCIDENT_OPENED => {
                let b: IncidentOpened = body(e)?;
                let id = e.seq as i64;
                let row = vec![
                    Val::Int(id),
                    env.into(),
                    b.severity.as_str().into(),
                    b.summary.into(),
                    b.affected.into(),
                    e.actor.into(),
                    at.into(),
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Null,
                    Val::Int(0),
                ];
                if self.incidents.contains_key(&id) {
                    return Err(Unsure(format!("incident {id} opened twice")));
                }
                self.incidents.insert(id, row);
            }
            kind::INCIDENT_NOTED => {
                let b: IncidentNote = body(e)?;
                if let Some(row) = self.incidents.get_mut(&(b.incident as i64)) {
                    let Val::Int(n) = row[13] else {
                        return Err(Unsure("incident notes is not a number".into()));
                    };
                    row[13] = Val::Int(n + 1);
                }
            }
            kind::INCIDENT_MITIGATED => {
                let b: IncidentMitigated = body(e)?;
                if let Some(row) = self.incidents.get_mut(&(b.incident as i64)) {
                    if row[8] == Val::Null {
                        row[7] = e.actor.into();
                        row[8] = at.into();
                        row[9] = b.detail.into();
                    }
                }
            }
            kind::INCIDENT_RESOLVED => {
                let b: IncidentNote = body(e)?;
                if let Some(row) = self.incidents.get_mut(&(b.incident as i64)) {
                    row[10] = e.actor.into();
                    row[11] = at.into();
                    row[12] = b.text.into();
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn rollout(&mut self, e: &EventRef<'_>, at: &str) -> Folded<()> {
        let env = e.env.unwrap_or_default();
        // Columns: id, env, plan, spec, target, phase, step, weight,
        // started_by, started_at, step_at, soak_from, paused_at, ended_at, reason.
        match e.kind {
            kind::ROLLOUT_STARTED => {
                let b: RolloutStarted = body(e)?;
                let id = e.seq as i64;
                let row = vec![
                    Val::Int(id),
                    env.into(),
                    b.rollout.into(),
                    json(&b.plan)?,
                    json(&b.target)?,
                    "running".into(),
                    Val::Int(0),
                    Val::Int(0),
                    e.actor.into(),
                    at.into(),
                    at.into(),
                    at.into(),
                    Val::Null,
                    Val::Null,
                    b.reason.into(),
                ];
                if self.rollouts.contains_key(&id) {
                    return Err(Unsure(format!("rollout {id} started twice")));
                }
                self.rollouts.insert(id, row);
            }
            kind::ROLLOUT_STEP => {
                let b: RolloutStep = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[6] = b.step.into();
                    row[7] = b.weight.into();
                    row[10] = at.into();
                    row[11] = at.into();
                }
            }
            kind::ROLLOUT_PAUSED => {
                let b: RolloutNote = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[5] = "paused".into();
                    row[12] = at.into();
                    row[14] = b.reason.into();
                }
            }
            kind::ROLLOUT_RESUMED => {
                let b: RolloutNote = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    // The fold only ever writes text or NULL there.
                    let Val::Text(from) = &row[11] else {
                        return Err(Unsure(format!("rollout {} has no soak start", b.id)));
                    };
                    let paused = match &row[12] {
                        Val::Text(p) => Some(p.as_str()),
                        _ => None,
                    };
                    let soak_from = soak_resumed(from, paused, parse_at(at));
                    row[5] = "running".into();
                    row[11] = soak_from.into();
                    row[12] = Val::Null;
                    row[14] = b.reason.into();
                }
            }
            kind::ROLLOUT_ABORTED => {
                let b: RolloutAborted = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[5] = "aborted".into();
                    row[7] = Val::Int(0);
                    row[13] = at.into();
                    row[12] = Val::Null;
                    row[14] = abort_reason(&b).into();
                }
            }
            kind::ROLLOUT_COMPLETED => {
                let b: RolloutCompleted = body(e)?;
                if let Some(row) = self.rollouts.get_mut(&(b.id as i64)) {
                    row[5] = "completed".into();
                    row[7] = b.weight.into();
                    row[13] = at.into();
                }
            }
            _ => {}
        }
        Ok(())
    }
}
