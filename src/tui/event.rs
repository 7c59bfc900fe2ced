//! Messages into the app (`Msg`) and work it asks for (`Effect`). The app
//! never does I/O itself: it returns effects, the loop hands them to the
//! backend threads, and their answers come back as messages.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;

pub use super::commits::CommitsKey;
pub use super::flag_history::FlagHistoryKey;
use super::snapshot::{Query, Snapshot};
use crate::ops::deploy::{Options, Progress};
use crate::ops::plan::{Plan, Request};

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    /// Once a second: relative ages may have changed.
    Clock(DateTime<Utc>),
    /// A spinner frame while work is running.
    Spin,
    Snapshot(Box<Snapshot>),
    Planned {
        id: u64,
        result: Result<Vec<PlanStep>, String>,
    },
    FlagPlanned {
        id: u64,
        result: Result<FlagPlan, String>,
    },
    Progress {
        id: u64,
        progress: Progress,
    },
    Finished {
        id: u64,
        result: Result<String, String>,
    },
    /// The backend could not read the ledger.
    BackendError(String),
    /// The watcher or the reader lost the ledger (`Some`) or reads it
    /// again (`None`); either down shows the banner.
    Ledger {
        source: super::team::Source,
        down: Option<super::team::Down>,
    },
    /// A new event does not link to the one before it.
    ChainBroken {
        seq: u64,
        why: String,
    },
    /// Other consoles on this ledger, as of the last read.
    Presence(Vec<crate::ledger::Presence>),
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
    Plan {
        id: u64,
        request: PlanRequest,
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRequest {
    One(Request),
    /// `promote --through ENV`: every step of the chain.
    Through(String),
    Flag {
        env: String,
        flag: String,
        op: FlagOp,
    },
}

/// A change to one flag in one env.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagOp {
    Set {
        switch: Option<crate::ops::flags::Switch>,
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// The kill switch: off now (never gated).
    Kill,
    /// Back to the state before the kill.
    Restore,
}

/// What a flag change would do, computed on the backend.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagPlan {
    pub env: String,
    pub flag: String,
    pub description: Option<String>,
    pub before: crate::config::FlagState,
    pub after: crate::config::FlagState,
    /// `flag_approvals` (a change other than a kill needs them).
    pub gates: Vec<crate::domain::Gate>,
}

/// One step of a plan: for a single action there is exactly one.
#[derive(Debug, Clone)]
pub struct PlanStep {
    pub from: Option<String>,
    pub to: String,
    pub plan: Result<Plan, String>,
    /// Promote-through skips a stage that already runs the build coming through.
    pub skip: bool,
    /// A promote-through step after the first that runs: gated when it runs.
    pub later: bool,
}

/// An action for the worker, with everything it needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Deploy {
        env: String,
        version: String,
        opts: Opts,
    },
    Promote {
        from: String,
        to: String,
        opts: Opts,
    },
    PromoteThrough {
        target: String,
        opts: Opts,
    },
    Rollback {
        env: String,
        to: Option<u64>,
        opts: Opts,
    },
    Approve {
        env: String,
        version: String,
        note: Option<String>,
    },
    HoldClear {
        env: String,
        reason: Option<String>,
    },
    Resolve {
        env: String,
        succeeded: bool,
        reason: Option<String>,
    },
    Tick(TickJob),
    Flag {
        env: String,
        flag: String,
        op: FlagOp,
        reason: Option<String>,
        force: bool,
    },
    /// What a targeting key gets, and why.
    FlagEval {
        env: String,
        flag: String,
        key: String,
    },
    /// A user command bound with `{ shell = "…" }`, for the selected env.
    Shell {
        index: u16,
        env: String,
    },
}

/// `ops::deploy::Options`, comparable (for tests of the update logic).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opts {
    pub reason: Option<String>,
    pub force: bool,
    pub expect: Option<u64>,
}

impl From<&Opts> for Options {
    fn from(o: &Opts) -> Options {
        Options {
            reason: o.reason.clone(),
            force: o.force,
            expect: o.expect,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickJob {
    pub env: String,
    pub checklist: String,
    /// Item number or unique text prefix.
    pub item: String,
    /// The build whose run is shown, so the tick lands on the run the person sees.
    pub version: Option<String>,
    pub undo: bool,
    pub note: Option<String>,
    pub role: Option<String>,
}

impl Job {
    /// Everything but an evaluation changes the ledger or runs something.
    pub fn writes(&self) -> bool {
        !matches!(self, Job::FlagEval { .. })
    }

    /// Deploy-type jobs run a hook and stream progress.
    pub fn runs_hook(&self) -> bool {
        matches!(
            self,
            Job::Deploy { .. } | Job::Promote { .. } | Job::PromoteThrough { .. } | Job::Rollback { .. }
        )
    }
}
