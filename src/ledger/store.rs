//! The storage contract. SQLite implements it today; a PostgreSQL store
//! (team mode) can implement it later without touching ops/ or tui/.

use chrono::{DateTime, Utc};

use super::event::{Event, NewEvent};
use crate::domain::checklist::Tick;
use crate::domain::gates::Hold;
use crate::domain::{Build, Release};
use crate::error::Result;

/// Read access to the projections, inside or outside a write transaction.
pub trait StateView {
    fn build(&self, version: &str) -> Result<Option<Build>>;
    fn builds(&self, limit: usize) -> Result<Vec<Build>>;
    fn release(&self, env: &str, number: u64) -> Result<Option<Release>>;
    /// Newest succeeded release.
    fn current_release(&self, env: &str) -> Result<Option<Release>>;
    fn last_release_number(&self, env: &str) -> Result<Option<u64>>;
    /// A deployment of `env` still in flight (status started).
    fn in_flight(&self, env: &str) -> Result<Option<Release>>;
    /// The newest interrupted deployment nobody has resolved.
    fn interrupted(&self, env: &str) -> Result<Option<Release>>;
    /// Every deployment still marked started, in all envs.
    fn all_in_flight(&self) -> Result<Vec<Release>>;
    /// Newest first, skipping `offset`.
    fn history(&self, env: &str, offset: u64, limit: usize) -> Result<Vec<Release>>;
    fn release_count(&self, env: &str) -> Result<u64>;
    fn hold(&self, env: &str) -> Result<Option<Hold>>;
    /// Everyone who approved `version` into `env`.
    fn approvers(&self, env: &str, version: &str) -> Result<Vec<String>>;
    /// Items currently ticked in the run of `checklist` for (env, version).
    fn checklist_ticks(&self, env: &str, checklist: &str, version: &str) -> Result<Vec<Tick>>;
    /// The ledger's state of a flag in an env, once a change was recorded.
    fn flag_record(&self, flag: &str, env: &str) -> Result<Option<FlagRecord>>;
    /// Changes of a flag in an env, newest first.
    fn flag_history(&self, flag: &str, env: &str, limit: usize) -> Result<Vec<FlagChange>>;
}

/// One recorded change of a flag in one env.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlagChange {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// "set", "kill" or "restore".
    pub change: String,
    pub before: crate::config::FlagState,
    pub after: crate::config::FlagState,
    pub reason: Option<String>,
}

/// A flag's recorded state in one env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRecord {
    pub state: crate::config::FlagState,
    /// The state before a kill, while the flag is killed.
    pub killed_from: Option<crate::config::FlagState>,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// Outcome of recomputing the hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    /// The first event whose stored hash (or sequence) is wrong, and why.
    pub first_bad: Option<(u64, String)>,
}

/// The body of a write transaction: sees the state, returns the events to
/// append, or an error (nothing is written).
pub type TxBody<'a> = dyn FnMut(&dyn StateView) -> Result<Vec<NewEvent>> + 'a;

pub trait Store: Send {
    /// Run `body` in one exclusive write transaction; its events are appended
    /// with consecutive seqs, hashed, and projected before commit.
    fn transact(&mut self, at: DateTime<Utc>, actor: &str, body: &mut TxBody<'_>) -> Result<Vec<Event>>;
    /// Append many pre-timed events in one transaction (imports, the demo's
    /// seeded history, large test ledgers). Same hashing and projections.
    fn append_batch(&mut self, batch: Vec<(DateTime<Utc>, String, Vec<NewEvent>)>) -> Result<u64>;
    fn view(&self) -> &dyn StateView;
    /// Events with seq > `after`, oldest first, at most `limit`.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>>;
    /// Newest first, optionally only at or after `since`.
    fn events_newest(&self, limit: usize, since: Option<DateTime<Utc>>) -> Result<Vec<Event>>;
    fn event_count(&self) -> Result<u64>;
    /// Highest seq, cheap: other consoles poll this to notice new events.
    fn head_seq(&self) -> Result<u64>;
    fn verify(&self) -> Result<VerifyReport>;
    /// Recompute every projection from the events.
    fn rebuild(&mut self) -> Result<()>;
    /// A stable dump of every projection, to compare rebuilt and live state.
    fn projection_dump(&self) -> Result<String>;
}
