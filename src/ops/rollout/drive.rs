//! Driving: one tick takes each active rollout one decision further (a
//! poll, a step, the end); `run` ticks until nothing is left to drive.
//! `relcon rollout run` and the console's driver (run.rs) both tick through here.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::lease::Leases;
use super::{advance_to, analysis, complete};
use crate::domain::rollout::{decide, verdict, Decision, Rollout, Verdict};
use crate::error::Result;
use crate::ops::Ctx;

/// What one tick did about one rollout.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "did", rename_all = "lowercase")]
pub enum Did {
    Stepped {
        env: String,
        rollout: String,
        step: u32,
        steps: u32,
        weight: u32,
    },
    Sampled {
        env: String,
        rollout: String,
        step: u32,
        n: u32,
        verdict: Verdict,
        detail: String,
    },
    Completed {
        env: String,
        rollout: String,
    },
    Aborted {
        env: String,
        rollout: String,
        why: String,
    },
    /// Someone else (another driver, a deployment) holds the environment.
    Busy {
        env: String,
        rollout: String,
    },
    Failed {
        env: String,
        rollout: String,
        error: String,
    },
}

impl Did {
    /// One line for a log or a status bar.
    pub fn line(&self) -> String {
        match self {
            Did::Stepped {
                env,
                rollout,
                step,
                steps,
                weight,
            } => {
                format!("{env}: rollout {rollout} step {step}/{steps} → {weight} %")
            }
            Did::Sampled {
                env,
                rollout,
                step,
                n,
                verdict,
                detail,
            } => format!(
                "{env}: rollout {rollout} step {step} analysis #{n} {} {}{}{detail}",
                verdict.symbol(),
                verdict.as_str(),
                if detail.is_empty() { "" } else { " — " }
            ),
            Did::Completed { env, rollout } => format!("{env}: rollout {rollout} completed at 100 %"),
            Did::Aborted { env, rollout, why } => format!("{env}: rollout {rollout} ABORTED — {why}"),
            Did::Busy { env, rollout } => format!("{env}: rollout {rollout} is driven elsewhere (lease held)"),
            Did::Failed { env, rollout, error } => format!("{env}: rollout {rollout}: {error}"),
        }
    }
}

/// What a tick did, and when the next one is due.
#[derive(Debug, Clone, Default)]
pub struct TickReport {
    pub did: Vec<Did>,
    /// The earliest time something is due (now, when a tick should follow at once).
    pub next: Option<DateTime<Utc>>,
    /// Rollouts a driver can still move (not waiting for a person).
    pub drivable: usize,
}

/// A driver: the leases it holds between ticks.
#[derive(Debug, Default)]
pub struct Driver {
    pub leases: Leases,
    /// The env whose rollout a person is acting on in this console (an
    /// abort or advance dialog open): not stepped meanwhile.
    pub held: Held,
}

/// Shared with the console: the env its person is acting on, if any.
pub type Held = std::sync::Arc<std::sync::Mutex<Option<String>>>;

fn earliest(a: Option<DateTime<Utc>>, b: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(a.map_or(b, |a| a.min(b)))
}

/// One decision for every active rollout.
pub fn tick(ctx: &mut Ctx, driver: &mut Driver) -> Result<TickReport> {
    let mut report = TickReport::default();
    let mut rollouts = ctx.store.view().rollouts(true, 1000)?;
    rollouts.reverse();
    for r in rollouts {
        match tick_one(ctx, driver, &r, &mut report) {
            Ok(()) => {}
            Err(e) => {
                report.did.push(Did::Failed {
                    env: r.env.clone(),
                    rollout: r.plan.name.clone(),
                    error: e.plain(),
                });
                report.drivable += 1;
                report.next = earliest(report.next, ctx.now() + chrono::Duration::seconds(1));
            }
        }
    }
    Ok(report)
}

