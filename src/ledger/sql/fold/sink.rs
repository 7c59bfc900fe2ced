//! Where the fold's finished rows go: digested for `audit verify`, or
//! written to the emptied projections for `ledger rebuild`.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{Folded, Unsure};
use crate::ledger::sql::chain::PROJECTIONS;
use crate::ledger::sql::compare::{add_row, Digest};
use crate::ledger::sql::{Db, Val};

/// The tables the fold knows, which must be every one of `PROJECTIONS`
/// (a test holds them equal; the fold refuses to judge otherwise).
pub const FOLDED: &[&str] = &[
    "builds",
    "releases",
    "env_state",
    "approvals",
    "checklist_ticks",
    "flag_state",
    "flag_changes",
    "incidents",
    "rollouts",
    "leases",
];

/// Where finished rows go: digested (`audit verify`) or written to a
/// store's emptied projections (`ledger rebuild`).
pub trait Sink {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()>;
}

/// Each table's rows digested as `compare::digests` digests a store's.
#[derive(Default)]
pub struct Digests(pub(super) HashMap<&'static str, Digest>);

impl Sink for Digests {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()> {
        add_row(self.0.entry(table).or_default(), row.iter().map(Val::borrowed));
        Ok(())
    }
}

/// Rows inserted into a store's projection tables, one statement a row.
/// A store error is kept in `failed` (it is no reason to replay: the
/// replay would meet it too).
pub struct Writer<'a> {
    db: &'a dyn Db,
    sql: HashMap<&'static str, String>,
    failed: &'a RefCell<Option<crate::error::Error>>,
}

impl<'a> Writer<'a> {
    pub fn new(db: &'a dyn Db, failed: &'a RefCell<Option<crate::error::Error>>) -> Writer<'a> {
        let sql = PROJECTIONS
            .iter()
            .map(|p| {
                let n = p.cols.split(',').count();
                let marks: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
                let sql = format!("INSERT INTO {} ({}) VALUES ({})", p.table, p.cols, marks.join(", "));
                (p.table, sql)
            })
            .collect();
        Writer { db, sql, failed }
    }
}

impl Sink for Writer<'_> {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()> {
        let Some(sql) = self.sql.get(table) else {
            return Err(Unsure(format!("no projection {table}")));
        };
        self.db.exec(sql, row).map(drop).map_err(|e| {
            let why = e.to_string();
            *self.failed.borrow_mut() = Some(e);
            Unsure(why)
        })
    }
}
