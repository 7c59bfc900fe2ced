//! Gate evaluation: pure, so every rule and combination is unit-tested here.
//! Each gate reports pass/fail and why; a refusal lists every failing gate.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Action, FreezeWindow};

mod rules;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gate {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// `--force --reason` may override it. Only "another deployment is
    /// running" can never be overridden: two hooks at once would race.
    #[serde(skip)]
    pub overridable: bool,
}

impl Gate {
    fn new(name: impl Into<String>, ok: bool, detail: impl Into<String>) -> Gate {
        Gate {
            name: name.into(),
            ok,
            detail: detail.into(),
            overridable: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub actor: String,
    pub reason: Option<String>,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistProgress {
    pub name: String,
    pub done: usize,
    pub total: usize,
}

/// A deployment still in flight, and how alive its holder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InFlight<'a> {
    pub number: u64,
    pub actor: &'a str,
    pub lease: LeaseState,
}

/// The in-flight deployment's environment lease, judged by the database clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseState {
    /// No lease (a deployment recorded before leases): only its process can tell.
    Unleased,
    /// The holder is alive: `--force` with a reason takes it over.
    Live { remaining_ms: i64 },
    /// The holder went silent past its TTL: its deployment counts as interrupted.
    Expired { ago_ms: i64 },
}

/// Everything a gate decision depends on, gathered by ops from the ledger and config.
#[derive(Debug, Clone)]
pub struct GateInput<'a> {
    pub action: Action,
    pub env: &'a str,
    pub now: DateTime<Utc>,
    pub actor: &'a str,
    pub protected: bool,
    /// A deployment of this env still in flight.
    pub running: Option<InFlight<'a>>,
    /// Release number of an interrupted deployment nobody has resolved yet.
    pub interrupted: Option<u64>,
    pub approvals_required: u32,
    /// Everyone who approved this (env, build).
    pub approvers: &'a [String],
    pub freezes: &'a [FreezeWindow],
    pub hold: Option<&'a Hold>,
    /// `before` checklist runs for the build about to go in.
    pub checklists: &'a [ChecklistProgress],
    /// For promotions from an env with `require_healthy`: (source env, healthy?, detail).
    pub source_health: Option<(&'a str, bool, &'a str)>,
}

/// Whether two actor names are the same person: names compare without
/// regard to case (`bob` = `BOB`), as people and identity providers disagree on it.
pub fn same_person(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Evaluate every gate that applies to this action. Rollback is the
/// emergency path: only a running deployment blocks it.
pub fn evaluate(input: &GateInput) -> Vec<Gate> {
    let mut gates = vec![rules::running(input.running)];
    if input.action == Action::Rollback {
        return gates;
    }
    gates.extend(input.interrupted.map(|n| rules::interrupted(n, input.env)));
    if input.protected {
        gates.push(rules::protected(input.action, input.env));
    }
    if input.approvals_required > 0 {
        gates.push(rules::approvals(input.approvers, input.approvals_required, input.actor));
    }
    gates.extend(rules::freezes(input.freezes, input.now));
    gates.extend(input.hold.map(|h| rules::hold(h, input.env)));
    gates.extend(input.checklists.iter().map(rules::checklist));
    if input.action == Action::Promote {
        if let Some((src, ok, detail)) = input.source_health {
            gates.push(Gate::new(format!("health {src}"), ok, detail));
        }
    }
    gates
}

/// The gates that fail.
pub fn failing(gates: &[Gate]) -> Vec<&Gate> {
    gates.iter().filter(|g| !g.ok).collect()
}

#[cfg(test)]
mod tests;
