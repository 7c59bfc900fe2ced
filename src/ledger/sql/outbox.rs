//! The notification outbox: one row per (event, sink) that should hear of
//! it, inserted in the same transaction as the event, so a notification is
//! never lost between "recorded" and "sent". Delivery happens after commit,
//! from any relcon process, by claiming rows one at a time.
//!
//! The outbox is operational state, not history: it is not hashed, not a
//! projection (`audit verify` does not compare it), and `ledger rebuild`
//! leaves it as it is — pending rows stay pending, delivered ones are not
//! sent again.

use super::{vals, Db};
use crate::config::glob;
use crate::error::Result;
use crate::ledger::event::{kind, Event};

/// One sink's filters, as the store needs them when events are appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub sink: String,
    pub events: Vec<String>,
    /// Empty: every environment.
    pub envs: Vec<String>,
}

impl Route {
    /// Whether an event of `kind` in `env` reaches this sink by its filters.
    pub fn matches(&self, kind: &str, env: Option<&str>) -> bool {
        let env_ok = self.envs.is_empty() || env.is_some_and(|e| self.envs.iter().any(|x| x == e));
        env_ok && self.events.iter().any(|p| glob(p, kind))
    }

    /// By its filters, or because the event was sent to it by name (an
    /// announcement's `sink`).
    pub fn wants(&self, e: &Event) -> bool {
        if e.kind == kind::NOTE_ADDED {
            if let Some(s) = e.body_json().get("sink").and_then(|s| s.as_str()) {
                return s == self.sink;
            }
        }
        self.matches(&e.kind, e.env.as_deref())
    }
}

/// Insert the rows `e` calls for (inside the append transaction).
pub fn enqueue(db: &dyn Db, routes: &[Route], e: &Event) -> Result<()> {
    let mut now = None;
    for r in routes.iter().filter(|r| r.wants(e)) {
        let t = match now {
            Some(t) => t,
            None => *now.insert(db.now_ms()?),
        };
        db.exec(
            "INSERT INTO outbox (seq, sink, state, attempts, next_ms, claimed_until, created_ms) \
             VALUES (?1, ?2, 'pending', 0, ?3, 0, ?3) ON CONFLICT (seq, sink) DO NOTHING",
            vals![e.seq, r.sink.as_str(), t],
        )?;
    }
    Ok(())
}

/// A row's key: event seq and sink name.
pub type Key = (u64, String);

/// A row this process now owns until `until_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub seq: u64,
    pub sink: String,
    pub attempts: u64,
}

/// Look at up to `limit` pending rows after `after` (seq, sink) that are due
/// (or all pending ones when `now_too`: a flush does not wait for the
/// back-off) and that nobody else holds. Each claim is one conditional
/// UPDATE (compare-and-set on `claimed_until`), so two processes never both
/// take the same row; a claim lapses at `until_ms` if its process dies.
/// Returns the rows won and the last row looked at (the next page's `after`).
pub fn claim(
    db: &dyn Db,
    now_ms: i64,
    until_ms: i64,
    now_too: bool,
    after: &Key,
    limit: usize,
) -> Result<(Vec<Claimed>, Option<Key>)> {
    let rows = db.query(
        "SELECT seq, sink, attempts, claimed_until FROM outbox \
         WHERE state = 'pending' AND claimed_until <= ?1 AND (next_ms <= ?1 OR ?2 = 1) \
         AND (seq > ?3 OR (seq = ?3 AND sink > ?4)) \
         ORDER BY seq, sink LIMIT ?5",
        vals![now_ms, now_too, after.0, after.1.as_str(), limit as i64],
    )?;
    let mut out = Vec::new();
    let mut last = None;
    for r in rows {
        let (seq, sink, attempts, held) = (r.int(0)?, r.text(1)?, r.int(2)?, r.int(3)?);
        last = Some((seq as u64, sink.clone()));
        let won = db.exec(
            "UPDATE outbox SET claimed_until = ?1 \
             WHERE seq = ?2 AND sink = ?3 AND state = 'pending' AND claimed_until = ?4",
            vals![until_ms, seq, sink.as_str(), held],
        )?;
        if won == 1 {
            out.push(Claimed {
                seq: seq as u64,
                sink,
                attempts: attempts as u64,
            });
        }
    }
    Ok((out, last))
}

