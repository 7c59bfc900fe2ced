//! The vocabulary of actions, owned by ops. Both front ends turn what a
//! person typed (arguments, a key, a `:` line) into an [`Intent`], show its
//! [`preview`] (what would happen, every gate, the name to type), and
//! [`execute`] it with the person's [`Confirmation`]. The rules — planning,
//! the promote-through skip, the override policy, the protected name — live
//! here and in `policy`, once.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::checklist::TickRequest;
use super::deploy::{Options, Progress};
use super::flags::{FlagOp, FlagPlan};
use super::plan::{self, Plan, Request};
use super::{audit, Ctx};
use crate::config::Config;
use crate::domain::{Gate, Release};
use crate::error::{Error, Result};
use crate::exec::CancelToken;
use crate::health::Board;
use crate::ledger::StateView;

/// One action a person can take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Deploy {
        env: String,
        version: String,
    },
    /// `expect`: refuse unless the source's current release is this vN.
    Promote {
        from: String,
        to: String,
        expect: Option<u64>,
    },
    /// The whole chain into `target`, gated at each step.
    PromoteThrough {
        target: String,
    },
    Rollback {
        env: String,
        to: Option<u64>,
    },
    Approve {
        env: String,
        version: String,
        note: Option<String>,
    },
    HoldClear {
        env: String,
    },
    Resolve {
        env: String,
        succeeded: bool,
    },
    Tick(TickRequest),
    Flag {
        env: String,
        flag: String,
        op: FlagOp,
    },
}

/// What the person said when confirming.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    pub reason: Option<String>,
    /// Override the failing gates that may be overridden (needs a reason).
    pub force: bool,
}

impl Intent {
    /// The environment it acts on.
    pub fn env(&self) -> &str {
        match self {
            Intent::Deploy { env, .. }
            | Intent::Rollback { env, .. }
            | Intent::Approve { env, .. }
            | Intent::HoldClear { env }
            | Intent::Resolve { env, .. }
            | Intent::Flag { env, .. } => env,
            Intent::Tick(t) => &t.env,
            Intent::Promote { to, .. } => to,
            Intent::PromoteThrough { target } => target,
        }
    }

    /// Deploy-type intents run a hook and stream progress.
    pub fn runs_hook(&self) -> bool {
        matches!(
            self,
            Intent::Deploy { .. } | Intent::Promote { .. } | Intent::PromoteThrough { .. } | Intent::Rollback { .. }
        )
    }

    /// Gated by the environment's gates (a reason, a typed name, `--force`).
    pub fn gated(&self) -> bool {
        self.runs_hook() || matches!(self, Intent::Flag { op, .. } if *op != FlagOp::Kill)
    }

    fn request(&self) -> Option<Request> {
        Some(match self {
            Intent::Deploy { env, version } => Request::Deploy {
                env: env.clone(),
                version: version.clone(),
            },
            Intent::Promote { from, to, .. } => Request::Promote {
                from: from.clone(),
                to: to.clone(),
            },
            Intent::Rollback { env, to } => Request::Rollback {
                env: env.clone(),
                to: *to,
            },
            _ => return None,
        })
    }
}

/// One step of a deployment preview (promote-through has one per stage).
#[derive(Debug, Clone)]
pub struct Step {
    pub from: Option<String>,
    pub to: String,
    pub plan: std::result::Result<Plan, String>,
    /// Promote-through skips a stage that already runs the build coming through.
    pub skip: bool,
    /// A promote-through step after the first that runs: gated when it runs.
    pub later: bool,
}

/// What an intent would do, as of now.
#[derive(Debug, Clone)]
pub struct Preview {
    /// "Promote 1.4.2 (abc1234) from staging v12 to prod as v91?"
    pub question: String,
    /// Deployments: one per stage touched.
    pub steps: Vec<Step>,
    /// Flag changes: before → after and the approvals gate.
    pub flag: Option<FlagPlan>,
    /// The protected environment whose name the person types to confirm.
    pub confirm_name: Option<String>,
}

impl Preview {
    /// The step that decides now: the first that runs.
    pub fn deciding(&self) -> Option<&Step> {
        self.steps.iter().find(|s| !s.skip)
    }

    /// The gates that decide now.
    pub fn gates(&self) -> &[Gate] {
        if let Some(f) = &self.flag {
            return &f.gates;
        }
        match self.deciding().map(|s| &s.plan) {
            Some(Ok(p)) => &p.gates,
            _ => &[],
        }
    }

