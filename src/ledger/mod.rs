//! The tamper-evident ledger: events, the hash chain, the Store trait and
//! its two implementations (SQLite, PostgreSQL) over one set of SQL.

pub mod bodies;
pub mod checkpoint;
pub mod event;
pub mod lease;
pub mod postgres;
pub mod presence;
pub mod sql;
pub mod sqlite;
pub mod store;
mod verify;
mod wake;

pub use event::{kind, Event, NewEvent};
pub use sqlite::SqliteStore;
pub use store::{Beat, Lease, Presence, StateView, Store, VerifyReport};
pub use wake::Wake;

use crate::config::{Config, LedgerConfig, LedgerLocation};
use crate::error::Result;

/// Open the store a config names.
pub fn open(config: &Config) -> Result<Box<dyn Store>> {
    open_ledger(&config.ledger)
}

pub fn open_ledger(ledger: &LedgerConfig) -> Result<Box<dyn Store>> {
    match &ledger.location {
        LedgerLocation::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
        LedgerLocation::Postgres(url) => Ok(Box::new(postgres::PgStore::open(url, ledger)?)),
    }
}
