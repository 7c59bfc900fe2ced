//! The work itself, on whichever thread runs it: an intent through
//! `intent::execute` (the same path the CLI takes), a preview through
//! `intent::preview`, the commits between two releases, a flag's history;
//! errors as the one-line sentences the status line and dialogs show.

use crate::error::Error;
use crate::exec::CancelToken;
use crate::health::Board;
use crate::ops::deploy::Progress;
use crate::ops::intent::{self, Intent, Preview};
use crate::ops::{self, Ctx};
use crate::tui::event::{CommitsKey, FlagHistoryKey, Job, FLAG_HISTORY_LIMIT};

/// What `intent` would do as of now; `board`: the reader's live health,
/// so `require_healthy` needs no poll of its own.
pub fn preview_of(ctx: &Ctx, board: Option<&Board>, intent: &Intent) -> Result<Preview, String> {
    intent::preview(ctx.store.view(), &ctx.config, &ctx.actor, ctx.now(), intent, board).map_err(|e| plain(&e))
}

/// The commits for `key`, or the error as one plain sentence.
pub fn commits_of(ctx: &Ctx, key: &CommitsKey) -> Result<Vec<crate::ops::commits::CommitSummary>, String> {
    ops::commits::between(ctx, &key.env, key.from, key.to)
        .map(Option::unwrap_or_default)
        .map_err(|e| plain(&e))
}

/// The newest changes of a flag in an env, or the error as one sentence.
pub fn flag_history_of(ctx: &Ctx, key: &FlagHistoryKey) -> Result<Vec<crate::ledger::store::FlagChange>, String> {
    ops::flags::history(ctx, &key.env, &key.flag, FLAG_HISTORY_LIMIT).map_err(|e| plain(&e))
}

/// What changed, or the error as one sentence.
pub fn diff_of(ctx: &Ctx, ask: &crate::tui::event::DiffAsk) -> Result<Box<ops::diff::Diff>, String> {
    use crate::tui::event::DiffAsk;
    match ask {
        DiffAsk::Releases { env, from, to } => ops::diff::releases(ctx, env, *from, *to),
        DiffAsk::Environments { from, to } => ops::diff::environments(ctx, from, to),
    }
    .map(Box::new)
    .map_err(|e| plain(&e))
}

/// Run one job; the message says what happened, in one line.
pub fn run_job(ctx: &mut Ctx, job: &Job, cancel: &CancelToken, on: &mut dyn FnMut(Progress)) -> Result<String, String> {
    let said = match job {
        Job::Intent { intent, confirmation } => {
            intent::execute(ctx, intent, confirmation, on, cancel).map(|done| done.summary())
        }
        Job::Eval { env, flag, key } => ops::flags::eval(ctx, env, flag, key)
            .map(|r| format!("{flag} in {env} for key {key}: {} — {}", r.variant, r.reason)),
        // Answered as `Msg::Diff` (see `diff_of`), never through here.
        Job::Diff(_) => Ok("diff".to_string()),
        Job::Shell { index, env } => {
            ops::shell_key::run(ctx, *index, Some(env)).map(|out| match out.lines().last().filter(|l| !l.is_empty()) {
                Some(last) => format!("done: {last}"),
                None => "done".to_string(),
            })
        }
    };
    said.map(|m| format!("✔ {m}")).map_err(|e| one_line(&e))
}

/// An error as one status-line sentence, every failing gate named.
pub fn one_line(e: &Error) -> String {
    format!("✖ {}", plain(e))
}

/// The same sentence without the symbol (a dialog draws its own).
pub fn plain(e: &Error) -> String {
    e.plain()
}
