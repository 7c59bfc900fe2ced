//! Team mode: the ledger on a PostgreSQL server. Same events, same hash
//! chain, same projections as SQLite (ledger/sql); what differs is how
//! appends are serialised (a head row locked `FOR UPDATE` in every append
//! transaction, READ COMMITTED), how other consoles hear of them (LISTEN /
//! NOTIFY carrying only the seq) and what happens when the server goes away
//! (the next call reconnects; a write is never queued).

mod call;
mod connect;
mod db;
pub mod init;
mod listen;
mod runtime;
mod schema;

use chrono::{DateTime, Utc};
use postgres::Client;
use std::cell::RefCell;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use super::event::{Event, NewEvent};
use super::sql::rebuild::{rebuild, How};
use super::sql::{chain, Db, Row, Val};
use super::store::{StateView, Store, TxBody};
use crate::config::LedgerConfig;
use crate::error::{Error, Result};
pub use connect::{target, Target, Tls};
use db::{Cache, TxDb};
use runtime::outside_runtime;

/// The NOTIFY channel new seqs are announced on.
pub const CHANNEL: &str = "relcon_events";

struct Conn {
    client: Client,
    stmts: Cache,
    listening: bool,
}

pub struct PgStore {
    target: Target,
    conn: RefCell<Option<Conn>>,
    read_only: bool,
    /// The hash of event 1, for the head checkpoint.
    first: std::sync::OnceLock<String>,
    /// Where new events are announced (`[[notify]]`).
    outbox: Vec<super::sql::outbox::Route>,
    /// Set by this store's [`super::Wake`]: waits end at once from then on.
    woken: Arc<AtomicBool>,
}

impl PgStore {
    /// Connect and check the schema version (`relcon ledger init` creates it).
    pub fn open(url: &str, cfg: &LedgerConfig) -> Result<PgStore> {
        let target = connect::target(url, cfg.password_env.as_deref())?;
        let store = PgStore {
            target,
            conn: RefCell::new(None),
            read_only: false,
            first: Default::default(),
            outbox: Vec::new(),
            woken: Arc::default(),
        };
        store.check_schema()?;
        Ok(store)
    }

    fn check_schema(&self) -> Result<()> {
        let version = init::schema_version(self)?;
        let known = schema::MIGRATIONS.len() as i64;
        match version {
            None => Err(Error::usage(format!(
                "ledger server {} has no relcon schema yet: run `relcon ledger init` (as a role that may create it)",
                self.target.display
            ))),
            Some(v) if v > known => Err(Error::runtime(format!(
                "ledger server {} has schema version {v}, newer than this relcon understands ({known}); upgrade relcon",
                self.target.display
            ))),
            Some(v) if v < known => Err(Error::usage(format!(
                "ledger server {} has schema version {v}; this relcon needs {known}: run `relcon ledger init` to migrate",
                self.target.display
            ))),
            Some(_) => Ok(()),
        }
    }

    fn check_writable(&self) -> Result<()> {
        if self.read_only {
            return Err(Error::usage(
                "read-only: this relcon writes nothing (--read-only or RELCON_READ_ONLY)",
            ));
        }
        Ok(())
    }

    /// One append transaction: lock the head row, let `fill` append after
    /// it, move the head, announce the new seq, commit.
    fn append(&self, fill: &mut dyn FnMut(&dyn Db, &mut chain::Tip) -> Result<()>) -> Result<Option<chain::Tip>> {
        self.check_writable()?;
        let mut outcome: Result<Option<chain::Tip>> = Ok(None);
        let committing = std::cell::Cell::new(false);
        // Lost before its COMMIT was sent, the transaction cannot have
        // committed: it runs again, whole, on a new connection.
        let sent = self.with_again(
            |c| {
                outcome = Ok(None);
                let mut tx = c.client.transaction()?;
                let rows = db::query(
                    &mut tx,
                    &c.stmts,
                    "SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE",
                    &[],
                )?;
                let tx = TxDb {
                    tx: RefCell::new(tx),
                    stmts: &c.stmts,
                    error: RefCell::new(None),
                };
                let start = match rows.first().map(|r| (r.int(0), r.text(1))) {
                    Some((Ok(s), Ok(h))) => (s as u64, h),
                    _ => {
                        outcome = Err(Error::runtime(
                            "ledger: the head row is missing; run `relcon ledger init`",
                        ));
                        return Ok(());
                    }
                };
                let mut tip = start.clone();
                if let Err(e) = fill(&tx, &mut tip) {
                    if let Some(pg) = tx.error.borrow_mut().take() {
                        return Err(pg);
                    }
                    outcome = Err(e);
                    return Ok(());
                }
                let mut tx = tx.tx.into_inner();
                let moved = tip != start;
                if moved {
                    // Move the head and announce the new seq in one round trip.
                    db::exec(
                        &mut tx,
                        &c.stmts,
                        "UPDATE ledger_head SET seq = ?1, hash = ?2 WHERE id = 1 RETURNING pg_notify(?3, ?4)",
                        &[
                            Val::from(tip.0),
                            Val::from(tip.1.as_str()),
                            Val::from(CHANNEL),
                            Val::from(tip.0.to_string()),
                        ],
                    )?;
                }
                // Committed even when no event was appended: a rebuild rewrites
                // the projections without moving the head.
                committing.set(true);
                tx.commit()?;
                if moved {
                    outcome = Ok(Some(tip));
                }
                Ok(())
            },
            |_| !committing.get(),
        );
        match sent {
            Ok(()) => {}
            // The commit was sent but its answer lost: it may or may not have landed.
            Err(e) if committing.get() => {
                return Err(Error::runtime(format!(
                    "{e} — the connection broke while committing, so the write may or may not have been recorded: check `relcon audit`"
                )))
            }
            Err(e) => return Err(e),
        }
        if let Ok(Some(tip)) = &outcome {
            super::checkpoint::advance(self, &self.target.display, tip.0, &tip.1, &self.first);
        }
        outcome
    }

