//! `ledger rebuild`'s sink: the fold's rows written to the projection
//! tables. On SQLite only what differs is written: each table's live rows
//! are read in rowid order beside the fold's (which come in the order
//! `apply` created them, so a table `apply` built lines up row for row);
//! while they agree nothing is written, and from a table's first
//! difference on, its remaining live rows are deleted and the fold's
//! inserted. The result is the rows a rebuild into empty tables writes, in
//! the same order; a consistent ledger is rebuilt without a write.
//!
//! Given a way to open more read connections (SQLite, a file), each
//! table's live rows are read ahead on a thread of its own, off the thread
//! that folds.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{mpsc, Arc};

use super::{Folded, HashMap, Sink, Unsure};
use crate::error::{Error, Result};
use crate::ledger::sql::chain::PROJECTIONS;
use crate::ledger::sql::compare::{encode_row, encoded_is};
use crate::ledger::sql::{vals, Db, Val, ValRef};

/// Live rows read at a time, per table.
const PAGE: i64 = 512;
/// Pages a table's reader may read ahead.
const AHEAD: usize = 2;

/// Opens another read connection to the same ledger. Its snapshot is the
/// rebuilding transaction's: that holds the write lock, and only tables
/// it has not written to yet are read.
pub type Opener = Arc<dyn Fn() -> Result<Box<dyn Db + Send>> + Send + Sync>;

/// Where a table's live pages come from.
enum Feed {
    /// Read on the writer's own connection, when the last is used up.
    Here,
    /// Read ahead on a thread of the table's own (`None`: it has ended).
    Thread(Option<mpsc::Receiver<Result<LivePage>>>),
}

/// Where one table stands.
enum Live {
    /// Every row so far agreed; `next` holds the next live ones, `end`
    /// once the table has no more to read.
    Agree {
        next: LivePage,
        after: i64,
        end: bool,
        feed: Feed,
    },
    /// The fold's rows are inserted (the table's later rows were deleted).
    Rewrite,
}

/// Live rows read ahead, encoded (`compare::encode_row`) into one buffer
/// rather than a value each: one allocation a page, compared as bytes.
#[derive(Default)]
struct LivePage {
    bytes: Vec<u8>,
    /// Rowid, and the row's span in `bytes`.
    rows: VecDeque<(i64, usize, usize)>,
}

impl LivePage {
    fn front_rowid(&self) -> Option<i64> {
        self.rows.front().map(|r| r.0)
    }
}

struct Table {
    /// `SELECT rowid, cols ... WHERE rowid > ?1 ORDER BY rowid LIMIT ?2`.
    select: String,
    insert: String,
    live: Live,
}

/// Rows written to a store's projection tables. A store error is kept in
/// `failed` (it is no reason to replay: the replay would meet it too).
pub struct Writer<'a> {
    db: &'a dyn Db,
    tables: HashMap<&'static str, Table>,
    failed: &'a RefCell<Option<Error>>,
}

impl<'a> Writer<'a> {
    /// A writer into emptied tables: every row inserted.
    pub fn new(db: &'a dyn Db, failed: &'a RefCell<Option<Error>>) -> Writer<'a> {
        Writer::with(db, failed, false)
    }

    /// A writer that keeps the live rows that agree (needs SQLite's rowid,
    /// the order rows were inserted in).
    pub fn mending(db: &'a dyn Db, failed: &'a RefCell<Option<Error>>) -> Writer<'a> {
        Writer::with(db, failed, true)
    }

    /// [`Writer::mending`], each table's live rows read ahead through a
    /// connection of its own (see [`Opener`]).
    pub fn mending_ahead(db: &'a dyn Db, failed: &'a RefCell<Option<Error>>, open: Opener) -> Writer<'a> {
        let mut w = Writer::with(db, failed, true);
        for t in w.tables.values_mut() {
            if let Live::Agree { feed, .. } = &mut t.live {
                let (tx, rx) = mpsc::sync_channel(AHEAD);
                let (open, select) = (open.clone(), t.select.clone());
                let spawned = std::thread::Builder::new()
                    .name("rebuild-live".into())
                    .spawn(move || read_ahead(&*open, &select, &tx));
                // Without a thread, the table is read here.
                if spawned.is_ok() {
                    *feed = Feed::Thread(Some(rx));
                }
            }
        }
        w
    }

    fn with(db: &'a dyn Db, failed: &'a RefCell<Option<Error>>, mend: bool) -> Writer<'a> {
        let tables = PROJECTIONS
            .iter()
            .map(|p| {
                let n = p.cols.split(',').count();
                let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
                let live = if mend {
                    Live::Agree {
                        next: LivePage::default(),
                        after: i64::MIN,
                        end: false,
                        feed: Feed::Here,
                    }
                } else {
                    Live::Rewrite
                };
                let table = Table {
                    select: format!(
                        "SELECT rowid, {} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
                        p.cols, p.table
                    ),
                    insert: format!("INSERT INTO {} ({}) VALUES ({})", p.table, p.cols, marks.join(", ")),
                    live,
                };
                (p.table, table)
            })
            .collect();
        Writer { db, tables, failed }
    }

    /// Delete the live rows no fold row matched (a table's tail, or all of
    /// a table the fold left empty).
    pub fn finish(mut self) -> Result<()> {
        for (name, t) in &mut self.tables {
            // The first live row no fold row matched, if any.
            if fill(self.db, t)? {
                if let Some(rowid) = t.live.front_rowid() {
                    delete_from(self.db, name, rowid)?;
                }
            }
        }
        Ok(())
    }
}

