//! Appending, reading and checking the event chain, for any [`Db`].

use chrono::{DateTime, Utc};

use super::pages::link_error_ref;
pub use super::pages::{verify_chain_raw, RawPage};
use super::{apply, vals, Db, Row, Val};
use crate::error::{Error, Result};
use crate::ledger::event::{canonical_body, canonical_bytes, chain_hash, format_at, Event, NewEvent, GENESIS};
use crate::ledger::store::VerifyReport;

pub const EVENT_COLS: &str = "seq, at, actor, kind, env, body, hash";

/// Events are read and replayed in pages, so neither store holds a whole
/// ledger in memory (and PostgreSQL never streams while it writes).
pub(super) const PAGE: usize = 5_000;

/// The newest event: its seq and hash (0 and the genesis hash when empty).
pub type Tip = (u64, String);

pub use super::compare::{dump, first_difference, table_rows};

pub fn event_row(r: &Row) -> Result<Event> {
    Ok(Event {
        seq: r.int(0)? as u64,
        at: super::view::parse_at(&r.text(1)?),
        actor: r.text(2)?,
        kind: r.text(3)?,
        env: r.opt_text(4)?,
        body: r.text(5)?,
        hash: r.text(6)?,
    })
}

/// `event_row` for a row read only to build events: its text moves into
/// the event instead of being copied (a whole-ledger pass reads millions).
fn event_of(r: Row) -> Result<Event> {
    fn text(v: Option<Val>, i: usize) -> Result<Option<String>> {
        Ok(match v {
            None => return Err(Error::runtime(format!("ledger: row has no column {i}"))),
            Some(Val::Null) => None,
            Some(Val::Int(n)) => Some(n.to_string()),
            Some(Val::Text(t)) => Some(t),
        })
    }
    fn must(v: Option<String>, i: usize) -> Result<String> {
        v.ok_or_else(|| Error::runtime(format!("ledger: column {i} is NULL, expected text")))
    }
    let seq = r.int(0)? as u64;
    let mut cols = r.0.into_iter().skip(1);
    let at = must(text(cols.next(), 1)?, 1)?;
    Ok(Event {
        seq,
        at: super::view::parse_at(&at),
        actor: must(text(cols.next(), 2)?, 2)?,
        kind: must(text(cols.next(), 3)?, 3)?,
        env: text(cols.next(), 4)?,
        body: must(text(cols.next(), 5)?, 5)?,
        hash: must(text(cols.next(), 6)?, 6)?,
    })
}

/// Read from the events table itself (not a head row).
pub fn tip(db: &dyn Db) -> Result<Tip> {
    let row = db.query_opt("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", &[])?;
    Ok(match row {
        Some(r) => (r.int(0)? as u64, r.text(1)?),
        None => (0, GENESIS.to_string()),
    })
}

pub fn head_seq(db: &dyn Db) -> Result<u64> {
    let row = db.query_opt("SELECT MAX(seq) FROM events", &[])?;
    Ok(match row {
        Some(r) => r.opt_int(0)?.unwrap_or(0) as u64,
        None => 0,
    })
}

fn insert(db: &dyn Db, e: &Event) -> Result<()> {
    db.exec(
        "INSERT INTO events (seq, at, actor, kind, env, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        vals![e.seq, format_at(&e.at), &e.actor, &e.kind, &e.env, &e.body, &e.hash],
    )?;
    apply(db, e)
}

/// Hash, insert and project one new event after `tip`, advancing it.
pub fn append_one(db: &dyn Db, tip: &mut Tip, at: &DateTime<Utc>, actor: &str, n: NewEvent) -> Result<Event> {
    let seq = tip.0 + 1;
    let at_s = format_at(at);
    let body = canonical_body(&n.body);
    let hash = chain_hash(
        &tip.1,
        &canonical_bytes(seq, &at_s, actor, n.kind, n.env.as_deref(), &body),
    );
    let event = Event {
        seq,
        at: super::view::parse_at(&at_s),
        actor: actor.to_string(),
        kind: n.kind.to_string(),
        env: n.env,
        body,
        hash: hash.clone(),
    };
    insert(db, &event)?;
    *tip = (seq, hash);
    Ok(event)
}

/// Whether `e` is the valid successor of `prev` (seq and hash link).
pub fn link_error(prev: &Tip, e: &Event) -> Option<String> {
    link_error_to(prev.0, &prev.1, e)
}

fn link_error_to(prev_seq: u64, prev_hash: &str, e: &Event) -> Option<String> {
    let at = format_at(&e.at);
    link_error_ref(prev_seq, prev_hash, &e.borrowed(&at))
}

/// Copy an event exactly as it was recorded elsewhere (`ledger copy`):
/// refused unless it links to `tip`.
pub fn append_verbatim(db: &dyn Db, tip: &mut Tip, e: &Event) -> Result<()> {
    if let Some(why) = link_error(tip, e) {
        return Err(Error::runtime(format!("cannot copy event {}: {why}", e.seq)));
    }
    insert(db, e)?;
    *tip = (e.seq, e.hash.clone());
    Ok(())
}

pub fn events_after(db: &dyn Db, after: u64, limit: usize) -> Result<Vec<Event>> {
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    db.query(&sql, vals![after, limit as i64])?
        .into_iter()
        .map(event_of)
        .collect()
}

