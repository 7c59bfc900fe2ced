//! Commits between two releases, when `project.repo` names a git repo:
//! "what changed" for the release detail pane.

use serde::Serialize;
use std::path::Path;
use std::process::Command;

use crate::error::{Error, Result};

use super::Ctx;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitSummary {
    pub sha: String,
    pub author: String,
    pub at: String,
    pub subject: String,
}

/// At most this many commits are listed.
pub const LIMIT: usize = 50;

/// Commits in `to`'s build that are not in `from`'s, newest first. None when
/// no repo is configured. Commit ids come from the ledger and are passed to
/// git as arguments, never through a shell.
pub fn between(ctx: &Ctx, env: &str, from: u64, to: u64) -> Result<Option<Vec<CommitSummary>>> {
    let Some(repo) = &ctx.config.project.repo else {
        return Ok(None);
    };
    let view = ctx.store.view();
    let (Some(a), Some(b)) = (view.release(env, from)?, view.release(env, to)?) else {
        return Err(Error::usage(format!("{env} has no release v{from} or v{to}")));
    };
    log(repo, &a.commit, &b.commit, LIMIT).map(Some).map_err(Error::runtime)
}

/// Hex, 4–64 characters: safe to hand git as a revision.
pub fn is_sha(s: &str) -> bool {
    (4..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// `git log old..new` (at most `max` commits, newest first). Commit ids come
/// from the ledger and reach git as arguments, never through a shell.
pub fn log(repo: &Path, old: &str, new: &str, max: usize) -> std::result::Result<Vec<CommitSummary>, String> {
    for c in [old, new] {
        if !is_sha(c) {
            return Err(format!("{c:?} is not a git commit id"));
        }
    }
    run_log(repo, &format!("{old}..{new}"), max)
}

/// `git log new`: every commit `new` holds (at most `max`, newest first),
/// for a build with nothing before it to compare with.
pub fn log_all(repo: &Path, new: &str, max: usize) -> std::result::Result<Vec<CommitSummary>, String> {
    if !is_sha(new) {
        return Err(format!("{new:?} is not a git commit id"));
    }
    run_log(repo, new, max)
}

/// `revs` must be checked commit ids (`is_sha`), never a flag.
fn run_log(repo: &Path, revs: &str, max: usize) -> std::result::Result<Vec<CommitSummary>, String> {
    let max = max.to_string();
    let text = git(
        repo,
        &[
            "log",
            "--no-merges",
            "--date=iso-strict",
            "--format=%h%x1f%an%x1f%ad%x1f%s",
            "-n",
            &max,
            revs,
            "--",
        ],
    )?;
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut p = l.split('\u{1f}');
            Some(CommitSummary {
                sha: p.next()?.to_string(),
                author: p.next()?.to_string(),
                at: p.next()?.to_string(),
                subject: p.next()?.to_string(),
            })
        })
        .collect())
}

/// Run git in `repo`; its first error line when it fails.
pub fn git(repo: &Path, args: &[&str]) -> std::result::Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "git {} in {}: {}",
            args.first().unwrap_or(&""),
            repo.display(),
            err.lines().next().unwrap_or("failed")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
