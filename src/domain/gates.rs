//! Gate evaluation: pure, so every rule and combination is unit-tested here.
//! Each gate reports pass/fail and why; a refusal lists every failing gate.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Action, FreezeWindow};

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
    let mut gates = Vec::new();
    gates.push(match input.running {
        Some(InFlight {
            number: n,
            actor: who,
            lease: LeaseState::Unleased,
        }) => Gate {
            overridable: false,
            ..Gate::new("running", false, format!("v{n} is being deployed by {who}"))
        },
        // A live holder elsewhere can be taken over, on purpose and on the record.
        Some(InFlight {
            number: n,
            actor: who,
            lease: LeaseState::Live { remaining_ms },
        }) => Gate::new(
            "running",
            false,
            format!(
                "v{n} is being deployed by {who} (lease live for {}s more; --force with a reason takes it over)",
                (remaining_ms + 999) / 1000
            ),
        ),
        Some(InFlight {
            number: n,
            actor: who,
            lease: LeaseState::Expired { ago_ms },
        }) => Gate {
            overridable: false,
            ..Gate::new(
                "running",
                true,
                format!(
                    "v{n} by {who} went silent {}s past its lease: it is marked interrupted",
                    ago_ms / 1000
                ),
            )
        },
        None => Gate {
            overridable: false,
            ..Gate::new("running", true, "no deployment in progress")
        },
    });
    if input.action == Action::Rollback {
        return gates;
    }
    if let Some(n) = input.interrupted {
        gates.push(Gate::new(
            "interrupted",
            false,
            format!(
                "v{n} was interrupted; settle it with `relcon resolve {} succeeded|failed`",
                input.env
            ),
        ));
    }
    if input.protected {
        let ok = input.action != Action::Deploy;
        let detail = if ok {
            "promotions only".to_string()
        } else {
            format!("{} is protected: only promotions, no direct deploy", input.env)
        };
        // Direct deploys into a protected env are not allowed at all: not a gate --force passes.
        gates.push(Gate {
            overridable: ok,
            ..Gate::new("protected", ok, detail)
        });
    }
    if input.approvals_required > 0 {
        // People, not spellings: `bob` and `BOB` are one approver, and the
        // promoter's own approval does not count however it is written.
        let mut distinct: Vec<&str> = input
            .approvers
            .iter()
            .map(String::as_str)
            .filter(|a| !same_person(a, input.actor))
            .collect();
        distinct.sort_unstable_by_key(|a| a.to_lowercase());
        distinct.dedup_by(|a, b| same_person(a, b));
        let have = distinct.len() as u32;
        let need = input.approvals_required;
        let self_note = if input.approvers.iter().any(|a| same_person(a, input.actor)) {
            " (your own approval does not count)"
        } else {
            ""
        };
        let detail = if distinct.is_empty() {
            format!("0/{need} approvals{self_note}")
        } else {
            format!("{have}/{need} approvals: {}{self_note}", distinct.join(", "))
        };
        gates.push(Gate::new("approvals", have >= need, detail));
    }
    for w in input.freezes {
        if let Some(until) = w.active_until(input.now) {
            gates.push(Gate::new(
                "freeze",
                false,
                format!("frozen until {} ({})", until.format("%a %H:%M UTC"), w.text()),
            ));
        }
    }
    if !input.freezes.is_empty() && !gates.iter().any(|g| g.name == "freeze") {
        gates.push(Gate::new("freeze", true, "no freeze active"));
    }
    if let Some(h) = input.hold {
        let why = h.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        gates.push(Gate::new(
            "hold",
            false,
            format!(
                "held by {} since {}{why}; clear with `relcon hold clear {}`",
                h.actor,
                h.since.format("%Y-%m-%d %H:%M UTC"),
                input.env
            ),
        ));
    }
    for c in input.checklists {
        let open = c.total.saturating_sub(c.done);
        let detail = if open == 0 {
            format!("{}/{} done", c.done, c.total)
        } else {
            format!("{open} of {} items open", c.total)
        };
        gates.push(Gate::new(format!("checklist {}", c.name), open == 0, detail));
    }
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
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        // A Wednesday.
        DateTime::parse_from_rfc3339("2026-11-18T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn base<'a>(action: Action) -> GateInput<'a> {
        GateInput {
            action,
            env: "prod",
            now: now(),
            actor: "ana",
            protected: false,
            running: None,
            interrupted: None,
            approvals_required: 0,
            approvers: &[],
            freezes: &[],
            hold: None,
            checklists: &[],
            source_health: None,
        }
    }

    fn failing_names(g: &[Gate]) -> Vec<String> {
        failing(g).into_iter().map(|g| g.name.clone()).collect()
    }

    #[test]
    fn nothing_configured_passes() {
        for a in [Action::Deploy, Action::Promote, Action::Rollback] {
            assert!(failing(&evaluate(&base(a))).is_empty());
        }
    }

    fn in_flight(lease: LeaseState) -> Option<InFlight<'static>> {
        Some(InFlight {
            number: 7,
            actor: "bo",
            lease,
        })
    }

    #[test]
    fn an_unleased_running_deployment_blocks_everything_and_cannot_be_overridden() {
        for a in [Action::Deploy, Action::Promote, Action::Rollback] {
            let mut i = base(a);
            i.running = in_flight(LeaseState::Unleased);
            let g = evaluate(&i);
            assert_eq!(failing_names(&g), vec!["running"]);
            assert!(!g[0].overridable);
            assert!(g[0].detail.contains("v7") && g[0].detail.contains("bo"));
        }
    }

    #[test]
    fn a_live_lease_blocks_but_can_be_taken_over_and_an_expired_one_does_not_block() {
        for a in [Action::Deploy, Action::Promote, Action::Rollback] {
            let mut i = base(a);
            i.running = in_flight(LeaseState::Live { remaining_ms: 12_300 });
            let g = evaluate(&i);
            assert_eq!(failing_names(&g), vec!["running"]);
            assert!(g[0].overridable, "--force takes a live lease over");
            assert!(g[0].detail.contains("13s more"), "{}", g[0].detail);
            i.running = in_flight(LeaseState::Expired { ago_ms: 4_000 });
            let g = evaluate(&i);
            assert!(failing(&g).is_empty(), "{g:?}");
            assert!(g[0].detail.contains("went silent 4s"), "{}", g[0].detail);
        }
    }

    #[test]
    fn protected_allows_promotions_only() {
        let mut i = base(Action::Deploy);
        i.protected = true;
        assert_eq!(failing_names(&evaluate(&i)), vec!["protected"]);
        i.action = Action::Promote;
        assert!(failing(&evaluate(&i)).is_empty());
    }

    #[test]
    fn approvals_count_distinct_people_not_the_promoter() {
        let cases: Vec<(Vec<&str>, u32, bool)> = vec![
            (vec![], 2, false),
            (vec!["bo"], 2, false),
            (vec!["bo", "bo"], 2, false),
            (vec!["bo", "ana"], 2, false),
            (vec!["bo", "cy"], 2, true),
            (vec!["bo", "cy", "ana"], 2, true),
            (vec!["ana"], 1, false),
            (vec!["bob", "BOB"], 2, false),
            (vec!["bob", "Cy"], 2, true),
            (vec!["ANA", "bob"], 2, false),
        ];
        for (who, need, ok) in cases {
            let approvers: Vec<String> = who.iter().map(|s| s.to_string()).collect();
            let mut i = base(Action::Promote);
            i.approvals_required = need;
            i.approvers = &approvers;
            let g = evaluate(&i);
            let gate = g.iter().find(|g| g.name == "approvals").unwrap();
            assert_eq!(gate.ok, ok, "{who:?} need {need}: {}", gate.detail);
        }
        let approvers = vec!["ana".to_string()];
        let mut i = base(Action::Promote);
        i.approvals_required = 1;
        i.approvers = &approvers;
        let g = evaluate(&i);
        assert!(g.iter().any(|g| g.detail.contains("your own approval does not count")));
    }

    #[test]
    fn freeze_names_when_it_ends() {
        let w = [FreezeWindow::parse("Wed 10:00 - Wed 14:00 UTC").unwrap()];
        let mut i = base(Action::Promote);
        i.freezes = &w;
        let g = evaluate(&i);
        let f = g.iter().find(|g| g.name == "freeze").unwrap();
        assert!(!f.ok);
        assert!(f.detail.contains("Wed 14:00 UTC"), "{}", f.detail);
        let w = [FreezeWindow::parse("Fri 16:00 - Mon 08:00 UTC").unwrap()];
        i.freezes = &w;
        assert!(evaluate(&i).iter().find(|g| g.name == "freeze").unwrap().ok);
    }

    #[test]
    fn rollback_ignores_every_gate_but_running() {
        let w = [FreezeWindow::parse("Wed 10:00 - Wed 14:00 UTC").unwrap()];
        let hold = Hold {
            actor: "bo".into(),
            reason: None,
            since: now(),
        };
        let lists = [ChecklistProgress {
            name: "pre".into(),
            done: 0,
            total: 3,
        }];
        let mut i = base(Action::Rollback);
        i.protected = true;
        i.approvals_required = 2;
        i.freezes = &w;
        i.hold = Some(&hold);
        i.checklists = &lists;
        i.interrupted = Some(3);
        i.source_health = Some(("staging", false, "unhealthy"));
        assert!(failing(&evaluate(&i)).is_empty());
    }

    #[test]
    fn every_failing_gate_is_listed() {
        let w = [FreezeWindow::parse("Wed 10:00 - Wed 14:00 UTC").unwrap()];
        let hold = Hold {
            actor: "bo".into(),
            reason: Some("bad build".into()),
            since: now(),
        };
        let lists = [
            ChecklistProgress {
                name: "pre-deploy".into(),
                done: 2,
                total: 5,
            },
            ChecklistProgress {
                name: "qa".into(),
                done: 4,
                total: 4,
            },
        ];
        let mut i = base(Action::Promote);
        i.approvals_required = 1;
        i.freezes = &w;
        i.hold = Some(&hold);
        i.checklists = &lists;
        i.interrupted = Some(4);
        i.source_health = Some(("staging", false, "unhealthy: 503"));
        let g = evaluate(&i);
        assert_eq!(
            failing_names(&g),
            vec![
                "interrupted",
                "approvals",
                "freeze",
                "hold",
                "checklist pre-deploy",
                "health staging"
            ]
        );
        let pre = g.iter().find(|g| g.name == "checklist pre-deploy").unwrap();
        assert_eq!(pre.detail, "3 of 5 items open");
        assert!(g
            .iter()
            .find(|g| g.name == "hold")
            .unwrap()
            .detail
            .contains("bad build"));
    }

    #[test]
    fn source_health_only_gates_promotions() {
        let mut i = base(Action::Deploy);
        i.source_health = Some(("staging", false, "down"));
        assert!(failing(&evaluate(&i)).is_empty());
        i.action = Action::Promote;
        assert_eq!(failing_names(&evaluate(&i)), vec!["health staging"]);
    }
}
