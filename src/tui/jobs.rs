//! The work itself, on whichever thread runs it: a job through the same
//! ops the CLI calls, the commits between two releases, and errors as the
//! one-line sentences the status line and dialogs show.

use super::commits::CommitsKey;
use super::event::Job;
use crate::error::Error;
use crate::exec::CancelToken;
use crate::ops::checklist::TickRequest;
use crate::ops::deploy::Progress;
use crate::ops::{self, Ctx};

/// The commits for `key`, or the error as one plain sentence.
pub fn commits_of(ctx: &Ctx, key: &CommitsKey) -> Result<Vec<crate::ops::commits::CommitSummary>, String> {
    ops::commits::between(ctx, &key.env, key.from, key.to)
        .map(Option::unwrap_or_default)
        .map_err(|e| plain(&e))
}

/// The newest changes of a flag in an env, or the error as one sentence.
pub fn flag_history_of(
    ctx: &Ctx,
    key: &super::flag_history::FlagHistoryKey,
) -> Result<Vec<crate::ledger::store::FlagChange>, String> {
    ops::flags::history(ctx, &key.env, &key.flag, super::flag_history::LIMIT).map_err(|e| plain(&e))
}

/// Run one job through ops; the message says what happened, in one line.
pub fn run_job(ctx: &mut Ctx, job: &Job, cancel: &CancelToken, on: &mut dyn FnMut(Progress)) -> Result<String, String> {
    let done = |r: crate::domain::Release| format!("✔ {} v{}: {} — {}", r.env, r.number, r.version, r.description());
    let res = match job {
        Job::Deploy { env, version, opts } => {
            ops::deploy::deploy(ctx, env, version, &opts.into(), on, cancel).map(done)
        }
        Job::Promote { from, to, opts } => ops::deploy::promote(ctx, from, to, &opts.into(), on, cancel).map(done),
        Job::Rollback { env, to, opts } => ops::deploy::rollback(ctx, env, *to, &opts.into(), on, cancel).map(done),
        Job::PromoteThrough { target, opts } => ops::deploy::promote_through(ctx, target, &opts.into(), on, cancel)
            .map(|made| {
                if made.is_empty() {
                    format!("✔ nothing to promote: every stage up to {target} already runs its source's build")
                } else {
                    made.into_iter().map(done).collect::<Vec<_>>().join("; ")
                }
            }),
        Job::Approve { env, version, note } => ops::approve::approve(ctx, env, version, note.clone())
            .map(|by| format!("✔ approved {version} into {env} (approvals: {})", by.join(", "))),
        Job::HoldClear { env, reason } => {
            ops::hold::clear(ctx, env, reason.clone()).map(|_| format!("✔ hold on {env} cleared"))
        }
        Job::Resolve { env, succeeded, reason } => ops::recover::resolve(ctx, env, *succeeded, reason.clone())
            .map(|r| format!("✔ {env} v{} resolved as {}", r.number, r.status.as_str())),
        Job::Tick(t) => ops::checklist::tick(
            ctx,
            TickRequest {
                env: t.env.clone(),
                checklist: t.checklist.clone(),
                item: t.item.clone(),
                undo: t.undo,
                note: t.note.clone(),
                role: t.role.clone(),
                version: t.version.clone(),
            },
        )
        .map(|run| {
            let verb = if t.undo { "unticked" } else { "ticked" };
            let note = if t.note.is_some() { " with a note" } else { "" };
            format!(
                "✔ {verb} {} #{}{note} — {}/{} done",
                run.name, t.item, run.done, run.total
            )
        }),
        Job::Flag {
            env,
            flag,
            op,
            reason,
            force,
        } => {
            return super::flag_work::run(ctx, env, flag, op, reason.clone(), *force);
        }
        Job::FlagEval { env, flag, key } => return super::flag_work::eval(ctx, env, flag, key),
        Job::Shell { index, env } => ops::shell_key::run(ctx, *index, Some(env)).map(|out| {
            let last = out.lines().last().unwrap_or("").to_string();
            format!(
                "✔ done{}",
                if last.is_empty() {
                    String::new()
                } else {
                    format!(": {last}")
                }
            )
        }),
    };
    res.map_err(|e| one_line(&e))
}

/// An error as one status-line sentence, every failing gate named.
pub fn one_line(e: &Error) -> String {
    format!("✖ {}", plain(e))
}

/// The same sentence without the symbol (a dialog draws its own).
pub fn plain(e: &Error) -> String {
    e.plain()
}
