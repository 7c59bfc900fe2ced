//! Commands that run hooks: deploy, promote, rollback; and resolve.

use std::io::IsTerminal;

use super::confirm::confirm;
use super::output::{print_json, release_json};
use super::term::{self, out};
use super::{args::ActionArgs, parse_release};
use crate::domain::Release;
use crate::error::{Error, Result};
use crate::exec::{CancelToken, HookEvent};
use crate::ops::deploy::{Options, Progress};
use crate::ops::plan::{self, Request};
use crate::ops::{self, Ctx};

/// Live progress on stderr, so stdout stays clean for --json. A stderr that
/// cannot be written (closed, full) only stops the progress lines: the hook
/// runs on, supervised, and its outcome is recorded (see `term`).
fn progress_printer() -> impl FnMut(Progress) {
    // Step lines only for hooks written as named steps.
    let mut multi = false;
    move |p| match p {
        Progress::Started {
            env,
            number,
            version,
            action,
            multi_step,
            ..
        } => {
            multi = multi_step;
            let verb = match action {
                crate::domain::Action::Deploy => "deploying",
                crate::domain::Action::Promote => "promoting",
                crate::domain::Action::Rollback => "rolling back to",
            };
            term::err(format!("▶ {env} v{number}: {verb} {version}"))
        }
        Progress::Hook(HookEvent::StepStarted { name }) if multi => term::err(format!("  ▸ step {name}")),
        Progress::Hook(HookEvent::Output { line, .. }) => {
            term::err(format!("  │ {}", crate::domain::inert::expand_tabs(&line)))
        }
        Progress::Hook(HookEvent::StepFinished { name, ok, detail }) if multi || !ok => term::err(format!(
            "  {} {}{detail}",
            if ok { "✔" } else { "✖" },
            if multi { format!("step {name}: ") } else { String::new() }
        )),
        Progress::Hook(_) => {}
    }
}

/// Ctrl-C (or SIGTERM) cancels the running hook instead of killing relcon,
/// so the deployment is recorded as failed ("cancelled"), not left hanging.
fn cancel_on_signal(ctx: &Ctx) -> CancelToken {
    let token = CancelToken::default();
    crate::exec::signals::cancel_on_interrupt(token.clone(), ctx.actor.clone());
    token
}

fn describe(ctx: &Ctx, req: &Request) -> Result<(String, Option<String>)> {
    let p = plan::plan(ctx.store.view(), &ctx.config, &ctx.actor, ctx.now(), req)?;
    let what = match req {
        Request::Deploy { .. } => format!(
            "Deploy {} ({}) to {} as v{}?",
            p.build.version,
            ops::audit::short(&p.build.commit),
            p.env,
            p.next_number
        ),
        Request::Promote { from, .. } => format!(
            "Promote {} ({}{}) from {from} v{} to {} as v{}?",
            p.build.version,
            ops::audit::short(&p.build.commit),
            p.build.artifact.as_ref().map(|a| format!(", {a}")).unwrap_or_default(),
            p.source_release.unwrap_or(0),
            p.env,
            p.next_number
        ),
        Request::Rollback { .. } => format!(
            "Roll back {} from v{} to v{} ({}) as v{}? Promotions into {} will be held.",
            p.env,
            p.current.as_ref().map_or(0, |c| c.number),
            p.target_release.unwrap_or(0),
            p.build.version,
            p.next_number,
            p.env
        ),
    };
    Ok((what, p.protected.then(|| p.env.clone())))
}

fn finish(r: Release, json: bool) -> Result<i32> {
    if json {
        print_json(&release_json(&r));
    } else {
        out(result_line(&r));
    }
    note_if_unread(std::slice::from_ref(&r));
    Ok(0)
}

fn result_line(r: &Release) -> String {
    format!("{} v{}: {} — {}", r.env, r.number, r.version, r.description())
}

/// When stdout is gone, say on stderr (if it still works) what was recorded:
/// the exit code alone would not tell that the deployment finished.
fn note_if_unread(made: &[Release]) {
    if term::stdout_lost() {
        for r in made {
            term::err(format!(
                "note: stdout could not be written; recorded {}",
                result_line(r)
            ));
        }
    }
}

fn options(act: &ActionArgs, expect: Option<u64>) -> Options {
    Options {
        reason: act.reason.clone(),
        force: act.force,
        expect,
    }
}

