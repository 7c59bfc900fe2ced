//! `ledger rebuild`: every projection made what the events say. The events
//! are folded in memory (`fold/`), each row written once when it is final;
//! where the fold is unsure, every event is replayed through `apply`.

use std::cell::RefCell;

use super::chain::{for_each_event, PROJECTIONS};
use super::fold::{self, Fold, Opener, Unsure, Writer};
use super::pages::{each_page, RawPage};
use super::{apply, Db};
use crate::error::Result;

pub enum How {
    /// Cleared and every row written (PostgreSQL: no insertion order to
    /// line live rows up with the fold's).
    Whole,
    /// Only the rows that differ written (SQLite; see `fold/writer.rs`).
    /// With an `Opener`, the events and each table's live rows are read
    /// ahead on threads of their own, through connections of their own,
    /// while this one folds and compares (1M events, `relcon ledger
    /// rebuild` of a consistent ledger, paired runs: 1.7-2.1 s against
    /// 2.1-2.7 s, 88 MB RSS against 61 MB). Tried and not kept: folding on
    /// a thread of its own too (its rows cloned across: more CPU, slower).
    Mend(Option<Opener>),
}

pub fn rebuild(db: &dyn Db, how: How) -> Result<()> {
    let failed = RefCell::new(None);
    let (writer, ahead) = match how {
        How::Mend(None) => (Writer::mending(db, &failed), None),
        How::Mend(Some(open)) => (Writer::mending_ahead(db, &failed, open.clone()), Some(open)),
        How::Whole => {
            clear(db)?;
            (Writer::new(db, &failed), None)
        }
    };
    let mut fold = Fold::with_sink(writer, fold::WINDOW);
    let mut unsure = None;
    let mut each = |page: RawPage| {
        if unsure.is_none() {
            unsure = page.iter().try_for_each(|e| fold.apply(&e)).err();
        }
        Ok(())
    };
    match ahead {
        None => each_page(db, &mut each)?,
        Some(open) => pages_ahead(&open, &mut each)?,
    }
    let unsure = match unsure {
        None => match fold.finish() {
            Ok(writer) => writer.finish().map(|()| None)?,
            Err(u) => Some(u),
        },
        u => u,
    };
    if let Some(e) = failed.take() {
        return Err(e);
    }
    match unsure {
        None => Ok(()),
        Some(Unsure(why)) => {
            tracing::debug!("ledger rebuild: replaying every event: {why}");
            clear(db)?;
            for_each_event(db, &mut |e| apply(db, &e))
        }
    }
}

/// Every event a page at a time, read ahead on a thread through a
/// connection of its own.
fn pages_ahead(open: &Opener, each: &mut dyn FnMut(RawPage) -> Result<()>) -> Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<RawPage>(4);
    let open = open.clone();
    let reader = std::thread::Builder::new()
        .name("rebuild-events".into())
        .spawn(move || -> Result<()> {
            let db = open()?;
            db.exec("BEGIN", &[])?;
            each_page(&*db, &mut |page| {
                tx.send(page)
                    .map_err(|_| crate::error::Error::runtime("ledger rebuild: the fold stopped"))
            })
        })?;
    let mut folded = Ok(());
    for page in rx.iter() {
        folded = each(page);
        if folded.is_err() {
            break;
        }
    }
    drop(rx);
    let read = reader
        .join()
        .map_err(|_| crate::error::Error::runtime("ledger rebuild: the reading thread panicked"))?;
    folded?;
    read
}

fn clear(db: &dyn Db) -> Result<()> {
    for p in PROJECTIONS {
        db.exec(&format!("DELETE FROM {}", p.table), &[])?;
    }
    Ok(())
}