    /// The authenticated role (for `identity = "database"`).
    pub fn session_user(&self) -> Result<String> {
        let row = self.query_opt("SELECT session_user::text", &[])?;
        row.map(|r| r.text(0))
            .transpose()?
            .ok_or_else(|| Error::runtime("ledger: no session user"))
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing the client blocks on its runtime too (e.g. the console
        // quitting from inside its loop).
        if let Some(conn) = self.conn.get_mut().take() {
            outside_runtime(move || drop(conn));
        }
    }
}

impl Store for PgStore {
    fn transact(&mut self, at: DateTime<Utc>, actor: &str, body: &mut TxBody<'_>) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        let routes = &self.outbox;
        self.append(&mut |db, tip| {
            // Run again after a lost connection: only this attempt's events.
            out.clear();
            let view: &dyn StateView = &DbRef(db);
            for n in body(view)? {
                let e = chain::append_one(db, tip, &at, actor, n)?;
                super::sql::outbox::enqueue(db, routes, &e)?;
                out.push(e);
            }
            Ok(())
        })?;
        Ok(out)
    }

    fn append_batch(&mut self, batch: Vec<(DateTime<Utc>, String, Vec<NewEvent>)>) -> Result<u64> {
        let mut count = 0;
        self.append(&mut |db, tip| {
            count = 0;
            for (at, actor, events) in &batch {
                for n in events {
                    chain::append_one(db, tip, at, actor, n.clone())?;
                    count += 1;
                }
            }
            Ok(())
        })?;
        Ok(count)
    }

    fn append_verbatim(&mut self, events: &[Event]) -> Result<()> {
        self.append(&mut |db, tip| {
            for e in events {
                chain::append_verbatim(db, tip, e)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    fn view(&self) -> &dyn StateView {
        self
    }

    fn db(&self) -> &dyn Db {
        self
    }

    fn location(&self) -> String {
        self.target.display.clone()
    }

    fn rebuild(&mut self) -> Result<()> {
        // Under the head lock, so no append interleaves with the replay.
        // Cleared and written whole: PostgreSQL keeps no insertion order
        // (rowid) to line the live rows up with the fold's.
        self.append(&mut |db, _| rebuild(db, How::Whole))?;
        Ok(())
    }

    fn wait_for_change(&mut self, seen: u64, timeout: Duration) -> Result<u64> {
        self.wait_on_listen(seen, timeout)
    }

    fn wake_handle(&mut self) -> Option<super::Wake> {
        Some(self.waker())
    }

    fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    fn set_outbox(&mut self, routes: Vec<super::sql::outbox::Route>) {
        self.outbox = routes;
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    fn head_mismatch(&self) -> Result<Option<String>> {
        let row = self.query_opt("SELECT seq, hash FROM ledger_head WHERE id = 1", &[])?;
        let Some(r) = row else {
            return Ok(Some("the ledger's head row is missing".into()));
        };
        let (seq, hash) = (r.int(0)? as u64, r.text(1)?);
        let tip = chain::tip(self)?;
        Ok((tip != (seq, hash.clone())).then(|| {
            format!(
                "the ledger's head row says seq {seq} ({}), but the newest event is seq {}: events were removed or added behind relcon's back",
                hash.get(..12).unwrap_or(&hash),
                tip.0
            )
        }))
    }

    fn authenticated_role(&self) -> Result<Option<String>> {
        self.session_user().map(Some)
    }
}

/// A `&dyn Db` seen as a sized `Db`, so it can be handed out as a `&dyn StateView`.
struct DbRef<'a>(&'a dyn Db);

impl Db for DbRef<'_> {
    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        self.0.exec(sql, params)
    }
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        self.0.query(sql, params)
    }
    fn begin_snapshot(&self) -> Result<bool> {
        self.0.begin_snapshot()
    }
    fn end_snapshot(&self) -> Result<()> {
        self.0.end_snapshot()
    }
    fn now_ms(&self) -> Result<i64> {
        self.0.now_ms()
    }
}
