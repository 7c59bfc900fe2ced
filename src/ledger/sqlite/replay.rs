//! Replaying every event into a scratch store's projections (`audit
//! verify`) without keeping up the indexes that only later reads use: the
//! scratch store is only replayed into and digested, never queried by them.

use rusqlite::Connection;

use crate::error::Result;
use crate::ledger::sql::chain::PROJECTIONS;

/// Explicit indexes that the replay's own statements (`sql::apply`) read:
/// `deployment.*` finishing looks up the newest succeeded release through
/// `releases_status`. Every other explicit index only serves later reads.
/// (Primary keys and UNIQUE constraints are SQLite's automatic indexes and
/// are never dropped: they also refuse duplicates during the replay.)
const READ_BY_REPLAY: &[&str] = &["releases_status"];

/// Drop every explicit index on a projection that the replay does not read
/// (the events' own indexes stay). Which ones exist is read from SQLite
/// itself, so the definitions stay in the migrations alone.
pub fn drop_unread_indexes(conn: &Connection) -> Result<()> {
    let mut st = conn.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")?;
    let indexes = st
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (name, table) in indexes {
        if READ_BY_REPLAY.contains(&name.as_str()) || !PROJECTIONS.iter().any(|p| p.table == table) {
            continue;
        }
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(())
}
