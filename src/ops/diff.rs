//! "What changed" (DESIGN §13): between two releases of one environment,
//! or between two environments (what a promotion would bring, like
//! `heroku pipelines:diff`): the commits between the builds, and what the
//! ledger recorded around them — flag changes, approvals, checklist ticks,
//! holds, overrides.

use serde::Serialize;
use std::path::Path;

use super::commits::{git, is_sha, log, log_all, CommitSummary, LIMIT};
use super::{audit, Ctx};
use crate::domain::Release;
use crate::error::{Error, Result};
use crate::ledger::{kind, Event, StateView};

/// One side of a diff: a release, or an environment's current release.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub env: String,
    pub release: Option<u64>,
    pub version: Option<String>,
    pub commit: Option<String>,
}

/// The commits between the two builds.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Commits {
    /// Newest first; at most `LIMIT`.
    pub list: Vec<CommitSummary>,
    /// More than `LIMIT` commits: the list is the newest of them.
    pub truncated: bool,
    /// The newer build is *older* than the other (a rollback): the list is
    /// what going to it takes out.
    pub removed: bool,
    /// Why there is no list: no `project.repo`, a commit git does not know …
    pub note: Option<String>,
}

/// A ledger event in the window, in words.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub seq: u64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub kind: String,
    pub env: Option<String>,
    pub summary: String,
}

/// What a diff compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffMode {
    /// One env, vA → vB.
    Releases,
    /// Promoting FROM into TO.
    Environments,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub mode: DiffMode,
    /// The older state: release vA, or TO's current release.
    pub from: Side,
    /// The newer state: release vB, or FROM's current release (what would come).
    pub to: Side,
    pub commits: Commits,
    pub flag_changes: Vec<Entry>,
    pub approvals: Vec<Entry>,
    pub checklist_ticks: Vec<Entry>,
    /// Everything else in the window (holds, overrides, notes, incidents …).
    pub other: Vec<Entry>,
    /// Flags whose state differs between the two environments ("environments" only).
    pub flags_differ: Vec<String>,
    /// "1.11.0 → 1.11.2: 7 commits, 2 flag changes".
    pub summary: String,
}

impl Diff {
    /// Releases compared with nothing: `to` is the env's first succeeded release.
    pub fn first_release(&self) -> bool {
        self.mode == DiffMode::Releases && self.from.release.is_none()
    }
}

/// At most this many ledger events are read for one diff.
const WINDOW: usize = 2_000;

fn side(env: &str, r: Option<&Release>) -> Side {
    Side {
        env: env.to_string(),
        release: r.map(|r| r.number),
        version: r.map(|r| r.version.clone()),
        commit: r.map(|r| r.commit.clone()),
    }
}

fn release(view: &dyn StateView, env: &str, n: u64) -> Result<Release> {
    view.release(env, n)?
        .ok_or_else(|| Error::usage(format!("{env} has no release v{n}")))
}

/// `relcon diff ENV [vA] [vB]`: vB defaults to the current release, vA to
/// the succeeded release before vB. With no such release (vB is the env's
/// first), vB is compared with nothing: everything in it is new, which is
/// what an on-call engineer asks of a first release.
pub fn releases(ctx: &Ctx, env: &str, a: Option<u64>, b: Option<u64>) -> Result<Diff> {
    ctx.env(env)?;
    let view = ctx.store.view();
    let to = match b {
        Some(n) => release(view, env, n)?,
        None => view
            .current_release(env)?
            .ok_or_else(|| Error::usage(format!("{env} has no current release to compare")))?,
    };
    let from = match a {
        Some(n) => Some(release(view, env, n)?),
        None => view
            .history(env, 0, 500)?
            .into_iter()
            .find(|r| r.number < to.number && r.status == crate::domain::DeploymentStatus::Succeeded),
    };
    let repo = ctx.config.project.repo.as_deref();
    let (events, commits) = match &from {
        Some(from) => (
            window(ctx, from.seq.min(to.seq), from.seq.max(to.seq), Some(env))?,
            commits(repo, &from.commit, &to.commit),
        ),
        // Everything recorded about the env up to its first release.
        None => (window(ctx, 0, to.seq, Some(env))?, first_commits(repo, &to.commit)),
    };
    Ok(assemble(
        DiffMode::Releases,
        side(env, from.as_ref()),
        side(env, Some(&to)),
        commits,
        events,
        Vec::new(),
    ))
}

