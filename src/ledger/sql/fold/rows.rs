//! The fold's small tables: rows by key, kept in the order SQL keeps them.

use std::borrow::Borrow;
use std::hash::Hash;

use super::HashMap;
use crate::ledger::sql::Val;

/// A small table's rows by key, each with the seq of the event that
/// created it: SQLite keeps a row's place (its rowid) through upserts, so
/// a rebuild writes the rows in the order the SQL would have.
pub(super) struct Rows<K>(HashMap<K, (u64, Vec<Val>)>);

impl<K: Hash + Eq> Rows<K> {
    pub(super) fn new() -> Rows<K> {
        Rows(HashMap::default())
    }
    pub(super) fn get<Q: Hash + Eq + ?Sized>(&self, k: &Q) -> Option<&Vec<Val>>
    where
        K: Borrow<Q>,
    {
        self.0.get(k).map(|r| &r.1)
    }
    pub(super) fn get_mut<Q: Hash + Eq + ?Sized>(&mut self, k: &Q) -> Option<&mut Vec<Val>>
    where
        K: Borrow<Q>,
    {
        self.0.get_mut(k).map(|r| &mut r.1)
    }
    /// Insert, or replace the values of the row with that key in place.
    pub(super) fn upsert(&mut self, k: K, seq: u64, row: Vec<Val>) {
        match self.0.get_mut(&k) {
            Some(r) => r.1 = row,
            None => {
                self.0.insert(k, (seq, row));
            }
        }
    }
    pub(super) fn or_insert_with(&mut self, k: K, seq: u64, row: impl FnOnce() -> Vec<Val>) -> &mut Vec<Val> {
        &mut self.0.entry(k).or_insert_with(|| (seq, row())).1
    }
    pub(super) fn remove<Q: Hash + Eq + ?Sized>(&mut self, k: &Q)
    where
        K: Borrow<Q>,
    {
        self.0.remove(k);
    }
    pub(super) fn in_order(self) -> Vec<Vec<Val>> {
        let mut rows: Vec<_> = self.0.into_values().collect();
        rows.sort_unstable_by_key(|r| r.0);
        rows.into_iter().map(|r| r.1).collect()
    }
}