fn tick_one(ctx: &mut Ctx, driver: &mut Driver, r: &Rollout, report: &mut TickReport) -> Result<()> {
    let now = ctx.now();
    let (env, name) = (r.env.clone(), r.plan.name.clone());
    // A person here is deciding about it (an abort dialog open): the
    // driver must not finish it under them.
    let held = driver
        .held
        .lock()
        .map(|h| h.as_deref() == Some(env.as_str()))
        .unwrap_or(false);
    if held {
        report.drivable += 1;
        report.next = earliest(report.next, now + chrono::Duration::milliseconds(500));
        return Ok(());
    }
    if ctx.store.view().in_flight(&env)?.is_some() {
        // A deployment holds the environment: wait for it.
        report.drivable += 1;
        report.next = earliest(report.next, now + chrono::Duration::seconds(1));
        return Ok(());
    }
    if let Some(why) = superseded(ctx, r)? {
        // Its completion would record its build over what runs now: weight
        // 0 and nothing more (a rollback hook would undo the person's).
        let mut zero = r.clone();
        zero.plan.on_abort = crate::domain::rollout::OnAbort::Zero;
        if super::abort(ctx, &mut driver.leases, &zero, true, &why, None, Vec::new())? {
            report.did.push(Did::Aborted {
                env,
                rollout: name,
                why,
            });
        }
        return Ok(());
    }
    let samples = ctx.store.view().rollout_samples(r.id)?;
    let busy = |report: &mut TickReport| {
        report.did.push(Did::Busy {
            env: env.clone(),
            rollout: name.clone(),
        });
        report.next = earliest(report.next, now + chrono::Duration::milliseconds(500));
    };
    match decide(r, &samples, now) {
        Decision::Wait { until: None, .. } => {
            driver.leases.release(ctx, &env)?;
        }
        Decision::Wait { until: Some(t), .. } => {
            report.drivable += 1;
            report.next = earliest(report.next, t);
            // Keep a lease we hold alive through a long soak.
            if driver.leases.token(&env).is_some() {
                driver.leases.ensure(ctx, &env, &name, false)?;
            }
        }
        Decision::Analyse => {
            report.drivable += 1;
            let Some(token) = driver.leases.ensure(ctx, &env, &name, false)? else {
                busy(report);
                return Ok(());
            };
            let checks = r.plan.analysis.as_ref().map(|a| a.checks.clone()).unwrap_or_default();
            let measured = analysis::poll(&ctx.config, &env, &checks);
            let v = verdict(&measured);
            let n = samples.iter().filter(|s| s.step == r.step).count() as u32 + 1;
            let at = ctx.now();
            let sample = crate::domain::rollout::Sample {
                step: r.step,
                n,
                at,
                verdict: v,
                measured,
            };
            let recorded = crate::ledger::sql::rollout::record_sample(ctx.store.db(), &env, token, r.id, &sample)?;
            let measured = sample.measured;
            report.next = earliest(report.next, ctx.now());
            if recorded {
                let detail = measured
                    .iter()
                    .filter(|m| m.verdict != Verdict::Pass)
                    .map(analysis::describe)
                    .collect::<Vec<_>>()
                    .join("; ");
                report.did.push(Did::Sampled {
                    env,
                    rollout: name,
                    step: r.step,
                    n,
                    verdict: v,
                    detail,
                });
            }
        }
        Decision::Advance { to } => {
            report.drivable += 1;
            if advance_to(ctx, &mut driver.leases, r, to, "driver", None)? {
                report.did.push(Did::Stepped {
                    env,
                    rollout: name,
                    step: to,
                    steps: r.steps() as u32,
                    weight: r.plan.steps[to as usize - 1].weight,
                });
                report.next = earliest(report.next, ctx.now());
            } else {
                busy(report);
            }
        }
        Decision::Complete => {
            if complete(ctx, &mut driver.leases, r)? {
                report.did.push(Did::Completed { env, rollout: name });
            } else {
                report.drivable += 1;
                busy(report);
            }
        }
        Decision::Abort { why } => {
            let measured = samples
                .iter()
                .rev()
                .find(|s| s.step == r.step && s.verdict == Verdict::Fail)
                .map(|s| s.measured.clone())
                .unwrap_or_default();
            let detail = measured
                .iter()
                .filter(|m| m.verdict == Verdict::Fail)
                .map(analysis::describe)
                .collect::<Vec<_>>()
                .join("; ");
            let why = if detail.is_empty() {
                why
            } else {
                format!("{why}: {detail}")
            };
            if super::abort(ctx, &mut driver.leases, r, true, &why, None, measured)? {
                report.did.push(Did::Aborted {
                    env,
                    rollout: name,
                    why,
                });
            }
        }
    }
    Ok(())
}

/// Why a traffic rollout no longer stands on what it started from: the
/// environment's current release changed under it (a rollback, an
/// interrupted deployment resolved), so it must not complete.
fn superseded(ctx: &Ctx, r: &Rollout) -> Result<Option<String>> {
    let crate::domain::rollout::Target::Traffic { previous, .. } = &r.target else {
        return Ok(None);
    };
    let now = ctx.store.view().current_release(&r.env)?;
    if now.as_ref().map(|c| &c.version) == previous.as_ref() {
        return Ok(None);
    }
    Ok(Some(match now {
        Some(c) => format!(
            "{}'s release changed during the rollout: v{} {} ({})",
            r.env,
            c.number,
            c.version,
            c.description()
        ),
        None => format!("{}'s release changed during the rollout", r.env),
    }))
}
