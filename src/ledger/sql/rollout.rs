//! The `rollouts` projection and its reads, and the analysis samples a
//! driver records (a table of their own, like heartbeats: not history, so
//! `rebuild` leaves them alone; the values that decided are in the events).

use super::view::parse_at;
use super::{vals, Db, Row};
use crate::domain::rollout::{Measured, Phase, PlanSpec, Rollout, Sample, Target, Verdict};
use crate::error::{Error, Result};
use crate::ledger::bodies::{RolloutAborted, RolloutCompleted, RolloutNote, RolloutStarted, RolloutStep};
use crate::ledger::event::{format_at, kind, Event};

fn body<T: serde::de::DeserializeOwned>(e: &Event) -> Result<T> {
    serde_json::from_str(&e.body)
        .map_err(|err| Error::runtime(format!("event {} ({}): bad body: {err}", e.seq, e.kind)))
}

/// Project one rollout event (`apply` hands every `rollout.*` here).
pub fn apply(db: &dyn Db, e: &Event, at: &str) -> Result<()> {
    let env = e.env.as_deref().unwrap_or_default();
    match e.kind.as_str() {
        kind::ROLLOUT_STARTED => {
            let b: RolloutStarted = body(e)?;
            db.exec(
                "INSERT INTO rollouts (id, env, plan, spec, target, phase, step, weight, started_by, started_at, step_at, soak_from, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'running', 0, 0, ?6, ?7, ?7, ?7, ?8)",
                vals![
                    e.seq,
                    env,
                    b.rollout,
                    serde_json::to_string(&b.plan)?,
                    serde_json::to_string(&b.target)?,
                    &e.actor,
                    at,
                    b.reason
                ],
            )?;
        }
        kind::ROLLOUT_STEP => {
            let b: RolloutStep = body(e)?;
            db.exec(
                "UPDATE rollouts SET step = ?2, weight = ?3, step_at = ?4, soak_from = ?4 WHERE id = ?1",
                vals![b.id, b.step, b.weight, at],
            )?;
        }
        kind::ROLLOUT_PAUSED => {
            let b: RolloutNote = body(e)?;
            db.exec(
                "UPDATE rollouts SET phase = 'paused', paused_at = ?2, reason = ?3 WHERE id = ?1",
                vals![b.id, at, b.reason],
            )?;
        }
        kind::ROLLOUT_RESUMED => {
            let b: RolloutNote = body(e)?;
            // The soak clock stood still while paused.
            let row = db.query_opt("SELECT soak_from, paused_at FROM rollouts WHERE id = ?1", vals![b.id])?;
            let soak_from = match row {
                Some(r) => soak_resumed(&r.text(0)?, r.opt_text(1)?.as_deref(), e.at),
                None => at.to_string(),
            };
            db.exec(
                "UPDATE rollouts SET phase = 'running', paused_at = NULL, soak_from = ?2, reason = ?3 WHERE id = ?1",
                vals![b.id, soak_from, b.reason],
            )?;
        }
        kind::ROLLOUT_ABORTED => {
            let b: RolloutAborted = body(e)?;
            db.exec(
                "UPDATE rollouts SET phase = 'aborted', weight = 0, ended_at = ?2, paused_at = NULL, reason = ?3 WHERE id = ?1",
                vals![b.id, at, abort_reason(&b)],
            )?;
        }
        kind::ROLLOUT_COMPLETED => {
            let b: RolloutCompleted = body(e)?;
            db.exec(
                "UPDATE rollouts SET phase = 'completed', weight = ?2, ended_at = ?3 WHERE id = ?1",
                vals![b.id, b.weight, at],
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Where the soak clock of a rollout resumed at `resumed` starts: it
/// stood still while paused.
pub(crate) fn soak_resumed(soak_from: &str, paused_at: Option<&str>, resumed: chrono::DateTime<chrono::Utc>) -> String {
    let from = parse_at(soak_from);
    let paused = paused_at.map(parse_at);
    format_at(&(from + paused.map_or(chrono::Duration::zero(), |p| resumed - p)))
}

/// The `reason` an abort leaves on its rollout.
pub(crate) fn abort_reason(b: &RolloutAborted) -> String {
    match &b.reason {
        Some(r) => format!("{}: {r}", b.why),
        None => b.why.clone(),
    }
}

const COLS: &str =
    "id, env, plan, spec, target, phase, step, weight, started_by, started_at, step_at, soak_from, paused_at, ended_at, reason";

fn row(r: &Row) -> Result<Rollout> {
    let spec: PlanSpec = serde_json::from_str(&r.text(3)?)?;
    let target: Target = serde_json::from_str(&r.text(4)?)?;
    Ok(Rollout {
        id: r.int(0)? as u64,
        env: r.text(1)?,
        plan: PlanSpec {
            name: r.text(2)?,
            ..spec
        },
        target,
        phase: Phase::parse(&r.text(5)?),
        step: r.int(6)? as u32,
        weight: r.int(7)? as u32,
        started_by: r.text(8)?,
        started_at: parse_at(&r.text(9)?),
        step_at: parse_at(&r.text(10)?),
        soak_from: parse_at(&r.text(11)?),
        paused_at: r.opt_text(12)?.as_deref().map(parse_at),
        ended_at: r.opt_text(13)?.as_deref().map(parse_at),
        reason: r.opt_text(14)?,
    })
}

/// Rollouts, newest first; only running or paused ones when `active`.
pub fn list(db: &(impl Db + ?Sized), active: bool, limit: usize) -> Result<Vec<Rollout>> {
    let filter = if active {
        "WHERE phase IN ('running', 'paused')"
    } else {
        ""
    };
    let sql = format!("SELECT {COLS} FROM rollouts {filter} ORDER BY id DESC LIMIT ?1");
    db.query(&sql, vals![limit as i64])?.iter().map(row).collect()
}

/// The newest rollout of `env` (running, paused or ended).
pub fn latest(db: &(impl Db + ?Sized), env: &str) -> Result<Option<Rollout>> {
    let sql = format!("SELECT {COLS} FROM rollouts WHERE env = ?1 ORDER BY id DESC LIMIT 1");
    db.query_opt(&sql, vals![env])?.as_ref().map(row).transpose()
}

/// Every analysis sample of rollout `id`, oldest first.
pub fn samples(db: &(impl Db + ?Sized), id: u64) -> Result<Vec<Sample>> {
    db.query(
        "SELECT step, n, at, verdict, measured FROM rollout_samples WHERE rollout = ?1 ORDER BY step, n",
        vals![id],
    )?
    .iter()
    .map(|r| {
        let measured: Vec<Measured> = serde_json::from_str(&r.text(4)?).unwrap_or_default();
        Ok(Sample {
            step: r.int(0)? as u32,
            n: r.int(1)? as u32,
            at: parse_at(&r.text(2)?),
            verdict: Verdict::parse(&r.text(3)?),
            measured,
        })
    })
    .collect()
}

/// Record `sample` of rollout `id`, only while lease `token` on `env` is
/// held and not expired (by the database clock) and only once: false when
/// the lease is gone or another driver recorded that sample first.
pub fn record_sample(db: &dyn Db, env: &str, token: u64, id: u64, sample: &Sample) -> Result<bool> {
    let now = db.now_ms()?;
    let changed = db.exec(
        "INSERT INTO rollout_samples (rollout, step, n, at, verdict, measured)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (
             SELECT 1 FROM leases l LEFT JOIN lease_beats b ON b.env = l.env AND b.token = l.token
             WHERE l.env = ?7 AND l.token = ?8 AND COALESCE(b.beat_ms, l.acquired_ms) + l.ttl_ms > ?9)
         ON CONFLICT (rollout, step, n) DO NOTHING",
        vals![
            id,
            sample.step,
            sample.n,
            format_at(&sample.at),
            sample.verdict.as_str(),
            serde_json::to_string(&sample.measured)?,
            env,
            token,
            now
        ],
    )?;
    Ok(changed == 1)
}