    pub fn failing(&self) -> Vec<&Gate> {
        self.gates().iter().filter(|g| !g.ok).collect()
    }

    /// The one override rule (`policy::judge`), on the gates that decide now.
    pub fn judge(&self, intent: &Intent, force: bool) -> Result<()> {
        policy_action(intent).map_or(Ok(()), |action| {
            super::policy::judge(&action, intent.env(), self.gates(), force).map(|_| ())
        })
    }
}

fn policy_action(intent: &Intent) -> Option<String> {
    match intent {
        Intent::Flag { op, .. } => Some(format!("flag {}", op.name())),
        Intent::PromoteThrough { .. } => Some("promote".into()),
        other => other.request().map(|r| r.action().as_str().to_string()),
    }
}

/// The protected environment whose name must be typed: the one a
/// deployment or flag change touches; for promote-through, the last
/// protected stage on the way.
pub fn confirm_name(config: &Config, intent: &Intent) -> Option<String> {
    let protected = |n: &str| config.env(n).is_some_and(|e| e.protected);
    match intent {
        Intent::PromoteThrough { target } => {
            let mut cur = config.env(target);
            while let Some(e) = cur {
                if e.protected {
                    return Some(e.name.clone());
                }
                cur = e.promote_from.as_deref().and_then(|f| config.env(f));
            }
            None
        }
        // Every deployment and every flag change, the kill switch included:
        // fast, but never by a stray key.
        i if i.runs_hook() || matches!(i, Intent::Flag { .. }) => protected(i.env()).then(|| i.env().to_string()),
        _ => None,
    }
}

/// What a promotion's source health is, for `require_healthy`: from the
/// console's board when it has heard from the source, else one poll now.
fn source_health(config: &Config, board: Option<&Board>, from: &str) -> Option<(bool, String)> {
    if !config.env(from)?.require_healthy {
        return None;
    }
    match board.filter(|b| b.env_health(from).state.is_some()) {
        Some(b) => Some(super::health::gate_verdict(config, b, from)),
        None => {
            let polled = crate::health::once::poll_blocking(config, Some(&[from.to_string()]));
            Some(super::health::gate_verdict(config, &polled, from))
        }
    }
}

/// The stages of `promote --through target` as (from, to, skip): a stage
/// that already runs the build coming through (the first stage's current
/// build) is skipped — the same rule the execution applies step by step.
pub fn through_steps(view: &dyn StateView, config: &Config, target: &str) -> Result<Vec<(String, String, bool)>> {
    let chain = super::chain::chain_of(config, target)?;
    let incoming = match chain.first() {
        Some((f, _)) => view.current_release(f)?.map(|r| r.version),
        None => None,
    };
    let mut out = Vec::new();
    for (from, to) in chain {
        let dst = view.current_release(&to)?.map(|r| r.version);
        let skip = incoming.is_some() && incoming == dst;
        out.push((from, to, skip));
    }
    Ok(out)
}

/// What `intent` would do, as of now, for `actor`.
pub fn preview(
    view: &dyn StateView,
    config: &Config,
    actor: &str,
    now: DateTime<Utc>,
    intent: &Intent,
    board: Option<&Board>,
) -> Result<Preview> {
    let planned = |req: &Request| {
        let health = match req {
            Request::Promote { from, .. } => source_health(config, board, from),
            _ => None,
        };
        plan::plan_with_health(view, config, actor, now, req, health)
    };
    let mut steps = Vec::new();
    let mut flag = None;
    if let Some(req) = intent.request() {
        let p = planned(&req)?;
        steps.push(Step {
            from: p.from_env.clone(),
            to: p.env.clone(),
            plan: Ok(p),
            skip: false,
            later: false,
        });
    } else if let Intent::PromoteThrough { target } = intent {
        let mut first = true;
        for (from, to, skip) in through_steps(view, config, target)? {
            // Only the first step that runs can be judged now; later ones
            // depend on it (their build, approvals, checklists).
            let later = !skip && !first;
            first &= skip;
            let req = Request::Promote {
                from: from.clone(),
                to: to.clone(),
            };
            steps.push(Step {
                from: Some(from),
                to,
                plan: planned(&req).map_err(|e| e.plain()),
                skip,
                later,
            });
        }
    } else if let Intent::Flag { env, flag: name, op } = intent {
        flag = Some(super::flags::plan(view, config, actor, env, name, op)?);
    }
    Ok(Preview {
        question: question(intent, &steps, flag.as_ref()),
        steps,
        flag,
        confirm_name: confirm_name(config, intent),
    })
}

