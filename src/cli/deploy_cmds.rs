//! Commands that run hooks: deploy, promote, rollback; and resolve.

use std::io::IsTerminal;

use super::confirm::confirm;
use super::output::{print_json, release_json};
use super::term::{self, out};
use super::{args::ActionArgs, parse_release};
use crate::domain::Release;
use crate::error::{Error, Result};
use crate::exec::{CancelToken, HookEvent};
use crate::ops::deploy::Progress;
use crate::ops::intent::{self, Confirmation, Intent, Outcome};
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

/// Ask only when a person is there to answer. Nothing is asked when the
/// gates refuse anyway (the refusal lists every failing gate).
pub fn confirm_intent(ctx: &Ctx, intent: &Intent, yes: bool, force: bool) -> Result<()> {
    if yes {
        return Ok(());
    }
    let p = intent::preview(ctx.store.view(), &ctx.config, &ctx.actor, ctx.now(), intent, None)?;
    p.judge(intent, force)?;
    if !std::io::stdin().is_terminal() {
        return Err(Error::usage(format!(
            "{}\nthis needs confirmation and there is no terminal to ask: pass --yes",
            p.question
        )));
    }
    confirm(&p.question, p.confirm_name.as_deref(), false)
}

/// Confirm, run with live progress on stderr (Ctrl-C cancels the hook),
/// and print the releases made.
fn deploy_intent(ctx: &mut Ctx, intent: Intent, act: &ActionArgs) -> Result<i32> {
    confirm_intent(ctx, &intent, act.yes, act.force)?;
    let cancel = cancel_on_signal(ctx);
    let confirmation = Confirmation {
        reason: act.reason.clone(),
        force: act.force,
    };
    let made = match intent::execute(ctx, &intent, &confirmation, &mut progress_printer(), &cancel)? {
        Outcome::Releases(made) => made,
        other => return Err(Error::runtime(format!("unexpected outcome: {}", other.summary()))),
    };
    if let Intent::PromoteThrough { target } = &intent {
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
    match made.into_iter().next() {
        Some(r) => finish(r, act.json.json),
        None => Err(Error::runtime("the deployment left no release")),
    }
}

pub fn deploy(ctx: &mut Ctx, env: &str, version: &str, act: &ActionArgs) -> Result<i32> {
    let intent = Intent::Deploy {
        env: env.into(),
        version: version.into(),
    };
    deploy_intent(ctx, intent, act)
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
    let intent = match (through, from, to) {
        (Some(target), ..) => Intent::PromoteThrough { target: target.into() },
        (None, Some(from), Some(to)) => Intent::Promote {
            from: from.into(),
            to: to.into(),
            expect,
        },
        _ => {
            return Err(Error::usage(
                "usage: relcon promote FROM TO | relcon promote --through ENV",
            ))
        }
    };
    deploy_intent(ctx, intent, act)
}

pub fn rollback(ctx: &mut Ctx, env: &str, to: Option<&str>, act: &ActionArgs) -> Result<i32> {
    let to = to.map(parse_release).transpose()?;
    deploy_intent(ctx, Intent::Rollback { env: env.into(), to }, act)
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