/// A store error kept in `failed`, told to the fold as `Unsure`.
fn store<T>(failed: &RefCell<Option<Error>>, r: Result<T>) -> Folded<T> {
    r.map_err(|e| {
        let why = e.to_string();
        *failed.borrow_mut() = Some(e);
        Unsure(why)
    })
}

fn delete_from(db: &dyn Db, table: &str, rowid: i64) -> Result<()> {
    db.exec(&format!("DELETE FROM {table} WHERE rowid >= ?1"), vals![rowid])?;
    Ok(())
}

impl Live {
    fn front_rowid(&self) -> Option<i64> {
        match self {
            Live::Agree { next, .. } => next.front_rowid(),
            Live::Rewrite => None,
        }
    }
}

/// A table's reader thread: its live rows a page at a time, until the
/// table ends or the writer no longer wants them.
fn read_ahead(
    open: &(dyn Fn() -> Result<Box<dyn Db + Send>> + Send + Sync),
    select: &str,
    tx: &mpsc::SyncSender<Result<LivePage>>,
) {
    let db = match open().and_then(|db| db.exec("BEGIN", &[]).map(|_| db)) {
        Ok(db) => db,
        Err(e) => {
            let _ = tx.send(Err(e));
            return;
        }
    };
    let mut after = i64::MIN;
    loop {
        let mut page = LivePage::default();
        match read_page(&*db, select, &mut after, &mut page) {
            Ok(n) if n > 0 && tx.send(Ok(page)).is_ok() && n == PAGE => {}
            Ok(_) => return,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        }
    }
}

/// One page of a table's live rows after `after` into `page`; how many.
fn read_page(db: &dyn Db, select: &str, after: &mut i64, page: &mut LivePage) -> Result<i64> {
    let mut n = 0;
    db.each_row_ref(select, vals![*after, PAGE], &mut |cols| {
        let Some(ValRef::Int(rowid)) = cols.first() else {
            return Err(Error::runtime("ledger rebuild: a row's rowid is not a number"));
        };
        let start = page.bytes.len();
        encode_row(&mut page.bytes, cols[1..].iter().copied());
        page.rows.push_back((*rowid, start, page.bytes.len()));
        *after = *rowid;
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// The next live rows of a table still agreeing, when the last are used
/// up; whether there are any.
fn fill(db: &dyn Db, t: &mut Table) -> Result<bool> {
    let Live::Agree { next, after, end, feed } = &mut t.live else {
        return Ok(false);
    };
    if next.rows.is_empty() && !*end {
        match feed {
            Feed::Here => {
                next.bytes.clear();
                *end = read_page(db, &t.select, after, next)? < PAGE;
            }
            Feed::Thread(rx) => match rx.as_ref().map(|rx| rx.recv()) {
                Some(Ok(Ok(page))) => *next = page,
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(_)) | None => {
                    *rx = None;
                    *end = true;
                }
            },
        }
    }
    Ok(!next.rows.is_empty())
}

/// Whether the next live row of a table still agreeing is `mine`:
/// `Ok(Ok(()))` when it is, `Ok(Err(rowid))` when the row there differs,
/// `Ok(Err(None))` past the table's last row.
fn next_is(db: &dyn Db, t: &mut Table, mine: &[Val]) -> Result<std::result::Result<(), Option<i64>>> {
    fill(db, t)?;
    let Live::Agree { next, .. } = &mut t.live else {
        return Ok(Err(None));
    };
    Ok(match next.rows.pop_front() {
        Some((_, start, stop)) if encoded_is(&next.bytes[start..stop], mine) => Ok(()),
        Some((rowid, ..)) => Err(Some(rowid)),
        None => Err(None),
    })
}

impl Sink for Writer<'_> {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()> {
        let db = self.db;
        let Some(t) = self.tables.get_mut(table) else {
            return Err(Unsure(format!("no projection {table}")));
        };
        if matches!(t.live, Live::Agree { .. }) {
            let differs = match next_is(db, t, row) {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(Some(rowid))) => delete_from(db, table, rowid),
                Ok(Err(None)) => Ok(()),
                Err(e) => Err(e),
            };
            t.live = Live::Rewrite;
            store(self.failed, differs)?;
        }
        store(self.failed, db.exec(&t.insert, row).map(drop))
    }
}
