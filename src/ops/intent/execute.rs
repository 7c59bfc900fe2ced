//! Carrying out an intent through the same ops functions, whoever asked.

use serde::Serialize;

use super::{Confirmation, Intent};
use crate::domain::Release;
use crate::error::Result;
use crate::exec::CancelToken;
use crate::ops::deploy::{self, Options, Progress};
use crate::ops::incident;
use crate::ops::Ctx;

/// What an intent did.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// Deployments made (promote-through: one per stage that ran, maybe none).
    Releases(Vec<Release>),
    Approved {
        env: String,
        version: String,
        by: Vec<String>,
    },
    HoldCleared {
        env: String,
    },
    Resolved(Release),
    Ticked {
        run: crate::ops::checklist::Run,
        item: usize,
        undo: bool,
    },
    Flag(crate::ops::flags::Changed),
    Rollout(Box<crate::ops::rollout::RolloutStatus>),
    /// An incident opened, with what the tree recommends for it.
    IncidentOpened(Box<crate::ops::incident::Opened>),
    /// An incident noted or resolved.
    Incident {
        incident: crate::domain::incident::Incident,
        what: &'static str,
    },
}

/// Carry out `intent` through the same ops functions, whoever asked.
pub fn execute(
    ctx: &mut Ctx,
    intent: &Intent,
    c: &Confirmation,
    on: &mut dyn FnMut(Progress),
    cancel: &CancelToken,
) -> Result<Outcome> {
    let opts = |expect| Options {
        reason: c.reason.clone(),
        force: c.force,
        expect,
    };
    Ok(match intent {
        Intent::Deploy { env, version } => {
            Outcome::Releases(vec![deploy::deploy(ctx, env, version, &opts(None), on, cancel)?])
        }
        Intent::Promote { from, to, expect } => {
            Outcome::Releases(vec![deploy::promote(ctx, from, to, &opts(*expect), on, cancel)?])
        }
        Intent::PromoteThrough { target } => {
            Outcome::Releases(deploy::promote_through(ctx, target, &opts(None), on, cancel)?)
        }
        Intent::Rollback { env, to } => {
            Outcome::Releases(vec![deploy::rollback(ctx, env, *to, &opts(None), on, cancel)?])
        }
        Intent::Approve { env, version, note } => Outcome::Approved {
            by: crate::ops::approve::approve(ctx, env, version, note.clone())?,
            env: env.clone(),
            version: version.clone(),
        },
        Intent::HoldClear { env } => {
            crate::ops::hold::clear(ctx, env, c.reason.clone())?;
            Outcome::HoldCleared { env: env.clone() }
        }
        Intent::Resolve { env, succeeded } => {
            Outcome::Resolved(crate::ops::recover::resolve(ctx, env, *succeeded, c.reason.clone())?)
        }
        Intent::Tick(t) => {
            let (run, item) = crate::ops::checklist::tick_n(ctx, t.clone())?;
            Outcome::Ticked {
                run,
                item,
                undo: t.undo,
            }
        }
        Intent::Flag { env, flag, op } => {
            Outcome::Flag(crate::ops::flags::apply(ctx, env, flag, op, c.reason.clone(), c.force)?)
        }
        Intent::RolloutStart { env, plan, what } => Outcome::Rollout(Box::new(crate::ops::rollout::start(
            ctx,
            env,
            plan,
            what,
            c.reason.clone(),
            c.force,
        )?)),
        Intent::Rollout { env, act } => {
            Outcome::Rollout(Box::new(crate::ops::rollout::act(ctx, env, *act, c.reason.clone())?))
        }
        Intent::IncidentOpen {
            env,
            severity,
            summary,
            affected,
        } => Outcome::IncidentOpened(Box::new(incident::open(
            ctx,
            env,
            *severity,
            summary.clone(),
            *affected,
        )?)),
        Intent::IncidentNote { env, text } => Outcome::Incident {
            incident: incident::note(ctx, env, text)?,
            what: "noted",
        },
        Intent::IncidentResolve { env } => Outcome::Incident {
            incident: incident::resolve(ctx, env, c.reason.clone())?,
            what: "resolved",
        },
    })
}

impl Outcome {
    /// One line saying what happened, for a status line.
    pub fn summary(&self) -> String {
        let rel = |r: &Release| format!("{} v{}: {} — {}", r.env, r.number, r.version, r.description());
        match self {
            Outcome::Releases(made) if made.is_empty() => {
                "nothing to promote: every stage already runs its source's build".to_string()
            }
            Outcome::Releases(made) => made.iter().map(rel).collect::<Vec<_>>().join("; "),
            Outcome::Approved { env, version, by } => {
                format!("approved {version} into {env} (approvals: {})", by.join(", "))
            }
            Outcome::HoldCleared { env } => format!("hold on {env} cleared"),
            Outcome::Resolved(r) => format!("{} v{} resolved as {}", r.env, r.number, r.status.as_str()),
            Outcome::Ticked { run, item, undo } => format!(
                "{} {} #{item} — {}/{} done",
                if *undo { "unticked" } else { "ticked" },
                run.name,
                run.done,
                run.total
            ),
            Outcome::Rollout(st) => format!("{}: {} — {}", st.env, st.line, st.waiting),
            Outcome::Flag(done) => {
                let targets = if done.row.targets.is_empty() {
                    String::new()
                } else {
                    format!(" (targets {})", done.row.targets.join(","))
                };
                let mut msg = format!(
                    "{} in {} is now {}{targets}",
                    done.row.flag, done.row.env, done.row.state
                );
                for w in done.warnings.iter().chain(done.hook_failed.iter()) {
                    msg.push_str(&format!(" — ▲ {w}"));
                }
                msg
            }
            Outcome::IncidentOpened(o) => format!(
                "{} opened on {} ({}) — recommended: {}",
                o.label,
                o.incident.env,
                o.incident.severity.as_str(),
                o.recommendation.why
            ),
            Outcome::Incident { incident, what } => format!("{} on {} {what}", incident.label(), incident.env),
        }
    }
}
