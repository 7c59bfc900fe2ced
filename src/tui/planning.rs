//! Plans for the action dialogs, computed on the reader thread: what an
//! action would do, gate by gate, as of now.

use super::event::{Msg, PlanRequest, PlanStep};
use super::jobs::plain;
use crate::health::Board;
use crate::ops::plan::{self, Request};
use crate::ops::{self, Ctx};

/// The answer to a plan request, as the message the app expects.
pub fn plan_message(ctx: &Ctx, board: &Board, id: u64, request: &PlanRequest) -> Msg {
    match request {
        PlanRequest::Flag { env, flag, op } => Msg::FlagPlanned {
            id,
            result: super::flag_work::plan(ctx, env, flag, op),
        },
        _ => Msg::Planned {
            id,
            result: plan_with(ctx, board, request),
        },
    }
}

/// What an action would do, gate by gate, as of now (health as not polled).
pub fn plan_for(ctx: &Ctx, request: &PlanRequest) -> Result<Vec<PlanStep>, String> {
    plan_with(ctx, &Board::default(), request)
}

/// The `require_healthy` verdict on a promotion's source: from the board,
/// or from one poll when the board has not heard from it yet.
fn source_health(ctx: &Ctx, board: &Board, from: &str) -> Option<(bool, String)> {
    let e = ctx.config.env(from)?;
    if !e.require_healthy {
        return None;
    }
    if board.env_health(from).state.is_none() {
        let polled = crate::health::once::poll_blocking(&ctx.config, Some(&[from.to_string()]));
        return Some(ops::health::gate_verdict(&ctx.config, &polled, from));
    }
    Some(ops::health::gate_verdict(&ctx.config, board, from))
}

/// What an action would do, gate by gate, as of now.
pub fn plan_with(ctx: &Ctx, board: &Board, request: &PlanRequest) -> Result<Vec<PlanStep>, String> {
    let view = ctx.store.view();
    let now = ctx.now();
    let planned = |req: &Request| {
        let health = match req {
            Request::Promote { from, .. } => source_health(ctx, board, from),
            _ => None,
        };
        plan::plan_with_health(view, &ctx.config, &ctx.actor, now, req, health).map_err(|e| plain(&e))
    };
    match request {
        PlanRequest::One(r) => {
            let p = planned(r)?;
            let from = match r {
                Request::Promote { from, .. } => Some(from.clone()),
                _ => None,
            };
            Ok(vec![PlanStep {
                from,
                to: r.env().to_string(),
                plan: Ok(p),
                skip: false,
                later: false,
            }])
        }
        PlanRequest::Through(target) => {
            let chain = ops::deploy::chain_to(ctx, target).map_err(|e| plain(&e))?;
            // The build that flows through: the first stage's, if every step succeeds.
            let incoming = chain
                .first()
                .and_then(|(f, _)| view.current_release(f).ok().flatten())
                .map(|r| r.version);
            let mut out = Vec::new();
            let mut first = true;
            for (from, to) in chain {
                let dst = view.current_release(&to).ok().flatten().map(|r| r.version);
                let skip = incoming.is_some() && incoming == dst;
                let req = Request::Promote {
                    from: from.clone(),
                    to: to.clone(),
                };
                // Only the first step that runs can be judged now; later ones
                // depend on it (their build, approvals, checklists).
                let later = !skip && !first;
                if !skip {
                    first = false;
                }
                out.push(PlanStep {
                    from: Some(from),
                    to,
                    plan: planned(&req),
                    skip,
                    later,
                });
            }
            Ok(out)
        }
        PlanRequest::Flag { .. } => Err("a flag change has no deployment plan".into()),
    }
}
