//! The shared SQL on a SQLite connection: values bind and read without
//! conversion, rows stream, and statements are prepared once (cached).

use chrono::Utc;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;

use crate::error::Result;
use crate::ledger::sql::{Db, Row, Val, ValRef};

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Val::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Val::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

impl Db for Connection {
    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        Ok(self.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))?)
    }

    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        self.each_row(sql, params, &mut |r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    fn each_row(&self, sql: &str, params: &[Val], each: &mut dyn FnMut(Row) -> Result<()>) -> Result<()> {
        let mut st = self.prepare_cached(sql)?;
        let cols = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        while let Some(r) = rows.next()? {
            let mut vals = Vec::with_capacity(cols);
            for i in 0..cols {
                vals.push(match r.get_ref(i)? {
                    ValueRef::Null => Val::Null,
                    ValueRef::Integer(n) => Val::Int(n),
                    ValueRef::Real(f) => Val::Int(f as i64),
                    // Valid UTF-8 (always, unless edited by hand) is copied
                    // as is: the lossy scan was a measurable part of a pass.
                    ValueRef::Text(t) | ValueRef::Blob(t) => Val::Text(match std::str::from_utf8(t) {
                        Ok(s) => s.to_owned(),
                        Err(_) => String::from_utf8_lossy(t).into_owned(),
                    }),
                });
            }
            each(Row(vals))?;
        }
        Ok(())
    }

    fn each_row_ref(&self, sql: &str, params: &[Val], each: &mut dyn FnMut(&[ValRef<'_>]) -> Result<()>) -> Result<()> {
        let mut st = self.prepare_cached(sql)?;
        let cols = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(params))?;
        // One buffer for every row: a whole-ledger pass reads millions.
        let mut vals: Vec<ValRef<'_>> = Vec::with_capacity(cols);
        while let Some(r) = rows.next()? {
            let mut row = std::mem::take(&mut vals);
            for i in 0..cols {
                row.push(match r.get_ref(i)? {
                    ValueRef::Null => ValRef::Null,
                    ValueRef::Integer(n) => ValRef::Int(n),
                    ValueRef::Real(f) => ValRef::Int(f as i64),
                    ValueRef::Text(t) | ValueRef::Blob(t) => ValRef::Text(t),
                });
            }
            each(&row)?;
            row.clear();
            vals = reuse(row);
        }
        Ok(())
    }

    fn begin_snapshot(&self) -> Result<bool> {
        if !self.is_autocommit() {
            return Ok(false);
        }
        // Deferred: in WAL mode the snapshot is taken at the first read.
        self.execute_batch("BEGIN")?;
        Ok(true)
    }

    fn end_snapshot(&self) -> Result<()> {
        Ok(self.execute_batch("ROLLBACK")?)
    }

    fn now_ms(&self) -> Result<i64> {
        // One machine, one clock: the same one the processes sharing this file read.
        Ok(Utc::now().timestamp_millis())
    }
}

/// An emptied buffer of borrowed values, free to borrow from the next row.
fn reuse<'a>(mut v: Vec<ValRef<'_>>) -> Vec<ValRef<'a>> {
    v.clear();
    v.into_iter().map(|_| ValRef::Null).collect()
}
