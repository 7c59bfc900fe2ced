//! Connections to a ledger file: read-write in WAL mode (tried again
//! while another process is switching a new file to WAL), or read-only for
//! a ledger on a read-only mount or folder.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

/// Prepared statements each connection keeps. rusqlite's default, 16, is
/// fewer than one console reload uses (status of every env, its history
/// page, reviews, the follower's catch-up): each reload prepared most of
/// its statements again, a fifth of the reader's time on an env switch.
const STATEMENTS: usize = 256;

/// How long a writer waits for others to let go of the ledger.
const BUSY_PATIENCE: Duration = Duration::from_secs(10);

/// A read-write connection in WAL mode. Switching a new file to WAL reads
/// it, then upgrades to a write lock; when another process is doing the
/// same, SQLite answers "database is locked" at once rather than calling
/// the busy handler (it would deadlock), so the switch is tried again here.
pub(super) fn connect_rw(path: &Path) -> rusqlite::Result<Connection> {
    let deadline = Instant::now() + BUSY_PATIENCE;
    let mut pause = Duration::from_millis(2);
    loop {
        let attempt = Connection::open(path).and_then(|conn| {
            conn.busy_timeout(BUSY_PATIENCE)?;
            conn.set_prepared_statement_cache_capacity(STATEMENTS);
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            Ok(conn)
        });
        match attempt {
            Err(e) if is_busy(&e) && Instant::now() < deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy))
}

/// Read-only, without creating -wal/-shm files (`immutable` when even
/// those cannot be made).
pub(super) fn connect_ro(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .and_then(|c| {
            c.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))
                .map(|_| c)
        })
        .or_else(|_| {
            let uri = format!("file:{}?immutable=1", path.display());
            Connection::open_with_flags(uri, flags)
        })?;
    conn.busy_timeout(BUSY_PATIENCE)?;
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(conn)
}
