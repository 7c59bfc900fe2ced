//! `audit verify`: everything gates read must follow from the events.
//! The chain proves the events were not edited; a rebuild of every
//! projection into a scratch store, compared row by row with the live
//! tables, proves nobody forged an approval, edited a current release or
//! cleared a hold behind the ledger's back; the head checkpoint proves the
//! newest events were not deleted.

use super::sql::{apply, chain, Db};
use super::sqlite::SqliteStore;
use super::store::VerifyReport;
use crate::error::Result;

pub fn verify(db: &dyn Db, location: &str) -> Result<VerifyReport> {
    // One read of the events: each is checked against the chain and, when
    // it links, projected into the scratch store (no event rows there, and
    // no second hash: the chain was just checked), in one transaction.
    let scratch = SqliteStore::scratch()?;
    let conn = scratch.connection();
    conn.execute_batch("BEGIN")?;
    let mut report = chain::verify_chain_then(db, &mut |e| apply(conn, e))?;
    conn.execute_batch("COMMIT")?;
    report.truncated = super::checkpoint::check(db, location)?;
    if report.first_bad.is_some() {
        // The events themselves are wrong; what they would project is moot.
        return Ok(report);
    }
    report.projections = chain::first_difference(db, conn)?;
    Ok(report)
}
