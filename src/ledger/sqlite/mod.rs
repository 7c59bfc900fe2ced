//! The default store: SQLite in WAL mode with `synchronous=FULL`, one
//! `BEGIN IMMEDIATE` transaction per write, so a crash never loses an
//! acknowledged action and two consoles never interleave half a change.

mod connect;
mod db;
mod replay;
mod schema;
mod watch;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::event::{Event, NewEvent};
use super::sql::fold::Opener;
use super::sql::rebuild::{rebuild, How};
use super::sql::{self, chain, Db};
use super::store::{StateView, Store, TxBody};
use crate::error::{Error, Result};
pub use sql::chain::event_row;

/// SQLite's page cache of `audit verify`'s scratch replay (negative: KiB).
const REPLAY_CACHE_KIB: i64 = -64 * 1024;

/// After the ledger file is written, how long and how often to look for
/// the commit becoming visible.
const SETTLE: Duration = Duration::from_millis(100);
const SETTLE_STEP: Duration = Duration::from_millis(5);

pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    read_only: bool,
    /// Read-only because the file or its folder cannot be written (not by choice).
    forced_read_only: Option<String>,
    /// The hash of event 1, for the head checkpoint.
    first: std::sync::OnceLock<String>,
    /// Wakes `wait_for_change` when the file is written (None: poll).
    watch: std::cell::OnceCell<Option<watch::FileWatch>>,
    /// Where new events are announced (`[[notify]]`).
    outbox: Vec<sql::outbox::Route>,
}

fn open_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::runtime(format!("cannot open ledger {}: {e}", path.display()))
}

impl SqliteStore {
    /// Open (creating the file and its folder if needed) and migrate. A
    /// ledger whose file or folder cannot be written opens read-only, so
    /// `status` and `audit verify` still work; writes then say why not.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::runtime(format!("cannot create {}: {e}", dir.display())))?;
            }
        }
        match Self::open_rw(path) {
            Ok(store) => Ok(store),
            Err(rw_err) if path.exists() => match Self::open_ro(path) {
                Ok(mut store) => {
                    store.forced_read_only = Some(rw_err.to_string());
                    Ok(store)
                }
                Err(_) => Err(rw_err),
            },
            Err(e) => Err(e),
        }
    }

    fn open_rw(path: &Path) -> Result<SqliteStore> {
        let conn = connect::connect_rw(path).map_err(|e| open_error(path, e))?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            read_only: false,
            forced_read_only: None,
            first: Default::default(),
            watch: Default::default(),
            outbox: Vec::new(),
        };
        store.migrate().map_err(|e| open_error(path, e))?;
        Ok(store)
    }

    /// Read-only (`connect::connect_ro`): for a ledger on a read-only mount
    /// or folder.
    fn open_ro(path: &Path) -> Result<SqliteStore> {
        let conn = connect::connect_ro(path).map_err(|e| open_error(path, e))?;
        let store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            read_only: true,
            forced_read_only: None,
            first: Default::default(),
            watch: Default::default(),
            outbox: Vec::new(),
        };
        let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version != schema::MIGRATIONS.len() as i64 {
            return Err(open_error(
                path,
                format!(
                    "it is read-only and has schema version {version}; this relcon needs {}",
                    schema::MIGRATIONS.len()
                ),
            ));
        }
        Ok(store)
    }

    /// A throwaway on-disk database (deleted when dropped), with no fsyncs:
    /// `audit verify` rebuilds projections into it to compare.
    pub fn scratch() -> Result<SqliteStore> {
        let conn = Connection::open("")?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        // A throwaway: no rollback journal, and a page cache large enough
        // that a whole-ledger replay does not spill to the file and back.
        conn.pragma_update(None, "journal_mode", "OFF")?;
        conn.pragma_update(None, "cache_size", REPLAY_CACHE_KIB)?;
        let mut store = SqliteStore {
            conn,
            path: PathBuf::new(),
            read_only: false,
            forced_read_only: None,
            first: Default::default(),
            watch: Default::default(),
            outbox: Vec::new(),
        };
        store.migrate()?;
        // Only the replay and the full-table digests read it.
        replay::drop_unread_indexes(&store.conn, None)?;
        Ok(store)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
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

    fn check_writable(&self) -> Result<()> {
        if let Some(why) = &self.forced_read_only {
            return Err(Error::runtime(format!(
                "ledger {} can only be read here ({why}); nothing was written",
                self.path.display()
            )));
        }
        if self.read_only {
            return Err(Error::usage(
                "read-only: this relcon writes nothing (--read-only or RELCON_READ_ONLY)",
            ));
        }
        Ok(())
    }

    fn after_commit(&self, tip: &chain::Tip) {
        if tip.0 > 0 && !self.path.as_os_str().is_empty() {
            super::checkpoint::advance(&self.conn, &self.location(), tip.0, &tip.1, &self.first);
        }
    }
}

impl Store for SqliteStore {
    fn transact(&mut self, at: DateTime<Utc>, actor: &str, body: &mut TxBody<'_>) -> Result<Vec<Event>> {
        self.check_writable()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let new = body(&*tx as &dyn StateView)?;
        if new.is_empty() {
            return Ok(Vec::new());
        }
        let mut tip = chain::tip(&*tx)?;
        let mut out = Vec::with_capacity(new.len());
        for n in new {
            let e = chain::append_one(&*tx, &mut tip, &at, actor, n)?;
            sql::outbox::enqueue(&*tx, &self.outbox, &e)?;
            out.push(e);
        }
        tx.commit()?;
        self.after_commit(&tip);
        Ok(out)
    }

