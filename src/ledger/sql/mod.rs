//! The ledger's SQL, written once for both stores. SQLite and PostgreSQL
//! each implement the small [`Db`] trait (run a statement, read rows, read
//! the database clock); projections, reads, appends, verification and
//! rebuild live here, so the two stores cannot drift apart.
//!
//! Statements use SQLite's `?N` placeholders; the PostgreSQL store rewrites
//! them to `$N`. Integers are 64-bit, booleans are stored as 0/1, times as
//! RFC 3339 text (the same text that is hashed).

pub mod chain;
pub(crate) mod compare;
pub mod dora;
pub mod fold;

pub mod incident;
pub mod outbox;
pub mod outputs;
mod pages;
mod project;
pub mod rebuild;
pub mod rollout;
mod view;

pub use chain::Tip;
pub use project::apply;

use crate::error::{Error, Result};

/// A value bound to or read from a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<u64> for Val {
    fn from(v: u64) -> Val {
        Val::Int(v as i64)
    }
}
impl From<u32> for Val {
    fn from(v: u32) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(i64::from(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Val {
        Val::Text(v.clone())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Val {
        v.as_deref().map_or(Val::Null, Val::from)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

/// `vals![a, b]` → `&[Val::from(a), Val::from(b)]`.
#[macro_export]
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::ledger::sql::Val::from($v)),*] };
}
pub use vals;

/// A value as read, borrowed from the row (text as its stored bytes), for
/// passes that only look at each value once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValRef<'a> {
    Null,
    Int(i64),
    Text(&'a [u8]),
}

impl Val {
    pub fn borrowed(&self) -> ValRef<'_> {
        match self {
            Val::Null => ValRef::Null,
            Val::Int(n) => ValRef::Int(*n),
            Val::Text(t) => ValRef::Text(t.as_bytes()),
        }
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Val>);

impl Row {
    fn at(&self, i: usize) -> Result<&Val> {
        self.0
            .get(i)
            .ok_or_else(|| Error::runtime(format!("ledger: row has no column {i}")))
    }
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            Val::Int(n) => Ok(Some(*n)),
            Val::Text(t) => t
                .parse()
                .map(Some)
                .map_err(|_| Error::runtime(format!("ledger: column {i} is {t:?}, expected a number"))),
        }
    }
    pub fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?
            .ok_or_else(|| Error::runtime(format!("ledger: column {i} is NULL, expected a number")))
    }
    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(match self.at(i)? {
            Val::Null => None,
            Val::Int(n) => Some(n.to_string()),
            Val::Text(t) => Some(t.clone()),
        })
    }
    pub fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?
            .ok_or_else(|| Error::runtime(format!("ledger: column {i} is NULL, expected text")))
    }
}

/// What a store's connection (or open transaction) offers the shared SQL.
pub trait Db {
    /// Run a statement; the number of rows it changed.
    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize>;
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>>;
    /// Each row in turn, so a whole table need not be in memory at once
    /// (SQLite streams; a store that cannot reads them all first).
    fn each_row(&self, sql: &str, params: &[Val], each: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
        for r in self.query(sql, params)? {
            each(r)?;
        }
        Ok(())
    }
    /// Each row's values, borrowed: nothing is copied out of the row (a
    /// store that cannot borrow converts each row first).
    fn each_row_ref(&self, sql: &str, params: &[Val], each: &mut dyn FnMut(&[ValRef<'_>]) -> Result<()>) -> Result<()> {
        self.each_row(sql, params, &mut |r| {
            let vals: Vec<ValRef<'_>> = r.0.iter().map(Val::borrowed).collect();
            each(&vals)
        })
    }
    fn query_opt(&self, sql: &str, params: &[Val]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
    /// Begin a read-only snapshot, so that several reads see one moment
    /// while other writers append (`audit verify`); false when a
    /// transaction is already open, whose own snapshot serves.
    fn begin_snapshot(&self) -> Result<bool> {
        self.exec("BEGIN", &[]).map(|_| true)
    }
    /// End what [`Db::begin_snapshot`] began (it wrote nothing).
    fn end_snapshot(&self) -> Result<()> {
        self.exec("ROLLBACK", &[]).map(drop)
    }
    /// The database's clock in ms since the epoch: leases are judged by it,
    /// so machines with skewed clocks agree on who holds an environment.
    fn now_ms(&self) -> Result<i64>;
}