/// Ask only when a person is there to answer; gate refusals are reported
/// by the op itself with every failing gate.
fn confirm_request(ctx: &Ctx, req: &Request, act: &ActionArgs) -> Result<()> {
    if act.yes {
        return Ok(());
    }
    let p = plan::plan(ctx.store.view(), &ctx.config, &ctx.actor, ctx.now(), req)?;
    let failing: Vec<crate::domain::Gate> = p.failing().into_iter().cloned().collect();
    // Nothing to confirm when the gates refuse anyway (unless forcing).
    if !failing.is_empty() && (!act.force || failing.iter().any(|g| !g.overridable)) {
        return Err(Error::Refused {
            action: req.action().as_str().into(),
            env: p.env.clone(),
            gates: failing,
        });
    }
    let (question, type_name) = describe(ctx, req)?;
    if !std::io::stdin().is_terminal() {
        return Err(Error::usage(format!(
            "{question}\nthis needs confirmation and there is no terminal to ask: pass --yes"
        )));
    }
    confirm(&question, type_name.as_deref(), false)
}

pub fn deploy(ctx: &mut Ctx, env: &str, version: &str, act: &ActionArgs) -> Result<i32> {
    let req = Request::Deploy {
        env: env.into(),
        version: version.into(),
    };
    confirm_request(ctx, &req, act)?;
    let cancel = cancel_on_signal(ctx);
    let r = ops::deploy::deploy(ctx, env, version, &options(act, None), &mut progress_printer(), &cancel)?;
    finish(r, act.json.json)
}

pub fn promote(
    ctx: &mut Ctx,
    from: Option<&str>,
    to: Option<&str>,
    through: Option<&str>,
    expect: Option<&str>,
    act: &ActionArgs,
) -> Result<i32> {
    let expect = expect.map(parse_release).transpose()?;
    let cancel = cancel_on_signal(ctx);
    if let Some(target) = through {
        if !act.yes {
            let chain = ops::deploy::chain_to(ctx, target)?;
            let path: Vec<String> = std::iter::once(chain[0].0.clone())
                .chain(chain.iter().map(|(_, t)| t.clone()))
                .collect();
            let protected = ctx
                .config
                .environments
                .iter()
                .find(|e| e.protected && chain.iter().any(|(_, t)| t == &e.name))
                .map(|e| e.name.clone());
            if !std::io::stdin().is_terminal() {
                return Err(Error::usage(
                    "this needs confirmation and there is no terminal to ask: pass --yes",
                ));
            }
            confirm(
                &format!("Promote through {} (each step gated)?", path.join(" → ")),
                protected.as_deref(),
                false,
            )?;
        }
        let made = ops::deploy::promote_through(ctx, target, &options(act, None), &mut progress_printer(), &cancel)?;
        if act.json.json {
            print_json(&made.iter().map(release_json).collect::<Vec<_>>());
        } else if made.is_empty() {
            out(format!(
                "nothing to promote: every stage up to {target} already runs its source's build"
            ));
        } else {
            for r in &made {
                out(result_line(r));
            }
        }
        note_if_unread(&made);
        return Ok(0);
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Error::usage(
            "usage: relcon promote FROM TO | relcon promote --through ENV",
        ));
    };
    confirm_request(
        ctx,
        &Request::Promote {
            from: from.into(),
            to: to.into(),
        },
        act,
    )?;
    let r = ops::deploy::promote(ctx, from, to, &options(act, expect), &mut progress_printer(), &cancel)?;
    finish(r, act.json.json)
}

pub fn rollback(ctx: &mut Ctx, env: &str, to: Option<&str>, act: &ActionArgs) -> Result<i32> {
    let to = to.map(parse_release).transpose()?;
    confirm_request(ctx, &Request::Rollback { env: env.into(), to }, act)?;
    let cancel = cancel_on_signal(ctx);
    let r = ops::deploy::rollback(ctx, env, to, &options(act, None), &mut progress_printer(), &cancel)?;
    finish(r, act.json.json)
}

pub fn resolve(
    ctx: &mut Ctx,
    env: &str,
    succeeded: bool,
    reason: Option<String>,
    yes: bool,
    json: bool,
) -> Result<i32> {
    let pending = ctx
        .store
        .view()
        .interrupted(env)?
        .ok_or_else(|| Error::usage(format!("{env} has no interrupted deployment to resolve")))?;
    confirm(
        &format!(
            "Mark {env} v{} ({}) as {}?",
            pending.number,
            pending.version,
            if succeeded { "succeeded" } else { "failed" }
        ),
        None,
        yes,
    )?;
    let r = ops::recover::resolve(ctx, env, succeeded, reason)?;
    finish(r, json)
}
