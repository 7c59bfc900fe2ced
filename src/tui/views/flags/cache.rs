//! Who changed the highlighted flag in the selected env, when and why: the
//! ledger's flag-change history, read on a worker thread (never on the UI
//! task), cached per (flag, env) and asked again when the ledger's head
//! seq moves. While a newer answer is on its way the older list stays.

use super::Flags;
use crate::ledger::store::FlagChange;
use crate::tui::event::{Effect, FlagHistoryKey};
use crate::tui::views::Shared;

/// Cached histories kept at most; past that the cache starts over.
const CACHE: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagHistory {
    Loading,
    Ready(Vec<FlagChange>),
    Failed(String),
}

/// One cache entry: the list, and the ledger head seq it was last asked
/// at (`None`: that request was skipped, ask again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    pub seq: Option<u64>,
    pub list: FlagHistory,
}

impl Flags {
    /// The highlighted flag and the selected env.
    pub fn history_key(&self, sh: &Shared) -> Option<FlagHistoryKey> {
        Some(FlagHistoryKey {
            flag: self.flag_name(sh)?.to_string(),
            env: sh.env_name().to_string(),
        })
    }

    /// The highlighted flag's history in the selected env, as far as known.
    pub fn history(&self, sh: &Shared) -> Option<&FlagHistory> {
        let key = self.history_key(sh)?;
        self.histories.get(&key).map(|c| &c.list)
    }

    /// Ask for the highlighted flag's history if it is not cached as of
    /// the ledger's current head.
    pub fn want_history(&mut self, sh: &Shared) -> Vec<Effect> {
        let (Some(key), Some(seq)) = (self.history_key(sh), sh.snap.as_ref().map(|s| s.status.head_seq)) else {
            return Vec::new();
        };
        match self.histories.get_mut(&key) {
            Some(c) if c.seq == Some(seq) => return Vec::new(),
            Some(c) => c.seq = Some(seq),
            None => {
                if self.histories.len() >= CACHE {
                    self.histories.clear();
                }
                self.histories.insert(
                    key.clone(),
                    Cached {
                        seq: Some(seq),
                        list: FlagHistory::Loading,
                    },
                );
            }
        }
        vec![Effect::FlagHistory { key, seq }]
    }

    /// The worker's answer to the request made at head `seq`; `None` when
    /// it skipped the request for a newer one (asked again if still
    /// highlighted). An answer older than the latest request is kept only
    /// when there is nothing better to show.
    pub fn on_history(&mut self, key: FlagHistoryKey, seq: u64, result: Option<Result<Vec<FlagChange>, String>>) {
        let Some(c) = self.histories.get_mut(&key) else {
            return;
        };
        let current = c.seq == Some(seq);
        match result {
            None if current => c.seq = None,
            None => {}
            Some(r) if current || c.seq.is_none() || c.list == FlagHistory::Loading => {
                // A skipped request answered after all (asked twice in a burst).
                c.seq = c.seq.or(Some(seq));
                c.list = match r {
                    Ok(list) => FlagHistory::Ready(list),
                    Err(e) => FlagHistory::Failed(e),
                };
            }
            Some(_) => {}
        }
    }
}