/// `relcon diff FROM TO`: what promoting FROM's current build into TO would
/// bring: commits, the flags that differ, and what the ledger says about
/// that build in TO (approvals, checklist ticks) and since TO's release.
pub fn environments(ctx: &Ctx, from_env: &str, to_env: &str) -> Result<Diff> {
    ctx.env(from_env)?;
    ctx.env(to_env)?;
    let view = ctx.store.view();
    let src = view.current_release(from_env)?;
    let dst = view.current_release(to_env)?;
    let commits = match (&src, &dst) {
        (Some(s), Some(d)) => commits(ctx.config.project.repo.as_deref(), &d.commit, &s.commit),
        (None, _) => Commits {
            note: Some(format!("{from_env} has no current release")),
            ..Commits::default()
        },
        (Some(_), None) => Commits {
            note: Some(format!("{to_env} has no release yet: everything is new there")),
            ..Commits::default()
        },
    };
    let since = dst.as_ref().map_or(0, |d| d.seq);
    let head = ctx.store.head_seq()?;
    let events = window(ctx, since, head, Some(to_env))?
        .into_iter()
        // What the ledger says in TO about the build coming in, or since TO's release.
        .filter(|e| {
            let v = e.body_json();
            let about = v.get("version").and_then(|x| x.as_str());
            about.is_none() || src.as_ref().is_some_and(|s| Some(s.version.as_str()) == about)
        })
        .collect();
    let differ = super::flags::list(ctx)?;
    let mut flags_differ: Vec<String> = Vec::new();
    for row in differ.iter().filter(|r| r.env == from_env) {
        if let Some(other) = differ.iter().find(|o| o.env == to_env && o.flag == row.flag) {
            if other.state != row.state || other.targets != row.targets {
                flags_differ.push(format!(
                    "{}: {} in {from_env}, {} in {to_env}",
                    row.flag, row.state, other.state
                ));
            }
        }
    }
    // Read as a change to TO: what runs there now → what would come.
    Ok(assemble(
        DiffMode::Environments,
        side(to_env, dst.as_ref()),
        side(from_env, src.as_ref()),
        commits,
        events,
        flags_differ,
    ))
}

/// Events with `lo < seq <= hi` about `env` (or about no env), oldest first.
fn window(ctx: &Ctx, lo: u64, hi: u64, env: Option<&str>) -> Result<Vec<Event>> {
    let mut out = Vec::new();
    let mut after = lo;
    while after < hi && out.len() < WINDOW {
        let page = ctx.store.events_after(after, 500)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        out.extend(
            page.into_iter()
                .filter(|e| e.seq <= hi && (e.env.is_none() || e.env.as_deref() == env)),
        );
    }
    Ok(out)
}

fn entry(e: &Event) -> Entry {
    Entry {
        seq: e.seq,
        at: e.at,
        actor: e.actor.clone(),
        kind: e.kind.clone(),
        env: e.env.clone(),
        summary: audit::summary(e),
    }
}