pub fn events_newest(db: &dyn Db, limit: usize, since: Option<DateTime<Utc>>) -> Result<Vec<Event>> {
    let Some(since) = since else {
        let sql = format!("SELECT {EVENT_COLS} FROM events ORDER BY seq DESC LIMIT ?1");
        return db.query(&sql, vals![limit as i64])?.iter().map(event_row).collect();
    };
    let since = format_at(&since);
    let newest = format!("SELECT {EVENT_COLS} FROM events WHERE at >= ?1 ORDER BY seq DESC LIMIT ?2");
    // Walking back by seq and filtering on `at` reads the whole table when
    // fewer than `limit` events are that recent. So count them first on
    // the `at` index (it stops at `limit`); when they are fewer, the walk
    // starts no earlier than the oldest of them. `at >= ?` stays in both
    // reads: a clock set back can put an older time after a newer one.
    let recent = db.query(
        "SELECT seq FROM events WHERE at >= ?1 ORDER BY at LIMIT ?2",
        vals![&since, limit as i64],
    )?;
    if recent.len() >= limit {
        return db
            .query(&newest, vals![since, limit as i64])?
            .iter()
            .map(event_row)
            .collect();
    }
    let seqs = recent.iter().map(|r| r.int(0)).collect::<Result<Vec<_>>>()?;
    let Some(first) = seqs.into_iter().min() else {
        return Ok(Vec::new());
    };
    let sql = format!("SELECT {EVENT_COLS} FROM events WHERE seq >= ?1 AND at >= ?2 ORDER BY seq DESC LIMIT ?3");
    db.query(&sql, vals![first, since, limit as i64])?
        .iter()
        .map(event_row)
        .collect()
}

/// Every event in seq order, a page at a time.
pub fn for_each_event(db: &dyn Db, each: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
    let mut after = 0;
    loop {
        let page = events_after(db, after, PAGE)?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.seq;
        for e in page {
            each(e)?;
        }
    }
}

/// Recompute the hash chain; names the first event that is missing or wrong.
pub fn verify_chain(db: &dyn Db) -> Result<VerifyReport> {
    verify_chain_then(db, &mut |_| Ok(()))
}

/// The same, handing `each` every event that links (in order, until the
/// first that does not).
pub fn verify_chain_then(db: &dyn Db, each: &mut dyn FnMut(&Event) -> Result<()>) -> Result<VerifyReport> {
    verify_chain_pages(db, &mut |page| page.iter().try_for_each(&mut *each))
}

/// The chain check a page at a time: `each` gets every page's events that
/// link, in order (the page with the first that does not is cut short
/// before it, and no page follows), so `audit verify` can project one page
/// on another thread while the next is read and hashed. Each event links
/// to the one before it in the page, so no hash is copied per event.
pub fn verify_chain_pages(db: &dyn Db, each: &mut dyn FnMut(Vec<Event>) -> Result<()>) -> Result<VerifyReport> {
    let mut prev: Tip = (0, GENESIS.to_string());
    let mut count = 0u64;
    let mut first_bad = None;
    loop {
        let mut page = events_after(db, prev.0, PAGE)?;
        if page.is_empty() {
            break;
        }
        let mut linked = page.len();
        for (i, e) in page.iter().enumerate() {
            let (seq, hash) = match i.checked_sub(1) {
                Some(j) => (page[j].seq, page[j].hash.as_str()),
                None => (prev.0, prev.1.as_str()),
            };
            if let Some(why) = link_error_to(seq, hash, e) {
                let at = if e.seq != seq + 1 { seq + 1 } else { e.seq };
                first_bad = Some((at, why));
                linked = i;
                break;
            }
        }
        count += (linked + usize::from(first_bad.is_some())) as u64;
        page.truncate(linked);
        if let Some(last) = page.last() {
            prev = (last.seq, last.hash.clone());
        }
        if !page.is_empty() {
            each(page)?;
        }
        if first_bad.is_some() {
            break;
        }
    }
    Ok(VerifyReport {
        events: count,
        first_bad,
        head: (prev.0 > 0).then_some(prev),
        ..VerifyReport::default()
    })
}

/// A projection table: name and columns, in one order for both stores.
pub struct Projection {
    pub table: &'static str,
    pub cols: &'static str,
}

/// Every projection, in the order `rebuild` clears and dumps print them.
pub const PROJECTIONS: &[Projection] = &[
    Projection {
        table: "builds",
        cols: "version, commit_sha, artifact, notes, created_at, created_by, seq",
    },
    Projection {
        table: "releases",
        cols: "env, number, version, commit_sha, artifact, status, action, actor, started_at, finished_at, reason, from_env, target_release, error, output, pid, host, steps, seq, late_status",
    },
    Projection {
        table: "env_state",
        cols: "env, current, hold_actor, hold_reason, hold_since",
    },
    Projection {
        table: "approvals",
        cols: "env, version, actor, at, note, seq",
    },
    Projection {
        table: "checklist_ticks",
        cols: "env, checklist, version, item, \"by\", at, note, role, seq",
    },
    Projection {
        table: "flag_state",
        cols: "flag, env, enabled, rollout, targets, killed_from, changed_by, changed_at, reason, seq",
    },
    Projection {
        table: "flag_changes",
        cols: "flag, env, seq, at, actor, change, before, after, reason",
    },
    Projection {
        table: "incidents",
        cols: "id, env, severity, summary, affected, opened_by, opened_at, mitigated_by, mitigated_at, mitigation, resolved_by, resolved_at, resolution, notes",
    },
    Projection {
        table: "rollouts",
        cols: "id, env, plan, spec, target, phase, step, weight, started_by, started_at, step_at, soak_from, paused_at, ended_at, reason",
    },
    Projection {
        table: "leases",
        cols: "env, token, holder, host, pid, number, reason, acquired_ms, ttl_ms",
    },
];
