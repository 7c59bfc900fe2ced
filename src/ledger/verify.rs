//! `audit verify`: everything gates read must follow from the events.
//! The chain proves the events were not edited; projections rebuilt from
//! the events and compared with the live tables prove nobody forged an
//! approval, edited a current release or cleared a hold behind the
//! ledger's back; the head checkpoint proves the newest events were not
//! deleted.
//!
//! The projections are first folded in memory (`sql::fold`) and compared
//! by digest. Only when that fold is unsure, or the digests differ, are
//! the events replayed through the SQL itself into a scratch store, which
//! decides and names the first differing row.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use super::event::Event;
use super::sql::chain::RawPage;
use super::sql::fold::{Fold, Unsure};
use super::sql::{apply, chain, compare, Db};
use super::sqlite::SqliteStore;
use super::store::{SecondReader, VerifyReport};
use crate::error::{Error, Result};

/// Pages read ahead of the projection: enough to keep both threads busy,
/// few enough that memory stays a few pages' worth.
const AHEAD: usize = 4;

/// The chain and the projections, as of one moment: the caller holds a
/// snapshot (`Db::begin_snapshot`) while other writers append.
pub fn verify(db: &dyn Db, second: Option<SecondReader>) -> Result<VerifyReport> {
    match folded(db, second)? {
        Some(report) => Ok(report),
        None => replayed(db),
    }
}

/// The fast path: the chain read and hashed on this thread, the events
/// folded in memory on a second (`sql::fold`), and the live tables
/// digested here meanwhile. `None` when the fold is unsure or disagrees
/// with the live tables: only the SQL replay may then judge, and name the
/// row.
fn folded(db: &dyn Db, second: Option<SecondReader>) -> Result<Option<VerifyReport>> {
    std::thread::scope(|s| {
        // The live tables digested through a second connection meanwhile,
        // where the store has one: three passes on two cores.
        let elsewhere = match second {
            Some(read) => Some(
                std::thread::Builder::new()
                    .name("verify-live".into())
                    .spawn_scoped(s, read)?,
            ),
            None => None,
        };
        let (pages, inbox) = mpsc::sync_channel::<RawPage>(AHEAD);
        let folder = std::thread::Builder::new()
            .name("verify-fold".into())
            .spawn_scoped(s, move || fold(inbox))?;
        let read = chain::verify_chain_raw(db, &mut |page| {
            // The folder takes every page, even once it is unsure.
            pages
                .send(page)
                .map_err(|_| Error::runtime("audit verify: the fold stopped"))
        });
        drop(pages);
        let live = match &read {
            Ok(r) if r.first_bad.is_none() => {
                let head = r.head.as_ref().map_or(0, |h| h.0);
                // Its snapshot is this one when it saw the same head:
                // projections only change with the events that explain them.
                match elsewhere.map(|t| t.join()) {
                    Some(Ok(Ok((seen, digests)))) if seen == head => Some(digests),
                    _ => Some(compare::digests(db)?),
                }
            }
            _ => None,
        };
        let folded = folder
            .join()
            .map_err(|_| Error::runtime("audit verify: the fold thread panicked"))?;
        let report = read?;
        if let Some(live) = live {
            match folded {
                Ok(digests) if digests == live => {}
                Ok(_) => return Ok(None),
                Err(Unsure(why)) => {
                    tracing::debug!("audit verify: replaying in SQL: {why}");
                    return Ok(None);
                }
            }
        }
        // With a broken chain that is the finding; what its events would
        // project does not matter (as in the replay).
        Ok(Some(report))
    })
}

fn fold(inbox: mpsc::Receiver<RawPage>) -> std::result::Result<Vec<compare::Digest>, Unsure> {
    let mut fold = Fold::new();
    let mut unsure = None;
    for page in inbox {
        if unsure.is_none() {
            unsure = page.iter().try_for_each(|e| fold.apply(&e)).err();
        }
    }
    match unsure {
        Some(u) => Err(u),
        None => fold.digests(),
    }
}

/// The full check: every event replayed through `sql::apply` into a
/// scratch store and compared with the live tables, the first difference
/// named.
fn replayed(db: &dyn Db) -> Result<VerifyReport> {
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
