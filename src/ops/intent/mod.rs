//! The vocabulary of actions, owned by ops. Both front ends turn what a
//! person typed (arguments, a key, a `:` line) into an [`Intent`], show its
//! [`preview`] (what would happen, every gate, the name to type), and
//! [`execute`] it with the person's [`Confirmation`]. The rules — planning,
//! the promote-through skip, the override policy, the protected name — live
//! here and in `policy`, once.

mod execute;
mod preview;

pub use execute::{execute, Outcome};
pub use preview::{confirm_name, preview, through_steps, Preview, Step};

use super::checklist::TickRequest;
use super::flags::FlagOp;
use super::plan::Request;
use crate::domain::incident::Severity;
use crate::error::Error;

/// One action a person can take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Deploy {
        env: String,
        version: String,
    },
    /// `expect`: refuse unless the source's current release is this vN.
    Promote {
        from: String,
        to: String,
        expect: Option<u64>,
    },
    /// The whole chain into `target`, gated at each step.
    PromoteThrough {
        target: String,
    },
    Rollback {
        env: String,
        to: Option<u64>,
    },
    Approve {
        env: String,
        version: String,
        note: Option<String>,
    },
    HoldClear {
        env: String,
    },
    Resolve {
        env: String,
        succeeded: bool,
    },
    Tick(TickRequest),
    Flag {
        env: String,
        flag: String,
        op: FlagOp,
    },
    /// Start a progressive rollout of `what` in `env` (`[rollout.PLAN]`).
    RolloutStart {
        env: String,
        plan: String,
        what: crate::ops::rollout::What,
    },
    /// Pause, resume, advance or abort `env`'s rollout.
    Rollout {
        env: String,
        act: crate::ops::rollout::Act,
    },
    /// Open an incident on `env` (its preview: what the decision tree
    /// recommends for this severity, as of now).
    IncidentOpen {
        env: String,
        severity: Severity,
        summary: Option<String>,
        /// Percent of users affected, when someone said.
        affected: Option<u32>,
    },
    /// Note something on `env`'s open incident's timeline.
    IncidentNote {
        env: String,
        text: String,
    },
    /// Resolve `env`'s open incident (the confirmation's reason is recorded).
    IncidentResolve {
        env: String,
    },
}

/// What the person said when confirming.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    pub reason: Option<String>,
    /// Override the failing gates that may be overridden (needs a reason).
    pub force: bool,
}

impl Intent {
    /// The environment it acts on.
    pub fn env(&self) -> &str {
        match self {
            Intent::Deploy { env, .. }
            | Intent::Rollback { env, .. }
            | Intent::Approve { env, .. }
            | Intent::HoldClear { env }
            | Intent::Resolve { env, .. }
            | Intent::Flag { env, .. }
            | Intent::RolloutStart { env, .. }
            | Intent::Rollout { env, .. }
            | Intent::IncidentOpen { env, .. }
            | Intent::IncidentNote { env, .. }
            | Intent::IncidentResolve { env } => env,
            Intent::Tick(t) => &t.env,
            Intent::Promote { to, .. } => to,
            Intent::PromoteThrough { target } => target,
        }
    }

    /// Deploy-type intents run a hook and stream progress.
    pub fn runs_hook(&self) -> bool {
        matches!(
            self,
            Intent::Deploy { .. } | Intent::Promote { .. } | Intent::PromoteThrough { .. } | Intent::Rollback { .. }
        )
    }

    /// Gated by the environment's gates (a reason, a typed name, `--force`).
    pub fn gated(&self) -> bool {
        self.runs_hook()
            || matches!(self, Intent::Flag { op, .. } if *op != FlagOp::Kill)
            || matches!(self, Intent::RolloutStart { .. })
    }

    pub(super) fn request(&self) -> Option<Request> {
        Some(match self {
            Intent::Deploy { env, version } => Request::Deploy {
                env: env.clone(),
                version: version.clone(),
            },
            Intent::Promote { from, to, .. } => Request::Promote {
                from: from.clone(),
                to: to.clone(),
            },
            Intent::Rollback { env, to } => Request::Rollback {
                env: env.clone(),
                to: *to,
            },
            _ => return None,
        })
    }
}

/// Whether `e` is a refusal by gates (for callers that show gates apart).
pub fn refused(e: &Error) -> bool {
    matches!(e, Error::Refused { .. })
}
