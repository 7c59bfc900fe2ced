//! `audit verify`: everything gates read must follow from the events.
//! The chain proves the events were not edited; a rebuild of every
//! projection into a scratch store, compared row by row with the live
//! tables, proves nobody forged an approval, edited a current release or
//! cleared a hold behind the ledger's back; the head checkpoint proves the
//! newest events were not deleted.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use super::event::Event;
use super::sql::{apply, chain, compare, Db};
use super::sqlite::SqliteStore;
use super::store::VerifyReport;
use crate::error::{Error, Result};

/// Pages read ahead of the projection: enough to keep both threads busy,
/// few enough that memory stays a few pages' worth.
const AHEAD: usize = 4;

pub fn verify(db: &dyn Db, location: &str) -> Result<VerifyReport> {
    // One read of the events, on two cores: this thread reads and hashes
    // the chain and hands each page of events that link to a second
    // thread, which projects them into the scratch store (no event rows
    // there, and no second hash) and then digests its tables while this
    // one digests the live ones. The live store never leaves this thread.
    let moot = AtomicBool::new(false);
    std::thread::scope(|s| {
        let (pages, inbox) = mpsc::sync_channel::<Vec<Event>>(AHEAD);
        let moot_ref = &moot;
        let projector = std::thread::Builder::new()
            .name("verify-replay".into())
            .spawn_scoped(s, move || project(inbox, moot_ref))?;
        let read = chain::verify_chain_pages(db, &mut |page| {
            // The projector only hangs up when it failed; its error says why.
            pages
                .send(page)
                .map_err(|_| Error::runtime("audit verify: the projection stopped"))
        });
        if !matches!(&read, Ok(r) if r.first_bad.is_none()) {
            moot.store(true, Ordering::Release);
        }
        drop(pages);
        let live = match &read {
            Ok(r) if r.first_bad.is_none() => Some(compare::digests(db)),
            _ => None,
        };
        let projected = projector
            .join()
            .map_err(|_| Error::runtime("audit verify: the projection thread panicked"))?;
        let (scratch, rebuilt) = projected?;
        let mut report = read?;
        report.truncated = super::checkpoint::check(db, location)?;
        if let Some(live) = live {
            report.projections = compare::first_difference_given(db, scratch.connection(), &live?, &rebuilt)?;
        }
        Ok(report)
    })
}

/// The second thread's part: replay every page into a scratch store, then
/// digest its tables, unless that became `moot` (the chain is broken, and
/// what broken events would project does not matter; or the read failed).
fn project(inbox: mpsc::Receiver<Vec<Event>>, moot: &AtomicBool) -> Result<(SqliteStore, Vec<compare::Digest>)> {
    let scratch = SqliteStore::scratch()?;
    let conn = scratch.connection();
    conn.execute_batch("BEGIN")?;
    for page in inbox {
        for e in &page {
            apply(conn, e)?;
        }
    }
    conn.execute_batch("COMMIT")?;
    let digests = if moot.load(Ordering::Acquire) {
        Vec::new()
    } else {
        compare::digests(conn)?
    };
    Ok((scratch, digests))
}