fn assemble(
    mode: DiffMode,
    from: Side,
    to: Side,
    commits: Commits,
    events: Vec<Event>,
    flags_differ: Vec<String>,
) -> Diff {
    let pick = |kinds: &[&str]| -> Vec<Entry> {
        events
            .iter()
            .filter(|e| kinds.contains(&e.kind.as_str()))
            .map(entry)
            .collect()
    };
    let flag_changes = pick(&[kind::FLAG_CHANGED]);
    let approvals = pick(&[kind::APPROVAL_GRANTED]);
    let checklist_ticks = pick(&[kind::CHECKLIST_TICKED, kind::CHECKLIST_UNTICKED]);
    // Deployment bookkeeping is what the two sides (and the history) already
    // say; failures, interruptions, holds and overrides stay.
    let routine = [
        kind::DEPLOYMENT_STARTED,
        kind::DEPLOYMENT_SUCCEEDED,
        kind::FLAG_CHANGED,
        kind::APPROVAL_GRANTED,
        kind::CHECKLIST_TICKED,
        kind::CHECKLIST_UNTICKED,
        kind::DEPLOYMENT_STEP,
        kind::LEASE_ACQUIRED,
        kind::LEASE_RELEASED,
        kind::BUILD_REGISTERED,
    ];
    let other: Vec<Entry> = events
        .iter()
        .filter(|e| !routine.contains(&e.kind.as_str()))
        .map(entry)
        .collect();
    let first = mode == DiffMode::Releases && from.release.is_none();
    let summary = summary(&from, &to, first, &commits, flag_changes.len(), flags_differ.len());
    Diff {
        mode,
        from,
        to,
        commits,
        flag_changes,
        approvals,
        checklist_ticks,
        other,
        flags_differ,
        summary,
    }
}

fn summary(from: &Side, to: &Side, first: bool, c: &Commits, flag_changes: usize, flags_differ: usize) -> String {
    let v = |s: &Side| s.version.clone().unwrap_or_else(|| "nothing".into());
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if first {
        parts.push("first release".to_string());
    }
    match &c.note {
        Some(_) => parts.push("commits unknown".to_string()),
        None => {
            let n = plural(c.list.len(), "commit");
            let n = if c.truncated { format!("{n}+") } else { n };
            parts.push(if c.removed { format!("{n} taken out") } else { n });
        }
    }
    if flag_changes > 0 {
        parts.push(plural(flag_changes, "flag change"));
    }
    if flags_differ > 0 {
        let verb = if flags_differ == 1 { "differs" } else { "differ" };
        parts.push(format!("{} {verb}", plural(flags_differ, "flag")));
    }
    format!("{} → {}: {}", v(from), v(to), parts.join(", "))
}

fn note(n: String) -> Commits {
    Commits {
        note: Some(n),
        ..Commits::default()
    }
}

const NO_REPO: &str = "no project.repo in the config: set it to list the commits between builds";

/// Why the commits of these builds cannot be listed, if they cannot.
fn unlistable(repo: &Path, shas: &[&str]) -> Option<String> {
    if let Some(c) = shas.iter().find(|c| !is_sha(c)) {
        return Some(format!("{c:?} is not a git commit id"));
    }
    shas.iter()
        .find(|c| git(repo, &["cat-file", "-e", &format!("{c}^{{commit}}")]).is_err())
        .map(|c| {
            format!(
                "commit {} is not in {} (fetch it, or it was never pushed)",
                audit::short(c),
                repo.display()
            )
        })
}

/// At most `LIMIT` of the listed commits; `truncated` when there were more.
fn capped(listed: std::result::Result<Vec<CommitSummary>, String>, removed: bool) -> Commits {
    match listed {
        Ok(mut list) => {
            let truncated = list.len() > LIMIT;
            list.truncate(LIMIT);
            Commits {
                list,
                truncated,
                removed,
                note: None,
            }
        }
        Err(e) => note(e),
    }
}

/// The commits in `new` that are not in `old` (or, when `new` is an
/// ancestor of `old`, the ones going back to it takes out).
pub fn commits(repo: Option<&Path>, old: &str, new: &str) -> Commits {
    let Some(repo) = repo else {
        return note(NO_REPO.into());
    };
    if let Some(why) = unlistable(repo, &[old, new]) {
        return note(why);
    }
    let removed = old != new && git(repo, &["merge-base", "--is-ancestor", new, old]).is_ok();
    let (a, b) = if removed { (new, old) } else { (old, new) };
    capped(log(repo, a, b, LIMIT + 1), removed)
}

/// A first release's commits: all of its build's history (the newest
/// `LIMIT`), since nothing ran before it.
fn first_commits(repo: Option<&Path>, new: &str) -> Commits {
    let Some(repo) = repo else {
        return note(NO_REPO.into());
    };
    if let Some(why) = unlistable(repo, &[new]) {
        return note(why);
    }
    capped(log_all(repo, new, LIMIT + 1), false)
}
