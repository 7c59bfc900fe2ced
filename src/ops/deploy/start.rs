//! The start of a deployment, decided inside its write transaction: the
//! gates (with `--expect` and the one override rule), a silent or taken-over
//! holder ended, the override recorded, `deployment.started`, the lease,
//! and — for a rollback — a hold.

use chrono::{DateTime, Utc};
use std::time::Duration;

use crate::config::Config;
use crate::domain::{Action, Gate, LeaseState};
use crate::error::{Error, Result};
use crate::ledger::bodies::{DeploymentStarted, HoldSet};
use crate::ledger::{kind, NewEvent, StateView};
use crate::ops::plan::{self, Plan};
use crate::ops::{lease, policy};

/// Everything the start needs that is not in the ledger.
pub struct Starter {
    pub config: Config,
    pub actor: String,
    pub now: DateTime<Utc>,
    pub host: String,
    pub pid: u32,
    pub ttl: Duration,
    pub multi_step: bool,
    pub reason: Option<String>,
    pub force: bool,
    /// Promote: refuse unless the source's current release is this vN.
    pub expect: Option<u64>,
}

/// `--expect vN` as a gate no override passes: the source moved on.
fn expect_gate(p: &Plan, expect: Option<u64>) -> Option<Gate> {
    let (want, have) = (expect?, p.source_release?);
    (want != have).then(|| Gate {
        name: "expect".into(),
        ok: false,
        detail: format!(
            "{} is now at v{have} ({}), not v{want} as expected",
            p.from_env.as_deref().unwrap_or_default(),
            p.build.version
        ),
        overridable: false,
    })
}

impl Starter {
    pub fn events(&self, view: &dyn StateView, p: &Plan) -> Result<Vec<NewEvent>> {
        if let Some(g) = expect_gate(p, self.expect) {
            return Err(Error::Refused {
                action: p.action.as_str().into(),
                env: p.env.clone(),
                gates: vec![g],
            });
        }
        let overridden = policy::judge(p.action.as_str(), &p.env, &p.gates, self.force)?;
        let reason = self.reason.as_deref().unwrap_or_default();
        let (mut events, took_over) = self.end_previous_holder(view, p)?;
        if !overridden.is_empty() {
            events.push(policy::override_event(
                &p.env,
                p.action.into(),
                &p.build.version,
                &overridden,
                reason,
            ));
        }
        events.push(NewEvent::new(
            kind::DEPLOYMENT_STARTED,
            Some(&p.env),
            DeploymentStarted {
                number: p.next_number,
                version: p.build.version.clone(),
                commit: p.build.commit.clone(),
                artifact: p.build.artifact.clone(),
                action: p.action,
                from_env: p.from_env.clone(),
                target_release: p.target_release,
                reason: self.reason.clone(),
                pid: Some(self.pid),
                host: Some(self.host.clone()),
                steps: if self.multi_step { p.steps.clone() } else { Vec::new() },
            },
        ));
        events.push(lease::acquire(
            view,
            &p.env,
            &lease::Holder {
                number: p.next_number,
                reason: self.reason.as_deref(),
                host: &self.host,
                pid: self.pid,
                ttl: self.ttl,
            },
            took_over,
        )?);
        if p.action == Action::Rollback {
            // Hold the env so automation cannot re-ship the bad build.
            events.push(NewEvent::new(
                kind::HOLD_SET,
                Some(&p.env),
                HoldSet {
                    reason: Some(format!(
                        "rollback to v{}{}",
                        p.target_release.unwrap_or(0),
                        self.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
                    )),
                    release: Some(p.next_number),
                },
            ));
        }
        Ok(events)
    }

    /// A holder that went silent past its lease, or one taken over (the
    /// gates let that through only with --force): its deployment ends here.
    /// Also the token taken over, if it was live.
    fn end_previous_holder(&self, view: &dyn StateView, p: &Plan) -> Result<(Vec<NewEvent>, Option<u64>)> {
        let Some(r) = view.in_flight(&p.env)? else {
            return Ok((Vec::new(), None));
        };
        let l = view.lease(&p.env)?;
        let (why, took_over) = match plan::lease_state(l.as_ref(), r.number) {
            LeaseState::Expired { .. } => (l.as_ref().map(lease::expired_why).unwrap_or_default(), None),
            LeaseState::Live { .. } => (
                format!(
                    "taken over by {}: {}",
                    self.actor,
                    self.reason.as_deref().unwrap_or_default()
                ),
                l.as_ref().map(|l| l.token),
            ),
            LeaseState::Unleased => return Ok((Vec::new(), None)),
        };
        Ok((lease::end_holder(&r, l.as_ref(), &why), took_over))
    }
}
