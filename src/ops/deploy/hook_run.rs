//! Running a deployment's hook, step by step, so the ledger learns each
//! step boundary while the deployment is still going and other consoles can
//! show it.

use std::collections::BTreeMap;
use std::time::Instant;

use super::outputs::{self, OutputFile};
use crate::ledger::sql::outputs::of_release as outputs_of;

use super::Progress;
use crate::error::Result;
use crate::exec::{self, CancelToken, HookOutcome};
use crate::ledger::bodies::DeploymentStep;
use crate::ledger::{kind, NewEvent};
use crate::ops::plan::Plan;
use crate::ops::Ctx;

/// Runs the steps; the outcome, and what the hook wrote to `$RELCON_OUTPUT`
/// (only when every step succeeded).
pub fn run_steps(
    ctx: &mut Ctx,
    hook: &crate::config::Hook,
    p: &Plan,
    reason: Option<&str>,
    cancel: &CancelToken,
    on: &mut dyn FnMut(Progress),
) -> Result<(HookOutcome, BTreeMap<String, String>)> {
    let mut vars = hook_env(ctx, p, reason);
    let out_file = OutputFile::create()
        .map_err(|e| crate::error::Error::runtime(format!("cannot create the $RELCON_OUTPUT file: {e}")))?;
    vars.push(("RELCON_OUTPUT".into(), out_file.path().display().to_string()));
    let redactor = ctx.redactor();
    let dir = ctx.config.dir.clone();
    let started = Instant::now();
    let multi = hook.multi_step;
    // Each step's output is already bounded; join them as they are.
    let mut combined = String::new();
    let mut failure: Option<String> = None;
    for step in &hook.steps {
        if multi {
            record_step(ctx, &p.env, p.next_number, &step.name, "running")?;
        }
        let one = crate::config::Hook {
            steps: vec![step.clone()],
            multi_step: multi,
        };
        let outcome = exec::run_hook(&one, &dir, &vars, &redactor, cancel, &mut |ev| on(Progress::Hook(ev)));
        combined.push_str(&outcome.output);
        if multi {
            let state = if outcome.ok { "done" } else { "failed" };
            record_step(ctx, &p.env, p.next_number, &step.name, state)?;
        }
        if !outcome.ok {
            failure = Some(outcome.error.unwrap_or_else(|| "hook failed".into()));
            break;
        }
    }
    let outputs = if failure.is_none() {
        out_file.read(&redactor)
    } else {
        BTreeMap::new()
    };
    Ok((
        HookOutcome {
            ok: failure.is_none(),
            error: failure,
            output: combined,
            duration: started.elapsed(),
        },
        outputs,
    ))
}

fn record_step(ctx: &mut Ctx, env: &str, number: u64, step: &str, state: &str) -> Result<()> {
    let now = ctx.now();
    let actor = ctx.actor.clone();
    let body = DeploymentStep {
        number,
        step: step.to_string(),
        state: state.to_string(),
    };
    ctx.store.transact(now, &actor, &mut |_| {
        Ok(vec![NewEvent::new(kind::DEPLOYMENT_STEP, Some(env), &body)])
    })?;
    Ok(())
}

/// The RELCON_* variables a hook receives. Every one is always set (empty
/// when it does not apply), so `set -u` scripts work.
pub fn hook_env(ctx: &Ctx, p: &Plan, reason: Option<&str>) -> Vec<(String, String)> {
    let env_url = ctx.config.env(&p.env).and_then(|e| e.url.clone()).unwrap_or_default();
    // What it replaces (read before the new release is recorded as current).
    let current = ctx.store.view().current_release(&p.env).ok().flatten();
    let previous = current.as_ref().map(|r| r.version.clone()).unwrap_or_default();
    let pairs = [
        ("RELCON_ACTION", p.action.as_str().to_string()),
        ("RELCON_PROJECT", ctx.config.project.name.clone()),
        ("RELCON_ENV", p.env.clone()),
        ("RELCON_ENV_URL", env_url),
        ("RELCON_FROM_ENV", p.from_env.clone().unwrap_or_default()),
        ("RELCON_VERSION", p.build.version.clone()),
        ("RELCON_PREVIOUS_VERSION", previous),
        ("RELCON_COMMIT", p.build.commit.clone()),
        ("RELCON_ARTIFACT", p.build.artifact.clone().unwrap_or_default()),
        ("RELCON_RELEASE", p.next_number.to_string()),
        (
            "RELCON_TARGET_RELEASE",
            p.target_release.map(|n| n.to_string()).unwrap_or_default(),
        ),
        ("RELCON_ACTOR", ctx.actor.clone()),
        ("RELCON_REASON", reason.unwrap_or_default().to_string()),
    ];
    let mut vars: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    // What earlier hooks recorded: for the release being replaced, and for
    // a rollback's target. A ledger that cannot be read here leaves them out.
    let db = ctx.store.db();
    if let Some(current) = current {
        if let Ok(o) = outputs_of(db, &p.env, current.number) {
            vars.extend(outputs::vars("CURRENT", &o));
        }
    }
    if let Some(target) = p.target_release {
        if let Ok(o) = outputs_of(db, &p.env, target) {
            vars.extend(outputs::vars("TARGET", &o));
        }
    }
    vars
}
