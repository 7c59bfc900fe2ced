//! `ledger rebuild`'s sink: the fold's rows written to the projection
//! tables. On SQLite only what differs is written: each table's live rows
//! are read in rowid order beside the fold's (which come in the order
//! `apply` created them, so a table `apply` built lines up row for row);
//! while they agree nothing is written, and from a table's first
//! difference on, its remaining live rows are deleted and the fold's
//! inserted. The result is the rows a rebuild into empty tables writes, in
//! the same order; a consistent ledger is rebuilt without a write.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::{Folded, HashMap, Sink, Unsure};
use crate::error::{Error, Result};
use crate::ledger::sql::chain::PROJECTIONS;
use crate::ledger::sql::compare::encode_row;
use crate::ledger::sql::{vals, Db, Val, ValRef};

/// Live rows read at a time, per table.
const PAGE: i64 = 512;

/// Where one table stands.
enum Live {
    /// Every row so far agreed; `next` holds the next live ones, `end`
    /// once the table has no more to read.
    Agree { next: LivePage, after: i64, end: bool },
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
    /// The fold's row, encoded to compare with a live one.
    mine: Vec<u8>,
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
        Writer {
            db,
            tables,
            failed,
            mine: Vec::new(),
        }
    }

    /// Delete the live rows no fold row matched (a table's tail, or all of
    /// a table the fold left empty).
    pub fn finish(self) -> Result<()> {
        for (name, t) in self.tables {
            if let Live::Agree { next, after, end } = t.live {
                match next.front_rowid() {
                    Some(rowid) => delete_from(self.db, name, rowid)?,
                    None if !end => delete_from(self.db, name, after.saturating_add(1))?,
                    None => {}
                }
            }
        }
        Ok(())
    }

    fn store<T>(&self, r: Result<T>) -> Folded<T> {
        r.map_err(|e| {
            let why = e.to_string();
            *self.failed.borrow_mut() = Some(e);
            Unsure(why)
        })
    }
}

fn delete_from(db: &dyn Db, table: &str, rowid: i64) -> Result<()> {
    db.exec(&format!("DELETE FROM {table} WHERE rowid >= ?1"), vals![rowid])?;
    Ok(())
}

/// Whether the next live row of a table still agreeing is `mine`
/// (encoded), reading a page when the last is used up: `Ok(Ok(()))` when
/// it is, `Ok(Err(rowid))` when the row there differs, `Ok(Err(None))`
/// past the table's last row.
fn next_is(db: &dyn Db, t: &mut Table, mine: &[u8]) -> Result<std::result::Result<(), Option<i64>>> {
    let Live::Agree { next, after, end } = &mut t.live else {
        return Ok(Err(None));
    };
    if next.rows.is_empty() && !*end {
        next.bytes.clear();
        let mut n = 0;
        db.each_row_ref(&t.select, vals![*after, PAGE], &mut |cols| {
            let Some(ValRef::Int(rowid)) = cols.first() else {
                return Err(Error::runtime("ledger rebuild: a row's rowid is not a number"));
            };
            let start = next.bytes.len();
            encode_row(&mut next.bytes, cols[1..].iter().copied());
            next.rows.push_back((*rowid, start, next.bytes.len()));
            *after = *rowid;
            n += 1;
            Ok(())
        })?;
        *end = n < PAGE;
    }
    Ok(match next.rows.pop_front() {
        Some((_, start, stop)) if next.bytes[start..stop] == *mine => Ok(()),
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
            self.mine.clear();
            encode_row(&mut self.mine, row.iter().map(Val::borrowed));
            let differs = match next_is(db, t, &self.mine) {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(Some(rowid))) => delete_from(db, table, rowid),
                Ok(Err(None)) => Ok(()),
                Err(e) => Err(e),
            };
            t.live = Live::Rewrite;
            let insert = t.insert.clone();
            self.store(differs)?;
            return self.store(db.exec(&insert, row).map(drop));
        }
        let r = db.exec(&t.insert, row).map(drop);
        self.store(r)
    }
}
