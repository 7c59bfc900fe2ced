//! The state of every environment, as `status --json` and the dashboard show it.

mod summary;

pub use summary::*;

use chrono::{DateTime, Utc};

use crate::config::Environment;
use crate::domain::gates::Hold;
use crate::domain::{Build, DeploymentStatus, Gate, LeaseState, Release};
use crate::error::Result;
use crate::health::Board;
use crate::ledger::{Lease, StateView};

use super::checklist::{pending_build, runs_in};
use super::health::EnvHealthSummary;
use super::plan::{self, Request};
use super::Ctx;

/// Status without health data (health shows "not polled yet").
pub fn status(ctx: &Ctx) -> Result<Status> {
    status_with_health(ctx, &Board::default())
}

/// Status with what `board` knows about health: drift, verifying and the
/// `require_healthy` gate come from it.
pub fn status_with_health(ctx: &Ctx, board: &Board) -> Result<Status> {
    // Read before the rows: a console that compares it misses no change.
    let head_seq = ctx.store.head_seq()?;
    let now = ctx.now();
    let environments = ctx
        .config
        .environments
        .iter()
        .map(|e| env_status(ctx, board, e, now))
        .collect::<Result<_>>()?;
    Ok(Status {
        project: ctx.config.project.name.clone(),
        environments,
        head_seq,
    })
}

/// A deployment in flight or interrupted, as everyone should see it.
struct Deployment {
    in_flight: Option<Release>,
    interrupted: Option<Release>,
    lease: Option<Lease>,
    /// In flight, but its holder went silent past the lease.
    silent: bool,
}

impl Deployment {
    fn read(ctx: &Ctx, env: &str) -> Result<Deployment> {
        let view = ctx.store.view();
        let mut in_flight = view.in_flight(env)?;
        let mut interrupted = view.interrupted(env)?;
        // Its process died and nobody recorded it yet (a read-only viewer
        // does not): show it as interrupted all the same.
        if let Some(mut r) = in_flight.take_if(|r| super::recover::orphaned(r, &ctx.host)) {
            r.status = DeploymentStatus::Interrupted;
            interrupted = Some(r);
        }
        let lease = view.lease(env)?;
        let silent = in_flight
            .as_ref()
            .is_some_and(|r| matches!(plan::lease_state(lease.as_ref(), r.number), LeaseState::Expired { .. }));
        Ok(Deployment {
            in_flight,
            interrupted,
            lease,
            silent,
        })
    }

    fn summary(&self) -> Option<DeploymentSummary> {
        self.in_flight
            .as_ref()
            .or(self.interrupted.as_ref())
            .map(|r| summary::summarize_deployment(r, self.lease.as_ref()))
    }
}

fn env_status(ctx: &Ctx, board: &Board, e: &Environment, now: DateTime<Utc>) -> Result<EnvStatus> {
    let view = ctx.store.view();
    let current = view.current_release(&e.name)?;
    let deployment = Deployment::read(ctx, &e.name)?;
    let hold = view.hold(&e.name)?;
    let pending = pending_build(view, &ctx.config, &e.name)?;
    let freeze = active_freeze(e, now);
    let gates = next_gates(ctx, board, e, pending.as_ref(), now);
    let health = super::health::env_summary(&ctx.config, board, view, &e.name, now)?;
    let approval_version = pending.as_ref().map(|b| b.version.clone());
    let approvers = match &approval_version {
        Some(v) => view.approvers(&e.name, v)?,
        None => Vec::new(),
    };
    let incident = view.open_incident(&e.name)?;
    Ok(EnvStatus {
        name: e.name.clone(),
        promote_from: e.promote_from.clone(),
        protected: e.protected,
        url: e.url.clone(),
        release: current.as_ref().map(summarize_release),
        deployment: deployment.summary(),
        badges: badges(
            e,
            &deployment,
            hold.is_some(),
            freeze.is_some(),
            &health,
            incident.is_some(),
        ),
        gates,
        checklists: checklists(view, ctx, &e.name)?,
        health,
        pending: pending.as_ref().map(|b| pending_summary(view, e, b)),
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
        incident,
        rollout: crate::ops::rollout::card_of(view, &e.name, now)?,
    })
}

fn badges(
    e: &Environment,
    d: &Deployment,
    hold: bool,
    frozen: bool,
    health: &EnvHealthSummary,
    incident: bool,
) -> Vec<Badge> {
    [
        (incident, Badge::Incident),
        (e.protected, Badge::Protected),
        (d.in_flight.is_some() && !d.silent, Badge::Deploying),
        (d.interrupted.is_some() || d.silent, Badge::Interrupted),
        (hold, Badge::Hold),
        (frozen, Badge::Frozen),
        (health.drift, Badge::Drift),
        (health.verifying, Badge::Verifying),
    ]
    .into_iter()
    .filter_map(|(on, b)| on.then_some(b))
    .collect()
}

fn active_freeze(e: &Environment, now: DateTime<Utc>) -> Option<FreezeSummary> {
    e.freeze.iter().find_map(|w| {
        w.active_until(now).map(|until| FreezeSummary {
            window: w.text().to_string(),
            until,
        })
    })
}

/// Gates for what would happen next: a promotion from the source, or a
/// deploy of the pending build into a first stage.
fn next_gates(ctx: &Ctx, board: &Board, e: &Environment, pending: Option<&Build>, now: DateTime<Utc>) -> Vec<Gate> {
    let request = match (&e.promote_from, pending) {
        (Some(from), Some(_)) => Request::Promote {
            from: from.clone(),
            to: e.name.clone(),
        },
        (None, Some(b)) => Request::Deploy {
            env: e.name.clone(),
            version: b.version.clone(),
        },
        _ => return Vec::new(),
    };
    let source_health = e
        .promote_from
        .as_ref()
        .map(|f| super::health::gate_verdict(&ctx.config, board, f));
    plan::plan_with_health(ctx.store.view(), &ctx.config, &ctx.actor, now, &request, source_health)
        .map(|p| p.gates)
        .unwrap_or_default()
}

fn checklists(view: &dyn StateView, ctx: &Ctx, env: &str) -> Result<Vec<ChecklistSummary>> {
    Ok(runs_in(view, &ctx.config, env)?
        .iter()
        .map(|r| ChecklistSummary {
            name: r.name.clone(),
            phase: r.phase,
            build: r.build.clone(),
            done: r.done,
            total: r.total,
        })
        .collect())
}

fn pending_summary(view: &dyn StateView, e: &Environment, b: &Build) -> PendingSummary {
    PendingSummary {
        version: b.version.clone(),
        commit: b.commit.clone(),
        from: e.promote_from.clone(),
        from_release: e
            .promote_from
            .as_ref()
            .and_then(|f| view.current_release(f).ok().flatten())
            .map(|r| r.number),
    }
}

/// Releases of one env, newest first.
pub fn history(ctx: &Ctx, env: &str, offset: u64, limit: usize) -> Result<Vec<Release>> {
    ctx.env(env)?;
    ctx.store.view().history(env, offset, limit)
}
