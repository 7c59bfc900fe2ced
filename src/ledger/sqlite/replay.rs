//! Writing many projection rows without keeping up, row by row, the
//! indexes that only later reads use: `audit verify` replays every event
//! into a scratch store that is only digested, never queried by them; and
//! `ledger rebuild` fills tables it found empty, then builds their indexes
//! once (a sort) rather than one insert at a time (100k events, every
//! projection emptied: 0.43-0.50 s -> about 0.38 s).

use rusqlite::Connection;

use crate::error::Result;
use crate::ledger::sql::chain::PROJECTIONS;

/// Explicit indexes that the replay's own statements (`sql::apply`) read:
/// `deployment.*` finishing looks up the newest succeeded release through
/// `releases_status`. Every other explicit index only serves later reads.
/// (Primary keys and UNIQUE constraints are SQLite's automatic indexes and
/// are never dropped: they also refuse duplicates during the replay.)
const READ_BY_REPLAY: &[&str] = &["releases_status"];

/// Drop every explicit index on a projection in `tables` (all when None)
/// that the replay does not read (the events' own indexes stay); returns
/// the statements that create them again. Which ones exist is read from
/// SQLite itself, so the definitions stay in the migrations alone.
pub fn drop_unread_indexes(conn: &Connection, tables: Option<&[&str]>) -> Result<Vec<String>> {
    let mut st =
        conn.prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")?;
    let indexes = st
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut dropped = Vec::new();
    for (name, table, sql) in indexes {
        let chosen = tables.is_none_or(|t| t.contains(&table.as_str()));
        if !chosen || READ_BY_REPLAY.contains(&name.as_str()) || !PROJECTIONS.iter().any(|p| p.table == table) {
            continue;
        }
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
        dropped.push(sql);
    }
    Ok(dropped)
}

/// The projection tables that hold no row (a rebuild writes each whole).
pub fn empty_projections(conn: &Connection) -> Result<Vec<&'static str>> {
    let mut empty = Vec::new();
    for p in PROJECTIONS {
        let any: bool = conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM {})", p.table), [], |r| r.get(0))?;
        if !any {
            empty.push(p.table);
        }
    }
    Ok(empty)
}
