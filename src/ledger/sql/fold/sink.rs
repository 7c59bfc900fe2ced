//! Where the fold's finished rows go: digested for `audit verify`, or
//! written to the projections for `ledger rebuild` (`writer.rs`).

use super::{Folded, HashMap};
use crate::ledger::sql::compare::{add_row, Digest};
use crate::ledger::sql::Val;

/// The tables the fold knows, which must be every one of `PROJECTIONS`
/// (a test holds them equal; the fold refuses to judge otherwise).
pub const FOLDED: &[&str] = &[
    "builds",
    "releases",
    "env_state",
    "approvals",
    "checklist_ticks",
    "flag_state",
    "flag_changes",
    "incidents",
    "rollouts",
    "leases",
];

/// Where finished rows go: digested (`audit verify`) or written to a
/// store's emptied projections (`ledger rebuild`).
pub trait Sink {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()>;
}

/// Each table's rows digested as `compare::digests` digests a store's.
#[derive(Default)]
pub struct Digests(pub(super) HashMap<&'static str, Digest>);

impl Sink for Digests {
    fn put(&mut self, table: &'static str, row: &[Val]) -> Folded<()> {
        add_row(self.0.entry(table).or_default(), row.iter().map(Val::borrowed));
        Ok(())
    }
}
