//! The storage contract, implemented by SQLite (the default) and
//! PostgreSQL (team mode). Everything both share is written once, as
//! default methods over [`Db`].

use chrono::{DateTime, Utc};
use std::time::Duration;

use super::event::{Event, NewEvent};
use super::sql::{self, Db};
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
    /// The newest interrupted deployment nobody has resolved and no later
    /// deployment has settled by finishing (a takeover, a forced deploy).
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
    /// The environment's lease, if a deployment holds it, judged by the
    /// database clock.
    fn lease(&self, env: &str) -> Result<Option<Lease>>;
    /// The database clock, ms since the epoch.
    fn db_now_ms(&self) -> Result<i64>;
    /// The environment's open incident, if any.
    fn open_incident(&self, env: &str) -> Result<Option<crate::domain::incident::Incident>>;
    /// Incidents, newest first.
    fn incidents(&self, limit: usize) -> Result<Vec<crate::domain::incident::Incident>>;
    /// Rollouts, newest first (only running or paused ones when `active`).
    fn rollouts(&self, active: bool, limit: usize) -> Result<Vec<crate::domain::rollout::Rollout>>;
    /// Analysis samples of rollout `id`, oldest first.
    fn rollout_samples(&self, id: u64) -> Result<Vec<crate::domain::rollout::Sample>>;
}

/// Who holds an environment, and until when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lease {
    pub env: String,
    /// The fencing token: the seq of `lease.acquired`.
    pub token: u64,
    pub holder: String,
    pub host: Option<String>,
    pub pid: Option<u32>,
    /// The deployment (release number) holding it.
    pub number: Option<u64>,
    pub reason: Option<String>,
    pub ttl_ms: u64,
    /// Last sign of life (the acquisition or the newest heartbeat), database clock.
    pub alive_ms: i64,
    /// The database clock when this was read.
    pub now_ms: i64,
}

impl Lease {
    /// Milliseconds until the lease expires (negative: expired that long ago).
    pub fn remaining_ms(&self) -> i64 {
        self.alive_ms + self.ttl_ms as i64 - self.now_ms
    }
    pub fn expired(&self) -> bool {
        self.remaining_ms() <= 0
    }
}

/// What a heartbeat found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beat {
    /// Still ours; renewed.
    Held,
    /// Gone: released, expired and ended, or taken over.
    Lost(String),
}

/// A console announcing itself (not in the ledger).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Presence {
    /// One id per running console.
    pub console: String,
    pub actor: String,
    pub host: String,
    /// Where it looks: view, environment, checklist item.
    pub view: String,
    pub env: Option<String>,
    pub item: Option<String>,
    /// The database clock at the last announcement.
    pub seen_ms: i64,
}

/// One recorded change of a flag in one env.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FlagChange {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// "set", "kill" or "restore".
    pub change: String,
    pub before: crate::domain::FlagState,
    pub after: crate::domain::FlagState,
    pub reason: Option<String>,
}

/// A flag's recorded state in one env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRecord {
    pub state: crate::domain::FlagState,
    /// The state before a kill, while the flag is killed.
    pub killed_from: Option<crate::domain::FlagState>,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// Outcome of `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VerifyReport {
    pub events: u64,
    /// The first event whose stored hash (or sequence) is wrong, and why.
    pub first_bad: Option<(u64, String)>,
    /// The newest event's seq and hash, when the chain is intact.
    pub head: Option<(u64, String)>,
    /// The first projection row that a rebuild from the events does not give.
    pub projections: Option<String>,
    /// The ledger is behind (or differs from) a head this machine saw before.
    pub truncated: Option<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.first_bad.is_none() && self.projections.is_none() && self.truncated.is_none()
    }
}

/// A second reader's snapshot: its head seq and every projection's digest.
pub type SecondReader = Box<dyn FnOnce() -> Result<(u64, Vec<super::sql::compare::Digest>)> + Send>;

/// The body of a write transaction: sees the state, returns the events to
/// append, or an error (nothing is written). It may run a second time, on
/// the state as it is then, when the first attempt's connection was lost
/// before anything of it committed (PostgreSQL).
pub type TxBody<'a> = dyn FnMut(&dyn StateView) -> Result<Vec<NewEvent>> + 'a;

