//! The rules every gated action shares, written once: when a reason is
//! required, when failing gates refuse and when `--force` passes them, and
//! how an override is recorded. Deployments, flag changes, the CLI's
//! confirmation and the console's dialog all ask here.

use crate::domain::gates::{self, Gate};
use crate::error::{Error, Result};
use crate::ledger::bodies::{GateOverridden, GatedAction, OverriddenGate};
use crate::ledger::{kind, NewEvent};

/// A reason, trimmed; required in a protected env and for any override.
pub fn reason(protected: bool, env: &str, force: bool, given: Option<&str>) -> Result<Option<String>> {
    let reason = given.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    if protected && reason.is_none() {
        return Err(Error::usage(format!(
            "{env} is protected: give a reason (--reason TEXT)"
        )));
    }
    if force && reason.is_none() {
        return Err(Error::usage(
            "--force needs a reason (--reason TEXT); the override is recorded",
        ));
    }
    Ok(reason)
}

/// Judge the gates: every failing gate refuses (all of them are listed)
/// unless `force` is given and each may be overridden. Returns the gates
/// being overridden (empty when all pass).
pub fn judge(action: &str, env: &str, gates: &[Gate], force: bool) -> Result<Vec<Gate>> {
    let failing: Vec<Gate> = gates::failing(gates).into_iter().cloned().collect();
    if failing.is_empty() {
        return Ok(failing);
    }
    if !force || failing.iter().any(|g| !g.overridable) {
        return Err(Error::Refused {
            action: action.into(),
            env: env.into(),
            gates: failing,
        });
    }
    Ok(failing)
}

/// The record of an override: what was overridden, for which subject, why.
pub fn override_event(env: &str, action: GatedAction, subject: &str, overridden: &[Gate], reason: &str) -> NewEvent {
    NewEvent::new(
        kind::GATE_OVERRIDDEN,
        Some(env),
        GateOverridden {
            action,
            version: subject.to_string(),
            gates: overridden
                .iter()
                .map(|g| OverriddenGate {
                    name: g.name.clone(),
                    detail: g.detail.clone(),
                })
                .collect(),
            reason: reason.to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(name: &str, ok: bool, overridable: bool) -> Gate {
        Gate {
            name: name.into(),
            ok,
            detail: String::new(),
            overridable,
        }
    }

    #[test]
    fn force_passes_only_overridable_gates_and_lists_every_failing_one() {
        let g = [gate("approvals", false, true), gate("freeze", true, true)];
        assert!(judge("promote", "prod", &g, false).is_err());
        assert_eq!(judge("promote", "prod", &g, true).unwrap().len(), 1);
        let g = [gate("running", false, false), gate("approvals", false, true)];
        match judge("promote", "prod", &g, true) {
            Err(Error::Refused { gates, .. }) => assert_eq!(gates.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(judge("promote", "prod", &[gate("hold", true, true)], false)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn reasons() {
        assert!(reason(true, "prod", false, None).is_err());
        assert!(reason(true, "prod", false, Some("  ")).is_err());
        assert!(reason(false, "dev", true, None).is_err());
        assert_eq!(reason(false, "dev", false, Some(" x ")).unwrap().as_deref(), Some("x"));
        assert_eq!(reason(false, "dev", false, None).unwrap(), None);
    }
}
