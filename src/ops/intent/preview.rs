//! What an intent would do, as of now: the steps, every gate, the question
//! and the protected name to type.

use chrono::{DateTime, Utc};

use super::Intent;
use crate::config::Config;
use crate::domain::incident::{Incident, Recommendation};
use crate::domain::Gate;
use crate::error::Result;
use crate::health::Board;
use crate::ledger::StateView;
use crate::ops::audit;
use crate::ops::flags::{FlagOp, FlagPlan};
use crate::ops::plan::{self, Plan, Request};

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
    /// Incidents: what the decision tree recommends now.
    pub recommendation: Option<Recommendation>,
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
        crate::domain::gates::failing(self.gates())
    }

    /// The one override rule (`policy::judge`), on the gates that decide now.
    pub fn judge(&self, intent: &Intent, force: bool) -> Result<()> {
        policy_action(intent).map_or(Ok(()), |action| {
            crate::ops::policy::judge(&action, intent.env(), self.gates(), force).map(|_| ())
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
        i if i.runs_hook()
            || matches!(
                i,
                Intent::Flag { .. }
                    | Intent::RolloutStart { .. }
                    | Intent::Rollout {
                        act: crate::ops::rollout::Act::Advance | crate::ops::rollout::Act::Abort,
                        ..
                    }
            ) =>
        {
            protected(i.env()).then(|| i.env().to_string())
        }
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
        Some(b) => Some(crate::ops::health::gate_verdict(config, b, from)),
        None => {
            let polled = crate::health::once::poll_blocking(config, Some(&[from.to_string()]));
            Some(crate::ops::health::gate_verdict(config, &polled, from))
        }
    }
}

/// The stages of `promote --through target` as (from, to, skip): a stage
/// that already runs the build coming through (the first stage's current
/// build) is skipped — the same rule the execution applies step by step.
pub fn through_steps(view: &dyn StateView, config: &Config, target: &str) -> Result<Vec<(String, String, bool)>> {
    let chain = crate::ops::chain::chain_of(config, target)?;
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
        flag = Some(crate::ops::flags::plan(view, config, actor, env, name, op)?);
    }
    let question = match intent {
        Intent::Rollout { env, act } => crate::ops::rollout::question(view, env, *act),
        Intent::RolloutStart { plan, .. } => {
            format!(
                "{} ({})",
                question(intent, &steps, flag.as_ref()).trim_end_matches('?'),
                config.rollouts.get(plan).map_or_else(
                    || "no such plan".to_string(),
                    |p| crate::ops::rollout::describe_steps(&p.steps)
                )
            ) + "?"
        }
        _ => question(intent, &steps, flag.as_ref()),
    };
    Ok(Preview {
        question,
        steps,
        flag,
        confirm_name: confirm_name(config, intent),
        recommendation: recommendation(view, config, actor, now, intent)?,
    })
}

/// For an incident intent: what the tree recommends for the env's open
/// incident, or (none open yet) for one of the severity about to be opened.
fn recommendation(
    view: &dyn StateView,
    config: &Config,
    actor: &str,
    now: DateTime<Utc>,
    intent: &Intent,
) -> Result<Option<Recommendation>> {
    let (env, asked) = match intent {
        Intent::IncidentOpen {
            env,
            severity,
            affected,
            ..
        } => (env, Some((*severity, *affected))),
        Intent::IncidentNote { env, .. } | Intent::IncidentResolve { env } => (env, None),
        _ => return Ok(None),
    };
    let incident = match (view.open_incident(env)?, asked) {
        (Some(open), _) => open,
        (None, Some((severity, affected))) => Incident {
            id: 0,
            env: env.clone(),
            severity,
            summary: None,
            affected,
            opened_by: actor.to_string(),
            opened_at: now,
            mitigated_by: None,
            mitigated_at: None,
            mitigation: None,
            resolved_by: None,
            resolved_at: None,
            resolution: None,
            notes: 0,
        },
        (None, None) => return Ok(None),
    };
    crate::ops::incident::recommend(view, config, actor, now, &incident).map(Some)
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
                // "off → off" read as a mistake: say what a kill still does.
                FlagOp::Kill if before == "off" => format!(
                    "Kill {name} in {env} now? It is off already: the kill records it, zeroes its rollout and ends a rollout driving it."
                ),
                FlagOp::Kill => format!("Kill {name} in {env} now ({before} → off)?"),
                FlagOp::Restore => format!("Restore {name} in {env} to {after}, its state before the kill?"),
                FlagOp::Set(_) => format!("Set {name} in {env}: {before} → {after}{targets}?"),
            }
        }
        (Intent::RolloutStart { env, plan, what }, _) => {
            let target = match what {
                crate::ops::rollout::What::Flag(f) => format!("flag {f}"),
                crate::ops::rollout::What::Version(v) => format!("version {v}"),
            };
            format!("Start rollout {plan} of {target} in {env}?")
        }
        (Intent::Approve { env, version, .. }, _) => format!("Approve {version} into {env}?"),
        (Intent::HoldClear { env }, _) => format!("Clear the hold on {env}?"),
        (Intent::Resolve { env, succeeded }, _) => {
            format!(
                "Mark {env}'s interrupted deployment as {}?",
                if *succeeded { "succeeded" } else { "failed" }
            )
        }
        (Intent::IncidentOpen { env, severity, .. }, _) => {
            format!("Open a {} incident on {env}?", severity.as_str())
        }
        (Intent::IncidentNote { env, .. }, _) => format!("Note this on {env}'s incident?"),
        (Intent::IncidentResolve { env }, _) => format!("Resolve {env}'s incident?"),
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
