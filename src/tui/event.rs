//! The protocol between the UI task and the worker threads: messages into
//! the app (`Msg`), work it asks for (`Effect`, `Job`) and the keys and
//! facts both sides name. The app never does I/O itself: it returns
//! effects, the loop hands them to the worker threads, and their answers
//! come back as messages.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;

use super::snapshot::{Query, Snapshot};
use crate::ops::deploy::Progress;
use crate::ops::intent::{Confirmation, Intent, Preview};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// A click or the wheel.
    Mouse(ratatui::crossterm::event::MouseEvent),
    Resize(u16, u16),
    /// Once a second: relative ages may have changed.
    Clock(DateTime<Utc>),
    /// A spinner frame while work is running.
    Spin,
    Snapshot(Box<Snapshot>),
    /// What an intent would do (the reader's `intent::preview`), for dialog `id`.
    Previewed {
        id: u64,
        result: Result<Preview, String>,
    },
    Progress {
        id: u64,
        progress: Progress,
    },
    Finished {
        id: u64,
        result: Result<String, String>,
    },
    /// The reader could not read the ledger.
    BackendError(String),
    /// The console's rollout driver aborted a rollout (its analysis failed).
    RolloutAborted {
        env: String,
        rollout: String,
        why: String,
    },
    /// The watcher or the reader lost the ledger (`Some`) or reads it
    /// again (`None`); either down shows the banner.
    Ledger {
        source: Source,
        down: Option<Down>,
    },
    /// A new event does not link to the one before it.
    ChainBroken {
        seq: u64,
        why: String,
    },
    /// Other consoles on this ledger, as of the last read.
    Presence(Vec<crate::ledger::Presence>),
    /// What changed, for the diff pane or dialog `id`.
    Diff {
        id: u64,
        result: Result<Box<crate::ops::diff::Diff>, String>,
    },
    /// A health poller's sample.
    Health(crate::health::HealthUpdate),
    /// Commits between two releases; `None` when the backend skipped the
    /// request for a newer one.
    Commits {
        key: CommitsKey,
        result: Option<Result<Vec<crate::ops::commits::CommitSummary>, String>>,
    },
    /// A flag's changes in an env, asked at ledger head `seq`; `None` when
    /// the backend skipped the request for a newer one.
    FlagHistory {
        key: FlagHistoryKey,
        seq: u64,
        result: Option<Result<Vec<crate::ledger::store::FlagChange>, String>>,
    },
}

/// What the app asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Load a snapshot for this query now (and keep watching with it).
    Query(Query),
    /// Preview this intent for dialog `id` (on the reader, with its health board).
    Preview {
        id: u64,
        intent: Intent,
    },
    Run {
        id: u64,
        job: Job,
    },
    /// Cancel the running hook.
    Cancel,
    /// List the commits between two releases (git, off the UI task).
    Commits(CommitsKey),
    /// Read a flag's recent changes in an env (the ledger is at head `seq`).
    FlagHistory {
        key: FlagHistoryKey,
        seq: u64,
    },
    /// This console's rollout driver leaves this env alone while a person
    /// acts on its rollout (None: every env again).
    HoldRollout(Option<String>),
}

/// What the worker runs: an intent as the person confirmed it, or one of
/// the console's own reads and user commands.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Intent {
        intent: Intent,
        confirmation: Confirmation,
    },
    /// What a targeting key gets, and why (reads only).
    Eval {
        env: String,
        flag: String,
        key: String,
    },
    /// A user command bound with `{ shell = "…" }`, for the selected env.
    Shell {
        index: u16,
        env: String,
    },
    /// What changed (`ops::diff`, reads only); answered as `Msg::Diff`.
    Diff(DiffAsk),
}

/// Which diff: two releases of one env (default: the current one and the
/// succeeded one before it), or what promoting `from` into `to` would bring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffAsk {
    Releases {
        env: String,
        from: Option<u64>,
        to: Option<u64>,
    },
    Environments {
        from: String,
        to: String,
    },
}

impl Job {
    /// An intent that needs no confirmation beyond the key (a tick).
    pub fn act(intent: Intent) -> Job {
        Job::Intent {
            intent,
            confirmation: Confirmation::default(),
        }
    }

    /// Everything but an evaluation changes the ledger or runs something.
    pub fn writes(&self) -> bool {
        !matches!(self, Job::Eval { .. } | Job::Diff(_))
    }

    /// Deployments run a hook and stream progress.
    pub fn runs_hook(&self) -> bool {
        matches!(self, Job::Intent { intent, .. } if intent.runs_hook())
    }
}

/// `ops::commits::between(env, from, to)`: the commits in release `to`'s
/// build that are not in release `from`'s.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CommitsKey {
    pub env: String,
    pub from: u64,
    pub to: u64,
}

/// A flag's changes in one env.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FlagHistoryKey {
    pub flag: String,
    pub env: String,
}

/// Changes shown (and read) per flag and env, newest first.
pub const FLAG_HISTORY_LIMIT: usize = 10;

/// Which thread lost the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The thread that waits for new events (LISTEN, or data_version).
    Watcher,
    /// The thread that loads snapshots and previews.
    Reader,
}

/// The ledger could not be read: where it is and the store's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    pub location: String,
    pub error: String,
}

/// Where this console looks, as announced to the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Whereabouts {
    pub view: String,
    pub env: Option<String>,
    /// The highlighted checklist item (`item_key`), in the Checklists view.
    pub item: Option<String>,
}

/// A checklist item as announced and matched: "pre-deploy@1.4.2#3".
pub fn item_key(checklist: &str, build: &str, n: u32) -> String {
    format!("{checklist}@{build}#{n}")
}