/// Give a claimed row back untouched (the run ran out of time, or its sink is down).
pub fn release(db: &dyn Db, c: &Claimed) -> Result<()> {
    db.exec(
        "UPDATE outbox SET claimed_until = 0 WHERE seq = ?1 AND sink = ?2 AND state = 'pending'",
        vals![c.seq, c.sink.as_str()],
    )?;
    Ok(())
}

pub fn delivered(db: &dyn Db, c: &Claimed, now_ms: i64) -> Result<()> {
    db.exec(
        "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, done_ms = ?1, \
         last_error = NULL, claimed_until = 0 WHERE seq = ?2 AND sink = ?3",
        vals![now_ms, c.seq, c.sink.as_str()],
    )?;
    Ok(())
}

/// A row whose sink left the config: never tried again (kept, with why).
pub fn abandon(db: &dyn Db, c: &Claimed, now_ms: i64, why: &str) -> Result<()> {
    db.exec(
        "UPDATE outbox SET state = 'abandoned', done_ms = ?1, last_error = ?2, last_error_ms = ?1, \
         claimed_until = 0 WHERE seq = ?3 AND sink = ?4 AND state = 'pending'",
        vals![now_ms, why, c.seq, c.sink.as_str()],
    )?;
    Ok(())
}

/// A failed attempt: try again at `next_ms`; `error` is already redacted.
pub fn failed(db: &dyn Db, c: &Claimed, now_ms: i64, next_ms: i64, error: &str) -> Result<()> {
    db.exec(
        "UPDATE outbox SET attempts = attempts + 1, next_ms = ?1, last_error = ?2, \
         last_error_ms = ?3, claimed_until = 0 WHERE seq = ?4 AND sink = ?5 AND state = 'pending'",
        vals![next_ms, error, now_ms, c.seq, c.sink.as_str()],
    )?;
    Ok(())
}

/// One sink's delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct SinkState {
    pub sink: String,
    pub pending: u64,
    pub delivered: u64,
    /// Pending rows that failed at least once.
    pub failing: u64,
    /// Rows given up on because their sink left the config.
    pub abandoned: u64,
    /// The oldest pending event.
    pub oldest_pending_seq: Option<u64>,
    /// The newest failed attempt's error (redacted when recorded).
    pub last_error: Option<String>,
    pub last_error_ms: Option<i64>,
    pub last_delivered_ms: Option<i64>,
    /// The earliest retry of a pending row.
    pub next_attempt_ms: Option<i64>,
}

/// Every sink that has rows, sorted by name.
pub fn states(db: &dyn Db) -> Result<Vec<SinkState>> {
    let rows = db.query(
        "SELECT sink, \
           COUNT(CASE WHEN state = 'pending' THEN 1 END), \
           COUNT(CASE WHEN state = 'delivered' THEN 1 END), \
           COUNT(CASE WHEN state = 'pending' AND attempts > 0 THEN 1 END), \
           MIN(CASE WHEN state = 'pending' THEN seq END), \
           MAX(CASE WHEN state = 'delivered' THEN done_ms END), \
           MIN(CASE WHEN state = 'pending' THEN next_ms END), \
           COUNT(CASE WHEN state = 'abandoned' THEN 1 END) \
         FROM outbox GROUP BY sink",
        &[],
    )?;
    let mut out = Vec::new();
    for r in rows {
        let sink = r.text(0)?;
        let last = db.query_opt(
            "SELECT last_error, last_error_ms FROM outbox WHERE sink = ?1 AND last_error IS NOT NULL \
             ORDER BY last_error_ms DESC, seq DESC LIMIT 1",
            vals![sink.as_str()],
        )?;
        let (last_error, last_error_ms) = match last {
            Some(l) => (l.opt_text(0)?, l.opt_int(1)?),
            None => (None, None),
        };
        out.push(SinkState {
            pending: r.int(1)? as u64,
            delivered: r.int(2)? as u64,
            failing: r.int(3)? as u64,
            oldest_pending_seq: r.opt_int(4)?.map(|s| s as u64),
            last_delivered_ms: r.opt_int(5)?,
            next_attempt_ms: r.opt_int(6)?,
            abandoned: r.int(7)? as u64,
            last_error,
            last_error_ms,
            sink,
        });
    }
    out.sort_by(|a, b| a.sink.cmp(&b.sink));
    Ok(out)
}

/// How many rows are still pending (all sinks).
pub fn pending_count(db: &dyn Db) -> Result<u64> {
    let row = db.query_opt("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", &[])?;
    Ok(match row {
        Some(r) => r.int(0)? as u64,
        None => 0,
    })
}
