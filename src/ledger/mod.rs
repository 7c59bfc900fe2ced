//! The tamper-evident ledger: events, the hash chain, the Store trait and
//! its SQLite implementation with projections.

pub mod bodies;
pub mod event;
pub mod sqlite;
pub mod store;

pub use event::{kind, Event, NewEvent};
pub use sqlite::SqliteStore;
pub use store::{StateView, Store, VerifyReport};

use crate::config::{Config, LedgerLocation};
use crate::error::Result;

/// Open the store a config names.
pub fn open(config: &Config) -> Result<Box<dyn Store>> {
    match &config.ledger {
        LedgerLocation::Sqlite(path) => Ok(Box::new(SqliteStore::open(path)?)),
    }
}