pub trait Store: Send {
    /// Run `body` in one exclusive write transaction; its events are appended
    /// with consecutive seqs, hashed, and projected before commit.
    fn transact(&mut self, at: DateTime<Utc>, actor: &str, body: &mut TxBody<'_>) -> Result<Vec<Event>>;
    /// Append many pre-timed events in one transaction (imports, the demo's
    /// seeded history, large test ledgers). Same hashing and projections.
    fn append_batch(&mut self, batch: Vec<(DateTime<Utc>, String, Vec<NewEvent>)>) -> Result<u64>;
    /// Append events recorded in another ledger exactly as they are (`ledger
    /// copy`); each must link to the chain before it.
    fn append_verbatim(&mut self, events: &[Event]) -> Result<()>;
    fn view(&self) -> &dyn StateView;
    /// The connection, for reads and for writes outside the ledger
    /// (heartbeats, presence).
    fn db(&self) -> &dyn Db;
    /// Where the ledger lives, for messages (a path, or a URL without its password).
    fn location(&self) -> String;
    /// Recompute every projection from the events.
    fn rebuild(&mut self) -> Result<()>;
    /// Block until another writer may have appended (or `timeout`); returns
    /// the head seq. SQLite polls cheaply; PostgreSQL waits on LISTEN.
    fn wait_for_change(&mut self, seen: u64, timeout: Duration) -> Result<u64>;
    /// A handle that ends this store's `wait_for_change` from another
    /// thread, now and from then on (to stop the thread waiting), when the
    /// store can offer one; without it a waiter wakes now and then to look.
    fn wake_handle(&mut self) -> Option<super::Wake> {
        None
    }
    /// Refuse every write from now on (`--read-only`).
    fn set_read_only(&mut self, read_only: bool);
    /// The `[[notify]]` sinks' filters: each event appended by `transact`
    /// gets its outbox rows in the same transaction (`sql::outbox`).
    fn set_outbox(&mut self, routes: Vec<sql::outbox::Route>);
    /// Whether writes are refused (by choice, or because the ledger cannot be written).
    fn is_read_only(&self) -> bool;
    /// The role the database authenticated (PostgreSQL), for `identity = "database"`.
    fn authenticated_role(&self) -> Result<Option<String>> {
        Ok(None)
    }

    /// Events with seq > `after`, oldest first, at most `limit`.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        sql::chain::events_after(self.db(), after, limit)
    }
    /// Newest first, optionally only at or after `since`.
    fn events_newest(&self, limit: usize, since: Option<DateTime<Utc>>) -> Result<Vec<Event>> {
        sql::chain::events_newest(self.db(), limit, since)
    }
    fn event_count(&self) -> Result<u64> {
        self.head_seq()
    }
    /// Highest seq, cheap: other consoles poll this to notice new events.
    fn head_seq(&self) -> Result<u64> {
        sql::chain::head_seq(self.db())
    }
    /// The newest event's seq and hash.
    fn head(&self) -> Result<(u64, String)> {
        sql::chain::tip(self.db())
    }
    /// The hash chain, the projections against a rebuild from the events,
    /// and the head against this machine's checkpoint.
    fn verify(&self) -> Result<VerifyReport> {
        let db = self.db();
        // The events, the tables compared with them and the head row as of
        // one moment: another writer appending meanwhile is no forgery.
        let own = db.begin_snapshot()?;
        let within = super::verify::verify(db, self.second_reader()).and_then(|r| Ok((r, self.head_mismatch()?)));
        let ended = if own { db.end_snapshot() } else { Ok(()) };
        let (mut report, head) = within?;
        ended?;
        // After the snapshot: this machine's checkpoint may be newer than
        // it (another process here appended since), never newer than now.
        report.truncated = super::checkpoint::check(db, &self.location())?.or(head);
        Ok(report)
    }
    /// `audit verify` digests the live tables through this second reader of
    /// the same ledger, if the store has one, while it reads the chain on
    /// its own connection; used only when both saw the same head.
    fn second_reader(&self) -> Option<SecondReader> {
        None
    }
    /// A store that keeps its head apart from the events (PostgreSQL's head
    /// row) says when the two disagree — newest events deleted behind its back.
    fn head_mismatch(&self) -> Result<Option<String>> {
        Ok(None)
    }
    /// A stable dump of every projection, to compare rebuilt and live state.
    fn projection_dump(&self) -> Result<String> {
        sql::chain::dump(self.db())
    }
    /// Renew the lease `token` on `env`; says so when it is no longer ours.
    fn lease_beat(&mut self, env: &str, token: u64) -> Result<Beat> {
        super::lease::beat(self.db(), env, token)
    }
    fn announce(&mut self, p: &Presence) -> Result<()> {
        super::presence::announce(self.db(), p)
    }
    /// Consoles seen within `within`, except `console` itself.
    fn present(&self, within: Duration, except: &str) -> Result<Vec<Presence>> {
        super::presence::list(self.db(), within, except)
    }
    fn leave(&mut self, console: &str) -> Result<()> {
        super::presence::leave(self.db(), console)
    }
}
