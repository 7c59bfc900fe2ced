//! `audit verify`: everything gates read must follow from the events.
//! The chain proves the events were not edited; a rebuild of every
//! projection into a scratch store, compared row by row with the live
//! tables, proves nobody forged an approval, edited a current release or
//! cleared a hold behind the ledger's back; the head checkpoint proves the
//! newest events were not deleted.

use super::sql::{chain, Db};
use super::sqlite::SqliteStore;
use super::store::{Store, VerifyReport};
use crate::error::Result;

pub fn verify(db: &dyn Db, location: &str) -> Result<VerifyReport> {
    let mut report = chain::verify_chain(db)?;
    report.truncated = super::checkpoint::check(db, location)?;
    if report.first_bad.is_some() {
        // The events themselves are wrong; what they would project is moot.
        return Ok(report);
    }
    let mut scratch = SqliteStore::scratch()?;
    let mut batch = Vec::with_capacity(1024);
    chain::for_each_event(db, &mut |e| {
        batch.push(e);
        if batch.len() == 1024 {
            scratch.append_verbatim(&batch)?;
            batch.clear();
        }
        Ok(())
    })?;
    scratch.append_verbatim(&batch)?;
    report.projections = chain::first_difference(db, scratch.db())?;
    Ok(report)
}
