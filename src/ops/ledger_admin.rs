//! Ledger administration: `ledger init` (create or migrate the schema) and
//! `ledger copy` (move a ledger between SQLite and PostgreSQL, verbatim).

use serde::Serialize;

use crate::config::{Config, LedgerConfig, LedgerLocation};
use crate::error::{Error, Result};
use crate::ledger::{self, postgres, SqliteStore, Store};

/// What `ledger init` did.
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    pub ledger: String,
    pub from: i64,
    pub to: i64,
    pub granted: Vec<String>,
    /// Indexes this run created (PostgreSQL adds them outside the versioned
    /// steps; SQLite's come with its schema).
    pub indexes: Vec<String>,
}

/// Create or migrate the configured ledger's schema; on PostgreSQL, also
/// grant `grant` roles what relcon needs.
pub fn init(config: &Config, grant: &[String]) -> Result<InitReport> {
    match &config.ledger.location {
        LedgerLocation::Sqlite(path) => {
            if !grant.is_empty() {
                return Err(Error::usage(
                    "--grant is for a PostgreSQL ledger; a SQLite file has no roles",
                ));
            }
            let store = SqliteStore::open(path)?;
            let v = store.schema_version()?;
            Ok(InitReport {
                ledger: store.location(),
                from: v,
                to: v,
                granted: vec![],
                indexes: vec![],
            })
        }
        LedgerLocation::Postgres(url) => {
            let r = postgres::init::init(url, &config.ledger, grant)?;
            Ok(InitReport {
                ledger: r.server,
                from: r.from,
                to: r.to,
                granted: r.granted,
                indexes: r.indexes,
            })
        }
    }
}

/// What `ledger copy` did.
#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    pub from: String,
    pub to: String,
    pub events: u64,
    /// `audit head` of the source when the copy finished, and of the copy.
    pub source_head: String,
    pub target_head: String,
}

/// Open (creating it if needed) the ledger at `url` — `sqlite:PATH` (relative
/// to the current folder) or `postgres://…` (schema created when missing).
fn open_target(url: &str, source: &LedgerConfig, password_env: Option<String>) -> Result<Box<dyn Store>> {
    let cwd = std::env::current_dir()?;
    let loc = crate::config::parse_ledger_url(url, &cwd).map_err(Error::usage)?;
    let cfg = LedgerConfig {
        location: loc.clone(),
        password_env: password_env.or_else(|| source.password_env.clone()),
        ..source.clone()
    };
    match &loc {
        LedgerLocation::Sqlite(_) => {}
        LedgerLocation::Postgres(u) => {
            postgres::init::init(u, &cfg, &[])?;
        }
    }
    ledger::open_ledger(&cfg)
}

/// Copy every event of `from` into the empty ledger at `url`, verbatim and
/// in order, then verify the copy: same chain, same head.
pub fn copy(from: &dyn Store, source: &LedgerConfig, url: &str, password_env: Option<String>) -> Result<CopyReport> {
    let mut to = open_target(url, source, password_env)?;
    let have = to.event_count()?;
    if have > 0 {
        return Err(Error::usage(format!(
            "{} already holds {have} events: `ledger copy` only fills an empty ledger",
            to.location()
        )));
    }
    let mut after = 0;
    let mut copied = 0;
    loop {
        let page = from.events_after(after, 2_000)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        copied += page.len() as u64;
        to.append_verbatim(&page)?;
    }
    let report = to.verify()?;
    if !report.ok() {
        return Err(Error::runtime(format!(
            "the copy at {} does not verify: {:?}",
            to.location(),
            report
        )));
    }
    let (s, h) = from.head()?;
    let (ts, th) = to.head()?;
    Ok(CopyReport {
        from: from.location(),
        to: to.location(),
        events: copied,
        source_head: format!("{s}:{h}"),
        target_head: format!("{ts}:{th}"),
    })
}