    fn append_batch(&mut self, batch: Vec<(DateTime<Utc>, String, Vec<NewEvent>)>) -> Result<u64> {
        self.check_writable()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tip = chain::tip(&*tx)?;
        let mut count = 0;
        for (at, actor, events) in batch {
            for n in events {
                chain::append_one(&*tx, &mut tip, &at, &actor, n)?;
                count += 1;
            }
        }
        tx.commit()?;
        self.after_commit(&tip);
        Ok(count)
    }

    fn append_verbatim(&mut self, events: &[Event]) -> Result<()> {
        self.check_writable()?;
        if events.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tip = chain::tip(&*tx)?;
        for e in events {
            chain::append_verbatim(&*tx, &mut tip, e)?;
        }
        tx.commit()?;
        self.after_commit(&tip);
        Ok(())
    }

    fn view(&self) -> &dyn StateView {
        &self.conn
    }

    fn announce(&mut self, p: &crate::ledger::Presence) -> Result<()> {
        // A heartbeat every few seconds, not a record: one transaction and
        // no fsync of its own (the next durable commit on the file flushes
        // the WAL frames it wrote), so an idle console does not hit the disk.
        self.conn.pragma_update(None, "synchronous", "OFF")?;
        let wrote = (|| -> Result<()> {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            super::presence::announce(&*tx, p)?;
            Ok(tx.commit()?)
        })();
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        wrote
    }

    fn db(&self) -> &dyn Db {
        &self.conn
    }

    fn location(&self) -> String {
        // The same file reached by another path is the same ledger.
        std::fs::canonicalize(&self.path)
            .unwrap_or_else(|_| self.path.clone())
            .display()
            .to_string()
    }

    fn second_reader(&self) -> Option<crate::ledger::store::SecondReader> {
        if self.path.as_os_str().is_empty() {
            return None;
        }
        let path = self.path.clone();
        Some(Box::new(move || {
            let conn = SqliteStore::open_ro(&path)?.conn;
            conn.execute_batch("BEGIN")?;
            let head = chain::head_seq(&conn)?;
            Ok((head, crate::ledger::sql::compare::digests(&conn)?))
        }))
    }

    fn rebuild(&mut self) -> Result<()> {
        self.check_writable()?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Only the rows that differ are written (a consistent ledger is
        // read, folded and left as it is). The events and the live rows are
        // read ahead through read connections of their own (an in-memory
        // store has none: all is read here); when every row was written,
        // that and a larger page cache made no measurable difference.
        let open = (!self.path.as_os_str().is_empty()).then(|| {
            let path = self.path.clone();
            let open: Opener = std::sync::Arc::new(move || {
                let db: Box<dyn Db + Send> = Box::new(SqliteStore::open_ro(&path)?.conn);
                Ok(db)
            });
            open
        });
        // Tables found empty are written whole: their indexes are built
        // once after, not kept up row by row.
        let empty = replay::empty_projections(&tx)?;
        let dropped = replay::drop_unread_indexes(&tx, Some(&empty))?;
        rebuild(&*tx, How::Mend(open))?;
        for sql in dropped {
            tx.execute_batch(&sql)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn wait_for_change(&mut self, seen: u64, timeout: Duration) -> Result<u64> {
        let until = Instant::now() + timeout;
        // Watch before reading the version, so no write falls between them.
        let watch = self.watch.get_or_init(|| watch::FileWatch::new(&self.path));
        let mut version = self.data_version()?;
        loop {
            let head = self.head_seq()?;
            if head != seen {
                return Ok(head);
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(head);
            }
            // data_version moves only when another connection commits. The
            // file watch wakes us when a file is written (a checkpoint
            // writes too: the version tells them apart); without one, poll.
            // A writer's last WAL write comes just before its commit is
            // visible, so after a write the version is read again shortly.
            let mut settle: Option<Instant> = None;
            loop {
                let left = until.saturating_duration_since(Instant::now());
                match (watch, settle) {
                    (Some(_), Some(end)) if Instant::now() < end => std::thread::sleep(left.min(SETTLE_STEP)),
                    (Some(w), _) => match w.wait(left) {
                        watch::Waited::Written => settle = Some(Instant::now() + SETTLE),
                        watch::Waited::TimedOut => settle = None,
                        // Asked to stop waiting: say where the head is.
                        watch::Waited::Woken => return self.head_seq(),
                    },
                    (None, _) => std::thread::sleep(left.min(Duration::from_millis(40))),
                }
                let v = self.data_version()?;
                if v != version || Instant::now() >= until {
                    version = v;
                    break;
                }
            }
        }
    }

    fn wake_handle(&mut self) -> Option<super::Wake> {
        let watch = self.watch.get_or_init(|| watch::FileWatch::new(&self.path));
        watch.as_ref().map(watch::FileWatch::waker)
    }

    fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    fn set_outbox(&mut self, routes: Vec<sql::outbox::Route>) {
        self.outbox = routes;
    }

    fn is_read_only(&self) -> bool {
        self.read_only || self.forced_read_only.is_some()
    }
}
