//! One function per gate: what passes, what fails and how each explains itself.

use chrono::{DateTime, Utc};

use super::{same_person, ChecklistProgress, Gate, Hold, InFlight, LeaseState};
use crate::domain::{Action, FreezeWindow};

/// Another deployment of the env: never overridable unless its holder is
/// alive elsewhere (a live lease can be taken over, on the record).
pub(super) fn running(running: Option<InFlight>) -> Gate {
    match running {
        Some(InFlight {
            number: n,
            actor: who,
            lease: LeaseState::Unleased,
        }) => Gate {
            overridable: false,
            ..Gate::new("running", false, format!("v{n} is being deployed by {who}"))
        },
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
    }
}

pub(super) fn interrupted(n: u64, env: &str) -> Gate {
    Gate::new(
        "interrupted",
        false,
        format!("v{n} was interrupted; settle it with `relcon resolve {env} succeeded|failed`"),
    )
}

/// Direct deploys into a protected env are not allowed at all: not a gate
/// `--force` passes.
pub(super) fn protected(action: Action, env: &str) -> Gate {
    let ok = action != Action::Deploy;
    let detail = if ok {
        "promotions only".to_string()
    } else {
        format!("{env} is protected: only promotions, no direct deploy")
    };
    Gate {
        overridable: ok,
        ..Gate::new("protected", ok, detail)
    }
}

/// People, not spellings: `bob` and `BOB` are one approver, and the
/// promoter's own approval does not count however it is written.
pub(super) fn approvals(approvers: &[String], need: u32, actor: &str) -> Gate {
    let mut distinct: Vec<&str> = approvers
        .iter()
        .map(String::as_str)
        .filter(|a| !same_person(a, actor))
        .collect();
    distinct.sort_unstable_by_key(|a| a.to_lowercase());
    distinct.dedup_by(|a, b| same_person(a, b));
    let have = distinct.len() as u32;
    let self_note = if approvers.iter().any(|a| same_person(a, actor)) {
        " (your own approval does not count)"
    } else {
        ""
    };
    let detail = if distinct.is_empty() {
        format!("0/{need} approvals{self_note}")
    } else {
        format!("{have}/{need} approvals: {}{self_note}", distinct.join(", "))
    };
    Gate::new("approvals", have >= need, detail)
}

/// One failing gate per active window; one passing gate when windows are
/// configured and none is active.
pub(super) fn freezes(windows: &[FreezeWindow], now: DateTime<Utc>) -> Vec<Gate> {
    let active: Vec<Gate> = windows
        .iter()
        .filter_map(|w| {
            w.active_until(now).map(|until| {
                // A weekday names the end only within the coming week.
                let when = if until - now < chrono::Duration::days(6) {
                    until.format("%a %H:%M UTC")
                } else {
                    until.format("%Y-%m-%d %H:%M UTC")
                };
                Gate::new("freeze", false, format!("frozen until {when} ({})", w.text()))
            })
        })
        .collect();
    if active.is_empty() && !windows.is_empty() {
        return vec![Gate::new("freeze", true, "no freeze active")];
    }
    active
}

pub(super) fn hold(h: &Hold, env: &str) -> Gate {
    let why = h.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
    Gate::new(
        "hold",
        false,
        format!(
            "held by {} since {}{why}; clear with `relcon hold clear {env}`",
            h.actor,
            h.since.format("%Y-%m-%d %H:%M UTC"),
        ),
    )
}

pub(super) fn checklist(c: &ChecklistProgress) -> Gate {
    let open = c.total.saturating_sub(c.done);
    let detail = if open == 0 {
        format!("{}/{} done", c.done, c.total)
    } else {
        format!("{open} of {} items open", c.total)
    };
    Gate::new(format!("checklist {}", c.name), open == 0, detail)
}
