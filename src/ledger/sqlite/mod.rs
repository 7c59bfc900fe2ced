//! The default store: SQLite in WAL mode with `synchronous=FULL`, one
//! `BEGIN IMMEDIATE` transaction per write, so a crash never loses an
//! acknowledged action and two consoles never interleave half a change.

mod project;
mod schema;
mod view;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, TransactionBehavior};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::event::{canonical_body, canonical_bytes, chain_hash, format_at, Event, NewEvent, GENESIS};
use super::store::{StateView, Store, TxBody, VerifyReport};
use crate::error::{Error, Result};
pub use view::parse_at;
use view::ConnView;

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

fn event_row(r: &rusqlite::Row) -> rusqlite::Result<Event> {
    let at: String = r.get(1)?;
    Ok(Event {
        seq: r.get::<_, i64>(0)? as u64,
        at: parse_at(&at),
        actor: r.get(2)?,
        kind: r.get(3)?,
        env: r.get(4)?,
        body: r.get(5)?,
        hash: r.get(6)?,
    })
}

const EVENT_COLS: &str = "seq, at, actor, kind, env, body, hash";

impl SqliteStore {
    /// Open (creating the file and its folder if needed) and migrate.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::runtime(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        let conn = Connection::open(path)
            .map_err(|e| Error::runtime(format!("cannot open ledger {}: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Direct access for tests that tamper with the file on purpose.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn migrate(&mut self) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let known = schema::MIGRATIONS.len() as i64;
        if version > known {
            return Err(Error::runtime(format!(
                "ledger {} has schema version {version}, newer than this relcon understands ({known}); upgrade relcon",
                self.path.display()
            )));
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// PRAGMA data_version changes when another connection commits: the
    /// cheapest way for a console to notice other consoles' writes.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    fn tip(conn: &Connection) -> Result<(u64, String)> {
        let row: Option<(i64, String)> = conn
            .prepare_cached("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .ok();
        Ok(row.map_or((0, GENESIS.to_string()), |(s, h)| (s as u64, h)))
    }
}

/// Hash, insert and project one event after `tip` (seq, hash), advancing it.
fn append_one(tx: &Connection, tip: &mut (u64, String), at: &DateTime<Utc>, actor: &str, n: NewEvent) -> Result<Event> {
    let seq = tip.0 + 1;
    let at_s = format_at(at);
    let body_s = canonical_body(&n.body);
    let hash = chain_hash(
        &tip.1,
        &canonical_bytes(seq, &at_s, actor, n.kind, n.env.as_deref(), &body_s),
    );
    tx.prepare_cached(
        "INSERT INTO events (seq, at, actor, kind, env, body, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![seq as i64, at_s, actor, n.kind, n.env, body_s, hash])?;
    let event = Event {
        seq,
        at: parse_at(&at_s),
        actor: actor.to_string(),
        kind: n.kind.to_string(),
        env: n.env,
        body: body_s,
        hash: hash.clone(),
    };
    project::apply(tx, &event)?;
    *tip = (seq, hash);
    Ok(event)
}

impl Store for SqliteStore {
    fn transact(&mut self, at: DateTime<Utc>, actor: &str, body: &mut TxBody<'_>) -> Result<Vec<Event>> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let new = body(&ConnView(&tx))?;
        let mut tip = Self::tip(&tx)?;
        let mut out = Vec::with_capacity(new.len());
        for n in new {
            out.push(append_one(&tx, &mut tip, &at, actor, n)?);
        }
        tx.commit()?;
        Ok(out)
    }

    fn append_batch(&mut self, batch: Vec<(DateTime<Utc>, String, Vec<NewEvent>)>) -> Result<u64> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tip = Self::tip(&tx)?;
        let mut count = 0;
        for (at, actor, events) in batch {
            for n in events {
                append_one(&tx, &mut tip, &at, &actor, n)?;
                count += 1;
            }
        }
        tx.commit()?;
        Ok(count)
    }

    fn view(&self) -> &dyn StateView {
        self
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let sql = format!("SELECT {EVENT_COLS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params![after as i64, limit as i64], event_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn events_newest(&self, limit: usize, since: Option<DateTime<Utc>>) -> Result<Vec<Event>> {
        let since = since.map(|s| format_at(&s)).unwrap_or_default();
        let sql = format!("SELECT {EVENT_COLS} FROM events WHERE at >= ?1 ORDER BY seq DESC LIMIT ?2");
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params![since, limit as i64], event_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn event_count(&self) -> Result<u64> {
        self.head_seq()
    }

    fn head_seq(&self) -> Result<u64> {
        let n: Option<i64> = self
            .conn
            .prepare_cached("SELECT MAX(seq) FROM events")?
            .query_row([], |r| r.get(0))?;
        Ok(n.unwrap_or(0) as u64)
    }

    fn verify(&self) -> Result<VerifyReport> {
        let sql = format!("SELECT {EVENT_COLS} FROM events ORDER BY seq");
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query([])?;
        let mut prev = GENESIS.to_string();
        let mut expected = 1u64;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            count += 1;
            let seq = row.get::<_, i64>(0)? as u64;
            let at: String = row.get(1)?;
            let actor: String = row.get(2)?;
            let kind: String = row.get(3)?;
            let env: Option<String> = row.get(4)?;
            let body: String = row.get(5)?;
            let hash: String = row.get(6)?;
            if seq != expected {
                return Ok(VerifyReport {
                    events: count,
                    first_bad: Some((expected, format!("event {expected} is missing (next stored is {seq})"))),
                });
            }
            let want = chain_hash(&prev, &canonical_bytes(seq, &at, &actor, &kind, env.as_deref(), &body));
            if want != hash {
                return Ok(VerifyReport {
                    events: count,
                    first_bad: Some((seq, "hash does not match its contents and the chain before it".into())),
                });
            }
            prev = hash;
            expected += 1;
        }
        Ok(VerifyReport {
            events: count,
            first_bad: None,
        })
    }

    fn rebuild(&mut self) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (table, _) in schema::PROJECTIONS {
            tx.execute(&format!("DELETE FROM {table}"), [])?;
        }
        {
            let sql = format!("SELECT {EVENT_COLS} FROM events ORDER BY seq");
            let mut st = tx.prepare(&sql)?;
            let mut rows = st.query([])?;
            while let Some(row) = rows.next()? {
                let e = event_row(row)?;
                project::apply(&tx, &e)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn projection_dump(&self) -> Result<String> {
        let mut out = String::new();
        for (table, order) in schema::PROJECTIONS {
            let _ = writeln!(out, "# {table}");
            let mut st = self.conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
            let cols = st.column_count();
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let mut line = Vec::with_capacity(cols);
                for i in 0..cols {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push(format!("{v:?}"));
                }
                let _ = writeln!(out, "{}", line.join(" | "));
            }
        }
        Ok(out)
    }
}

impl StateView for SqliteStore {
    fn build(&self, v: &str) -> Result<Option<crate::domain::Build>> {
        ConnView(&self.conn).build(v)
    }
    fn builds(&self, limit: usize) -> Result<Vec<crate::domain::Build>> {
        ConnView(&self.conn).builds(limit)
    }
    fn release(&self, env: &str, n: u64) -> Result<Option<crate::domain::Release>> {
        ConnView(&self.conn).release(env, n)
    }
    fn current_release(&self, env: &str) -> Result<Option<crate::domain::Release>> {
        ConnView(&self.conn).current_release(env)
    }
    fn last_release_number(&self, env: &str) -> Result<Option<u64>> {
        ConnView(&self.conn).last_release_number(env)
    }
    fn in_flight(&self, env: &str) -> Result<Option<crate::domain::Release>> {
        ConnView(&self.conn).in_flight(env)
    }
    fn interrupted(&self, env: &str) -> Result<Option<crate::domain::Release>> {
        ConnView(&self.conn).interrupted(env)
    }
    fn all_in_flight(&self) -> Result<Vec<crate::domain::Release>> {
        ConnView(&self.conn).all_in_flight()
    }
    fn history(&self, env: &str, offset: u64, limit: usize) -> Result<Vec<crate::domain::Release>> {
        ConnView(&self.conn).history(env, offset, limit)
    }
    fn release_count(&self, env: &str) -> Result<u64> {
        ConnView(&self.conn).release_count(env)
    }
    fn hold(&self, env: &str) -> Result<Option<crate::domain::gates::Hold>> {
        ConnView(&self.conn).hold(env)
    }
    fn approvers(&self, env: &str, version: &str) -> Result<Vec<String>> {
        ConnView(&self.conn).approvers(env, version)
    }
    fn checklist_ticks(
        &self,
        env: &str,
        checklist: &str,
        version: &str,
    ) -> Result<Vec<crate::domain::checklist::Tick>> {
        ConnView(&self.conn).checklist_ticks(env, checklist, version)
    }
    fn flag_record(&self, flag: &str, env: &str) -> Result<Option<crate::ledger::store::FlagRecord>> {
        ConnView(&self.conn).flag_record(flag, env)
    }
    fn flag_history(&self, flag: &str, env: &str, limit: usize) -> Result<Vec<crate::ledger::store::FlagChange>> {
        ConnView(&self.conn).flag_history(flag, env, limit)
    }
}
