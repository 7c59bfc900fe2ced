//! `relcon ledger init`: create (or migrate) the `relcon` schema on a
//! PostgreSQL server and grant roles what relcon needs — append events and
//! move the head, never rewrite history.

use super::{connect, schema, PgStore};
use crate::config::LedgerConfig;
use crate::error::{Error, Result};
use crate::ledger::sql::Db;

/// What `init` did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub server: String,
    /// Schema version before (0: none).
    pub from: i64,
    pub to: i64,
    pub granted: Vec<String>,
    /// Indexes created by this run ([`schema::INDEXES`] that were missing).
    pub indexes: Vec<String>,
}

/// The schema version on the server, `None` when relcon was never set up there.
pub fn schema_version(store: &PgStore) -> Result<Option<i64>> {
    let exists = store.query_opt("SELECT to_regclass('relcon.schema_version') IS NOT NULL", &[])?;
    if exists.map(|r| r.int(0)).transpose()? != Some(1) {
        return Ok(None);
    }
    let row = store.query_opt("SELECT MAX(version) FROM relcon.schema_version", &[])?;
    Ok(row.map(|r| r.opt_int(0)).transpose()?.flatten())
}

/// Create or migrate the schema (serialised with any other `init`), then grant.
pub fn init(url: &str, cfg: &LedgerConfig, grant: &[String]) -> Result<Report> {
    let target = connect::target(url, cfg.password_env.as_deref())?;
    let mut client = connect::connect(&target)?;
    let fail =
        |e: postgres::Error| Error::runtime(format!("ledger server {}: {}", target.display, connect::one_line(&e)));
    let mut tx = client.transaction().map_err(fail)?;
    // Two inits at once: the second waits, then finds nothing left to do.
    tx.batch_execute("SELECT pg_advisory_xact_lock(7242018)")
        .map_err(fail)?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS relcon;
         CREATE TABLE IF NOT EXISTS relcon.schema_version (version INTEGER NOT NULL);",
    )
    .map_err(fail)?;
    let from: i64 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0)::bigint FROM relcon.schema_version",
            &[],
        )
        .and_then(|r| r.try_get(0))
        .map_err(fail)?;
    let known = schema::MIGRATIONS.len() as i64;
    if from > known {
        return Err(Error::runtime(format!(
            "ledger server {} has schema version {from}, newer than this relcon understands ({known}); upgrade relcon",
            target.display
        )));
    }
    for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(from as usize) {
        tx.batch_execute(sql).map_err(fail)?;
        tx.execute("DELETE FROM relcon.schema_version", &[]).map_err(fail)?;
        tx.execute(
            "INSERT INTO relcon.schema_version (version) VALUES ($1)",
            &[&((i + 1) as i32)],
        )
        .map_err(fail)?;
    }
    let mut indexes = Vec::new();
    for (name, sql) in schema::INDEXES {
        let had = tx
            .query_one("SELECT to_regclass($1::text) IS NOT NULL", &[&format!("relcon.{name}")])
            .and_then(|r| r.try_get::<_, bool>(0))
            .map_err(fail)?;
        if !had {
            tx.batch_execute(sql).map_err(fail)?;
            indexes.push(name.to_string());
        }
    }
    for role in grant {
        tx.batch_execute(&schema::grants(role)).map_err(fail)?;
    }
    tx.commit().map_err(fail)?;
    Ok(Report {
        server: target.display.clone(),
        from,
        to: known,
        granted: grant.to_vec(),
        indexes,
    })
}
