//! What an action dialog is about: the kinds of action, and which of them
//! run a hook or pass gates.

use crate::tui::event::FlagOp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogKind {
    Deploy {
        env: String,
        version: String,
    },
    Promote {
        from: String,
        to: String,
        expect: Option<u64>,
    },
    Through {
        target: String,
    },
    Rollback {
        env: String,
        to: Option<u64>,
    },
    Approve {
        env: String,
        version: String,
    },
    HoldClear {
        env: String,
    },
    Resolve {
        env: String,
    },
    Flag {
        env: String,
        flag: String,
        op: FlagOp,
    },
}

impl DialogKind {
    /// Deploy-type actions: planned on the backend, gated, run a hook.
    pub fn runs_hook(&self) -> bool {
        matches!(
            self,
            DialogKind::Deploy { .. }
                | DialogKind::Promote { .. }
                | DialogKind::Through { .. }
                | DialogKind::Rollback { .. }
        )
    }

    /// Gated actions: planned on the backend, refused by failing gates
    /// unless forced, the env's name typed when it is protected.
    pub fn gated(&self) -> bool {
        self.runs_hook() || matches!(self, DialogKind::Flag { .. })
    }
}