fn question(intent: &Intent, steps: &[Step], flag: Option<&FlagPlan>) -> String {
    let p = steps.first().and_then(|s| s.plan.as_ref().ok());
    match (intent, p) {
        (Intent::Deploy { .. }, Some(p)) => format!(
            "Deploy {} ({}) to {} as v{}?",
            p.build.version,
            audit::short(&p.build.commit),
            p.env,
            p.next_number
        ),
        (Intent::Promote { from, .. }, Some(p)) => format!(
            "Promote {} ({}{}) from {from} v{} to {} as v{}?",
            p.build.version,
            audit::short(&p.build.commit),
            p.build.artifact.as_ref().map(|a| format!(", {a}")).unwrap_or_default(),
            p.source_release.unwrap_or(0),
            p.env,
            p.next_number
        ),
        (Intent::Rollback { .. }, Some(p)) => format!(
            "Roll back {} from v{} to v{} ({}) as v{}? Promotions into {} will be held.",
            p.env,
            p.current.as_ref().map_or(0, |c| c.number),
            p.target_release.unwrap_or(0),
            p.build.version,
            p.next_number,
            p.env
        ),
        (Intent::PromoteThrough { .. }, _) => {
            let mut path: Vec<&str> = steps.first().and_then(|s| s.from.as_deref()).into_iter().collect();
            path.extend(steps.iter().map(|s| s.to.as_str()));
            format!("Promote through {} (each step gated)?", path.join(" → "))
        }
        (Intent::Flag { env, flag: name, op }, _) => {
            let (before, after) = flag.map_or((String::new(), String::new()), |f| {
                (crate::flags::describe(&f.before), crate::flags::describe(&f.after))
            });
            let targets = flag
                .filter(|f| !f.after.targets.is_empty())
                .map(|f| format!(" (targets {})", f.after.targets.join(",")))
                .unwrap_or_default();
            match op {
                FlagOp::Kill => format!("Kill {name} in {env} now ({before} → off)?"),
                FlagOp::Restore => format!("Restore {name} in {env} to {after}, its state before the kill?"),
                FlagOp::Set(_) => format!("Set {name} in {env}: {before} → {after}{targets}?"),
            }
        }
        (Intent::Approve { env, version, .. }, _) => format!("Approve {version} into {env}?"),
        (Intent::HoldClear { env }, _) => format!("Clear the hold on {env}?"),
        (Intent::Resolve { env, succeeded }, _) => {
            format!(
                "Mark {env}'s interrupted deployment as {}?",
                if *succeeded { "succeeded" } else { "failed" }
            )
        }
        (Intent::Tick(t), _) => format!(
            "{} {} #{} in {}?",
            if t.undo { "Untick" } else { "Tick" },
            t.checklist,
            t.item,
            t.env
        ),
        _ => "Go ahead?".to_string(),
    }
}

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
        run: super::checklist::Run,
        item: usize,
        undo: bool,
    },
    Flag(super::flags::Changed),
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
    use super::deploy;
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
            by: super::approve::approve(ctx, env, version, note.clone())?,
            env: env.clone(),
            version: version.clone(),
        },
        Intent::HoldClear { env } => {
            super::hold::clear(ctx, env, c.reason.clone())?;
            Outcome::HoldCleared { env: env.clone() }
        }
        Intent::Resolve { env, succeeded } => {
            Outcome::Resolved(super::recover::resolve(ctx, env, *succeeded, c.reason.clone())?)
        }
        Intent::Tick(t) => {
            let (run, item) = super::checklist::tick_n(ctx, t.clone())?;
            Outcome::Ticked {
                run,
                item,
                undo: t.undo,
            }
        }
        Intent::Flag { env, flag, op } => {
            Outcome::Flag(super::flags::apply(ctx, env, flag, op, c.reason.clone(), c.force)?)
        }
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
        }
    }
}

/// Whether `e` is a refusal by gates (for callers that show gates apart).
pub fn refused(e: &Error) -> bool {
    matches!(e, Error::Refused { .. })
}
