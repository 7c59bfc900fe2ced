//! The state of every environment, as `status --json` and the dashboard show it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::gates::Hold;
use crate::domain::{DeploymentStatus, Gate, LeaseState, Release};
use crate::error::Result;

use super::checklist::{pending_build, runs_in};
use super::plan::{self, Request};
use super::Ctx;

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub project: String,
    pub environments: Vec<EnvStatus>,
    /// Highest event seq read: a console compares it to notice changes.
    pub head_seq: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseSummary {
    pub number: u64,
    pub version: String,
    pub commit: String,
    pub artifact: Option<String>,
    pub deployed_at: DateTime<Utc>,
    pub deployed_by: String,
    pub action: &'static str,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DeploymentSummary {
    pub state: &'static str,
    pub number: u64,
    pub version: String,
    pub actor: String,
    pub started_at: DateTime<Utc>,
    pub action: &'static str,
    pub steps: Vec<crate::domain::StepState>,
    pub error: Option<String>,
    /// Who holds the environment for it, and for how long yet.
    pub lease: Option<LeaseSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeaseSummary {
    pub holder: String,
    pub host: Option<String>,
    /// The fencing token (seq of `lease.acquired`).
    pub token: u64,
    /// Seconds until it expires; negative once expired.
    pub expires_in_s: i64,
    pub expired: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChecklistSummary {
    pub name: String,
    pub phase: &'static str,
    pub build: String,
    pub done: usize,
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingSummary {
    pub version: String,
    pub commit: String,
    pub from: Option<String>,
    pub from_release: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovalSummary {
    pub required: u32,
    pub version: Option<String>,
    pub by: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HoldSummary {
    pub actor: String,
    pub reason: Option<String>,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FreezeSummary {
    pub window: String,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvStatus {
    pub name: String,
    pub promote_from: Option<String>,
    pub protected: bool,
    pub url: Option<String>,
    pub release: Option<ReleaseSummary>,
    /// A deployment in flight, or an interrupted one awaiting a person.
    pub deployment: Option<DeploymentSummary>,
    pub badges: Vec<&'static str>,
    /// Gates for the next deployment into this env (promotion when it has a source).
    pub gates: Vec<Gate>,
    pub checklists: Vec<ChecklistSummary>,
    pub health: super::health::EnvHealthSummary,
    pub pending: Option<PendingSummary>,
    pub approvals: ApprovalSummary,
    pub hold: Option<HoldSummary>,
    pub freeze: Option<FreezeSummary>,
    pub releases: u64,
    /// Flags whose state here differs from the env it promotes from.
    pub flags_differ: Vec<String>,
}

pub fn summarize_release(r: &Release) -> ReleaseSummary {
    ReleaseSummary {
        number: r.number,
        version: r.version.clone(),
        commit: r.commit.clone(),
        artifact: r.artifact.clone(),
        deployed_at: r.finished_at.unwrap_or(r.started_at),
        deployed_by: r.actor.clone(),
        action: r.action.as_str(),
        description: r.description(),
    }
}

fn summarize_deployment(r: &Release, lease: Option<&crate::ledger::Lease>) -> DeploymentSummary {
    let lease = lease.filter(|l| l.number == Some(r.number) && r.status == DeploymentStatus::Started);
    // A holder silent past its lease is interrupted for everyone, before any
    // process has written it down.
    let expired = lease.is_some_and(|l| l.expired());
    DeploymentSummary {
        state: if expired { "interrupted" } else { r.status.as_str() },
        lease: lease.map(|l| LeaseSummary {
            holder: l.holder.clone(),
            host: l.host.clone(),
            token: l.token,
            expires_in_s: l.remaining_ms().div_euclid(1000),
            expired: l.expired(),
        }),
        number: r.number,
        version: r.version.clone(),
        actor: r.actor.clone(),
        started_at: r.started_at,
        action: r.action.as_str(),
        steps: r.steps.clone(),
        error: if expired {
            lease.map(super::lease::expired_why)
        } else {
            r.error.clone()
        },
    }
}

/// Status without health data (health shows "not polled yet").
pub fn status(ctx: &Ctx) -> Result<Status> {
    status_with_health(ctx, &crate::health::Board::default())
}

/// Status with what `board` knows about health: drift, verifying and the
/// `require_healthy` gate come from it.
pub fn status_with_health(ctx: &Ctx, board: &crate::health::Board) -> Result<Status> {
    let view = ctx.store.view();
    let head_seq = ctx.store.head_seq()?;
    let now = ctx.now();
    let mut environments = Vec::new();
    for e in &ctx.config.environments {
        let current = view.current_release(&e.name)?;
        let mut in_flight = view.in_flight(&e.name)?;
        let mut interrupted = view.interrupted(&e.name)?;
        // Its process died and nobody recorded it yet (a read-only viewer
        // does not): show it as interrupted all the same.
        if let Some(mut r) = in_flight.take_if(|r| super::recover::orphaned(r, &ctx.host)) {
            r.status = crate::domain::DeploymentStatus::Interrupted;
            interrupted = Some(r);
        }
        let hold = view.hold(&e.name)?;
        let pending = pending_build(view, &ctx.config, &e.name)?;
        let mut badges = Vec::new();
        if e.protected {
            badges.push("protected");
        }
        let lease = view.lease(&e.name)?;
        let silent = in_flight.as_ref().is_some_and(|r| {
            matches!(
                super::plan::lease_state(lease.as_ref(), r.number),
                LeaseState::Expired { .. }
            )
        });
        if in_flight.is_some() && !silent {
            badges.push("deploying");
        }
        if interrupted.is_some() || silent {
            badges.push("interrupted");
        }
        if hold.is_some() {
            badges.push("hold");
        }
        let freeze = e.freeze.iter().find_map(|w| {
            w.active_until(now).map(|until| FreezeSummary {
                window: w.text().to_string(),
                until,
            })
        });
        if freeze.is_some() {
            badges.push("frozen");
        }
        // Gates for what would happen next: a promotion from the source, or
        // a deploy of the pending build into a first stage.
        let request = match (&e.promote_from, &pending) {
            (Some(from), Some(_)) => Some(Request::Promote {
                from: from.clone(),
                to: e.name.clone(),
            }),
            (None, Some(b)) => Some(Request::Deploy {
                env: e.name.clone(),
                version: b.version.clone(),
            }),
            _ => None,
        };
        let source_health = e
            .promote_from
            .as_ref()
            .map(|f| super::health::gate_verdict(&ctx.config, board, f));
        let gates = match &request {
            Some(r) => plan::plan_with_health(view, &ctx.config, &ctx.actor, now, r, source_health)
                .map(|p| p.gates)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let health = super::health::env_summary(&ctx.config, board, view, &e.name, now)?;
        if health.drift {
            badges.push("drift");
        }
        if health.verifying {
            badges.push("verifying");
        }
        let runs = runs_in(view, &ctx.config, &e.name)?;
        let pending_summary = pending.as_ref().map(|b| PendingSummary {
            version: b.version.clone(),
            commit: b.commit.clone(),
            from: e.promote_from.clone(),
            from_release: e
                .promote_from
                .as_ref()
                .and_then(|f| view.current_release(f).ok().flatten())
                .map(|r| r.number),
        });
        let approval_version = pending.as_ref().map(|b| b.version.clone());
        let approvers = match &approval_version {
            Some(v) => view.approvers(&e.name, v)?,
            None => Vec::new(),
        };
        environments.push(EnvStatus {
            name: e.name.clone(),
            promote_from: e.promote_from.clone(),
            protected: e.protected,
            url: e.url.clone(),
            release: current.as_ref().map(summarize_release),
            deployment: in_flight
                .as_ref()
                .or(interrupted.as_ref())
                .map(|r| summarize_deployment(r, lease.as_ref())),
            badges,
            gates,
            checklists: runs
                .iter()
                .map(|r| ChecklistSummary {
                    name: r.name.clone(),
                    phase: r.phase,
                    build: r.build.clone(),
                    done: r.done,
                    total: r.total,
                })
                .collect(),
            health,
            pending: pending_summary,
            approvals: ApprovalSummary {
                required: e.approvals,
                version: approval_version,
                by: approvers,
            },
            hold: hold.map(|h: Hold| HoldSummary {
                actor: h.actor,
                reason: h.reason,
                since: h.since,
            }),
            freeze,
            releases: view.release_count(&e.name)?,
            flags_differ: match &e.promote_from {
                Some(from) => super::flag_state::differing(view, &ctx.config, &e.name, from)?,
                None => Vec::new(),
            },
        });
    }
    Ok(Status {
        project: ctx.config.project.name.clone(),
        environments,
        head_seq,
    })
}

/// Releases of one env, newest first.
pub fn history(ctx: &Ctx, env: &str, offset: u64, limit: usize) -> Result<Vec<Release>> {
    ctx.env(env)?;
    ctx.store.view().history(env, offset, limit)
}
