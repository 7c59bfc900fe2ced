//! Projections: each event updates the tables it changes, in the same
//! transaction that appends it. `rebuild` replays events through this same
//! function, so live and rebuilt state cannot diverge — on either store.

use serde::de::DeserializeOwned;

use super::{vals, Db};
use crate::domain::release::StepState;
use crate::domain::{DeploymentStatus, FlagChangeKind};
use crate::error::{Error, Result};
use crate::ledger::bodies::*;
use crate::ledger::event::{format_at, kind, Event};

fn body<T: DeserializeOwned>(e: &Event) -> Result<T> {
    serde_json::from_str(&e.body)
        .map_err(|err| Error::runtime(format!("event {} ({}): bad body: {err}", e.seq, e.kind)))
}

fn env_of(e: &Event) -> Result<&str> {
    e.env
        .as_deref()
        .ok_or_else(|| Error::runtime(format!("event {} ({}) has no env", e.seq, e.kind)))
}

/// Update the projections `e` changes (one function per kind of event).
pub fn apply(db: &dyn Db, e: &Event) -> Result<()> {
    let at = format_at(&e.at);
    match e.kind.as_str() {
        kind::BUILD_REGISTERED => build_registered(db, e, &at),
        kind::DEPLOYMENT_STARTED => deployment_started(db, e, &at),
        kind::DEPLOYMENT_STEP => deployment_step(db, e, &at),
        kind::DEPLOYMENT_SUCCEEDED => deployment_finished(db, e, &at, DeploymentStatus::Succeeded),
        kind::DEPLOYMENT_FAILED => deployment_finished(db, e, &at, DeploymentStatus::Failed),
        kind::DEPLOYMENT_INTERRUPTED => deployment_finished(db, e, &at, DeploymentStatus::Interrupted),
        kind::DEPLOYMENT_LATE => deployment_late(db, e, &at),
        kind::APPROVAL_GRANTED => approval_granted(db, e, &at),
        kind::HOLD_SET => hold_set(db, e, &at),
        kind::HOLD_CLEARED => hold_cleared(db, e, &at),
        kind::CHECKLIST_TICKED => checklist_ticked(db, e, &at),
        kind::CHECKLIST_UNTICKED => checklist_unticked(db, e, &at),
        kind::FLAG_CHANGED => flag_changed(db, e, &at),
        kind::LEASE_ACQUIRED => lease_acquired(db, e, &at),
        kind::LEASE_RELEASED | kind::LEASE_EXPIRED => lease_ended(db, e, &at),
        k if k.starts_with("incident.") => super::incident::apply(db, e, &at),
        k if k.starts_with("rollout.") => super::rollout::apply(db, e, &at),
        // Events that change no projection (overrides, notes) or that a newer
        // relcon introduced: recorded and hashed, nothing to project.
        _ => Ok(()),
    }
}

fn build_registered(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let seq = e.seq as i64;
    let b: BuildRegistered = body(e)?;
    db.exec(
        "INSERT INTO builds (version, commit_sha, artifact, notes, created_at, created_by, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        vals![b.version, b.commit, b.artifact, b.notes, at, &e.actor, seq],
    )?;
    Ok(())
}

fn deployment_started(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let seq = e.seq as i64;
    let d: DeploymentStarted = body(e)?;
    let steps = StepState::all_pending(&d.steps);
    db.exec(
        "INSERT INTO releases (env, number, version, commit_sha, artifact, status, action, actor, started_at, reason, from_env, target_release, pid, host, steps, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, 'started', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        vals![
            env_of(e)?,
            d.number,
            d.version,
            d.commit,
            d.artifact,
            d.action.as_str(),
            &e.actor,
            at,
            d.reason,
            d.from_env,
            d.target_release,
            d.pid,
            d.host,
            serde_json::to_string(&steps)?,
            seq
        ],
    )?;
    Ok(())
}

fn deployment_step(db: &dyn Db, e: &Event, _at: &str) -> Result<()> {
    let s: DeploymentStep = body(e)?;
    let env = env_of(e)?;
    let current = db
        .query_opt(
            "SELECT steps FROM releases WHERE env = ?1 AND number = ?2",
            vals![env, s.number],
        )?
        .map(|r| r.text(0))
        .transpose()?;
    let mut steps: Vec<StepState> = current.and_then(|c| serde_json::from_str(&c).ok()).unwrap_or_default();
    StepState::set(&mut steps, s.step, s.state);
    db.exec(
        "UPDATE releases SET steps = ?3 WHERE env = ?1 AND number = ?2",
        vals![env, s.number, serde_json::to_string(&steps)?],
    )?;
    Ok(())
}

fn deployment_finished(db: &dyn Db, e: &Event, at: &str, status: DeploymentStatus) -> Result<()> {
    let f: DeploymentFinished = body(e)?;
    let env = env_of(e)?;
    let changed = db.exec(
        "UPDATE releases SET status = ?3, finished_at = ?4, error = ?5, output = COALESCE(?6, output) WHERE env = ?1 AND number = ?2",
        vals![env, f.number, status.as_str(), at, f.error, f.output],
    )?;
    if changed == 0 {
        return Err(Error::runtime(format!(
            "event {}: {env} has no release v{}",
            e.seq, f.number
        )));
    }
    db.exec(
        "INSERT INTO env_state (env, current) VALUES (?1, (SELECT MAX(number) FROM releases WHERE env = ?1 AND status = 'succeeded'))
         ON CONFLICT (env) DO UPDATE SET current = excluded.current",
        vals![env],
    )?;
    Ok(())
}

