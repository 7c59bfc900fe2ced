//! `ledger rebuild`: every projection made what the events say. The events
//! are folded in memory (`fold/`), each row written once when it is final;
//! where the fold is unsure, every event is replayed through `apply`.

use std::cell::RefCell;

use super::chain::{for_each_event, PROJECTIONS};
use super::fold::{self, Fold, Unsure, Writer};
use super::pages::each_page;
use super::{apply, Db};
use crate::error::Result;

pub enum How {
    /// Cleared and every row written (PostgreSQL: no insertion order to
    /// line live rows up with the fold's).
    Whole,
    /// Only the rows that differ written (SQLite; see `fold/writer.rs`).
    /// Tried and not kept (100k events: no faster beyond the noise, more
    /// CPU): reading the events on a second thread through a second
    /// connection; folding on a third; each table's live rows read ahead
    /// on threads of their own.
    Mend,
}

pub fn rebuild(db: &dyn Db, how: How) -> Result<()> {
    let failed = RefCell::new(None);
    let writer = match how {
        How::Mend => Writer::mending(db, &failed),
        How::Whole => {
            clear(db)?;
            Writer::new(db, &failed)
        }
    };
    let mut fold = Fold::with_sink(writer, fold::WINDOW);
    let mut unsure = None;
    each_page(db, &mut |page| {
        if unsure.is_none() {
            unsure = page.iter().try_for_each(|e| fold.apply(&e)).err();
        }
        Ok(())
    })?;
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

fn clear(db: &dyn Db) -> Result<()> {
    for p in PROJECTIONS {
        db.exec(&format!("DELETE FROM {}", p.table), &[])?;
    }
    Ok(())
}
