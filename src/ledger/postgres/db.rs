//! The shared SQL on a PostgreSQL connection or transaction: `?N`
//! placeholders become `$N`, statements are prepared once per connection,
//! and values convert to the column types the server asks for.

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{GenericClient, Statement};
use std::cell::RefCell;
use std::collections::HashMap;

use super::{connect, PgStore};
use crate::error::{Error, Result};
use crate::ledger::sql::{Db, Row, Val};

pub type Cache = RefCell<HashMap<String, Statement>>;
type PgResult<T> = std::result::Result<T, postgres::Error>;

impl ToSql for Val {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(n) => match *ty {
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::NAME => n.to_string().to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            Val::Text(t) => t.as_str().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

/// `?1` → `$1`. The shared SQL holds no `?` inside string literals.
pub fn dialect(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

fn prepared<C: GenericClient>(c: &mut C, cache: &Cache, sql: &str) -> PgResult<Statement> {
    if let Some(s) = cache.borrow().get(sql) {
        return Ok(s.clone());
    }
    let st = c.prepare(&dialect(sql))?;
    cache.borrow_mut().insert(sql.to_string(), st.clone());
    Ok(st)
}

fn params(vals: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
    vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

pub fn exec<C: GenericClient>(c: &mut C, cache: &Cache, sql: &str, vals: &[Val]) -> PgResult<usize> {
    let st = prepared(c, cache, sql)?;
    Ok(c.execute(&st, &params(vals))? as usize)
}

pub fn query<C: GenericClient>(c: &mut C, cache: &Cache, sql: &str, vals: &[Val]) -> PgResult<Vec<Row>> {
    let st = prepared(c, cache, sql)?;
    c.query(&st, &params(vals))?.iter().map(to_row).collect()
}

fn to_row(r: &postgres::Row) -> PgResult<Row> {
    let mut out = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let v = match *col.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Val::Int),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|n| Val::Int(n.into())),
            Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|n| Val::Int(n.into())),
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Val::from),
            _ => r.try_get::<_, Option<String>>(i)?.map(Val::Text),
        };
        out.push(v.unwrap_or(Val::Null));
    }
    Ok(Row(out))
}

const NOW_MS: &str = "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint";

/// The server's clock, ms since the epoch.
pub fn now_ms(db: &dyn crate::ledger::sql::Db) -> crate::error::Result<i64> {
    db.query(NOW_MS, &[])?
        .first()
        .map(|r| r.int(0))
        .transpose()?
        .ok_or_else(|| crate::error::Error::runtime("ledger: no clock"))
}

/// The shared SQL inside one append transaction. The first database error
/// is kept, so the transaction's caller can tell a lost connection from a
/// refused gate.
pub(super) struct TxDb<'a> {
    pub(super) tx: RefCell<postgres::Transaction<'a>>,
    pub(super) stmts: &'a Cache,
    pub(super) error: RefCell<Option<postgres::Error>>,
}

impl TxDb<'_> {
    fn keep(&self, e: postgres::Error) -> Error {
        let msg = format!("ledger: {}", connect::one_line(&e));
        self.error.borrow_mut().get_or_insert(e);
        Error::runtime(msg)
    }
}

impl Db for TxDb<'_> {
    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        exec(&mut *self.tx.borrow_mut(), self.stmts, sql, params).map_err(|e| self.keep(e))
    }
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        query(&mut *self.tx.borrow_mut(), self.stmts, sql, params).map_err(|e| self.keep(e))
    }
    fn begin_snapshot(&self) -> Result<bool> {
        Ok(false)
    }
    fn now_ms(&self) -> Result<i64> {
        now_ms(self)
    }
}

impl Db for PgStore {
    fn exec(&self, sql: &str, params: &[Val]) -> Result<usize> {
        self.with(|c| exec(&mut c.client, &c.stmts, sql, params))
    }
    fn query(&self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        self.with(|c| query(&mut c.client, &c.stmts, sql, params))
    }
    fn begin_snapshot(&self) -> Result<bool> {
        self.exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", &[])?;
        Ok(true)
    }
    fn now_ms(&self) -> Result<i64> {
        now_ms(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(
            super::dialect("SELECT a FROM t WHERE x = ?1 AND y = ?12 OR z IS NULL"),
            "SELECT a FROM t WHERE x = $1 AND y = $12 OR z IS NULL"
        );
    }
}