fn deployment_late(db: &dyn Db, e: &Event, _at: &str) -> Result<()> {
    // A result from a holder that had lost its lease: kept for the
    // record, never a status change and never the current release.
    let l: DeploymentLate = body(e)?;
    db.exec(
        "UPDATE releases SET late_status = ?3, output = COALESCE(?4, output) WHERE env = ?1 AND number = ?2",
        vals![env_of(e)?, l.number, l.outcome.as_str(), l.output],
    )?;
    Ok(())
}

fn approval_granted(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let seq = e.seq as i64;
    let a: ApprovalGranted = body(e)?;
    db.exec(
        "INSERT INTO approvals (env, version, actor, at, note, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        vals![env_of(e)?, a.version, &e.actor, at, a.note, seq],
    )?;
    Ok(())
}

fn hold_set(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let h: HoldSet = body(e)?;
    db.exec(
        "INSERT INTO env_state (env, hold_actor, hold_reason, hold_since) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (env) DO UPDATE SET hold_actor = excluded.hold_actor, hold_reason = excluded.hold_reason, hold_since = excluded.hold_since",
        vals![env_of(e)?, &e.actor, h.reason, at],
    )?;
    Ok(())
}

fn hold_cleared(db: &dyn Db, e: &Event, _at: &str) -> Result<()> {
    db.exec(
        "UPDATE env_state SET hold_actor = NULL, hold_reason = NULL, hold_since = NULL WHERE env = ?1",
        vals![env_of(e)?],
    )?;
    Ok(())
}

fn checklist_ticked(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let seq = e.seq as i64;
    let t: ChecklistTick = body(e)?;
    if t.note_only {
        db.exec(
            "UPDATE checklist_ticks SET note = ?5 WHERE env = ?1 AND checklist = ?2 AND version = ?3 AND item = ?4",
            vals![env_of(e)?, t.checklist, t.version, t.item, t.note],
        )?;
        return Ok(());
    }
    db.exec(
        "INSERT INTO checklist_ticks (env, checklist, version, item, \"by\", at, note, role, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (env, checklist, version, item) DO UPDATE SET \"by\" = excluded.\"by\", at = excluded.at, note = excluded.note, role = excluded.role, seq = excluded.seq",
        vals![env_of(e)?, t.checklist, t.version, t.item, &e.actor, at, t.note, t.role, seq],
    )?;
    Ok(())
}

fn checklist_unticked(db: &dyn Db, e: &Event, _at: &str) -> Result<()> {
    let t: ChecklistTick = body(e)?;
    db.exec(
        "DELETE FROM checklist_ticks WHERE env = ?1 AND checklist = ?2 AND version = ?3 AND item = ?4",
        vals![env_of(e)?, t.checklist, t.version, t.item],
    )?;
    Ok(())
}

fn flag_changed(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let seq = e.seq as i64;
    let f: FlagChanged = body(e)?;
    let env = env_of(e)?;
    db.exec(
        "INSERT INTO flag_changes (flag, env, seq, at, actor, change, before, after, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        vals![
            &f.flag,
            env,
            seq,
            at,
            &e.actor,
            f.change.as_str(),
            serde_json::to_string(&f.before)?,
            serde_json::to_string(&f.after)?,
            &f.reason
        ],
    )?;
    // A kill remembers the state before it, so restore can bring it back;
    // a second kill of a killed flag keeps the state before the first.
    let killed_from = if f.change == FlagChangeKind::Kill {
        Some(serde_json::to_string(&f.before)?)
    } else {
        None
    };
    db.exec(
        "INSERT INTO flag_state (flag, env, enabled, rollout, targets, killed_from, changed_by, changed_at, reason, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (flag, env) DO UPDATE SET enabled = excluded.enabled, rollout = excluded.rollout, targets = excluded.targets,
           killed_from = CASE WHEN excluded.killed_from IS NOT NULL AND flag_state.killed_from IS NOT NULL THEN flag_state.killed_from ELSE excluded.killed_from END,
           changed_by = excluded.changed_by, changed_at = excluded.changed_at,
           reason = excluded.reason, seq = excluded.seq",
        vals![
            f.flag,
            env,
            f.after.enabled,
            f.after.rollout,
            serde_json::to_string(&f.after.targets)?,
            killed_from,
            &e.actor,
            at,
            f.reason,
            seq
        ],
    )?;
    Ok(())
}

fn lease_acquired(db: &dyn Db, e: &Event, _at: &str) -> Result<()> {
    let seq = e.seq as i64;
    let l: LeaseAcquired = body(e)?;
    db.exec(
        "INSERT INTO leases (env, token, holder, host, pid, number, reason, acquired_ms, ttl_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (env) DO UPDATE SET token = excluded.token, holder = excluded.holder, host = excluded.host,
           pid = excluded.pid, number = excluded.number, reason = excluded.reason,
           acquired_ms = excluded.acquired_ms, ttl_ms = excluded.ttl_ms",
        vals![
            env_of(e)?,
            seq,
            &e.actor,
            l.host,
            l.pid,
            l.number,
            l.reason,
            l.db_ms,
            l.ttl_ms
        ],
    )?;
    Ok(())
}

fn lease_ended(db: &dyn Db, e: &Event, _at: &str) -> Result<()> {
    let l: LeaseEnded = body(e)?;
    db.exec(
        "DELETE FROM leases WHERE env = ?1 AND token = ?2",
        vals![env_of(e)?, l.token],
    )?;
    Ok(())
}
