//! The `incidents` projection and its reads: one row per incident, with the
//! milestones of its timeline (opened, mitigated, resolved) and how many
//! notes it has; the notes themselves stay in the events.

use super::view::parse_at;
use super::{vals, Db, Row};
use crate::domain::incident::{Incident, Severity};
use crate::error::{Error, Result};
use crate::ledger::bodies::{IncidentMitigated, IncidentNote, IncidentOpened};
use crate::ledger::event::{kind, Event};

fn body<T: serde::de::DeserializeOwned>(e: &Event) -> Result<T> {
    serde_json::from_str(&e.body)
        .map_err(|err| Error::runtime(format!("event {} ({}): bad body: {err}", e.seq, e.kind)))
}

/// Project one incident event (`apply` hands every `incident.*` here).
pub fn apply(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let env = e.env.as_deref().unwrap_or_default();
    match e.kind.as_str() {
        kind::INCIDENT_OPENED => {
            let b: IncidentOpened = body(e)?;
            db.exec(
                "INSERT INTO incidents (id, env, severity, summary, affected, opened_by, opened_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                vals![e.seq, env, b.severity.as_str(), b.summary, b.affected, &e.actor, at],
            )?;
        }
        kind::INCIDENT_NOTED => {
            let b: IncidentNote = body(e)?;
            db.exec(
                "UPDATE incidents SET notes = notes + 1 WHERE id = ?1",
                vals![b.incident],
            )?;
        }
        kind::INCIDENT_MITIGATED => {
            let b: IncidentMitigated = body(e)?;
            // The first mitigation is the one the timeline keeps.
            db.exec(
                "UPDATE incidents SET mitigated_by = ?2, mitigated_at = ?3, mitigation = ?4 WHERE id = ?1 AND mitigated_at IS NULL",
                vals![b.incident, &e.actor, at, b.detail],
            )?;
        }
        kind::INCIDENT_RESOLVED => {
            let b: IncidentNote = body(e)?;
            db.exec(
                "UPDATE incidents SET resolved_by = ?2, resolved_at = ?3, resolution = ?4 WHERE id = ?1",
                vals![b.incident, &e.actor, at, b.text],
            )?;
        }
        _ => {}
    }
    Ok(())
}

const COLS: &str = "id, env, severity, summary, affected, opened_by, opened_at, mitigated_by, mitigated_at, mitigation, resolved_by, resolved_at, resolution, notes";

fn row(r: &Row) -> Result<Incident> {
    Ok(Incident {
        id: r.int(0)? as u64,
        env: r.text(1)?,
        severity: Severity::parse(&r.text(2)?).unwrap_or(Severity::High),
        summary: r.opt_text(3)?,
        affected: r.opt_int(4)?.map(|n| n as u32),
        opened_by: r.text(5)?,
        opened_at: parse_at(&r.text(6)?),
        mitigated_by: r.opt_text(7)?,
        mitigated_at: r.opt_text(8)?.as_deref().map(parse_at),
        mitigation: r.opt_text(9)?,
        resolved_by: r.opt_text(10)?,
        resolved_at: r.opt_text(11)?.as_deref().map(parse_at),
        resolution: r.opt_text(12)?,
        notes: r.int(13)? as u32,
    })
}

/// The open incident of `env` (the newest, should there be several).
pub fn open(db: &(impl Db + ?Sized), env: &str) -> Result<Option<Incident>> {
    let sql = format!("SELECT {COLS} FROM incidents WHERE env = ?1 AND resolved_at IS NULL ORDER BY id DESC LIMIT 1");
    db.query_opt(&sql, vals![env])?.as_ref().map(row).transpose()
}

/// Incidents, newest first.
pub fn list(db: &(impl Db + ?Sized), limit: usize) -> Result<Vec<Incident>> {
    let sql = format!("SELECT {COLS} FROM incidents ORDER BY id DESC LIMIT ?1");
    db.query(&sql, vals![limit as i64])?.iter().map(row).collect()
}
